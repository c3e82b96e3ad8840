import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SourceIndex, scoreMatch } from '../../../../src/core/source/resolve';
import { codeAttrsByOperation, sourceFromAttributes } from '../../../../src/core/source/code-attrs';
import { scanWorkspace } from '../../../../src/sources/workspace-scan';
import { diagnose } from '../../../../src/core/rca/analyze';
import { table } from '../../../helpers/spans';

test('span-opening calls in every supported language, with the line of the call', () => {
  const idx = SourceIndex.build([
    { path: 'svc/app.py', text: 'import x\n\nwith tracer.start_as_current_span("py-ctx") as s:\n    pass\nspan = tracer.start_span(\'py-span\')\n' },
    { path: 'svc/deco.py', text: '@tracer.start_as_current_span("py-deco")\ndef handler(req):\n    return 1\n' },
    { path: 'svc/kw.py', text: 'def f():\n    with tracer.start_as_current_span(name="py-kw"):\n        pass\n' },
    { path: 'web/a.ts', text: "export function handle() {\n  return tracer.startActiveSpan('ts-active', (span) => {});\n}\nconst s = tracer.startSpan(\"ts-span\");\nconst t = tracer.startSpan(`ts-tpl`);\n" },
    { path: 'go/main.go', text: 'package main\n\nfunc (s *Server) Handle(ctx context.Context) {\n\tctx, span := s.tracer.Start(ctx, "go-op")\n\tdefer span.End()\n}\n' },
    { path: 'java/A.java', text: 'class A {\n  public void run() {\n    Span span = tracer.spanBuilder("java-op").startSpan();\n  }\n}\n' },
    { path: 'cs/A.cs', text: 'class A {\n  void Run() {\n    using var activity = MySource.StartActivity("cs-op");\n  }\n}\n' },
  ]);
  const one = (name: string) => {
    const m = idx.lookup(name);
    assert.equal(m.length, 1, `${name}: ${JSON.stringify(m)}`);
    return m[0]!;
  };
  assert.deepEqual([one('py-ctx').file, one('py-ctx').line, one('py-ctx').call], ['svc/app.py', 3, 'start_as_current_span']);
  assert.equal(one('py-span').line, 5);
  assert.deepEqual([one('py-deco').line, one('py-deco').function], [1, 'handler']);
  assert.deepEqual([one('py-kw').line, one('py-kw').function], [2, 'f']);
  assert.deepEqual([one('ts-active').line, one('ts-active').function], [2, 'handle']);
  assert.equal(one('ts-span').line, 4);
  assert.equal(one('ts-tpl').line, 5);
  assert.deepEqual([one('go-op').line, one('go-op').function], [4, 'Handle']);
  assert.deepEqual([one('java-op').line, one('java-op').function], [3, 'run']);
  assert.deepEqual([one('cs-op').line, one('cs-op').function], [3, 'Run']);
});

test('multi-line calls report the line of the call, not of the name (black-formatted Python, JS)', () => {
  const idx = SourceIndex.build([
    { path: 'p.py', text: 'async def inference(req):\n    with tracer.start_as_current_span(\n        "preprocess-request", context=ctx\n    ) as span:\n        pass\n' },
    { path: 'j.ts', text: 'tracer.startActiveSpan(\n  "js-multi",\n  { kind: 1 },\n  (s) => s.end(),\n);\n' },
  ]);
  assert.deepEqual(idx.best('preprocess-request'), { file: 'p.py', line: 2, function: 'inference', origin: 'search' });
  assert.equal(idx.best('js-multi')?.line, 1);
});

test('dynamic names are not indexed; only exact names match (no false links)', () => {
  const idx = SourceIndex.build([
    { path: 'a.py', text: 'with tracer.start_as_current_span(f"req-{x}"):\n  pass\nwith tracer.start_as_current_span(name):\n  pass\n' },
    { path: 'b.ts', text: 'tracer.startSpan(`op-${id}`);\ntracer.startSpan(name);\n' },
    { path: 'c.py', text: 'with tracer.start_as_current_span("webserver-request"):\n  pass\n' },
  ]);
  assert.deepEqual(idx.names(), ['webserver-request']);
  assert.equal(idx.best('inference-span'), undefined);
  assert.equal(idx.best('webserver'), undefined);
  assert.equal(idx.best('WEBSERVER-REQUEST'), undefined);
});

test('several matches: a path naming the service wins; tests rank lower', () => {
  const text = 'with tracer.start_as_current_span("handle"):\n  pass\n';
  const idx = SourceIndex.build([
    { path: 'services/billing/app.py', text },
    { path: 'services/pre-processor/app.py', text },
    { path: 'tests/pre_processor/test_app.py', text },
  ]);
  const m = idx.lookup('handle', 'pre-processor');
  assert.equal(m.length, 3);
  assert.equal(m[0]!.file, 'services/pre-processor/app.py');
  assert.ok(m[0]!.score > m[1]!.score);
  assert.equal(m[2]!.file, 'services/billing/app.py');
  assert.ok(scoreMatch('src/pre-processor/x.py', 'pre-processor') > scoreMatch('src/other/x.py', 'pre-processor'));
});

test('code.* span attributes (old and new semantic conventions) win over the workspace search', () => {
  const m = table([
    { id: 'a', name: 'old', service: 's', start: 0, dur: 1, attrs: { 'code.filepath': 'src/old.py', 'code.lineno': 12, 'code.function': 'work', 'code.namespace': 'pkg.mod' } },
    { id: 'b', name: 'new', service: 's', start: 0, dur: 1, attrs: { 'code.file.path': 'src/new.ts', 'code.line.number': 7, 'code.function.name': 'Cls.method' } },
    { id: 'c', name: 'none', service: 's', start: 0, dur: 1 },
  ]);
  assert.deepEqual(sourceFromAttributes(m, 0), { file: 'src/old.py', line: 12, function: 'pkg.mod.work', origin: 'attribute' });
  assert.deepEqual(sourceFromAttributes(m, 1), { file: 'src/new.ts', line: 7, function: 'Cls.method', origin: 'attribute' });
  assert.equal(sourceFromAttributes(m, 2), undefined);
  const byOp = codeAttrsByOperation(m);
  assert.equal(byOp.size, 2);
  // in a diagnosis the attribute location is used even when the workspace has another match
  const spans = (slow: number) =>
    Array.from({ length: 20 }, (_, i) => [
      { trace: 't' + i, id: 'r' + i, name: 'root', service: 's', start: i * 100, dur: 10 + slow + (i % 3) },
      { trace: 't' + i, id: 'x' + i, parent: 'r' + i, name: 'old', service: 's', start: i * 100 + 1, dur: 2 + slow + (i % 3), attrs: { 'code.filepath': 'src/old.py', 'code.lineno': 12 } },
    ]).flat();
  const idx = SourceIndex.build([{ path: 'elsewhere.py', text: 'tracer.start_span("old")\n' }]);
  const d = diagnose(table(spans(0)), table(spans(30)), { sourceIndex: idx });
  assert.equal(d.rootCause?.name, 'old');
  assert.deepEqual(d.rootCause?.source, { file: 'src/old.py', line: 12, origin: 'attribute' });
});

test('workspace scan: one pass, honours .gitignore (root and nested), skips node_modules, .git and binary files', async () => {
  const root = mkdtempSync(join(tmpdir(), 'td-ws-'));
  try {
    const w = (p: string, text: string | Buffer) => {
      mkdirSync(join(root, p, '..'), { recursive: true });
      writeFileSync(join(root, p), text);
    };
    const span = (n: string) => `with tracer.start_as_current_span("${n}"):\n    pass\n`;
    w('.gitignore', 'build/\n*.gen.py\n');
    w('app/main.py', span('kept'));
    w('app/x.gen.py', span('ignored-glob'));
    w('build/out.py', span('ignored-dir'));
    w('node_modules/lib/index.js', "tracer.startSpan('in-node-modules');\n");
    w('.git/hooks/h.py', span('in-git'));
    w('sub/.gitignore', 'secret.py\n');
    w('sub/secret.py', span('ignored-nested'));
    w('sub/ok.py', span('nested-kept'));
    w('bin/blob.py', Buffer.concat([Buffer.from(span('binary')), Buffer.from([0, 1, 2, 0])]));
    w('notes.txt', span('not-source'));
    // the same files whether ripgrep lists them (the default when installed) or the JS walk does
    for (const ripgrep of [true, false]) {
      const r = await scanWorkspace(root, { ripgrep });
      assert.deepEqual(r.index.names().sort(), ['kept', 'nested-kept'], r.lister);
      assert.equal(r.skipped.binary, 1);
      if (r.lister === 'walk') assert.ok(r.skipped.ignored >= 3); // rg does not say what it ignored
      assert.equal(r.index.best('nested-kept')?.file, 'sub/ok.py');
    }
    const limited = await scanWorkspace(root, { maxFiles: 1 });
    assert.equal(limited.truncated, true);
    await assert.rejects(scanWorkspace(join(root, 'app/main.py')), /not a directory/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
