/**
 * TraceSession (src/extension/state.ts) with the real engine worker: the snapshot names the worker run that keeps its
 * models (`workerRun`) and carries the engine's split of an auto-split run (`splitMasks`, so the host fallback does
 * not split again); exemplar requests of that snapshot go to the worker and answer as on the host; close() releases
 * the worker's models.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fakeLog, installVscodeStub } from './helpers/vscode-stub';
import { encode, makeScenario } from '../../../src/core/testing/scenarios';
import { EngineWorker } from '../../../src/extension/engine-worker-client';
import { ExemplarHost, ExemplarRequests } from '../../../src/extension/panels/exemplar-host';
import { isExemplars } from '../../../src/protocol/exemplars';

const vscodeStub = installVscodeStub();
const SCRIPT = resolve('dist/engine-worker.js');
if (!existsSync(SCRIPT)) throw new Error(`${SCRIPT} is missing: run \`npm run build\` first`);
const dir = mkdtempSync(join(tmpdir(), 'td-session-ex-'));
const INC = join(dir, 'incident.jsonl');
const w = new EngineWorker(SCRIPT);
let S: typeof import('../../../src/extension/state');
let engineMod: typeof import('./helpers/engine-double');

before(async () => {
  vscodeStub.workspace.workspaceFolders = [];
  writeFileSync(INC, encode(makeScenario('queueing', 3, { traces: 200 }).incident, 'otlp-jsonl'));
  S = await import('../../../src/extension/state');
  engineMod = await import('./helpers/engine-double');
});
after(() => {
  w.dispose();
  rmSync(dir, { recursive: true, force: true });
});

test('auto-split load through the worker: workerRun and splitMasks on the snapshot, exemplars answered in the worker', async () => {
  let forwarded = 0;
  const engine = {
    ...engineMod.realEngine(),
    run: (req: Parameters<EngineWorker['run']>[0], opts: Parameters<EngineWorker['run']>[1]) => w.run(req, opts),
    exemplar: (run: number, request: Parameters<EngineWorker['exemplar']>[1], signal: AbortSignal) => {
      if (!w.holds(run)) return undefined;
      forwarded++;
      return w.exemplar(run, request, { signal }).then((r) => r.reply);
    },
    releaseRuns: () => w.release(),
  };
  const session = new S.TraceSession(engine, fakeLog() as never);
  const snap = await session.load({ kind: 'diagnose', incident: [INC] });
  assert.equal(snap.autoSplit, true);
  assert.ok(snap.workerRun !== undefined && w.holds(snap.workerRun));
  assert.ok(snap.splitMasks && snap.splitMasks.incident.length === snap.incident!.run.model.strings.size);
  const node = snap.diff!.nodes.findIndex((n) => n.parent === 0);
  const path = [{ service: snap.diff!.nodes[node]!.service, name: snap.diff!.nodes[node]!.name }];
  const reqs = new ExemplarRequests(() => session.snapshot, engine.exemplar);
  const viaWorker = await reqs.handle({ type: 'exemplarsRequest', path });
  assert.equal(forwarded, 1);
  assert.ok(isExemplars(viaWorker) && viaWorker.list && viaWorker.list.incident.length > 0);
  // the host's own answer from the same snapshot (engine masks, no second split)
  assert.deepEqual(viaWorker, new ExemplarHost(() => session.snapshot).handle({ type: 'exemplarsRequest', path }));
  session.close();
  assert.equal(w.holds(snap.workerRun), false, 'close() releases the models kept in the worker');
});

test('a snapshot without kept models (the receiver\'s live view) releases the worker\'s models; relink keeps them', async () => {
  const engine = { ...engineMod.realEngine(), run: (req: Parameters<EngineWorker['run']>[0], opts: Parameters<EngineWorker['run']>[1]) => w.run(req, opts), releaseRuns: () => w.release() };
  const session = new S.TraceSession(engine, fakeLog() as never);
  const snap = await session.load({ kind: 'single', incident: [INC] });
  assert.ok(snap.workerRun !== undefined && w.holds(snap.workerRun));
  await session.relink();
  assert.equal(session.snapshot.workerRun, snap.workerRun);
  assert.ok(w.holds(snap.workerRun), 'relink publishes the same runs: still kept');
  session.liveSource = () => snap.incident!.run;
  const live = await session.load({ kind: 'live', incident: ['live'] });
  assert.equal(live.workerRun, undefined);
  assert.equal(w.holds(snap.workerRun), false, 'released when the live view replaced the loaded runs');
});
