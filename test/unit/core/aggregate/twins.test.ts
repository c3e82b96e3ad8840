import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { aggregate, aggregateDetailed } from '../../../../src/core/aggregate/tree';
import { wrappingTwins, MAX_TWIN_SCAN } from '../../../../src/core/aggregate/twins';
import type { AggTree } from '../../../../src/core/aggregate/types';
import { SpanKind } from '../../../../src/core/model/span-table';
import { loadTraces } from '../../../../src/sources/file';
import { REAL_FAULTS_DIR } from '../../../helpers/real-faults';
import { table, type S } from '../../../helpers/spans';

const close = (a: number, b: number, msg = '') => assert.ok(Math.abs(a - b) < 1e-6, `${msg} ${a} vs ${b}`);
const find = (t: AggTree, name: string) => {
  const n = t.nodes.find((x) => x.name === name);
  assert.ok(n, `node ${name}`);
  return n;
};
const criticalSum = (t: AggTree) => t.nodes.reduce((s, n) => s + (n.stats.criticalPerTraceMs ?? 0), 0);

/** The Spring WebFlux gateway shape: the handler's span is a childless sibling of the call it awaits. */
const gateway = (handler: [number, number], post: [number, number], extra: S[] = []): S[] => [
  { id: 'r', name: '/*', service: 'gw', start: 0, dur: 100 },
  { id: 'h', parent: 'r', name: 'FilteringWebHandler.handle', service: 'gw', start: handler[0], dur: handler[1] },
  { id: 'p', parent: 'r', name: 'HTTP POST', service: 'gw', start: post[0], dur: post[1] },
  { id: 's', parent: 'p', name: '/api/preserve', service: 'preserve', start: post[0] + 1, dur: post[1] - 2 },
  ...extra,
];

test('a childless handler wrapping its same-service sibling has ~0 own time; the tree is unchanged', () => {
  // handler 0.7..99.3, HTTP POST 1.5..99.5 (ends 0.2 ms after the handler, as on TrainTicket)
  const t = aggregate(table(gateway([0.7, 98.6], [1.5, 98])));
  const h = find(t, 'FilteringWebHandler.handle');
  close(h.stats.selfMs, 1.5 - 0.7, 'only the start lag is the handler’s own');
  close(h.stats.wrappedPerTraceMs!, 99.3 - 1.5);
  close(h.stats.totalMs, 98.6, 'its width (total) is unchanged');
  // the twin keeps its own time, and stays where it was: child of the root span, its callee under it
  const p = find(t, 'HTTP POST');
  close(p.stats.selfMs, 2);
  assert.equal(t.nodes[p.parent]!.name, '/*');
  assert.equal(t.nodes[h.parent]!.name, '/*');
  assert.equal(h.children.length, 0);
  assert.equal(t.nodes[p.children[0]!]!.name, '/api/preserve');
  assert.equal(p.stats.wrappedPerTraceMs, undefined);
  assert.equal(find(t, '/*').stats.childUnionPerTraceMs! > 0, true);
  // critical path: the work is the twin's subtree, the handler only its start lag
  close(criticalSum(t), 100, 'Σ critical = latency');
  close(h.stats.criticalPerTraceMs!, 0.8, 'the start lag before the twin');
  close(find(t, '/api/preserve').stats.criticalPerTraceMs!, 96);
});

test('a handler that closes after its twin: the critical path goes on into the twin, not the handler', () => {
  // handler 0.5..99.9 ends after HTTP POST 1..99: without the rule the handler (ending last) took the whole path
  const t = aggregate(table(gateway([0.5, 99.4], [1, 98])));
  const h = find(t, 'FilteringWebHandler.handle');
  close(h.stats.selfMs, 0.5 + 0.9, 'start lag and end lag');
  close(h.stats.criticalPerTraceMs!, 0.5 + 0.9);
  close(find(t, '/api/preserve').stats.criticalPerTraceMs!, 96);
  close(find(t, 'HTTP POST').stats.criticalPerTraceMs!, 2);
  close(criticalSum(t), 100, 'Σ critical = latency');
});

test('genuinely parallel work is not a twin: a short call inside a long childless query covers far less of it', () => {
  const t = aggregate(table([
    { id: 'r', name: 'GET /orders', service: 'api', start: 0, dur: 100 },
    { id: 'q', parent: 'r', name: 'SELECT orders', service: 'api', start: 1, dur: 98 },
    { id: 'c', parent: 'r', name: 'HTTP GET', service: 'api', start: 10, dur: 30 },
    { id: 'cs', parent: 'c', name: '/prices', service: 'prices', start: 11, dur: 28 },
  ]));
  close(find(t, 'SELECT orders').stats.selfMs, 98);
  assert.equal(find(t, 'SELECT orders').stats.wrappedPerTraceMs, undefined);
  // coverage at the threshold: a sibling covering 89 % is not a twin, 91 % is
  const at = (cover: number) =>
    find(aggregate(table(gateway([0, 100], [0, cover]))), 'FilteringWebHandler.handle').stats.selfMs;
  close(at(89), 100);
  close(at(91), 9);
});

test('not twins: two childless parallel spans, a fan-out of calls with subtrees, another service, a client span, a late end', () => {
  const selfOf = (spans: S[], name: string) => {
    const nodes = aggregate(table(spans)).nodes.filter((n) => n.name === name);
    assert.ok(nodes.length > 0, name);
    return nodes.map((n) => n.stats.selfMs);
  };
  // the shape the variants below break: a twin (control)
  close(selfOf(gateway([0.7, 98.6], [1.5, 98]), 'FilteringWebHandler.handle')[0]!, 0.8);
  // two parallel queries of the same length: both are work
  assert.deepEqual(selfOf([
    { id: 'r', name: 'root', start: 0, dur: 100 },
    { id: 'a', parent: 'r', name: 'GET a', start: 1, dur: 98 },
    { id: 'b', parent: 'r', name: 'GET b', start: 1.5, dur: 97 },
  ], 'GET a'), [98]);
  // a parallel fan-out: both calls have subtrees; each keeps its client-side time (a network-delay signal)
  assert.deepEqual(selfOf([
    { id: 'r', name: 'root', start: 0, dur: 100 },
    { id: 'a', parent: 'r', name: 'call', start: 1, dur: 98 },
    { id: 'as', parent: 'a', name: 'serve', service: 'b', start: 11, dur: 78 },
    { id: 'b', parent: 'r', name: 'call', start: 1.5, dur: 97 },
    { id: 'bs', parent: 'b', name: 'serve', service: 'b', start: 11.5, dur: 77 },
  ], 'call'), [20 + 20]);
  // the sibling is another service's span (a different process does not wait for it in the same place)
  close(selfOf(gateway([0.7, 98.6], [1.5, 98]).map((s) => (s.id === 'p' ? { ...s, service: 'other' } : s)), 'FilteringWebHandler.handle')[0]!, 98.6);
  // a childless CLIENT span is a call to something untraced: its time is real, not a wrapper's
  close(selfOf(gateway([0.7, 98.6], [1.5, 98]).map((s) => (s.id === 'h' ? { ...s, kind: SpanKind.Client } : s)), 'FilteringWebHandler.handle')[0]!, 98.6);
  // a short leaf at the start of a long sibling (the RabbitMQ consumer shape on TrainTicket): the sibling ends far later
  close(selfOf(gateway([1.5, 5], [1.5, 98]), 'FilteringWebHandler.handle')[0]!, 5);
  // the sibling starts before the span
  close(selfOf(gateway([1.5, 98], [1, 98]), 'FilteringWebHandler.handle')[0]!, 98);
});

test('several wrappers of one twin, one wrapper of two twins (their union), errors passed on are not the wrapper’s own', () => {
  const t = aggregate(table([
    ...gateway([0.5, 99], [1, 98]),
    { id: 'h2', parent: 'r', name: 'DispatcherHandler.handle', service: 'gw', start: 0.8, dur: 98.6 },
  ]));
  close(find(t, 'FilteringWebHandler.handle').stats.selfMs, 0.5 + 0.5);
  close(find(t, 'DispatcherHandler.handle').stats.selfMs, 0.2 + 0.4);
  close(criticalSum(t), 100);
  const u = aggregate(table([
    { id: 'r', name: 'root', start: 0, dur: 100 },
    { id: 'w', parent: 'r', name: 'handle', start: 0, dur: 100 },
    { id: 'a', parent: 'r', name: 'call a', start: 2, dur: 96, error: true },
    { id: 'as', parent: 'a', name: 'serve a', service: 'b', start: 3, dur: 94 },
    { id: 'b', parent: 'r', name: 'call b', start: 5, dur: 95 },
    { id: 'bs', parent: 'b', name: 'serve b', service: 'b', start: 6, dur: 93 },
  ]));
  close(find(u, 'handle').stats.selfMs, 2, 'the union 2..100 of both twins is waited on');
  close(find(u, 'handle').stats.wrappedPerTraceMs!, 98);
  // a failing wrapper whose twin failed passes the error on; a failing wrapper of a healthy twin raised it
  const e = aggregate(table([
    ...gateway([0.7, 98.6], [1.5, 98]).map((s) => (s.id === 'h' || s.id === 'p' ? { ...s, error: true } : s)),
    ...gateway([0.7, 98.6], [1.5, 98]).map((s) => ({ ...s, trace: 't2', id: s.id + '2', ...(s.parent ? { parent: s.parent + '2' } : {}), ...(s.id === 'h' ? { error: true } : {}) })),
  ]));
  const h = find(e, 'FilteringWebHandler.handle');
  assert.equal(h.stats.errors, 2);
  assert.equal(h.stats.ownErrors, 1, 'only the trace where the twin did not fail');
});

test('wrappingTwins: null without twins; the scan per wrapper is bounded', () => {
  const none = table([
    { id: 'r', name: 'root', start: 0, dur: 100 },
    { id: 'a', parent: 'r', name: 'a', start: 1, dur: 50 },
  ]);
  const d = aggregateDetailed(none);
  assert.equal(d.tree.nodes.some((n) => n.stats.wrappedPerTraceMs !== undefined), false);
  // 2 × MAX_TWIN_SCAN calls with subtrees start right at the wrapper's start and end too late; the real twin comes after
  const spans: S[] = [{ id: 'r', name: 'root', start: 0, dur: 100 }, { id: 'w', parent: 'r', name: 'handle', start: 0, dur: 50 }];
  for (let i = 0; i < 2 * MAX_TWIN_SCAN; i++) {
    spans.push({ id: 'c' + i, parent: 'r', name: 'call', start: 0, dur: 90 });
    spans.push({ id: 'k' + i, parent: 'c' + i, name: 'serve', service: 'b', start: 1, dur: 80 });
  }
  spans.push({ id: 'tw', parent: 'r', name: 'twin', start: 1, dur: 49 }, { id: 'tk', parent: 'tw', name: 'serve', service: 'b', start: 2, dur: 40 });
  const m = table(spans);
  const n = m.size;
  const childStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) if (m.parent[i]! >= 0) childStart[m.parent[i]! + 1]!++;
  for (let i = 0; i < n; i++) childStart[i + 1] = childStart[i]! + childStart[i + 1]!;
  const childRows = new Int32Array(childStart[n]!);
  const fill = childStart.slice(0, n);
  for (let i = 0; i < n; i++) if (m.parent[i]! >= 0) childRows[fill[m.parent[i]!]!++] = i;
  const w = wrappingTwins({ size: n, childStart, childRows, start: m.start, duration: m.duration, serviceCol: m.serviceCol, kind: m.kind });
  // the twin lies beyond the scan bound: not found (bounded work beats completeness in a pathological fan-out)
  assert.equal(w, null);
  spans.splice(2, 4 * MAX_TWIN_SCAN - 4);
  const few = aggregate(table(spans));
  close(find(few, 'handle').stats.selfMs, 1, 'with few candidates the twin is found');
});

test('real TrainTicket export: the gateway’s FilteringWebHandler.handle waits, its own time per trace is ~0 in both runs', async () => {
  const runs = [
    'baselines/trainticket-2023-01-30-1139.jsonl.gz',
    'cases/tt-network-delay-ts-security-service-0130-1400/incident.jsonl.gz',
  ];
  const handlers = [];
  for (const f of runs) {
    const t = aggregate((await loadTraces(join(REAL_FAULTS_DIR, f))).model);
    const h = t.nodes.filter((n) => n.service === 'ts-gateway-service' && n.name === 'FilteringWebHandler.handle');
    assert.equal(h.length, 1, f);
    const s = h[0]!.stats;
    assert.ok(s.totalPerTraceMs > 200, `${f}: the handler spans the request (${s.totalPerTraceMs} ms per trace)`);
    assert.ok(s.selfPerTraceMs < 0.02 * s.totalPerTraceMs, `${f}: own ${s.selfPerTraceMs} ms of ${s.totalPerTraceMs} ms per trace`);
    assert.ok(s.wrappedPerTraceMs! > 0.95 * s.totalPerTraceMs, `${f}: wrapped ${s.wrappedPerTraceMs}`);
    handlers.push(s);
  }
  // the request got ~3.5× slower; the handler's own time did not grow with it
  assert.ok(handlers[1]!.totalPerTraceMs > 3 * handlers[0]!.totalPerTraceMs);
  assert.ok(handlers[1]!.selfPerTraceMs - handlers[0]!.selfPerTraceMs < 5, 'no self-time growth of the handler');
});

test('the LLM tools’ self time (operation_stats) follows the same rule as the engine', async () => {
  const { modelIndex, opStats, opKey } = await import('../../../../src/llm/tools/stats');
  const m = table(gateway([0.7, 98.6], [1.5, 98]));
  const rows = modelIndex(m).ops.get(opKey('gw', 'FilteringWebHandler.handle'))!;
  assert.equal(opStats(m, rows).meanSelfMs, 0.8);
  assert.equal(opStats(m, modelIndex(m).ops.get(opKey('gw', 'HTTP POST'))!).meanSelfMs, 2);
});

test('the exemplar waterfall’s critical path goes on into the twin as the engine’s does', async () => {
  const { extractWaterfall } = await import('../../../../src/core/exemplars/waterfall');
  const m = table(gateway([0.5, 99.4], [1, 98]));
  const w = extractWaterfall(m, [...m.traces().keys()][0]!)!;
  const crit = new Map<string, number>();
  for (let q = 0; q < w.crit.length; q += 3) {
    const nm = w.strings[w.name[w.crit[q]!]!]!;
    crit.set(nm, (crit.get(nm) ?? 0) + w.crit[q + 2]! - w.crit[q + 1]!);
  }
  close(crit.get('/api/preserve')!, 96);
  close(crit.get('FilteringWebHandler.handle')!, 1.4);
});

test('flame data: the wrapper’s box says it waits on its twin (flag), its Δ self stays ~0 while the twin’s subtree slows', async () => {
  const { diffTrees } = await import('../../../../src/core/diff/diff-tree');
  const { toFlameData } = await import('../../../../src/core/diff/flame-data');
  const { FlameFlag } = await import('../../../../src/protocol/messages');
  const base = aggregate(table(gateway([0.7, 98.6], [1.5, 98])));
  // incident: everything downstream 5× slower
  const inc = aggregate(table([
    { id: 'r', name: '/*', service: 'gw', start: 0, dur: 500 },
    { id: 'h', parent: 'r', name: 'FilteringWebHandler.handle', service: 'gw', start: 0.7, dur: 498.6 },
    { id: 'p', parent: 'r', name: 'HTTP POST', service: 'gw', start: 1.5, dur: 498 },
    { id: 's', parent: 'p', name: '/api/preserve', service: 'preserve', start: 2.5, dur: 496 },
  ]));
  const data = toFlameData(diffTrees(base, inc));
  const at = (name: string) => data.name.findIndex((x) => data.strings[x] === name);
  const h = at('FilteringWebHandler.handle');
  assert.ok(data.flags[h]! & FlameFlag.WaitsOnTwin);
  assert.equal(data.flags[at('HTTP POST')]! & FlameFlag.WaitsOnTwin, 0);
  assert.equal(data.flags[at('/api/preserve')]! & FlameFlag.WaitsOnTwin, 0);
  close(data.deltaSelf[h]!, 0);
  const loudest = data.deltaSelf.reduce((best, v, i) => (v > data.deltaSelf[best]! ? i : best), 0);
  assert.equal(data.strings[data.name[loudest]!], '/api/preserve');
});
