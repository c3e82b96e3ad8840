/**
 * Exemplar traces answered in the engine worker (issue 13 follow-up): the worker keeps the models of its last run
 * (columns shared with the host) and answers the flame webview's exemplar requests with the same code as the host.
 * Worker vs in-thread answers on generated runs (two runs, one run split automatically, a single run), cancellation
 * (a cancelled request is skipped by the worker, a newer one replaces an older one), and the host fallback.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DiffNode } from '../../../src/core/diff/types';
import type { AggNode } from '../../../src/core/aggregate/types';
import { columnsShared } from '../../../src/core/model/transfer';
import { encode, makeScenario } from '../../../src/core/testing/scenarios';
import { EngineWorker, ExemplarRequestCancelled, type WorkerRunResult } from '../../../src/extension/engine-worker-client';
import { ExemplarHost, ExemplarRequests, type ExemplarReply, type ExemplarSnapshot } from '../../../src/extension/panels/exemplar-host';
import type { CallPathSegment, ExemplarToHostMessage } from '../../../src/protocol/exemplars';
import { isExemplars, isTraceMessage } from '../../../src/protocol/exemplars';
import { loadTraces } from '../../../src/sources/file';

const SCRIPT = resolve('dist/engine-worker.js');
if (!existsSync(SCRIPT)) throw new Error(`${SCRIPT} is missing: run \`npm run build\` first`);

/** Every call path of a tree (node path from the root, without the synthetic root), at most `max`. */
function callPaths(nodes: (DiffNode | AggNode)[], max: number): CallPathSegment[][] {
  const out: CallPathSegment[][] = [];
  for (let i = 1; i < nodes.length && out.length < max; i++) {
    const p: CallPathSegment[] = [];
    for (let x = i; x > 0; x = nodes[x]!.parent) p.push({ service: nodes[x]!.service, name: nodes[x]!.name });
    out.push(p.reverse());
  }
  return out;
}

/** The requests the webview makes for a call path: the list, the first two traces of each side, details of 3 spans. */
function requestsFor(list: ExemplarReply | undefined, path: CallPathSegment[]): ExemplarToHostMessage[] {
  if (!isExemplars(list) || !list.list) return [];
  const out: ExemplarToHostMessage[] = [];
  for (const r of [...list.list.incident.slice(0, 2), ...list.list.baseline.slice(0, 2)]) {
    out.push({ type: 'traceRequest', side: r.side, traceId: r.traceId, path });
    for (const index of [0, 1, 5]) out.push({ type: 'spanRequest', side: r.side, traceId: r.traceId, index });
  }
  return out;
}

describe('exemplar traces in the engine worker', () => {
  const dir = mkdtempSync(join(tmpdir(), 'td-worker-ex-'));
  const sc = makeScenario('self_time', 5, { traces: 240 });
  const BASE = join(dir, 'baseline.jsonl');
  const INC = join(dir, 'incident.jsonl');
  const w = new EngineWorker(SCRIPT);
  before(() => {
    writeFileSync(BASE, encode(sc.baseline, 'otlp-jsonl'));
    writeFileSync(INC, encode(sc.incident, 'otlp-jsonl'));
  });
  after(() => {
    w.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Worker answers vs today's in-thread ExemplarHost over freshly loaded models, request by request. */
  async function compareAll(r: WorkerRunResult, reference: ExemplarSnapshot, tree: (DiffNode | AggNode)[]): Promise<number> {
    assert.ok(r.workerRun !== undefined, 'the worker keeps the run');
    const local = new ExemplarHost(() => reference);
    let compared = 0;
    for (const path of callPaths(tree, 40)) {
      const req: ExemplarToHostMessage = { type: 'exemplarsRequest', path };
      const inWorker: ExemplarReply = (await w.exemplar(r.workerRun!, req)).reply;
      const inThread = local.handle(req);
      assert.deepEqual(inWorker, inThread, `list of ${JSON.stringify(path)}`);
      compared++;
      for (const q of requestsFor(inThread, path)) {
        assert.deepEqual((await w.exemplar(r.workerRun!, q)).reply, local.handle(q), JSON.stringify(q));
        compared++;
      }
    }
    return compared;
  }

  it('two runs: every answer of the worker equals the in-thread answer', async () => {
    const r = await w.run({ kind: 'diagnose', baseline: [BASE], incident: [INC], folders: [] });
    const [b, i] = [(await loadTraces(BASE)).model, (await loadTraces(INC)).model];
    const ref: ExemplarSnapshot = { mode: 'diff', autoSplit: false, baseline: { run: { model: b } }, incident: { run: { model: i } } };
    const n = await compareAll(r, ref, r.diff!.nodes);
    assert.ok(n > 100, `${n} answers compared`);
    // the host's models stay usable: their columns are shared with the worker, not transferred away
    assert.ok(columnsShared(r.incident.run.model) && columnsShared(r.baseline!.run.model));
    assert.equal(r.incident.run.model.size, i.size);
    assert.equal(r.incident.run.model.traceId(i.size - 1), i.traceId(i.size - 1));
    // and the host's own ExemplarHost on them answers the same (the fallback)
    const onHost = new ExemplarHost(() => ({ mode: 'diff', autoSplit: false, baseline: r.baseline!, incident: r.incident }));
    const path = callPaths(r.diff!.nodes, 3)[2]!;
    assert.deepEqual(onHost.handle({ type: 'exemplarsRequest', path }), (await w.exemplar(r.workerRun!, { type: 'exemplarsRequest', path })).reply);
  });

  it('one run split automatically: the engine split is used on both threads and sent to the host', async () => {
    const r = await w.run({ kind: 'diagnose', incident: [INC], folders: [] });
    assert.ok(r.splitMasks, 'the split masks come back with the result');
    const i = (await loadTraces(INC)).model;
    // today's in-thread way without the engine's masks: split again (same seed)
    const ref: ExemplarSnapshot = { mode: 'diff', autoSplit: true, incident: { run: { model: i } } };
    const n = await compareAll(r, ref, r.diff!.nodes);
    assert.ok(n > 50, `${n} answers compared`);
    const list = (await w.exemplar(r.workerRun!, { type: 'exemplarsRequest', path: callPaths(r.diff!.nodes, 1)[0]! })).reply;
    assert.ok(isExemplars(list) && list.list && list.list.hasBaseline && list.list.baseline.length > 0);
  });

  it('a single run: lists without a baseline column, traces and span details the same', async () => {
    const r = await w.run({ kind: 'single', incident: [INC], folders: [] });
    const i = (await loadTraces(INC)).model;
    const n = await compareAll(r, { mode: 'single', autoSplit: false, incident: { run: { model: i } } }, r.incidentAgg.nodes);
    assert.ok(n > 50, `${n} answers compared`);
  });

  it('cancellation: requests cancelled before they start are skipped by the worker; the worker keeps answering', async () => {
    // a larger run: the first request (it indexes the run's traces) keeps the worker busy while the others queue
    const big = join(dir, 'big.jsonl');
    writeFileSync(big, encode(makeScenario('self_time', 9, { traces: 3000 }).incident, 'otlp-jsonl'));
    const r = await w.run({ kind: 'single', incident: [big], folders: [] });
    const path = callPaths(r.incidentAgg.nodes, 2)[1]!;
    const skipped = w.exemplarsSkipped;
    const first = w.exemplar(r.workerRun!, { type: 'exemplarsRequest', path });
    const acs = Array.from({ length: 20 }, () => new AbortController());
    const queued = acs.map((ac) => w.exemplar(r.workerRun!, { type: 'exemplarsRequest', path }, { signal: ac.signal }));
    for (const ac of acs) ac.abort();
    for (const p of queued) await assert.rejects(p, ExemplarRequestCancelled);
    const answered = await first;
    assert.ok(answered.timings.index !== undefined && isExemplars(answered.reply) && answered.reply.list);
    // the worker answers in order: its skip confirmations for the cancelled requests came before this reply
    const next = await w.exemplar(r.workerRun!, { type: 'exemplarsRequest', path });
    assert.deepEqual(next.reply, answered.reply);
    assert.equal(next.timings.index, undefined, 'the indexes are built once per run');
    const n = w.exemplarsSkipped - skipped;
    // (all 20 unless this thread was descheduled for longer than the worker took to answer several requests)
    assert.ok(n >= 1 && n <= 20, `the worker skipped ${n} of the 20 cancelled requests`);
    // an already aborted signal never reaches the worker
    await assert.rejects(w.exemplar(r.workerRun!, { type: 'exemplarsRequest', path }, { signal: AbortSignal.abort() }), ExemplarRequestCancelled);
    // a run the worker no longer holds: a clear error (the host answers instead)
    await assert.rejects(w.exemplar(r.workerRun! + 1000, { type: 'exemplarsRequest', path }), /does not hold run/);
  });

  it('ExemplarRequests: forwarded to the worker, a newer request replaces an older one, the host answers when the worker cannot', async () => {
    const r = await w.run({ kind: 'diagnose', baseline: [BASE], incident: [INC], folders: [] });
    const snap: ExemplarSnapshot = { mode: 'diff', autoSplit: false, workerRun: r.workerRun!, baseline: r.baseline!, incident: r.incident };
    let forwarded = 0;
    let answeredByWorker = 0;
    const reqs = new ExemplarRequests(
      () => snap,
      (run, request, signal) => {
        if (!w.holds(run)) return undefined;
        forwarded++;
        return w.exemplar(run, request, { signal }).then((x) => {
          answeredByWorker++;
          return x.reply;
        });
      },
    );
    const [p1, p2] = callPaths(r.diff!.nodes, 4).slice(2);
    const first = reqs.handle({ type: 'exemplarsRequest', path: p1! })!;
    const second = reqs.handle({ type: 'exemplarsRequest', path: p2! })!;
    assert.equal(await first, undefined, 'the older list request is cancelled');
    const got = await second;
    assert.ok(isExemplars(got) && got.list);
    assert.deepEqual(got, new ExemplarHost(() => snap).handle({ type: 'exemplarsRequest', path: p2! }));
    assert.equal(forwarded, 2);
    assert.equal(answeredByWorker, 1);
    assert.equal(reqs.handle({ type: 'ready' }), undefined, 'other messages are not exemplar requests');
    // trace requests of the two sides do not cancel each other
    const inc = reqs.handle({ type: 'traceRequest', side: 'incident', traceId: got.list.incident[0]!.traceId, path: p2! })!;
    const base = reqs.handle({ type: 'traceRequest', side: 'baseline', traceId: got.list.baseline[0]!.traceId, path: p2! })!;
    const [ti, tb] = await Promise.all([inc, base]);
    assert.ok(isTraceMessage(ti) && ti.trace && isTraceMessage(tb) && tb.trace);
    assert.equal(answeredByWorker, 3);

    // the worker stopped (a newer load was cancelled): the host answers the shown snapshot itself, the same
    w.cancel();
    const viaRun = w.run({ kind: 'single', incident: [INC], folders: [] });
    w.cancel();
    await assert.rejects(viaRun);
    assert.equal(w.holds(r.workerRun!), false);
    const fallback = await reqs.handle({ type: 'exemplarsRequest', path: p1! });
    assert.deepEqual(fallback, new ExemplarHost(() => snap).handle({ type: 'exemplarsRequest', path: p1! }));
    assert.equal(forwarded, 4, 'not forwarded once the worker no longer holds the run');
    // a remote that fails: answered on the host too, and said in the log
    const logs: string[] = [];
    const failing = new ExemplarRequests(() => snap, () => Promise.reject(new Error('boom')), {}, (m) => logs.push(m));
    assert.deepEqual(await failing.handle({ type: 'exemplarsRequest', path: p1! }), fallback);
    assert.match(logs.join('\n'), /boom.*extension host/);
    // a reply for a snapshot that is no longer shown is dropped
    let shown: ExemplarSnapshot = snap;
    const stale = new ExemplarRequests(() => shown, (_run, request) => new Promise((res) => setTimeout(() => res(new ExemplarHost(() => snap).handle(request)!), 20)));
    const late = stale.handle({ type: 'exemplarsRequest', path: p1! })!;
    shown = { ...snap };
    assert.equal(await late, undefined);
  });
});
