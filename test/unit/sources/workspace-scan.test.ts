// Issue 14 item 13: the workspace scan says when it stopped at its file limit, the limit can be raised, and files are
// listed with ripgrep when it is installed (falling back to the JS walk) with the same rules.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { scanWorkspace, truncationNote, DEFAULT_MAX_SOURCE_FILES } from '../../../src/sources/workspace-scan';

const hasRg = spawnSync('rg', ['--version']).status === 0;
let ws = '';

before(() => {
  ws = mkdtempSync(join(tmpdir(), 'td-ws-'));
  for (let i = 0; i < 30; i++) {
    const d = join(ws, `pkg${i % 3}`);
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, `m${String(i).padStart(2, '0')}.py`), `from opentelemetry import trace\ntracer = trace.get_tracer(__name__)\n\ndef f():\n    with tracer.start_as_current_span("op-${i}"):\n        pass\n`);
  }
  // ignored, vendored, hidden and binary files follow the same rules in both listers
  writeFileSync(join(ws, '.gitignore'), 'build/\n*.gen.py\n');
  writeFileSync(join(ws, 'x.gen.py'), 'tracer.start_as_current_span("ignored-glob-op")\n');
  writeFileSync(join(ws, 'pkg0', '.gitignore'), 'secret.py\n');
  writeFileSync(join(ws, 'pkg0', 'secret.py'), 'tracer.start_as_current_span("ignored-nested-op")\n');
  mkdirSync(join(ws, 'build'));
  writeFileSync(join(ws, 'build', 'gen.py'), 'tracer.start_as_current_span("ignored-op")\n');
  mkdirSync(join(ws, 'node_modules', 'lib'), { recursive: true });
  writeFileSync(join(ws, 'node_modules', 'lib', 'x.js'), 'tracer.startActiveSpan("vendored-op", () => {})\n');
  mkdirSync(join(ws, '.github'));
  writeFileSync(join(ws, '.github', 'ci.py'), 'tracer.start_as_current_span("hidden-dir-op")\n');
  writeFileSync(join(ws, 'blob.py'), Buffer.from([0x74, 0, 0x72]));
});
after(() => rmSync(ws, { recursive: true, force: true }));

for (const lister of ['walk', 'ripgrep'] as const) {
  test(`${lister}: all files indexed under the limit; .gitignore, node_modules and binaries skipped; hidden folders read`, { skip: lister === 'ripgrep' && !hasRg }, async () => {
    const r = await scanWorkspace(ws, { ripgrep: lister === 'ripgrep' });
    assert.equal(r.lister, lister);
    assert.equal(r.files, 31);
    assert.equal(r.truncated, false);
    assert.equal(r.maxFiles, DEFAULT_MAX_SOURCE_FILES);
    assert.equal(truncationNote(r, ws, '--max-source-files'), '');
    for (let i = 0; i < 30; i++) assert.ok(r.index.best(`op-${i}`), `op-${i}`);
    assert.ok(r.index.best('hidden-dir-op'));
    assert.equal(r.index.best('ignored-op'), undefined);
    assert.equal(r.index.best('ignored-glob-op'), undefined);
    assert.equal(r.index.best('ignored-nested-op'), undefined);
    assert.equal(r.index.best('vendored-op'), undefined);
    assert.equal(r.skipped.binary, 1);
  });

  test(`${lister}: stops at maxFiles and says so, with how to raise the limit`, { skip: lister === 'ripgrep' && !hasRg }, async () => {
    const r = await scanWorkspace(ws, { ripgrep: lister === 'ripgrep', maxFiles: 10 });
    assert.equal(r.files, 10);
    assert.equal(r.truncated, true);
    assert.equal(
      truncationNote(r, ws, '--max-source-files'),
      `workspace scan of ${ws} stopped at 10 source files; spans opened in the files not read have no source link (raise the limit with --max-source-files)`,
    );
    const all = await scanWorkspace(ws, { ripgrep: lister === 'ripgrep', maxFiles: 31 });
    assert.equal(all.truncated, false);
  });
}

test('an rg that cannot be started falls back to the JS walk', async () => {
  const r = await scanWorkspace(ws, { ripgrep: join(ws, 'no-such-rg') });
  assert.equal(r.lister, 'walk');
  assert.equal(r.files, 31);
});
