// The generated "thin" pair (test/helpers/thin-pair.ts: every remote call waits 0.6 ms longer, one operation does
// 0.25 ms more own work per trace) end to end without code-server: written as OTLP JSON Lines, read back by the CLI
// like any trace file, diagnosed. The answer names the injected operation and says it accounts for little of the
// slowdown — in Diagnosis.explained, the note, the CLI sentence and the flame panel's summary line. The UI scenario
// "thin" of test/e2e/run-ui.mjs shows the same pair in VS Code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { THIN_PAIR, thinPair, writeThinPair } from '../helpers/thin-pair';
import { diagnose } from '../../src/core/rca/analyze';
import { isThin } from '../../src/core/format/figures';
import { makeScenario, toSpanTable } from '../../src/core/testing/scenarios';
import { Diagnosis } from '../../src/core/rca/diagnosis';
import { summaryNote } from '../../webview/flame/answer-text';
import { main } from '../../src/cli/main';

let dir = '';
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'td-thin-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the thin pair: the root cause is the injected operation, a few per cent of a significant slowdown', () => {
  const s = thinPair();
  const d = diagnose(toSpanTable(s.baseline), toSpanTable(s.incident), { seed: 1 });
  assert.equal(d.rootCause?.service, THIN_PAIR.rootService, JSON.stringify(d.rootCause));
  assert.equal(d.rootCause?.name, THIN_PAIR.rootOp);
  assert.ok(d.latency && d.latency.pValue !== null && d.latency.pValue < 0.001, JSON.stringify(d.latency));
  const e = d.explained;
  assert.ok(e, 'Diagnosis.explained is set');
  assert.ok(isThin(e), JSON.stringify(e));
  // most of the ≈ 5 ms added per trace is the calls' wait (9 calls × 0.6 ms), which no single call shows
  assert.ok(e.addedMs > 3 && e.addedMs < 7, JSON.stringify(e));
  assert.ok(e.rootCauseMs > 0 && e.rootCauseMs < 0.1 * e.addedMs, JSON.stringify(e));
  assert.ok(e.findingsMs < 0.25 * e.addedMs, JSON.stringify(e));
  assert.ok(d.notes.some((n) => /the root cause accounts for about .* added per trace end to end .*spread thinly over many spans/.test(n)), d.notes.join('\n'));
  assert.match(summaryNote(d), /^effect \+[\d.]+ ms per trace, only \d+ % of the added time · end-to-end \d+ ms → \d+ ms$/);
});

test('callWaitMs is the incident\'s only change: the baseline is the same spans, each remote call waits 0.6 ms longer', () => {
  const p = THIN_PAIR;
  const plain = makeScenario(p.fault, p.seed, { traces: p.traces, strength: p.strength });
  const thin = thinPair();
  assert.deepEqual(thin.baseline, plain.baseline);
  assert.equal(thin.incident.length, plain.incident.length);
  const clients = thin.incident.filter((s) => s.kind === 'client').length / p.traces;
  let grew = 0;
  thin.incident.forEach((s, k) => {
    const o = plain.incident[k]!;
    assert.equal(s.spanId, o.spanId);
    // a remote call's own time grows by the wait (its callee's span, and the calls inside it, by theirs)
    if (s.kind === 'client') assert.ok(s.duration - o.duration >= p.callWaitMs * 1e6 - 2, `${s.name}: ${o.duration} → ${s.duration}`);
    if (!s.parentId) grew += (s.duration - o.duration) / 1e6 / p.traces;
  });
  // end to end: the waits of the calls in a row add up (calls made in parallel add only their longest)
  assert.ok(clients >= 5, `${clients} remote calls a trace`);
  assert.ok(grew > 3 * p.callWaitMs && grew <= clients * p.callWaitMs + 0.01, `${grew} ms added per trace for ${clients} calls`);
  // and the fault alone is too small to slow the mean trace: it is the calls' wait that makes the slowdown significant
  const d = diagnose(toSpanTable(plain.baseline), toSpanTable(plain.incident), { seed: 1 });
  assert.equal(d.explained, undefined, JSON.stringify(d.explained));
});

test('the pair as trace files through the CLI: the sentence and the JSON say the same', async () => {
  const f = writeThinPair(dir);
  let out = '';
  let err = '';
  const code = await main(['diagnose', '--baseline', f.baseline, '--incident', f.incident], { out: (s) => (out += s), err: (s) => (err += s) });
  assert.equal(code, 0, err);
  assert.match(out, new RegExp(`Root cause: ${THIN_PAIR.rootService} / POST /orders/op24 \\(own time\\), effect about \\+[\\d.]+ ms per trace end to end, only \\d+ % of the added time`));
  assert.match(out, /Note: the root cause accounts for about [\d.]+ ms of the [\d.]+ ms added per trace end to end \(\d+ %\)/);
  let json = '';
  assert.equal(await main(['diagnose', '--baseline', f.baseline, '--incident', f.incident, '--json'], { out: (s) => (json += s), err: () => {} }), 0);
  const d = Diagnosis.parse(JSON.parse(json));
  assert.ok(isThin(d.explained), JSON.stringify(d.explained));
});
