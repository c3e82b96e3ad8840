/**
 * The diagnosis on a live system (test/helpers/live-system.ts): seven real Node HTTP services in their own processes,
 * auto-instrumented by the real OpenTelemetry HTTP instrumentation, exported over OTLP/HTTP, under a bounded load.
 * A network delay (a TCP proxy in front of payment) and an exception (half of catalog's requests answer 500, callers
 * abort) must each be named first, both as exported and stripped of span kind, status and attributes; a fault-free
 * second run must answer null. The full sweep (every service × four faults) is bench/accuracy-live.mjs.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { diagnoseLive, startLiveSystem, tempDir, type LiveSystem } from '../../helpers/live-system';

let sys: LiveSystem;
let base: string[];
const dir = tempDir();
before(async () => {
  sys = await startLiveSystem({ seed: 3 });
  await sys.phase({ seconds: 2, rate: 25 });
  base = (await sys.phase({ seconds: 6, rate: 25 })).lines;
});
after(async () => {
  await sys?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const summary = (r: Awaited<ReturnType<typeof diagnoseLive>>[number]) => `${r.variant}: got ${r.got} (${r.kind}) [${r.services.join(', ')}]: ${r.diagnosis.rootCause?.summary ?? r.diagnosis.notes.join(' / ')}`;

test('a network delay in front of payment is named, as a call delay, with and without span kinds', async () => {
  const inc = await sys.phase({ seconds: 6, rate: 25, fault: { service: 'payment', kind: 'network_delay', delayMs: 100 } });
  for (const r of await diagnoseLive(base, inc.lines, 'payment', 'network_delay', dir)) {
    assert.equal(r.got, 'payment', summary(r));
    assert.equal(r.kind, 'call_delay', summary(r));
  }
});

test('an exception in half of catalog\'s requests is named: from the error status as exported, from the stops without it', async () => {
  const inc = await sys.phase({ seconds: 6, rate: 25, fault: { service: 'catalog', kind: 'exception', share: 0.5 } });
  assert.ok(inc.failed > 0, 'requests failed');
  const [full, bare] = await diagnoseLive(base, inc.lines, 'catalog', 'exception', dir);
  assert.equal(full!.got, 'catalog', summary(full!));
  assert.equal(full!.kind, 'errors', summary(full!));
  assert.equal(bare!.got, 'catalog', summary(bare!));
});

test('a second run without a fault answers null (as exported and stripped)', async () => {
  const again = await sys.phase({ seconds: 6, rate: 25 });
  for (const r of await diagnoseLive(base, again.lines, '(none)', 'network_delay', dir)) assert.equal(r.got, null, summary(r));
});
