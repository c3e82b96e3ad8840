// "Open Example Workspace…": the copy never lands in an existing folder or over a file, says what is wrong and where,
// and copies every file of the shipped example (dist/example, made by esbuild.mjs).
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { createExample, EXAMPLE_FILES, ExampleError } from '../../../src/extension/example-model';

const tmp = mkdtempSync(join(tmpdir(), 'td-example-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function fakeExample(): string {
  const src = join(tmp, `src-${Math.random().toString(36).slice(2)}`);
  for (const f of EXAMPLE_FILES) {
    mkdirSync(join(src, f, '..'), { recursive: true });
    writeFileSync(join(src, f), `content of ${f}`);
  }
  return src;
}

test('creates trace-doctor-example, then -2, -3 …: never into an existing folder, never over a file', async () => {
  const src = fakeExample();
  const parent = join(tmp, 'p1');
  mkdirSync(parent);
  writeFileSync(join(parent, 'trace-doctor-example-2'), 'a file of the user, not a folder');
  const a = await createExample(src, parent);
  const b = await createExample(src, parent);
  assert.equal(a, join(parent, 'trace-doctor-example'));
  assert.equal(b, join(parent, 'trace-doctor-example-3'));
  assert.equal(readFileSync(join(parent, 'trace-doctor-example-2'), 'utf8'), 'a file of the user, not a folder');
  for (const dest of [a, b]) for (const f of EXAMPLE_FILES) assert.equal(readFileSync(join(dest, f), 'utf8'), `content of ${f}`);
});

test('clear errors: no such folder, a file as the folder, an example missing from the installation', async () => {
  const src = fakeExample();
  await assert.rejects(createExample(src, join(tmp, 'nope')), (e: Error) => e instanceof ExampleError && /cannot create the example in .*nope: no such folder/.test(e.message));
  writeFileSync(join(tmp, 'plain-file'), 'x');
  await assert.rejects(createExample(src, join(tmp, 'plain-file')), /plain-file: not a folder/);
  rmSync(join(src, 'traces', 'spiked.json.gz'));
  const parent = join(tmp, 'p2');
  mkdirSync(parent);
  await assert.rejects(createExample(src, parent), /has no example \(.*spiked\.json\.gz is missing\); reinstall/);
  assert.ok(!existsSync(join(parent, 'trace-doctor-example')), 'nothing half-made');
});

test('a folder the user cannot write to: a clear error naming it', { skip: process.getuid?.() === 0 && 'root writes anywhere' }, async () => {
  const parent = join(tmp, 'ro');
  mkdirSync(parent);
  chmodSync(parent, 0o555);
  await assert.rejects(createExample(fakeExample(), parent), /cannot create .*ro\/trace-doctor-example: /);
});

test('the shipped example (npm run build) has every file and the traces are the example runs, gzipped', { skip: !existsSync(join(__dirname, '..', '..', '..', 'dist', 'example')) && 'run npm run build first' }, async () => {
  const { gunzipSync } = await import('node:zlib');
  const root = join(__dirname, '..', '..', '..');
  for (const f of EXAMPLE_FILES) assert.ok(existsSync(join(root, 'dist', 'example', f)), f);
  for (const run of ['normal', 'spiked']) {
    assert.deepEqual(gunzipSync(readFileSync(join(root, 'dist', 'example', 'traces', `${run}.json.gz`))), readFileSync(join(root, 'examples', 'ml-pipeline', 'traces', `${run}.json`)));
  }
  const dest = await createExample(join(root, 'dist', 'example'), mkdtempSync(join(tmp, 'real-')));
  assert.match(readFileSync(join(dest, 'preprocessor', 'preprocessor.py'), 'utf8'), /start_as_current_span\(\s*"preprocess-request"/);
});
