/**
 * TraceSession (src/extension/state.ts) with a stubbed `vscode` module and an engine double around the REAL loader
 * and analyze: request kinds, source linking against a workspace folder, superseded and cancelled loads, the live
 * window's fallback, close.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { join, resolve } from 'node:path';
import { CancellationTokenSource, fakeLog, installVscodeStub } from './helpers/vscode-stub';

const vscodeStub = installVscodeStub();
const ROOT = resolve(__dirname, '..', '..', '..');
const WS = join(ROOT, 'examples', 'ml-pipeline');
const NORMAL = join(WS, 'traces', 'normal.json');
const SPIKED = join(WS, 'traces', 'spiked.json');

type StateModule = typeof import('../../../src/extension/state');
let S: StateModule;
let engineMod: typeof import('./helpers/engine-double');

before(async () => {
  vscodeStub.workspace.workspaceFolders = [{ uri: { scheme: 'file', fsPath: WS } }];
  S = await import('../../../src/extension/state');
  engineMod = await import('./helpers/engine-double');
});

test('diagnose: runs, diff, diagnosis, ops and the line index of the workspace file', async () => {
  const log = fakeLog();
  const session = new S.TraceSession(engineMod.realEngine(), log as never);
  const seen: number[] = [];
  session.onDidChange((s) => seen.push(s.version));
  const snap = await session.load({ kind: 'diagnose', incident: [SPIKED], baseline: [NORMAL] });
  assert.equal(snap.mode, 'diff');
  assert.equal(snap.autoSplit, false);
  assert.equal(snap.diagnosis?.rootCause?.name, 'preprocess-request');
  assert.equal(snap.incident?.stats.spans, 1944);
  assert.ok(snap.baseline?.agg.nodes.length, 'baseline tree from analyze');
  const lines = snap.lineIndex.get(join(WS, 'preprocessor', 'preprocessor.py'));
  assert.ok(lines?.get(86)?.some((o) => o.rootCause), 'root cause on line 87 (0-based 86)');
  assert.deepEqual(seen, [1]);
  assert.deepEqual(session.runDescriptors().map((r) => r.role), ['baseline', 'incident']);
  assert.equal(session.lastRequest?.kind, 'diagnose');
  session.close();
  assert.equal(session.snapshot.mode, 'none');
  assert.equal(session.snapshot.lineIndex.size, 0);
  assert.deepEqual(seen, [1, 2]);
});

test('single run and automatic split', async () => {
  const session = new S.TraceSession(engineMod.realEngine(), fakeLog() as never);
  const one = await session.load({ kind: 'single', incident: [SPIKED] });
  assert.equal(one.mode, 'single');
  assert.equal(one.incident?.role, 'run');
  assert.ok(one.lineIndex.size > 0, 'single runs are linked to source too');
  const auto = await session.load({ kind: 'diagnose', incident: [SPIKED] });
  assert.equal(auto.mode, 'diff');
  assert.equal(auto.autoSplit, true);
  assert.equal(auto.baseline, undefined);
  assert.ok(auto.diagnosis?.split, 'the split is reported');
});

test('a newer load supersedes an older one; the older rejects with LoadCancelled and never publishes', async () => {
  const engine = engineMod.realEngine({ loadDelayMs: { [NORMAL]: 150 } });
  const session = new S.TraceSession(engine, fakeLog() as never);
  const published: string[] = [];
  session.onDidChange((s) => published.push(s.mode));
  const slow = session.load({ kind: 'diagnose', incident: [SPIKED], baseline: [NORMAL] });
  const fast = session.load({ kind: 'single', incident: [SPIKED] });
  await assert.rejects(slow, S.LoadCancelled);
  assert.equal((await fast).mode, 'single');
  assert.deepEqual(published, ['single']);
  assert.equal(session.loading, false);
});

test('cancelling through the token aborts the loader', async () => {
  const engine = engineMod.realEngine({ loadDelayMs: { [SPIKED]: 200 } });
  const session = new S.TraceSession(engine, fakeLog() as never);
  const cts = new CancellationTokenSource();
  const p = session.load({ kind: 'single', incident: [SPIKED] }, cts.token as never);
  setTimeout(() => cts.cancel(), 20);
  await assert.rejects(p, S.LoadCancelled);
  assert.equal(engine.aborted, 1, 'the AbortSignal reached the loader');
  assert.equal(session.snapshot.mode, 'none');
});

test('a bad file rejects with the loader error; the previous snapshot stays', async () => {
  const session = new S.TraceSession(engineMod.realEngine(), fakeLog() as never);
  await session.load({ kind: 'single', incident: [SPIKED] });
  const bad = join(ROOT, 'package.json');
  await assert.rejects(session.load({ kind: 'single', incident: [bad] }), (e: Error) => e.message.includes('package.json'));
  assert.equal(session.snapshot.mode, 'single');
  assert.equal(session.lastRequest?.incident[0], SPIKED, 'a failed load does not replace the request to reload');
});

test('live window: diagnosed with a split when possible, else shown as a single run; no receiver → clear error', async () => {
  const engine = engineMod.realEngine();
  const session = new S.TraceSession(engine, fakeLog() as never);
  await assert.rejects(session.load({ kind: 'live', incident: ['live'] }), /receiver is not running/);
  const run = await engine.load([SPIKED]);
  session.liveSource = () => run;
  const live = await session.load({ kind: 'live', incident: ['live'] });
  assert.equal(live.mode, 'diff');
  assert.equal(live.autoSplit, true);
  engine.failSplit = true;
  const single = await session.load({ kind: 'live', incident: ['live'] });
  assert.equal(single.mode, 'single');
  assert.equal(single.incident?.role, 'run');
});
