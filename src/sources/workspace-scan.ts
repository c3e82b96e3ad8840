/**
 * One pass over a workspace folder building the span-name → source-location index (core/source/resolve.ts).
 * Honours .gitignore files (root and nested, via the `ignore` package), skips node_modules, .git and other VCS/tool
 * folders, binary files (NUL byte in the first 8 KiB) and files larger than `maxFileBytes`. Only source-code
 * extensions are read.
 */
import { spawn } from 'node:child_process';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { SourceIndex } from '../core/source/resolve';

export const SOURCE_EXTENSIONS = new Set([
  'py', 'pyi', 'js', 'mjs', 'cjs', 'jsx', 'ts', 'mts', 'cts', 'tsx', 'go', 'java', 'kt', 'kts', 'scala', 'cs', 'rs',
  'rb', 'php', 'swift', 'cpp', 'cc', 'c', 'h', 'hpp', 'ex', 'exs', 'erl', 'clj', 'fs', 'vb', 'lua', 'dart',
]);
const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '.venv', 'venv', '__pycache__', '.tox', '.mypy_cache', '.next', '.cache']);

/** Source files indexed per folder unless raised (CLI --max-source-files, setting traceDoctor.sourceScan.maxFiles). */
export const DEFAULT_MAX_SOURCE_FILES = 20000;

export interface ScanOptions {
  /** stop after this many source files (default DEFAULT_MAX_SOURCE_FILES) */
  maxFiles?: number;
  /**
   * List the files with ripgrep (`rg --files`, much faster on big trees) when it is installed: true (default) looks
   * for `rg` on the PATH, a string is the rg binary to use, false always walks in JS. Falls back to the JS walk when
   * rg cannot be started.
   */
  ripgrep?: boolean | string;
  /** skip files larger than this (default 2 MiB) */
  maxFileBytes?: number;
  signal?: AbortSignal;
  onProgress?: (p: { files: number; matches: number; path: string }) => void;
  /** add to an existing index (several workspace folders → one index; paths get `prefix/`) */
  index?: SourceIndex;
  prefix?: string;
}

export interface ScanResult {
  index: SourceIndex;
  files: number;
  skipped: { binary: number; large: number; ignored: number };
  truncated: boolean;
  /** the limit that applied (truncated = more source files than this) */
  maxFiles: number;
  /** how the files were listed */
  lister: 'ripgrep' | 'walk';
}

/** What to tell the user when a scan stopped at its file limit (CLI notes, extension warning); '' when it did not. */
export function truncationNote(r: ScanResult, root: string, howToRaise: string): string {
  if (!r.truncated) return '';
  return (
    `workspace scan of ${root} stopped at ${r.maxFiles.toLocaleString('en-US')} source files; spans opened in the files ` +
    `not read have no source link (raise the limit with ${howToRaise})`
  );
}

/**
 * Source files under `root` as '/'-separated relative paths, listed by ripgrep: .gitignore honoured (also outside a git
 * repository), hidden files included, SKIP_DIRS and symlinks not followed, sorted by path. Stops reading once `cap`
 * paths are in (the process is then ended). null when rg cannot be started (not installed): the caller walks in JS.
 */
function listWithRipgrep(root: string, rg: string, cap: number, signal?: AbortSignal): Promise<{ files: string[]; cut: boolean } | null> {
  const args = ['--files', '--hidden', '--no-require-git', '--no-ignore-global', '--no-ignore-parent', '--no-config', '--sort', 'path'];
  for (const d of SKIP_DIRS) args.push('--glob', `!**/${d}/**`, '--glob', `!${d}`);
  // a file type, not an including --glob: rg lets an including glob override .gitignore
  args.push('--type-add', `tdsource:*.{${[...SOURCE_EXTENSIONS].join(',')}}`, '--type', 'tdsource');
  return new Promise((resolveList) => {
    let child;
    try {
      child = spawn(rg, args, { cwd: root, stdio: ['ignore', 'pipe', 'ignore'], signal });
    } catch {
      resolveList(null);
      return;
    }
    const files: string[] = [];
    let rest = '';
    let cut = false;
    let settled = false;
    const done = (v: { files: string[]; cut: boolean } | null) => {
      if (!settled) {
        settled = true;
        resolveList(v);
      }
    };
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      if (cut) return;
      const lines = (rest + chunk).split('\n');
      rest = lines.pop()!;
      for (const l of lines) {
        if (!l) continue;
        if (files.length >= cap) {
          cut = true;
          child.kill();
          break;
        }
        files.push(toPosix(l.startsWith('./') ? l.slice(2) : l));
      }
    });
    child.on('error', () => done(null)); // ENOENT: no rg
    child.on('close', (code) => {
      if (rest && !cut && files.length < cap) files.push(toPosix(rest));
      // 0: files listed; 1: none matched; anything else (bad flags of an old rg…): fall back to the walk
      if (cut || code === 0 || code === 1) done({ files, cut });
      else done(null);
    });
  });
}

interface Rules {
  base: string; // relative dir ('' = root), '/'-separated
  ig: Ignore;
}

const toPosix = (p: string) => (sep === '/' ? p : p.split(sep).join('/'));

async function readIgnore(dir: string): Promise<Ignore | null> {
  try {
    const text = await readFile(join(dir, '.gitignore'), 'utf8');
    return ignore().add(text);
  } catch {
    return null;
  }
}

function isIgnored(rules: Rules[], rel: string, isDir: boolean): boolean {
  for (const r of rules) {
    const sub = r.base ? (rel.startsWith(r.base + '/') ? rel.slice(r.base.length + 1) : null) : rel;
    if (sub === null || sub === '') continue;
    if (r.ig.ignores(isDir ? sub + '/' : sub)) return true;
  }
  return false;
}

/** Scan `root` once and index every span-opening call. Paths in the index are relative to `root` ('/'-separated). */
export async function scanWorkspace(root: string, opts: ScanOptions = {}): Promise<ScanResult> {
  const maxFiles = opts.maxFiles ?? DEFAULT_MAX_SOURCE_FILES;
  if (opts.ripgrep !== false) {
    const st = await stat(root);
    if (!st.isDirectory()) throw new Error(`workspace ${root} is not a directory`);
    // a few extra paths beyond the limit: binary and large files do not count, and one more tells "truncated"
    const listed = await listWithRipgrep(root, typeof opts.ripgrep === 'string' ? opts.ripgrep : 'rg', maxFiles + 1 + Math.ceil(maxFiles / 8), opts.signal);
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    if (listed) return indexListed(root, listed.files, listed.cut, maxFiles, opts);
  }
  return walkAndIndex(root, maxFiles, opts);
}

/**
 * Read one candidate source file and add it to the index unless it is too large or binary (a NUL byte in its first
 * 8 KiB). Both listers (ripgrep, the walk) use it, so the rules stay the same. Unreadable or non-regular: 'skip'.
 */
async function indexFile(abs: string, rel: string, maxBytes: number, index: SourceIndex, prefix: string): Promise<'added' | 'large' | 'binary' | 'skip'> {
  let buf: Buffer;
  try {
    const s = await stat(abs);
    if (!s.isFile()) return 'skip';
    if (s.size > maxBytes) return 'large';
    buf = await readFile(abs);
  } catch {
    return 'skip';
  }
  if (buf.subarray(0, 8192).includes(0)) return 'binary';
  index.addFile(prefix + rel, buf.toString('utf8'));
  return 'added';
}

/** Index the files ripgrep listed (relative paths), with the same size, binary and count rules as the walk. */
async function indexListed(root: string, list: string[], cut: boolean, maxFiles: number, opts: ScanOptions): Promise<ScanResult> {
  const maxBytes = opts.maxFileBytes ?? 2 * 1024 * 1024;
  const index = opts.index ?? new SourceIndex();
  const prefix = opts.prefix ? opts.prefix.replace(/\/+$/, '') + '/' : '';
  const skipped = { binary: 0, large: 0, ignored: 0 };
  let files = 0;
  let truncated = false;
  for (let k = 0; k < list.length; k++) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    const rel = list[k]!;
    if (files >= maxFiles) {
      truncated = true;
      break;
    }
    const r = await indexFile(join(root, rel), rel, maxBytes, index, prefix);
    if (r !== 'added') {
      if (r !== 'skip') skipped[r]++;
      continue;
    }
    files++;
    if (opts.onProgress && files % 200 === 0) opts.onProgress({ files, matches: index.matches, path: rel });
  }
  // the listing itself was cut short and every listed file was used: there are more
  if (cut && !truncated) truncated = true;
  opts.onProgress?.({ files, matches: index.matches, path: '' });
  return { index, files, skipped, truncated, maxFiles, lister: 'ripgrep' };
}

async function walkAndIndex(root: string, maxFiles: number, opts: ScanOptions): Promise<ScanResult> {
  const maxBytes = opts.maxFileBytes ?? 2 * 1024 * 1024;
  const index = opts.index ?? new SourceIndex();
  const prefix = opts.prefix ? opts.prefix.replace(/\/+$/, '') + '/' : '';
  const skipped = { binary: 0, large: 0, ignored: 0 };
  let files = 0;
  let truncated = false;
  const st = await stat(root);
  if (!st.isDirectory()) throw new Error(`workspace ${root} is not a directory`);
  const stack: { dir: string; rules: Rules[] }[] = [];
  const rootIg = await readIgnore(root);
  stack.push({ dir: root, rules: rootIg ? [{ base: '', ig: rootIg }] : [] });
  while (stack.length > 0) {
    if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
    const { dir, rules } = stack.pop()!;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      continue; // unreadable folder: skip it
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: { dir: string; rules: Rules[] }[] = [];
    for (const e of entries) {
      const abs = join(dir, e.name);
      const rel = toPosix(relative(root, abs));
      if (e.isDirectory()) {
        if (SKIP_DIRS.has(e.name)) continue;
        if (isIgnored(rules, rel, true)) {
          skipped.ignored++;
          continue;
        }
        const ig = await readIgnore(abs);
        subdirs.push({ dir: abs, rules: ig ? [...rules, { base: rel, ig }] : rules });
        continue;
      }
      if (!e.isFile()) continue; // symlinks and specials are not followed
      const ext = /\.([A-Za-z0-9]+)$/.exec(e.name)?.[1]?.toLowerCase();
      if (!ext || !SOURCE_EXTENSIONS.has(ext)) continue;
      if (isIgnored(rules, rel, false)) {
        skipped.ignored++;
        continue;
      }
      if (files >= maxFiles) {
        truncated = true;
        break;
      }
      const r = await indexFile(abs, rel, maxBytes, index, prefix);
      if (r !== 'added') {
        if (r !== 'skip') skipped[r]++;
        continue;
      }
      files++;
      if (opts.onProgress && files % 200 === 0) opts.onProgress({ files, matches: index.matches, path: rel });
    }
    if (truncated) break;
    // depth-first in name order
    for (let k = subdirs.length - 1; k >= 0; k--) stack.push(subdirs[k]!);
  }
  opts.onProgress?.({ files, matches: index.matches, path: '' });
  return { index, files, skipped, truncated, maxFiles, lister: 'walk' };
}
