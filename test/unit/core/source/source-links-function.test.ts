/**
 * Spans that name their function (code.function / code.namespace, code.function.name) but no file — the OpenTelemetry
 * Java agent's controller, @WithSpan and scheduler spans: the function's declaration is found through its owner
 * (class or module → file), and code.function chooses among equally likely lines the span name alone cannot tell apart.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SourceIndex } from '../../../../src/core/source/resolve';
import { javaCallsNoDeclaration } from '../../../helpers/hostile-sources';
import { declarationLines, functionLink, splitFunction } from '../../../../src/core/source/function-link';
import { sourceCaveat } from '../../../../src/core/source/link';

const FILES: Record<string, string> = {
  'orders/src/main/java/com/shop/orders/web/OrderController.java': [
    'package com.shop.orders.web;', // 1
    '',
    '@RestController',
    '@RequestMapping("/orders")',
    'public class OrderController {', // 5
    '    // get(id) is called by the gateway; see get() below',
    '    private final OrderService service;',
    '',
    '    @GetMapping("/{id}")',
    '    public Order get(@PathVariable String id) {', // 10
    '        log.info("get(" + id + ")");',
    '        return service.get(id);',
    '    }',
    '',
    '    @PostMapping', // 15
    '    public ResponseEntity<Order> create(@RequestBody Order o) {',
    '        return ResponseEntity.ok(service.create(o));',
    '    }',
    '}',
  ].join('\n'),
  'admin/src/main/java/com/shop/admin/web/OrderController.java': [
    'package com.shop.admin.web;',
    '',
    'public class OrderController {',
    '    public Order get(String id) {', // 4
    '        return null;',
    '    }',
    '}',
  ].join('\n'),
  'notify/NotifyService.cs': ['namespace Shop.Notify;', 'public class NotifyService', '{', '    public async Task<string> RenderAsync(Template t)', '    {', '        return await t.RenderAsync();', '    }', '}'].join('\n'),
  'recommend/app/recommend.py': ['"""def score(items): documented here, defined below."""', '', 'async def score(items):', '    return sorted(items)', ''].join('\n'),
  'users/repo.ts': ["export async function findUser(id: string) {", "  return tracer.startActiveSpan('db.query', async (s) => s.end());", '}'].join('\n'),
  'orders/repo.ts': ["export async function findOrder(id: string) {", "  return tracer.startActiveSpan('db.query', async (s) => s.end());", '}'].join('\n'),
};
const idx = SourceIndex.build(Object.entries(FILES).map(([path, text]) => ({ path, text })));
const reads: string[] = [];
const read = (f: string) => {
  reads.push(f);
  return FILES[f];
};
const link = (fn: { name: string; namespace?: string }, name: string, service = 'shop') => functionLink(fn, idx.best(name, service), [{ index: idx, read }], service);

test("a Java agent's controller span (code.namespace + code.function, no file) links to the method's declaration", () => {
  assert.deepEqual(link({ name: 'get', namespace: 'com.shop.orders.web.OrderController' }, 'OrderController.get'), {
    file: 'orders/src/main/java/com/shop/orders/web/OrderController.java',
    line: 10,
    function: 'com.shop.orders.web.OrderController.get',
    origin: 'attribute',
    how: 'function',
  });
  // the new semantic conventions: code.function.name fully qualified, no namespace
  assert.equal(link({ name: 'com.shop.admin.web.OrderController.get' }, 'OrderController.get')?.line, 4);
  assert.equal(link({ name: 'com.shop.admin.web.OrderController.get' }, 'OrderController.get')?.file, 'admin/src/main/java/com/shop/admin/web/OrderController.java');
  assert.equal(link({ name: 'create', namespace: 'com.shop.orders.web.OrderController' }, 'OrderController.create')?.line, 16);
});

test('a link from a single code.function declaration says so (how: function), and the surfaces say it is the declaration', async () => {
  const l = link({ name: 'create', namespace: 'com.shop.orders.web.OrderController' }, 'OrderController.create');
  assert.equal(l?.how, 'function');
  assert.equal(l?.also, undefined);
  assert.equal(sourceCaveat(l), 'the span\'s attributes name its function, not its file: this line declares code.function "com.shop.orders.web.OrderController.create"');
  // a search link chosen by code.function is the span-opening call: no such words
  assert.equal(link({ name: 'findUser', namespace: 'users.repo' }, 'db.query')?.how, undefined);
  // the report surfaces, through a diagnosis whose root cause carries the link (as the engine puts it)
  const { renderMarkdown } = await import('../../../../src/core/report/markdown');
  const { toSarif } = await import('../../../../src/core/report/sarif');
  const { Diagnosis } = await import('../../../../src/core/rca/diagnosis');
  const c = { service: 'orders', name: 'OrderController.create', kind: 'self_time' as const, impactMs: 12, confidence: 0.9, summary: 'slower', evidence: [], source: l };
  const d = Diagnosis.parse({ rootCause: c, candidates: [c], notes: [], stats: { baselineTraces: 10, incidentTraces: 10, spans: 40 } });
  assert.equal(d.rootCause?.source?.how, 'function', 'the contract keeps the field');
  assert.match(renderMarkdown(d, null), /OrderController\\\.java\\:16 _\(the declaration of its code\.function\)_/);
  const sarif = JSON.stringify(toSarif(d, null, { toolVersion: '0', srcRoot: '/ws', relativePath: (f) => f }));
  assert.match(sarif, /Source: the span's attributes name its function, not its file: this line declares code\.function/);
  const { renderHuman } = await import('../../../../src/cli/commands/diagnose');
  assert.match(renderHuman(d), /The span's function is declared at orders\/src\/main\/java\/com\/shop\/orders\/web\/OrderController\.java:16 \(the span's attributes name its function, not its file: this line declares code\.function "com\.shop\.orders\.web\.OrderController\.create"\)\./);
  const { hoverMarkdown } = await import('../../../../src/extension/hover-model');
  const op = { service: 'orders', name: 'OrderController.create', kind: 'SERVER', baseline: null, incident: null, deltaSelfMs: 0, significance: 0, nodeIds: [], rootCause: false, source: l };
  assert.match(hoverMarkdown([op as never], 'single'), /_Source: the span\\'s attributes name its function, not its file\\: this line declares code\\\.function/);
});

test('the owner alone cannot tell two classes apart: both listed, and every surface says so', () => {
  const l = link({ name: 'get', namespace: 'OrderController' }, 'OrderController.get');
  assert.equal(l?.also?.length, 1);
  assert.match(sourceCaveat(l), /is also defined at .*OrderController\.java:\d+ — the attribute alone cannot tell which/);
});

test('C# (an Async method), Python (a module), and names that are no declaration', () => {
  assert.equal(link({ name: 'RenderAsync', namespace: 'Shop.Notify.NotifyService' }, 'render')?.line, 4);
  assert.equal(link({ name: 'score', namespace: 'app.recommend' }, 'score')?.line, 3, 'not the docstring on line 1');
  assert.equal(link({ name: 'missing', namespace: 'com.shop.orders.web.OrderController' }, 'x'), undefined);
  assert.equal(link({ name: 'get' }, 'x'), undefined, 'a bare name: the workspace is not searched');
  assert.deepEqual(splitFunction({ name: 'Outer$Inner.run', namespace: 'com.x' }), { method: 'run', owner: ['com', 'x', 'Outer'] });
});

test('code.function chooses among lines the span name alone cannot tell apart; a single search line is kept', () => {
  assert.equal(idx.best('db.query', 'shop')?.also?.length, 1, 'two equally likely lines by the name');
  const l = link({ name: 'findUser', namespace: 'users.repo' }, 'db.query');
  assert.deepEqual(l, { file: 'users/repo.ts', line: 2, function: 'findUser', origin: 'search' });
  assert.equal(sourceCaveat(l), '');
  const other = link({ name: 'findOrder' }, 'db.query');
  assert.equal(other?.file, 'orders/repo.ts');
  assert.equal(other?.also, undefined);
  assert.equal(link({ name: 'unrelated' }, 'db.query')?.also?.length, 1, 'no line in that function: the search as it was');
});

test('declarations only: calls, comments, strings and `return name(` are not; hostile files give none (how the time grows: bench/source-hostile.mjs)', () => {
  const java = FILES['orders/src/main/java/com/shop/orders/web/OrderController.java']!;
  assert.deepEqual(declarationLines('X.java', java, 'get'), [10]);
  assert.deepEqual(declarationLines('A.java', javaCallsNoDeclaration(20000), 'get'), []);
  assert.deepEqual(declarationLines('a.py', 'x = """\n' + 'def get():\n'.repeat(50000), 'get'), []);
  assert.deepEqual(declarationLines('a.ts', '`' + 'function get() {}\n'.repeat(50000), 'get'), []);
});

test("end to end: the resolver the CLI and the extension use links a Spring controller span the Java agent named", async () => {
  const { mkdtempSync, mkdirSync, writeFileSync, rmSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { table } = await import('../../../helpers/spans');
  const { scanWorkspace } = await import('../../../../src/sources/workspace-scan');
  const { sourceResolver } = await import('../../../../src/sources/source-resolver');
  const ws = mkdtempSync(join(tmpdir(), 'td-fn-'));
  try {
    for (const [f, text] of Object.entries(FILES)) {
      mkdirSync(join(ws, f, '..'), { recursive: true });
      writeFileSync(join(ws, f), text);
    }
    const ns = 'com.shop.orders.web.OrderController';
    const model = table([
      { id: 'a', service: 'orders', name: 'GET /orders/{id}', start: 0, dur: 20 },
      // the agent's controller span: named Class.method, code.namespace + code.function, no file
      { id: 'b', parent: 'a', service: 'orders', name: 'OrderController.get', start: 1, dur: 18, attrs: { 'code.namespace': ns, 'code.function': 'get' } },
      { id: 'c', parent: 'a', service: 'orders', name: 'OrderController.create', start: 1, dur: 18, attrs: { 'code.function.name': `${ns}.create` } },
    ]);
    const { index } = await scanWorkspace(ws);
    const resolve = sourceResolver([model], [{ index, roots: [ws] }]);
    assert.deepEqual(resolve('orders', 'OrderController.get'), { file: 'orders/src/main/java/com/shop/orders/web/OrderController.java', line: 10, function: `${ns}.get`, origin: 'attribute', how: 'function' });
    assert.equal(resolve('orders', 'OrderController.create')?.line, 16);
    assert.equal(resolve('orders', 'GET /orders/{id}')?.line, 9, 'the HTTP server span: its route, as before');
  } finally {
    rmSync(ws, { recursive: true, force: true });
  }
});
