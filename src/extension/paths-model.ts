/**
 * Resolving the file of a source link (workspace-relative, absolute, or a path from inside a container such as
 * `/app/preprocessor.py` taken from a `code.filepath` attribute) to a file of the open workspace.
 * Pure: the file system is passed in as functions. Uses POSIX-style separators internally.
 */

export interface PathEnv {
  /** absolute paths of the workspace folders */
  folders: readonly string[];
  /** whether an absolute path is an existing file */
  exists(abs: string): boolean;
  /** workspace files as paths relative to their folder (optional: enables suffix matching) */
  files?: readonly { folder: string; rel: string }[];
  /**
   * The real path of an existing path (symlinks resolved), or undefined when it cannot be resolved. Given, a resolved
   * path must lie inside a workspace folder after resolving symlinks on both sides; without it, lexically inside.
   */
  realpath?(abs: string): string | undefined;
}

/** Whether `abs` lies inside one of `folders` (lexically, '/'-separated; a folder itself does not count). */
export function insideFolders(folders: readonly string[], abs: string): boolean {
  return relativeTo(folders, abs) !== undefined;
}

/**
 * Whether an existing `abs` is inside a workspace folder once symlinks are resolved: a link inside the workspace that
 * points to /etc/passwd or ~/.ssh is outside.
 */
export function confined(abs: string, env: PathEnv): boolean {
  if (!env.realpath) return insideFolders(env.folders, abs);
  const real = env.realpath(abs);
  if (real === undefined) return false;
  const folders = env.folders.map((f) => toPosix(env.realpath!(f) ?? f));
  return insideFolders(folders, toPosix(real));
}

/** Folders that hold installed libraries, not the application's code. */
const LIBRARY_DIR = /\/(?:site-packages|dist-packages|node_modules|vendor|pkg\/mod|\.cargo\/registry|\.m2\/repository|\.gradle\/caches|lib\/python\d[\d.]*|jdk[^/]*|Microsoft\.NET)\//i;

export function toPosix(p: string): string {
  return p.replace(/\\/g, '/');
}

export function isAbsolute(p: string): boolean {
  return p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p);
}

export function joinPath(folder: string, rel: string): string {
  const f = toPosix(folder).replace(/\/+$/, '');
  const parts: string[] = [];
  for (const seg of toPosix(rel).split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') parts.pop();
    else parts.push(seg);
  }
  return parts.length ? `${f}/${parts.join('/')}` : f;
}

/** Path of `abs` relative to the first folder containing it, or undefined. */
export function relativeTo(folders: readonly string[], abs: string): { folder: string; rel: string } | undefined {
  const a = toPosix(abs);
  for (const folder of folders) {
    const f = toPosix(folder).replace(/\/+$/, '');
    if (a.startsWith(f + '/')) return { folder, rel: a.slice(f.length + 1) };
  }
  return undefined;
}

/** The last segment of a path, '/' or '\\' separated. */
export function baseName(p: string): string {
  const i = Math.max(p.lastIndexOf('/'), p.lastIndexOf('\\'));
  return i >= 0 ? p.slice(i + 1) : p;
}

/** A workspace folder's name as VS Code shows it: its last path segment. */
export function folderName(folder: string): string {
  return baseName(toPosix(folder).replace(/\/+$/, ''));
}

/**
 * The source indexes of the workspace folders, for `bestAcross`: with several folders each link's file is named by its
 * folder — `shop/shop-api/src/checkout.ts`, as VS Code names a file of a multi-root workspace (not an absolute path: it
 * is shown in the flame panel, the report and the chat, and sent to a model) — or by its absolute path when two
 * folders share a name. `resolveSourcePath` resolves both.
 */
export function folderSearch<I>(indexes: readonly { folder: string; index: I }[]): { index: I; rename?: (file: string) => string; label?: string }[] {
  if (indexes.length <= 1) return indexes.map(({ index }) => ({ index }));
  const names = indexes.map(({ folder }) => folderName(folder));
  const unique = names.every((n) => n !== '') && new Set(names).size === names.length;
  return indexes.map(({ folder, index }, k) => {
    const prefix = unique ? names[k]! : toPosix(folder).replace(/\/+$/, '');
    return { index, rename: (file: string) => `${prefix}/${file}`, label: names[k]! };
  });
}

/**
 * Resolve a source-link file (from trace data: untrusted) to an absolute path in the workspace:
 * 0. several folders, relative, its first segment the name of exactly one of them (`shop/shop-api/src/x.ts`) → the
 *    rest joined with that folder;
 * 1. relative → each folder joined with it, first that exists;
 * 2. absolute (or a file:// URL) and existing → as is;
 * 3. otherwise the workspace file sharing the longest path suffix (at least the file name) with it.
 * Only a file inside a workspace folder after resolving symlinks (see `confined`) is returned: `/etc/passwd`,
 * `file:///root/.bashrc`, `../../x` or a symlink in the workspace that points outside give undefined (or, for an
 * absolute path, the workspace file with the same name). `outsideWorkspace` tells the two apart for the caller.
 */
export function resolveSourcePath(file: string, env: PathEnv): string | undefined {
  if (!file) return undefined;
  const p = sourcePathOf(file);
  if (isAbsolute(p)) {
    if (env.exists(p) && confined(p, env)) return p;
  } else {
    if (env.folders.length > 1) {
      const [first, ...rest] = p.split('/');
      const named = env.folders.filter((f) => folderName(f) === first);
      if (named.length === 1 && rest.length) {
        const abs = joinPath(named[0]!, rest.join('/'));
        if (env.exists(abs) && confined(abs, env)) return abs;
      }
    }
    for (const folder of env.folders) {
      const abs = joinPath(folder, p);
      if (env.exists(abs) && confined(abs, env)) return abs;
    }
  }
  if (!env.files || env.files.length === 0) return undefined;
  const want = p.split('/').filter((s) => s && s !== '.' && s !== '..');
  if (want.length === 0) return undefined;
  let best: { folder: string; rel: string } | undefined;
  let bestScore = 0;
  let tie = false;
  for (const f of env.files) {
    const have = f.rel.split('/');
    let k = 0;
    while (k < want.length && k < have.length && want[want.length - 1 - k] === have[have.length - 1 - k]) k++;
    if (k === 0) continue;
    if (k > bestScore || (k === bestScore && best && f.rel.length < best.rel.length)) {
      tie = k === bestScore && !!best && f.rel.length === best.rel.length;
      best = f;
      bestScore = k;
    } else if (k === bestScore && best && f.rel.length === best.rel.length) {
      tie = true;
    }
  }
  // A bare file name matching several files equally well is ambiguous: don't guess.
  if (!best || (tie && bestScore === 1)) return undefined;
  // A library's file (site-packages/opentelemetry/__init__.py, node_modules/…) is not the workspace file that only
  // shares its name: a match on the name alone needs a path that could be the application's.
  if (bestScore === 1 && LIBRARY_DIR.test('/' + p)) return undefined;
  const found = joinPath(best.folder, best.rel);
  return confined(found, env) ? found : undefined;
}

/** A source-link file as a '/'-separated path: `file://` URLs decoded (file:///C:/x → C:/x). */
export function sourcePathOf(file: string): string {
  let p = file;
  if (/^file:\/\//i.test(p)) {
    p = p.replace(/^file:\/\/(localhost)?/i, '');
    try {
      p = decodeURIComponent(p);
    } catch {
      /* keep it encoded */
    }
    if (/^\/[A-Za-z]:[\\/]/.test(p)) p = p.slice(1);
  }
  return toPosix(p);
}

/**
 * An existing file outside every workspace folder that a source link names (absolute path, file:// URL, a relative
 * path with `..` or a symlink escaping the workspace), or undefined. For "open it anyway?" prompts.
 */
export function outsideWorkspace(file: string, env: PathEnv): string | undefined {
  if (!file) return undefined;
  const p = sourcePathOf(file);
  if (isAbsolute(p)) return env.exists(p) && !confined(p, env) ? p : undefined;
  for (const folder of env.folders) {
    const abs = joinPath(folder, p);
    if (env.exists(abs) && !confined(abs, env)) return env.realpath?.(abs) ?? abs;
  }
  return undefined;
}
