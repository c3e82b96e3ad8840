import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diagnose, analyze } from '../../../../src/core/rca/analyze';
import { Diagnosis } from '../../../../src/core/rca/diagnosis';
import { aggregate } from '../../../../src/core/aggregate/tree';
import { parseTraceText } from '../../../../src/core/parse/index';
import { mulberry32 } from '../../../../src/core/stats/index';
import { SpanKind } from '../../../../src/core/model/span-table';
import { table, type S } from '../../../helpers/spans';

/** web → (client) → api server → db; `skewMs` shifts the api/db clocks; `slowDb` adds db time. */
function run(n: number, seed: number, o: { skewMs?: number; slowDb?: number; orphanEvery?: number; asyncMs?: number } = {}): S[] {
  const rnd = mulberry32(seed);
  const spans: S[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = i * 1000;
    const tr = 't' + i;
    const db = 4 + rnd() * 2 + (o.slowDb ?? 0);
    const api = db + 3 + rnd();
    const client = api + 1;
    const web = client + 2 + rnd();
    const sk = o.skewMs ?? 0;
    spans.push({ trace: tr, id: 'w' + i, name: 'GET /', service: 'web', kind: SpanKind.Server, start: t0, dur: web });
    spans.push({ trace: tr, id: 'c' + i, parent: 'w' + i, name: 'call api', service: 'web', kind: SpanKind.Client, start: t0 + 1, dur: client });
    const orphan = o.orphanEvery && i % o.orphanEvery === 0;
    spans.push({ trace: tr, id: 'a' + i, parent: orphan ? 'lost' + i : 'c' + i, name: 'POST /api', service: 'api', kind: SpanKind.Server, start: t0 + 1.5 + sk, dur: api });
    spans.push({ trace: tr, id: 'd' + i, parent: 'a' + i, name: 'SELECT', service: 'db', kind: SpanKind.Client, start: t0 + 2 + sk, dur: db });
    if (o.asyncMs) spans.push({ trace: tr, id: 'q' + i, parent: 'w' + i, name: 'publish', service: 'web', kind: SpanKind.Producer, start: t0 + web - 0.5, dur: o.asyncMs });
  }
  return spans;
}

test('clock skew between services (callee clock 60 ms behind) does not break self time or the answer', () => {
  const b = table(run(40, 1, { skewMs: -60 }));
  const i = table(run(40, 2, { skewMs: -60, slowDb: 20 }));
  for (const n of aggregate(i).nodes) assert.ok(n.stats.selfMs >= 0, `${n.name} self ${n.stats.selfMs}`);
  const d = diagnose(b, i);
  assert.equal(d.rootCause?.service, 'db');
  assert.equal(d.rootCause?.name, 'SELECT');
});

test('the public Zipkin skew fixture (child starts 62 ms before its parent) aggregates with non-negative self time', () => {
  const f = join(__dirname, '../../../fixtures/public/zipkin/skew.json');
  const m = parseTraceText(readFileSync(f, 'utf8'), f).model;
  const t = aggregate(m);
  for (const n of t.nodes) {
    assert.ok(n.stats.selfMs >= 0);
    assert.ok(n.stats.selfMs <= n.stats.totalMs + 1e-9);
  }
  Diagnosis.parse(diagnose(m, m));
});

test('missing parents / orphan spans: still diagnosed, orphan paths marked', () => {
  const b = table(run(40, 3, { orphanEvery: 3 }));
  const i = table(run(40, 4, { orphanEvery: 3, slowDb: 25 }));
  const a = analyze(b, i);
  assert.equal(a.diagnosis.rootCause?.name, 'SELECT');
  assert.ok(a.diff.nodes.some((n) => n.orphan && n.name === 'POST /api'));
  // the SELECT under orphan paths and under normal paths are merged into one candidate
  assert.equal(a.diagnosis.candidates.filter((c) => c.name === 'SELECT').length, 1);
});

test('async children outliving the parent: clipped, and a longer async tail is not blamed for end-to-end latency', () => {
  const b = table(run(40, 5, { asyncMs: 5 }));
  const i = table(run(40, 6, { asyncMs: 500 })); // only the fire-and-forget publish got slower
  const agg = aggregate(i);
  const web = agg.nodes.find((n) => n.name === 'GET /')!;
  assert.ok(web.stats.selfMs >= 0);
  const d = diagnose(b, i);
  assert.equal(d.rootCause, null, `got ${d.rootCause?.name}: ${d.notes.join(' | ')}`);
});

test('a client span much longer than its server child blames the callee, not the caller: queueing when it is busy, a call delay when not', () => {
  const mk = (seed: number, wait: number, everyMs: number) => {
    const rnd = mulberry32(seed);
    const spans: S[] = [];
    for (let k = 0; k < 40; k++) {
      const t0 = k * everyMs;
      const q = wait * (0.5 + rnd());
      const srv = 5 + rnd();
      spans.push({ trace: 't' + k, id: 'w' + k, name: 'GET /', service: 'web', kind: SpanKind.Server, start: t0, dur: srv + q + 4 });
      spans.push({ trace: 't' + k, id: 'c' + k, parent: 'w' + k, name: 'call worker', service: 'web', kind: SpanKind.Client, start: t0 + 1, dur: srv + q + 1 });
      spans.push({ trace: 't' + k, id: 's' + k, parent: 'c' + k, name: 'process', service: 'worker', kind: SpanKind.Server, start: t0 + 1.5 + q, dur: srv });
    }
    return table(spans);
  };
  // one request a second to 5 ms of work: the worker is idle, the wait is outside its work
  const idle = diagnose(mk(1, 0.2, 1000), mk(2, 40, 1000));
  assert.deepEqual([idle.rootCause?.service, idle.rootCause?.name, idle.rootCause?.kind], ['worker', 'process', 'call_delay']);
  assert.equal(idle.rootCause?.capacity, undefined);
  assert.match(idle.rootCause!.summary, /worker is only \d %+ utilised, so not saturated/);
  // one worker taking requests in turn (a FIFO queue): 5.5 ms of work every 20 ms, then every 6.5 ms → it is busy,
  // its requests queue
  const fifo = (seed: number, everyMs: number) => {
    const rnd = mulberry32(seed);
    const spans: S[] = [];
    let free = 0;
    for (let k = 0, t0 = 0; k < 200; k++, t0 += -Math.log(1 - rnd()) * everyMs) {
      const srv = 5 + rnd();
      const st = Math.max(t0 + 1.5, free);
      free = st + srv;
      spans.push({ trace: 't' + k, id: 'w' + k, name: 'GET /', service: 'web', kind: SpanKind.Server, start: t0, dur: free - t0 + 3 });
      spans.push({ trace: 't' + k, id: 'c' + k, parent: 'w' + k, name: 'call worker', service: 'web', kind: SpanKind.Client, start: t0 + 1, dur: free - t0 });
      spans.push({ trace: 't' + k, id: 's' + k, parent: 'c' + k, name: 'process', service: 'worker', kind: SpanKind.Server, start: st, dur: srv });
    }
    return table(spans);
  };
  const busy = diagnose(fifo(1, 20), fifo(2, 6.5));
  assert.deepEqual([busy.rootCause?.service, busy.rootCause?.name, busy.rootCause?.kind], ['worker', 'process', 'queueing']);
  assert.ok(busy.rootCause?.capacity && busy.rootCause.capacity.incident.utilisation! >= 0.5);
});

test('a single trace per side: ranked by effect, low confidence, a note; identical runs → null', () => {
  const b = table(run(1, 7));
  const i = table(run(1, 8, { slowDb: 50 }));
  const d = diagnose(b, i);
  assert.equal(d.rootCause?.name, 'SELECT');
  assert.ok(d.rootCause!.confidence <= 0.35);
  assert.ok(d.notes.some((n) => /too few/.test(n)));
  assert.equal(diagnose(b, b).rootCause, null);
});

test('empty incident model and faster incident give no root cause', () => {
  const b = table(run(30, 9, { slowDb: 30 }));
  const i = table(run(30, 10));
  assert.equal(diagnose(b, i).rootCause, null);
  const empty = table([]);
  const d = diagnose(b, empty);
  assert.equal(d.rootCause, null);
  Diagnosis.parse(d);
});

test('saturated single worker: overlap grows and self time rises with it → queueing inside that component', () => {
  // FIFO single worker: each request's span opens on arrival and closes when served (the wait is inside the span)
  const mk = (seed: number, gapMs: number) => {
    const rnd = mulberry32(seed);
    const spans: S[] = [];
    let free = 0;
    for (let k = 0; k < 60; k++) {
      const arrive = k * gapMs + rnd() * 2;
      const service = 18 + rnd() * 4;
      const begin = Math.max(arrive, free);
      free = begin + service;
      const end = free;
      spans.push({ trace: 't' + k, id: 'w' + k, name: 'GET /', service: 'web', kind: SpanKind.Server, start: arrive - 1, dur: end - arrive + 2 });
      spans.push({ trace: 't' + k, id: 'p' + k, parent: 'w' + k, name: 'preprocess', service: 'worker', kind: SpanKind.Internal, start: arrive, dur: end - arrive });
    }
    return table(spans);
  };
  const d = diagnose(mk(1, 100), mk(2, 19));
  assert.equal(d.rootCause?.service, 'worker');
  assert.equal(d.rootCause?.kind, 'queueing');
  assert.match(d.rootCause!.evidence[0]!, /in flight/);
});

test('retries with backoff: the failing callee is blamed, the caller\'s waiting between attempts is counted with it', () => {
  const mk = (seed: number, failRate: number) => {
    const rnd = mulberry32(seed);
    const spans: S[] = [];
    for (let k = 0; k < 50; k++) {
      const t0 = k * 1000;
      let t = t0 + 1;
      const kids: S[] = [];
      for (let a = 0; a < 3; a++) {
        const fail = rnd() < failRate;
        const dur = fail ? 2 : 20 + rnd() * 5;
        kids.push({ trace: 't' + k, id: `c${k}_${a}`, parent: 'p' + k, name: 'POST /infer', service: 'pre', kind: SpanKind.Client, start: t, dur: dur + 1, error: fail });
        kids.push({ trace: 't' + k, id: `s${k}_${a}`, parent: `c${k}_${a}`, name: 'infer', service: 'model', kind: SpanKind.Server, start: t + 0.5, dur, error: fail });
        t += dur + 1;
        if (!fail) break;
        t += 50; // backoff
      }
      spans.push({ trace: 't' + k, id: 'p' + k, name: 'preprocess', service: 'pre', kind: SpanKind.Server, start: t0, dur: t - t0 + 1 }, ...kids);
    }
    return table(spans);
  };
  const d = diagnose(mk(1, 0), mk(2, 0.5));
  assert.equal(d.rootCause?.service, 'model');
  assert.equal(d.rootCause?.name, 'infer');
  assert.equal(d.rootCause?.kind, 'retries');
  assert.ok(d.rootCause!.evidence.some((e) => /backoff/.test(e)));
  assert.ok(!d.candidates.some((c) => c.service === 'pre' && c.kind === 'self_time'), 'the backoff is not a separate self-time finding');
});

test('attribute on the resource: only one host got slow → attribute host.name=<that host>', () => {
  const mk = (seed: number, slowHost: string | null) => {
    const rnd = mulberry32(seed);
    const spans: S[] = [];
    for (let k = 0; k < 90; k++) {
      const host = ['db-1', 'db-2', 'db-3'][k % 3]!;
      const q = 5 + rnd() * 2 + (host === slowHost ? 40 : 0);
      spans.push({ trace: 't' + k, id: 'w' + k, name: 'GET /', service: 'web', kind: SpanKind.Server, start: k * 1000, dur: q + 4 });
      spans.push({ trace: 't' + k, id: 'q' + k, parent: 'w' + k, name: 'query', service: 'db', kind: SpanKind.Server, start: k * 1000 + 1, dur: q, res: { 'host.name': host } });
    }
    return table(spans);
  };
  const d = diagnose(mk(1, null), mk(2, 'db-2'));
  assert.equal(d.rootCause?.name, 'query');
  assert.equal(d.rootCause?.kind, 'attribute');
  assert.deepEqual(d.rootCause?.attribute, { key: 'host.name', value: 'db-2' });
});

test('an operation reached through many thin call paths is found at the operation level', () => {
  const mk = (seed: number, extra: number) => {
    const rnd = mulberry32(seed);
    const spans: S[] = [];
    for (let k = 0; k < 60; k++) {
      const via = 'handler' + Math.floor(rnd() * 30); // 30 different callers → 30 thin paths to the same query
      const q = 5 + rnd() * 2 + extra;
      spans.push({ trace: 't' + k, id: 'r' + k, name: 'GET /', service: 'web', start: k * 1000, dur: q + 6 });
      spans.push({ trace: 't' + k, id: 'h' + k, parent: 'r' + k, name: via, service: 'web', start: k * 1000 + 1, dur: q + 4 });
      spans.push({ trace: 't' + k, id: 'q' + k, parent: 'h' + k, name: 'SELECT items', service: 'db', start: k * 1000 + 2, dur: q });
    }
    return table(spans);
  };
  const d = diagnose(mk(1, 0), mk(2, 15));
  assert.equal(d.rootCause?.service, 'db');
  assert.equal(d.rootCause?.name, 'SELECT items');
  assert.match(d.rootCause!.evidence.join('\n'), /call paths/);
  assert.ok(d.rootCause!.impactMs > 12 && d.rootCause!.impactMs < 18, String(d.rootCause!.impactMs));
});

test('every public fixture (orphans, missing timestamps, shared Zipkin ids, duplicates) diagnoses without error', async () => {
  const { readdirSync, statSync } = await import('node:fs');
  const root = join(__dirname, '../../../fixtures/public');
  const walk = (d: string): string[] =>
    readdirSync(d).flatMap((f) => {
      const p = join(d, f);
      return statSync(p).isDirectory() ? walk(p) : /\.json$/.test(f) ? [p] : [];
    });
  const files = walk(root);
  assert.ok(files.length >= 10);
  for (const f of files) {
    const m = parseTraceText(readFileSync(f, 'utf8'), f).model;
    for (const base of [m, null]) {
      const a = analyze(base, m);
      Diagnosis.parse(a.diagnosis);
      assert.equal(a.diagnosis.rootCause, null, `${f}: a run against itself / split of a tiny run has no root cause`);
      for (const n of a.incident.tree.nodes) assert.ok(n.stats.selfMs >= 0 && Number.isFinite(n.stats.selfMs), f);
    }
  }
});
