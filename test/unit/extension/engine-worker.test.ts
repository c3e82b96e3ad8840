import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, it } from 'node:test';
import { CHUNK, TableAssembler, tablePieces } from '../../../src/core/model/transfer';
import { analyze } from '../../../src/core/rca/analyze';
import { loadTraces } from '../../../src/sources/file';
import { EngineWorker, WorkerRunCancelled } from '../../../src/extension/engine-worker-client';

const EX = resolve('examples/ml-pipeline');
const NORMAL = join(EX, 'traces/normal.json');
const SPIKED = join(EX, 'traces/spiked.json');
// the built worker, as the extension runs it (npm test builds first; `npm run build` when running this file alone)
const SCRIPT = resolve('dist/engine-worker.js');
if (!existsSync(SCRIPT)) throw new Error(`${SCRIPT} is missing: run \`npm run build\` first`);
const worker = () => new EngineWorker(SCRIPT);

describe('engine worker (issue 13 item 14)', () => {
  const w = worker();
  const dir = mkdtempSync(join(tmpdir(), 'td-worker-'));
  after(() => {
    w.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a span table travels in pieces and comes back field for field', async () => {
    const { model } = await loadTraces(SPIKED);
    const copy = (await loadTraces(SPIKED)).model; // tablePieces detaches nothing in-thread, but compare against a fresh load
    const { pieces, transfer } = tablePieces(model);
    assert.ok(transfer.length > 5, 'typed-array columns are transferred');
    assert.ok(pieces.every((p) => p.piece !== 'strings' || p.values.length <= CHUNK));
    const asm = new TableAssembler();
    for (const p of structuredClone(pieces)) asm.add(p);
    const back = asm.finish();
    assert.deepEqual(Object.keys(back), Object.keys(copy));
    assert.equal(back.size, copy.size);
    assert.equal(back.strings.size, copy.strings.size);
    for (const i of [0, 1, Math.floor(copy.size / 2), copy.size - 1]) assert.deepEqual(back.toObject(i), copy.toObject(i));
    assert.deepEqual(analyze(null, back).diagnosis.rootCause?.name, analyze(null, copy).diagnosis.rootCause?.name);
  });

  it('a workspace scan of many files says how far it is (source links walkthrough: the phase alone said nothing for seconds)', async () => {
    const ws = join(dir, 'big-ws');
    mkdirSync(join(ws, 'src'), { recursive: true });
    for (let k = 0; k < 450; k++) writeFileSync(join(ws, 'src', `m${k}.py`), `def f${k}():\n    return ${k}\n`);
    writeFileSync(join(ws, 'src', 'pre.py'), 'def run():\n    with tracer.start_as_current_span("preprocess-request"):\n        pass\n');
    const progress: string[] = [];
    const r = await w.run({ kind: 'diagnose', baseline: [NORMAL], incident: [SPIKED], folders: [ws] }, { onProgress: (p) => p.message && progress.push(p.message) });
    assert.ok(progress.some((m) => /^finding span-opening lines in the workspace: [\d,]+ source files read$/.test(m)), progress.join(' | '));
    assert.equal(r.resolver('pre-processor', 'preprocess-request')?.file, 'src/pre.py');
  });

  it('diagnoses in the worker: the same answer as on the host, models usable, source links found, progress reported', async () => {
    const progress: string[] = [];
    const r = await w.run({ kind: 'diagnose', baseline: [NORMAL], incident: [SPIKED], folders: [EX] }, { onProgress: (p) => p.message && progress.push(p.message) });
    const [nb, ni] = [(await loadTraces(NORMAL)).model, (await loadTraces(SPIKED)).model];
    const host = analyze(nb, ni);
    assert.deepEqual(
      [r.diagnosis?.rootCause?.service, r.diagnosis?.rootCause?.name],
      [host.diagnosis.rootCause?.service, host.diagnosis.rootCause?.name],
    );
    assert.equal(r.diff?.nodes.length, host.diff.nodes.length);
    assert.equal(r.baseline?.run.model.size, nb.size);
    assert.equal(r.incident.run.model.size, ni.size);
    assert.equal(r.incident.stats.spans, r.incident.run.model.size);
    assert.equal(r.incident.run.model.service(0).length > 0, true);
    assert.match(r.resolver('pre-processor', 'preprocess-request')?.file ?? '', /preprocessor\/preprocessor\.py$/);
    assert.ok(progress.some((m) => /spans read/.test(m)) && progress.includes('diagnosing'), progress.join(' | '));
    assert.ok(r.timings.analyze !== undefined && r.timings.total !== undefined);
  });

  it('single run: aggregated in the worker', async () => {
    const r = await w.run({ kind: 'single', incident: [SPIKED], folders: [] });
    assert.equal(r.diff, undefined);
    assert.ok(r.incidentAgg.nodes.length > 5);
    assert.equal(r.incidentAgg.nodes[0]!.parent, -1);
  });

  it('cancelling stops the worker at once; the next run starts a fresh one', async () => {
    const ac = new AbortController();
    const p = w.run({ kind: 'diagnose', baseline: [NORMAL], incident: [SPIKED], folders: [] }, { signal: ac.signal });
    ac.abort();
    await assert.rejects(p, WorkerRunCancelled);
    assert.equal(w.busy, false);
    // a newer run replaces a running one
    const first = w.run({ kind: 'single', incident: [SPIKED], folders: [] });
    const second = w.run({ kind: 'single', incident: [NORMAL], folders: [] });
    await assert.rejects(first, WorkerRunCancelled);
    assert.ok((await second).incident.run.model.size > 0);
  });

  it('h22: a slow tracing backend: the progress says what is asked and waited for, while it waits', async () => {
    // Jaeger's classic API answering after 1.5 s (the example's normal run in the query API's shape)
    const body = readFileSync(resolve('test/fixtures/public/sys4bigml/normal-traces-minified-1.json'));
    let answeredAt = 0;
    const srv = http.createServer((req, res) => {
      const t = setTimeout(() => {
        answeredAt = Date.now();
        res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      }, 1500);
      res.on('close', () => clearTimeout(t));
    });
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
    try {
      const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/api/traces?service=web-server`;
      const progress: { at: number; message: string }[] = [];
      const r = await w.run({ kind: 'single', incident: [url], folders: [] }, { onProgress: (p) => p.message && progress.push({ at: Date.now(), message: p.message }) });
      assert.ok(r.incident.run.model.size > 0);
      const asked = progress.find((p) => /querying Jaeger \/api\/traces for web-server/.test(p.message));
      assert.ok(asked, progress.map((p) => p.message).join(' | '));
      assert.ok(asked.at < answeredAt, 'said while waiting for the backend, not after');
    } finally {
      srv.close();
    }
  });

  it('a bad file: the loader\'s message (file, position) reaches the host', async () => {
    const bad = join(dir, 'broken.json');
    writeFileSync(bad, '{"resourceSpans": [{"scopeSpans": [{"spans": [{"traceId": "ab", ');
    await assert.rejects(w.run({ kind: 'single', incident: [bad], folders: [] }), (e: Error) => e.message.includes('broken.json') && /:\d+:\d+/.test(e.message));
  });
});
