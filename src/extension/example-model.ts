// "Trace Doctor: Open Example Workspace…": the copy of the example workspace shipped in dist/example (esbuild.mjs makes
// it from examples/ml-pipeline). No vscode here: the command in commands.ts asks where and opens the result.
import { constants } from 'node:fs';
import { access, cp, mkdir, readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';

export const EXAMPLE_FOLDER = 'trace-doctor-example';
/** what must be in the shipped example for it to be worth creating */
export const EXAMPLE_FILES = ['README.md', 'traces/normal.json.gz', 'traces/spiked.json.gz', 'preprocessor/preprocessor.py'];

export class ExampleError extends Error {}

/**
 * Copy the example from `src` into a new folder of `parent` — `trace-doctor-example`, else `trace-doctor-example-2`, … —
 * never into an existing one, never over a file. Returns the new folder. Errors say what and where.
 */
export async function createExample(src: string, parent: string): Promise<string> {
  for (const f of EXAMPLE_FILES) {
    try {
      await access(path.join(src, f), constants.R_OK);
    } catch {
      throw new ExampleError(`this installation of Trace Doctor has no example (${path.join(src, f)} is missing); reinstall the extension`);
    }
  }
  let info;
  try {
    info = await stat(parent);
  } catch (e) {
    throw new ExampleError(`cannot create the example in ${parent}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (e as Error).message}`);
  }
  if (!info.isDirectory()) throw new ExampleError(`cannot create the example in ${parent}: not a folder`);
  const taken = new Set(await readdir(parent).catch(() => [] as string[]));
  for (let n = 1; n <= 1000; n++) {
    const name = n === 1 ? EXAMPLE_FOLDER : `${EXAMPLE_FOLDER}-${n}`;
    if (taken.has(name)) continue;
    const dest = path.join(parent, name);
    try {
      // mkdir without recursive fails when another process made the folder since readdir: try the next name
      await mkdir(dest);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new ExampleError(`cannot create ${dest}: ${(e as Error).message}`);
    }
    try {
      await cp(src, dest, { recursive: true, force: false, errorOnExist: true });
    } catch (e) {
      throw new ExampleError(`cannot copy the example into ${dest}: ${(e as Error).message}`);
    }
    return dest;
  }
  throw new ExampleError(`cannot create the example in ${parent}: ${EXAMPLE_FOLDER} … ${EXAMPLE_FOLDER}-1000 all exist`);
}
