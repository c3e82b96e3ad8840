/**
 * Gone work and waits in the differential flame graph (src/core/diff/flame-gone.ts, layoutFlame's diff mode): calls
 * the incident no longer makes get a box at their baseline width after their caller's other calls, with words; a
 * caller whose added own time is the wait for a callee names it, with the gap before → after (Diagnosis grew
 * `waitsOnGapMs`). On hand-made trees and on two real fault cases (test/fixtures/real-faults, Nezha, MIT).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { toFlameData } from '../../../src/core/diff/flame-data';
import { buildFlameTree, layoutFlame } from '../../../src/core/diff/flame-layout';
import { countGoneRoots, goneListItem, goneRootsUnder, goneText, isGone, isGoneRoot, waitsFor } from '../../../src/core/diff/flame-gone';
import { Diagnosis } from '../../../src/core/rca/diagnosis';
import { analyze } from '../../../src/core/rca/analyze';
import { loadTraces } from '../../../src/sources/file';
import { FlameFlag } from '../../../src/protocol/messages';
import { diffTreeFromRows, nodeStats } from '../../helpers/diff-tree';

const close = (a: number, b: number, msg?: string) => assert.ok(Math.abs(a - b) < 1e-9, `${a} ≈ ${b}${msg ? `: ${msg}` : ''}`);

/** A checkout that now stops early: its caller keeps 90 ms of 100, the shipping call (30 ms, with a child) is gone. */
function failFast() {
  const tree = diffTreeFromRows(
    [
      { service: '', name: 'all traces', parent: -1, baseline: nodeStats(130, 0, 10), incident: nodeStats(100, 0, 10), extra: { kind: 'root' } },
      { service: 'frontend', name: 'POST /checkout', parent: 0, baseline: nodeStats(130, 10, 10), incident: nodeStats(100, 10, 10) },
      { service: 'payments', name: 'charge', parent: 1, baseline: nodeStats(90, 90, 10), incident: nodeStats(90, 90, 10) },
      { service: 'shipping', name: 'ShipOrder', parent: 1, baseline: { ...nodeStats(30, 10, 10), calls: 20, callsPerTrace: 2 }, incident: null },
      { service: 'shipping', name: 'INSERT shipments', parent: 3, baseline: nodeStats(20, 20, 10), incident: null },
    ],
    { baseline: 10, incident: 10 },
  );
  const data = toFlameData(tree);
  return { data, tree: buildFlameTree(data) };
}

test('diff layout: gone work follows the present calls at its baseline width; siblings scale together when it does not fit', () => {
  const { data, tree } = failFast();
  // pre-order by (service, name): payments (2) before shipping (3, 4)
  assert.deepEqual([...Array(data.n).keys()].map((i) => data.strings[data.name[i]!]), ['all traces', 'POST /checkout', 'charge', 'ShipOrder', 'INSERT shipments']);
  const diff = layoutFlame(tree, data, 'diff');
  const inc = layoutFlame(tree, data, 'incident');
  assert.deepEqual(Array.from(diff.gone), [0, 0, 0, 1, 1]);
  // incident mode: the gone call has no width (the incident does not make it)
  assert.equal(inc.x1[3]! - inc.x0[3]!, 0);
  close(inc.x1[2]! - inc.x0[2]!, 0.9);
  // diff: checkout 100 ms holds charge 90 + ShipOrder 30 (baseline) = 120 → both × 100/120, charge first
  close(diff.x0[2]!, 0);
  close(diff.x1[2]!, 0.75);
  close(diff.x0[3]!, 0.75);
  close(diff.x1[3]!, 1);
  // the gone subtree keeps its baseline proportions: INSERT 20 of ShipOrder's 30
  close(diff.x1[4]! - diff.x0[4]!, 0.25 * (20 / 30));
  close(diff.x0[4]!, diff.x0[3]!);
  // baseline mode lays everything out at baseline time, nothing is "gone" there
  const base = layoutFlame(tree, data, 'baseline');
  assert.deepEqual(Array.from(base.gone), [0, 0, 0, 0, 0]);
  close(base.x1[3]! - base.x0[3]!, 30 / 130);
  // one run (no baseline to lose work against): never gone
  const single = { ...data, kind: 'single' as const };
  assert.equal(isGone(single, 3), false);
  assert.deepEqual(Array.from(layoutFlame(tree, single, 'diff').gone), [0, 0, 0, 0, 0]);
  // without flags (an older caller of layoutFlame): the old layout
  assert.deepEqual(Array.from(layoutFlame(tree, { bTotal: data.bTotal, iTotal: data.iTotal }, 'diff').gone), [0, 0, 0, 0, 0]);
});

test('gone work in words: the top of a gone subtree, a box gone with its caller, the list under a caller', () => {
  const { data, tree } = failFast();
  assert.equal(isGoneRoot(data, 3), true);
  assert.equal(isGoneRoot(data, 4), false);
  assert.equal(isGone(data, 4), true);
  assert.equal(countGoneRoots(data), 1);
  assert.equal(goneText(data, tree, 2), null);
  assert.equal(
    goneText(data, tree, 3),
    'Gone in the incident: 2.00 calls per trace in the baseline (20 calls), 0 now — frontend · POST /checkout no longer makes this call; 30 ms per trace of baseline time, drawn hatched at that width.',
  );
  assert.match(goneText(data, tree, 4)!, /^Gone in the incident: 1\.00 calls per trace in the baseline \(10 calls\), 0 now, gone with its caller shipping · ShipOrder; 20 ms per trace/);
  assert.deepEqual(goneRootsUnder(data, tree, 0), [3]);
  assert.deepEqual(goneRootsUnder(data, tree, 1), [3]);
  assert.deepEqual(goneRootsUnder(data, tree, 2), []);
  assert.equal(goneListItem(data, 3), 'shipping · ShipOrder — 2.00 → 0 calls per trace');
});

test('waits for: a caller whose added own time is the wait for a callee names it, its box, and the gap before → after', () => {
  const tree = diffTreeFromRows(
    [
      { service: '', name: 'all traces', parent: -1, baseline: nodeStats(212, 0, 10), incident: nodeStats(612, 0, 10), extra: { kind: 'root' } },
      { service: 'gateway', name: 'HTTP POST', parent: 0, baseline: nodeStats(212, 2, 10), incident: nodeStats(612, 402, 10) },
      { service: 'travel', name: 'trips/left', parent: 1, baseline: nodeStats(200, 200, 10), incident: nodeStats(200, 200, 10) },
      // the same operation on another call path, calling another service: its own time is not that wait
      { service: 'gateway', name: 'HTTP POST', parent: 0, baseline: nodeStats(10, 1, 10), incident: nodeStats(10, 1, 10) },
      { service: 'auth', name: 'login', parent: 3, baseline: nodeStats(9, 9, 10), incident: nodeStats(9, 9, 10) },
    ],
    { baseline: 10, incident: 10 },
  );
  const base = {
    rootCause: { service: 'travel', name: 'trips/left', kind: 'call_delay' as const, impactMs: 400, confidence: 0.9, evidence: [], summary: 'calls to travel wait longer', detector: 'remote_gap' as const },
    latency: { baselineMs: 212, incidentMs: 612, pValue: 0.001, test: 'welch' },
    notes: [],
  };
  const caller = { service: 'gateway', name: 'HTTP POST', kind: 'self_time' as const, impactMs: 400, confidence: 0.7, evidence: [], summary: '… — the wait for travel', waitsOn: 'travel' };
  // the contract grew by an optional field only: a diagnosis with it parses, one without it too
  const d = Diagnosis.parse({ ...base, candidates: [{ ...caller, waitsOnGapMs: { baseline: 3, incident: 2000 } }] });
  const old = Diagnosis.parse({ ...base, candidates: [caller] });
  const data = toFlameData(tree, d);
  const t = buildFlameTree(data);
  const ids = [...Array(data.n).keys()];
  const onPath = ids.find((i) => data.strings[data.name[i]!] === 'HTTP POST' && t.end[i]! > i + 1 && data.strings[data.service[i + 1]!] === 'travel')!;
  const other = ids.find((i) => data.strings[data.name[i]!] === 'HTTP POST' && i !== onPath)!;
  const w = waitsFor(data, t, d, onPath)!;
  assert.ok(w, 'the caller on the path to travel waits for it');
  assert.equal(w.service, 'travel');
  assert.equal(data.strings[data.service[w.child]!], 'travel');
  assert.equal(t.parent[w.child], onPath);
  assert.equal(
    w.text,
    "Its own time (2 ms → 402 ms per call) grew because it waits for travel: the time between its span and travel's span grew 3 ms → 2 s per call (median over gateway's calls to travel) — the engine's finding on travel, not work of its own.",
  );
  // a box of the same operation that does not call travel: no such claim
  assert.equal(waitsFor(data, t, d, other), null);
  // the callee itself, the root, no diagnosis: nothing
  assert.equal(waitsFor(data, t, d, w.child), null);
  assert.equal(waitsFor(data, t, d, 0), null);
  assert.equal(waitsFor(data, t, null, onPath), null);
  // an older diagnosis without the gap figures still says why, without inventing numbers
  assert.match(waitsFor(data, t, old, onPath)!.text, /it waits for travel: the time between its span and travel's span grew — the engine's finding/);
});

test('waits for, second reading: a red caller of a call-delay / queueing finding is the wait for it (OnlineBoutique-style client spans)', () => {
  const tree = diffTreeFromRows(
    [
      { service: '', name: 'all traces', parent: -1, baseline: nodeStats(200, 0, 10), incident: nodeStats(300, 0, 10), extra: { kind: 'root' } },
      { service: 'frontend', name: 'Recv.', parent: 0, baseline: nodeStats(200, 100, 10), incident: nodeStats(300, 100, 10) },
      // the client span in frontend: its time outside the callee's span grew 4 → 104 ms
      { service: 'frontend', name: 'GetProduct', parent: 1, baseline: nodeStats(50, 4, 10), incident: nodeStats(150, 104, 10), extra: { significance: 0.999 } },
      { service: 'catalog', name: 'GetProduct', parent: 2, baseline: nodeStats(46, 46, 10), incident: nodeStats(46, 46, 10), extra: { significance: 0.1 } },
      // a caller whose own time did not grow: no claim
      { service: 'frontend', name: 'ListProducts', parent: 1, baseline: nodeStats(50, 4, 10), incident: nodeStats(50, 4, 10), extra: { significance: 0.2 } },
      { service: 'catalog', name: 'GetProduct', parent: 4, baseline: nodeStats(46, 46, 10), incident: nodeStats(46, 46, 10), extra: { significance: 0.1 } },
    ],
    { baseline: 10, incident: 10 },
  );
  const rc = { service: 'catalog', name: 'GetProduct', kind: 'call_delay' as const, impactMs: 100, confidence: 0.99, evidence: [], summary: 'calls to catalog / GetProduct wait longer', detector: 'operation' as const };
  const d = Diagnosis.parse({ rootCause: rc, candidates: [rc], notes: [] });
  const data = toFlameData(tree, d);
  const t = buildFlameTree(data);
  const find = (svc: string, nm: string) => [...Array(data.n).keys()].filter((i) => data.strings[data.service[i]!] === svc && data.strings[data.name[i]!] === nm);
  const [caller] = find('frontend', 'GetProduct');
  const w = waitsFor(data, t, d, caller!)!;
  assert.ok(w);
  assert.equal(w.service, 'catalog');
  assert.equal(t.parent[w.child], caller);
  assert.equal(
    w.text,
    "Its own time (4 ms → 104 ms per call) grew because it waits for catalog: it is the time outside catalog's span on this call path, and the engine finds that calls to catalog · GetProduct wait longer there (call delay) — not work of its own.",
  );
  assert.equal(waitsFor(data, t, d, find('frontend', 'ListProducts')[0]!), null, 'own time did not grow');
  assert.equal(waitsFor(data, t, d, find('frontend', 'Recv.')[0]!), null, 'its child is no such finding');
  // another kind of finding at the callee (its own time): not a wait
  const own = Diagnosis.parse({ rootCause: { ...rc, kind: 'self_time' }, candidates: [], notes: [] });
  assert.equal(waitsFor(toFlameData(tree, own), t, own, caller!), null);
});

const RF = join(process.cwd(), 'test', 'fixtures', 'real-faults');

test('real cases: OnlineBoutique frontend returning early has its gone call drawn; TrainTicket network delay names what the gateway waits for', async () => {
  // OB return (fail-fast): the root cause is work that stopped; adservice's getAdsByCategory is gone under it
  {
    const b = await loadTraces(join(RF, 'baselines', 'onlineboutique-2022-08-22-0353.jsonl.gz'));
    const i = await loadTraces(join(RF, 'cases', 'ob-return-frontend-0822-0402', 'incident.jsonl.gz'));
    const a = analyze(b.model, i.model);
    assert.equal(a.diagnosis.rootCause?.kind, 'stopped_work');
    const data = toFlameData(a.diff, a.diagnosis);
    const tree = buildFlameTree(data);
    const rc = [...Array(data.n).keys()].filter((k) => data.flags[k]! & FlameFlag.RootCause);
    const gone = rc.flatMap((r) => goneRootsUnder(data, tree, r));
    const names = gone.map((g) => `${data.strings[data.service[g]!]}/${data.strings[data.name[g]!]}`);
    assert.ok(names.includes('adservice/hipstershop.AdService/getAdsByCategory'), `gone under the root cause: ${names.join(', ')}`);
    const g = gone[names.indexOf('adservice/hipstershop.AdService/getAdsByCategory')]!;
    const diff = layoutFlame(tree, data, 'diff');
    const inc = layoutFlame(tree, data, 'incident');
    assert.equal(inc.x1[g]! - inc.x0[g]!, 0, 'no width in the incident');
    // (0.0049 of the graph since the remainders of frontend's calls made fewer times share its width — h28; ≥ 4 px
    // at 1000 px, where the dashed outline is drawn)
    assert.ok(diff.x1[g]! - diff.x0[g]! > 0.004, `a visible width in the diff: ${diff.x1[g]! - diff.x0[g]!}`);
    assert.match(goneText(data, tree, g)!, /^Gone in the incident: 0\.\d\d calls per trace in the baseline \(\d+ calls\), 0 now — adservice · hipstershop\.AdServiceImpl\/getAds no longer makes this call/);
  }
  // TT network delay at ts-travel-service: the gateway's HTTP POST is the loudest red box; its own time is the wait
  {
    const b = await loadTraces(join(RF, 'baselines', 'trainticket-2023-01-30-1139.jsonl.gz'));
    const i = await loadTraces(join(RF, 'cases', 'tt-network-delay-ts-travel-service-0130-1322', 'incident.jsonl.gz'));
    const a = analyze(b.model, i.model);
    const gw = a.diagnosis.candidates.find((c) => c.service === 'ts-gateway-service' && c.name === 'HTTP POST');
    assert.equal(gw?.waitsOn, 'ts-travel-service');
    assert.ok(gw?.waitsOnGapMs && gw.waitsOnGapMs.incident > 10 * gw.waitsOnGapMs.baseline, `gap ${JSON.stringify(gw?.waitsOnGapMs)}`);
    const data = toFlameData(a.diff, a.diagnosis);
    const tree = buildFlameTree(data);
    let loudest = 1;
    for (let k = 1; k < data.n; k++) if (data.deltaSelf[k]! > data.deltaSelf[loudest]!) loudest = k;
    assert.equal(`${data.strings[data.service[loudest]!]}/${data.strings[data.name[loudest]!]}`, 'ts-gateway-service/HTTP POST');
    const w = waitsFor(data, tree, a.diagnosis, loudest);
    assert.ok(w, 'the loudest red box says what it waits for');
    assert.equal(data.strings[data.service[w.child]!], 'ts-travel-service');
    assert.match(w.text, /grew because it waits for ts-travel-service: the time between its span and ts-travel-service's span grew [\d.]+ ms → [\d.]+ s per call/);
  }
  // OB network delay at productcatalogservice (client spans): the loudest box is frontend's GetProduct call; the engine
  // blames the callee (call delay); the caller's box says it waits for it
  {
    const b = await loadTraces(join(RF, 'baselines', 'onlineboutique-2022-08-23-1700.jsonl.gz'));
    const i = await loadTraces(join(RF, 'cases', 'ob-network-delay-productcatalogservice-0823-1430', 'incident.jsonl.gz'));
    const a = analyze(b.model, i.model);
    assert.equal(a.diagnosis.rootCause?.service, 'productcatalogservice');
    const data = toFlameData(a.diff, a.diagnosis);
    const tree = buildFlameTree(data);
    let loudest = 1;
    for (let k = 1; k < data.n; k++) if (data.deltaSelf[k]! > data.deltaSelf[loudest]!) loudest = k;
    assert.equal(`${data.strings[data.service[loudest]!]}/${data.strings[data.name[loudest]!]}`, 'frontend/hipstershop.ProductCatalogService/GetProduct');
    const w = waitsFor(data, tree, a.diagnosis, loudest);
    assert.ok(w, 'the loudest red box says what it waits for');
    assert.match(w.text, /^Its own time \([\d.]+ ms → [\d.]+ ms per call\) grew because it waits for productcatalogservice: .* \(call delay\)/);
  }
});
