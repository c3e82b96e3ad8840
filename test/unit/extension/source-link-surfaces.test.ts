/**
 * Source links as the surfaces show them (walkthrough 2026-12-07, source links): the attribute's line against the
 * code as it is now, the best folder of a multi-root workspace, a library's file that only shares a workspace file's
 * name, equally likely lines on the line index / hover / CodeLens / markdown / SARIF, a run-time name said so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { bestAcross, combineLinks, sameFile, sourceCaveat } from '../../../src/core/source/link';
import { SourceIndex } from '../../../src/core/source/resolve';
import { analyze } from '../../../src/core/rca/analyze';
import { renderMarkdown } from '../../../src/core/report/markdown';
import { toSarif } from '../../../src/core/report/sarif';
import { renderFlameReport } from '../../../src/core/report/html';
import { toFlameData } from '../../../src/core/diff/flame-data';
import { loadInput } from '../../../src/sources/resolve-input';
import { scanWorkspace } from '../../../src/sources/workspace-scan';
import { attachSourceLinks, buildLineIndex, summarizeDiff } from '../../../src/extension/ops-model';
import { codeLensTitle, hoverMarkdown } from '../../../src/extension/hover-model';
import { resolveSourcePath } from '../../../src/extension/paths-model';

const SHOP = join(__dirname, '../../fixtures/source-links/shop');

test('an attribute link whose file the search also finds takes the line of the code as it is now', () => {
  const idx = SourceIndex.build([{ path: 'services/recommend/app/recommend.py', text: 'import x\n\n\ndef recommend(u):\n    with tracer.start_as_current_span("recommend"):\n        pass\n' }]);
  // recorded in a container by an older build of the file: line 3 then, line 5 now
  const attr = { file: '/app/app/recommend.py', line: 3, function: 'recommend', origin: 'attribute' as const };
  assert.deepEqual(combineLinks(attr, idx.best('recommend', 'recommend')), { file: '/app/app/recommend.py', line: 5, function: 'recommend', origin: 'search' });
  // the same line: the attribute as it is
  assert.deepEqual(combineLinks({ ...attr, line: 5 }, idx.best('recommend')), { ...attr, line: 5 });
  // another file: the attribute wins (it says where this service's span was opened)
  const other = { file: 'lib/other.py', line: 9, origin: 'attribute' as const };
  assert.deepEqual(combineLinks(other, idx.best('recommend')), other);
  assert.equal(combineLinks(undefined, idx.best('recommend'))?.line, 5);
  // a path from another layout that names the file the search found the call in (the path alone is ambiguous:
  // two handlers.py): the search's file and line
  const two = SourceIndex.build([
    { path: 'api/handlers.py', text: 'def h():\n    with tracer.start_as_current_span("checkout"):\n        pass\n' },
    { path: 'worker/handlers.py', text: 'def w():\n    return 1\n' },
  ]);
  assert.deepEqual(combineLinks({ file: '/usr/src/app/handlers.py', line: 40, origin: 'attribute' }, two.best('checkout')), { file: 'api/handlers.py', line: 2, function: 'h', origin: 'search' });
  assert.ok(sameFile('C:\\build\\orders\\src\\main\\java\\com\\shop\\orders\\OrderService.java', 'services/orders/src/main/java/com/shop/orders/OrderService.java'));
  assert.ok(sameFile('/app/main.py', 'main.py'));
  assert.ok(!sameFile('/usr/lib/python3/site-packages/flask/app.py', 'src/app.py'));
});

test('multi-root: the best match of all folders wins, not the first folder that has one; ties are listed', () => {
  const open = (n: string) => `func Charge(ctx context.Context) {\n\t_, span := tracer.Start(ctx, "${n}")\n}\n`;
  const web = SourceIndex.build([{ path: 'internal/charge.go', text: open('charge') }]);
  const payments = SourceIndex.build([{ path: 'internal/charge.go', text: open('charge') }]);
  const folders = [
    { index: web, rename: (f: string) => `/ws/web/${f}`, label: 'web' },
    { index: payments, rename: (f: string) => `/ws/payments/${f}`, label: 'payments' },
  ];
  assert.equal(bestAcross(folders, 'payments', 'charge')?.file, '/ws/payments/internal/charge.go');
  assert.equal(bestAcross(folders, 'payments', 'charge')?.also, undefined);
  // a service neither folder names: equally likely, both said
  const tie = bestAcross(folders, 'billing', 'charge');
  assert.equal(tie?.file, '/ws/web/internal/charge.go');
  assert.deepEqual(tie?.also, [{ file: '/ws/payments/internal/charge.go', line: 2, function: 'Charge' }]);
});

test("a library's file that only shares its name with a workspace file is not linked to it", () => {
  const existing = ['/ws/services/recommend/app/__init__.py', '/ws/services/recommend/app/recommend.py', '/ws/main.py'];
  const env = { folders: ['/ws'], exists: (p: string) => existing.includes(p), files: existing.map((p) => ({ folder: '/ws', rel: p.slice(4) })) };
  assert.equal(resolveSourcePath('/usr/local/lib/python3.12/site-packages/opentelemetry/__init__.py', env), undefined);
  assert.equal(resolveSourcePath('/srv/app/node_modules/express/lib/main.py', env), undefined);
  assert.equal(resolveSourcePath('/app/app/recommend.py', env), '/ws/services/recommend/app/recommend.py');
  assert.equal(resolveSourcePath('/app/main.py', env), '/ws/main.py', 'a container path by its file name still resolves');
});

test('equally likely lines: the operation is on each of them, and the hover and CodeLens say so', () => {
  const q = `export async function find() {\n  const span = tracer.startSpan('db.query');\n  span.end();\n}\n`;
  const idx = SourceIndex.build([
    { path: 'src/orders-repo.ts', text: q },
    { path: 'src/users-repo.ts', text: q },
  ]);
  const source = idx.best('db.query', 'shop-api')!;
  const op = {
    key: 'shop-api\u0000db.query', service: 'shop-api', name: 'db.query', nodeIds: [1], deltaSelfMs: 3, significance: 0.99, rootCause: true,
    baseline: { selfPerTraceMs: 2, p50Ms: 2, p95Ms: 3, callsPerTrace: 1, errorRate: 0, errors: 0 },
    incident: { selfPerTraceMs: 5, p50Ms: 5, p95Ms: 6, callsPerTrace: 1, errorRate: 0, errors: 0 },
    source,
  } as unknown as Parameters<typeof hoverMarkdown>[0][number];
  const lines = buildLineIndex([op], (f) => '/ws/' + f);
  assert.deepEqual([...lines.keys()].sort(), ['/ws/src/orders-repo.ts', '/ws/src/users-repo.ts']);
  assert.deepEqual([...lines.get('/ws/src/users-repo.ts')!.keys()], [1]);
  const md = hoverMarkdown([op], 'diff');
  assert.match(md, /_Source: also opened at src/);
  assert.ok(md.replace(/\\/g, '').includes('also opened at src/users-repo.ts:2'), md);
  assert.match(codeLensTitle(op, 'diff'), /opened at 2 places/);
  assert.match(sourceCaveat(source), /the span name alone cannot tell which/);
});

test('the walkthrough workspace end to end: the root cause (a run-time name) on its line, said so in the markdown, SARIF, hover', async () => {
  const [b, i, scan] = await Promise.all([loadInput(join(SHOP, 'traces/normal.json')), loadInput(join(SHOP, 'traces/spiked.json')), scanWorkspace(SHOP)]);
  const a = analyze(b.model, i.model, { sourceIndex: scan.index });
  const rc = a.diagnosis.rootCause;
  assert.equal(`${rc?.service} / ${rc?.name}`, 'shop-api / charge stripe');
  assert.deepEqual(rc?.source, { file: 'shop-api/src/checkout.ts', line: 27, function: 'charge', origin: 'search', template: 'charge ${provider}', how: 'template' });
  const md = renderMarkdown(a.diagnosis, null);
  assert.match(md, /checkout\\?\.ts\\?:27 _\(name built at run time\)_/);
  // the HTML report's root-cause line
  const html = renderFlameReport({ js: '', css: '', nonce: 'bm9uY2Vub25jZW5vbmNl', data: toFlameData(a.diff, a.diagnosis), diagnosis: a.diagnosis });
  assert.match(html, /<code>shop-api\/src\/checkout\.ts:27<\/code> \(its name is built at run time there, from &#34;charge \$\{provider\}&#34;\)/);
  const sarif = toSarif(a.diagnosis, null, { toolVersion: '0', srcRoot: SHOP, relativePath: (f) => f }) as { runs: { results: { message: { text: string }; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[] };
  const r0 = sarif.runs[0]!.results[0]!;
  assert.equal(r0.locations[0]!.physicalLocation.region.startLine, 27);
  assert.match(r0.message.text, /Source: its name is built at run time there, from "charge \$\{provider\}"/);
  // every operation of the workspace's code on its line; the ones no code opens (HTTP server spans) nowhere
  const ops = summarizeDiff(a.diff, a.diagnosis);
  const where = new Map(ops.map((o) => [`${o.service} / ${o.name}`, o.source ? `${o.source.file}:${o.source.line}` : undefined]));
  assert.equal(where.get('shop-api / load-user'), 'shop-api/src/users.ts:10');
  assert.equal(where.get('shop-api / reserve-stock'), 'shop-api/src/checkout.ts:21');
  // the HTTP server span no line of the application opens: its route's declaration, said so
  assert.equal(where.get('shop-api / POST /api/checkout'), 'shop-api/src/server.ts:13');
  // the extension gives every operation the resolver's whole link (the diff tree keeps file and line)
  attachSourceLinks(ops, (service, name) => scan.index.best(name, service));
  assert.match(sourceCaveat(ops.find((o) => o.name === 'POST /api/checkout')!.source), /an HTTP server span, opened by the framework's instrumentation: this line declares its route "POST \/api\/checkout"/);
  assert.equal(where.get('recommend / fetch-features'), '/app/app/recommend.py:21');
  // the container path's line 35 came from an older build: the code opens the span on line 37 now
  assert.equal(where.get('recommend / recommend'), '/app/app/recommend.py:37');
  assert.equal(where.get('orders / place-order'), 'C:\\build\\orders\\src\\main\\java\\com\\shop\\orders\\OrderService.java:18');
  assert.equal(where.get('orders / OrderService.reserve'), 'services/orders/src/main/java/com/shop/orders/OrderService.java:33');
  assert.equal(where.get('notify / Render'), 'services/notify/NotifyService.cs:18');
  // a route of a router mounted under a prefix (server.ts: app.use('/api/orders', ordersRouter)), and a scheduled job's
  // span that names its function (code.namespace + code.function) but no file: the resolver the CLI and the extension use
  const { sourceResolver } = await import('../../../src/sources/source-resolver');
  const resolve = sourceResolver([i.model], [{ index: scan.index, roots: [SHOP] }]);
  assert.equal(resolve('shop-api', 'GET /api/orders/:id')?.route, 'GET /:id under /api/orders (shop-api/src/server.ts:18)');
  assert.equal(`${resolve('shop-api', 'GET /api/orders/:id')?.file}:${resolve('shop-api', 'GET /api/orders/:id')?.line}`, 'shop-api/src/routes/orders.ts:7');
  const job = resolve('orders', 'OrderService.expireReservations');
  assert.deepEqual(job, { file: 'services/orders/src/main/java/com/shop/orders/OrderService.java', line: 47, function: 'com.shop.orders.OrderService.expireReservations', origin: 'attribute', how: 'function' });
  const charge = ops.find((o) => o.name === 'charge stripe')!;
  assert.ok(hoverMarkdown([charge], 'diff').replace(/\\/g, '').includes('_Source: its name is built at run time there, from "charge ${provider}"._'));
});
