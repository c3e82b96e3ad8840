/**
 * One pass over a workspace folder building the span-name → source-location index (core/source/resolve.ts).
 * Honours .gitignore files (root and nested, via the `ignore` package), skips node_modules, .git and other VCS/tool
 * folders, binary files (NUL byte in the first 8 KiB) and files larger than `maxFileBytes`. Only source-code
 * extensions are read.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { SourceIndex } from '../core/source/resolve';

export const SOURCE_EXTENSIONS = new Set([
  'py', 'pyi', 'js', 'mjs', 'cjs', 'jsx', 'ts', 'mts', 'cts', 'tsx', 'go', 'java', 'kt', 'kts', 'scala', 'cs', 'rs',
  'rb', 'php', 'swift', 'cpp', 'cc', 'c', 'h', 'hpp', 'ex', 'exs', 'erl', 'clj', 'fs', 'vb', 'lua', 'dart',
]);
const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', '.venv', 'venv', '__pycache__', '.tox', '.mypy_cache', '.next', '.cache']);

export interface ScanOptions {
  /** stop after this many source files (default 20000) */
  maxFiles?: number;
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
  const maxFiles = opts.maxFiles ?? 20000;
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
      let buf: Buffer;
      try {
        const s = await stat(abs);
        if (s.size > maxBytes) {
          skipped.large++;
          continue;
        }
        buf = await readFile(abs);
      } catch {
        continue;
      }
      const head = buf.subarray(0, 8192);
      if (head.includes(0)) {
        skipped.binary++;
        continue;
      }
      files++;
      index.addFile(prefix + rel, buf.toString('utf8'));
      if (opts.onProgress && files % 200 === 0) opts.onProgress({ files, matches: index.matches, path: rel });
    }
    if (truncated) break;
    // depth-first in name order
    for (let k = subdirs.length - 1; k >= 0; k--) stack.push(subdirs[k]!);
  }
  opts.onProgress?.({ files, matches: index.matches, path: '' });
  return { index, files, skipped, truncated };
}
