import { renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/**
 * Write a report file whole or not at all: into a temporary file beside it, then renamed over it (atomic on one
 * file system). A failure (disk full, no permission) removes the temporary file and throws; the target keeps its old
 * content. A reader of the target (upload-sarif, a JUnit collector, a browser) never sees half a file.
 */
export function writeFileAtomic(path: string, data: string): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(tmp, data);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

/** Why a file could not be written, without the path Node appends (maybe the temporary file's): "ENOENT: no such file or directory". */
export function writeFailure(e: unknown): string {
  return String((e as Error)?.message ?? e).replace(/, \w+ '[^']*'(?: -> '[^']*')?$/, '');
}
