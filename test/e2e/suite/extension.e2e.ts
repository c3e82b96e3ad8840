/**
 * Trace Doctor at the vscode API level, inside a real extension host (code-server's or test-electron's) with the
 * example workspace (copy of examples/ml-pipeline + a broken trace file + settings pointing the chat at the
 * scripted LLM server) open.
 */
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { TraceDoctorApi } from '../../../src/extension/extension';
import * as grpc from '@grpc/grpc-js';
import { requestOfSpans, spanBody } from '../../../bench/hostile-payloads.mjs';

const EXT_ID = 'trace-doctor.trace-doctor';
const ROOT_SERVICE = 'pre-processor';
const ROOT_OP = 'preprocess-request';
const BAD_TRACE = 'broken-trace.json';

/** What traceDoctor.diagnose resolves to (src/extension/commands.ts CommandResult). */
interface DiagnoseResult {
  mode: 'none' | 'single' | 'diff';
  rootCause: { service: string; name: string } | null;
  candidates: { service: string; name: string }[];
  spans: { baseline?: number; incident?: number };
  linkedLines: number;
}

/** A line naming `needle` in an output-channel log file of Trace Doctor (code-server: data dir, logs, exthost N, output_logging_TS). */
function findInLogs(dir: string, needle: string): string | undefined {
  const walk = (d: string): string | undefined => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) {
        const hit = walk(p);
        if (hit) return hit;
      } else if (/trace doctor/i.test(e.name) && e.name.endsWith('.log')) {
        const hit = fs.readFileSync(p, 'utf8').split('\n').find((l) => l.includes(needle));
        if (hit) return hit;
      }
    }
    return undefined;
  };
  return fs.existsSync(dir) ? walk(dir) : undefined;
}

async function wsFile(glob: string): Promise<vscode.Uri> {
  const [uri] = await vscode.workspace.findFiles(glob, '**/node_modules/**', 1);
  assert.ok(uri, `workspace file ${glob} not found`);
  return uri;
}

/** The source file that opens the root-cause span, and the candidate span-opening lines (0-based). */
async function rootSource(): Promise<{ uri: vscode.Uri; nameLine: number; candidates: number[] }> {
  for (const uri of await vscode.workspace.findFiles('**/*.py', '**/node_modules/**')) {
    const doc = await vscode.workspace.openTextDocument(uri);
    for (let i = 0; i < doc.lineCount; i++) {
      const t = doc.lineAt(i).text;
      if (t.includes(`"${ROOT_OP}"`) || t.includes(`'${ROOT_OP}'`)) {
        // the literal's line, and the line of the call that opens the span when the name is on a continuation line
        const candidates = [i];
        // (the call's line first: Trace Doctor's source index puts multi-line calls there)
        for (let j = i; j >= Math.max(0, i - 3); j--) if (/start_(as_current_)?span\s*\(/.test(doc.lineAt(j).text)) { if (j !== i) candidates.unshift(j); break; }
        return { uri, nameLine: i, candidates };
      }
    }
  }
  throw new Error(`no .py file in the workspace contains "${ROOT_OP}"`);
}

/** Hover text on the first candidate span line that has a Trace Doctor hover ('' when none has). */
async function spanHover(src: { uri: vscode.Uri; candidates: number[] }): Promise<string> {
  for (const line of src.candidates) {
    const t = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', src.uri, new vscode.Position(line, 8)));
    if (t.includes('Trace Doctor')) return t;
  }
  return '';
}

function hoverText(hovers: vscode.Hover[] | undefined): string {
  return (hovers ?? []).flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
}

async function until<T>(fn: () => Promise<T | undefined> | T | undefined, what: string, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** activate()'s return value; a type-only import (erased by esbuild), so API drift breaks `npm run typecheck`. */
type ApiLike = TraceDoctorApi;

suite('Trace Doctor in the extension host', () => {
  let ext: vscode.Extension<unknown>;
  let api: ApiLike;

  suiteSetup(async function () {
    this.timeout(60_000);
    const found = vscode.extensions.getExtension(EXT_ID);
    assert.ok(found, `extension ${EXT_ID} is not loaded`);
    ext = found;
    api = (await ext.activate()) as ApiLike;
  });

  test('activation returns the extension API', () => {
    assert.ok(ext.isActive, 'extension did not activate');
    assert.ok(api && typeof api === 'object', `activate() returned ${typeof api}`);
    for (const f of ['getState', 'whenIdle', 'statusBarText', 'flamePanel'] as const) assert.equal(typeof api[f], 'function', `api.${f}`);
    assert.equal(api.getState().mode, 'none', 'nothing is loaded before the first command');
  });

  test('every contributed command is registered, traceDoctor.diagnose and openTraceFile among them', async () => {
    const all = new Set(await vscode.commands.getCommands(true));
    const contributed: string[] = ((ext.packageJSON.contributes?.commands ?? []) as { command: string }[]).map((c) => c.command);
    for (const id of ['traceDoctor.diagnose', 'traceDoctor.openTraceFile']) assert.ok(contributed.includes(id), `${id} not contributed`);
    const missing = contributed.filter((c) => !all.has(c));
    assert.deepEqual(missing, [], `contributed but not registered: ${missing.join(', ')}`);
  });

  test('settings: workspace values read back, every traceDoctor.* key set in the workspace is contributed', () => {
    const props: Record<string, { default?: unknown }> = ext.packageJSON.contributes?.configuration?.properties ?? {};
    const cfg = vscode.workspace.getConfiguration('traceDoctor');
    // the runners write E2E_WORKSPACE_SETTINGS into .vscode/settings.json; unknown keys would silently do nothing
    const set: Record<string, unknown> = JSON.parse(process.env.TRACE_DOCTOR_E2E_SETTINGS ?? '{}');
    const keys = Object.keys(set).filter((k) => k.startsWith('traceDoctor.'));
    assert.ok(keys.length > 0, 'the runner passed no workspace settings (TRACE_DOCTOR_E2E_SETTINGS)');
    for (const k of keys) {
      assert.ok(k in props, `${k} is set by the workspace but not contributed by the extension`);
      const inspected = cfg.inspect(k.slice('traceDoctor.'.length));
      assert.deepEqual(inspected?.workspaceValue, set[k], `${k} workspace value`);
      assert.deepEqual(cfg.get(k.slice('traceDoctor.'.length)), set[k], `${k} effective value`);
    }
    // a contributed default reads back when nothing overrides it
    assert.equal(cfg.get('codeLens.enabled'), props['traceDoctor.codeLens.enabled']?.default ?? true);
  });

  test('chat settings (traceDoctor.llm.*) are contributed and point at the scripted LLM server', () => {
    const props = ext.packageJSON.contributes?.configuration?.properties ?? {};
    const declared = Object.keys(props).filter((k) => k.startsWith('traceDoctor.llm.'));
    assert.ok(declared.length > 0, 'no traceDoctor.llm.* settings are contributed');
    const llmUrl = process.env.TRACE_DOCTOR_E2E_LLM_URL;
    assert.ok(llmUrl, 'the runner started no scripted LLM server (test/helpers/scripted-llm-server.ts)');
    const urlKey = declared.find((k) => /url|endpoint/i.test(k));
    assert.ok(urlKey, `no URL setting among ${declared.join(', ')}`);
    assert.equal(vscode.workspace.getConfiguration().get(urlKey), llmUrl, `${urlKey} does not read back`);
  });

  test('traceDoctor.diagnose with URIs (incident, baseline) names the pre-processor as root cause', async function () {
    this.timeout(120_000);
    const incident = await wsFile('**/traces/spiked.json');
    const baseline = await wsFile('**/traces/normal.json');
    const r = await vscode.commands.executeCommand<DiagnoseResult | undefined>('traceDoctor.diagnose', incident, baseline);
    assert.ok(r, `traceDoctor.diagnose returned nothing; last error: ${api.lastError?.message}`);
    assert.equal(r.mode, 'diff');
    assert.ok(r.spans.baseline && r.spans.incident, `spans loaded: ${JSON.stringify(r.spans)}`);
    assert.deepEqual(r.rootCause, { service: ROOT_SERVICE, name: ROOT_OP });
    assert.ok(r.linkedLines > 0, 'no span-opening line of the workspace was linked to an operation');
    // the API's state agrees with the command's result
    await api.whenIdle();
    assert.equal(api.getState().mode, 'diff');
    assert.equal(api.diagnosis?.rootCause?.service, ROOT_SERVICE);
    assert.equal(api.diagnosis?.rootCause?.name, ROOT_OP);
    assert.ok(api.statusBarText().includes(ROOT_SERVICE), `status bar does not name the root cause: ${api.statusBarText()}`);
  });

  test('flame panel: the webview said ready and the host posted the diff to it', async function () {
    this.timeout(60_000);
    assert.ok(api && typeof api.flamePanel === 'function', 'activate() returned no API with flamePanel()');
    const panel = await until(() => {
      const p = api.flamePanel();
      return p && p.posted.some((m) => m.type === 'setData') ? p : undefined;
    }, 'the flame webview to be ready and receive setData (host posts only after the webview\'s ready message)', 45_000);
    assert.ok(panel.visible, 'flame panel is not visible');
  });

  test('flame webview round trip: "Show in Flame Graph" selects the operation and the webview reports it back', async function () {
    this.timeout(60_000);
    const key = (service: string, name: string) => `${service}\u0000${name}`;
    const selected = () => {
      const vs = api.flamePanel()?.viewState as { selectedPath?: string[] } | undefined;
      return vs?.selectedPath?.at(-1);
    };
    // another operation first (so the root cause's selection is a change the webview must report), then the root cause
    const other = api.getState().ops.find((o) => !o.rootCause && o.incident && o.baseline && o.service !== ROOT_SERVICE);
    assert.ok(other, 'no other operation in the diff');
    for (const op of [other, { service: ROOT_SERVICE, name: ROOT_OP }]) {
      await vscode.commands.executeCommand('traceDoctor.showInFlameGraph', op.service, op.name);
      await until(() => selected() === key(op.service, op.name), `webview stateChanged selecting ${op.service} / ${op.name} (now ${JSON.stringify(selected())})`, 20_000);
    }
  });

  test('vscode.executeHoverProvider on the span-opening line returns the p50/p95 hint', async () => {
    const src = await rootSource();
    let text = '';
    for (const line of src.candidates) {
      text = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', src.uri, new vscode.Position(line, 12)));
      if (text.includes('p95')) break;
    }
    assert.match(text, /p50/);
    assert.match(text, /p95/);
    assert.ok(text.includes(ROOT_OP), `hover does not name ${ROOT_OP}: ${text.slice(0, 300)}`);
    // a line without a span opens nothing
    const none = hoverText(await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', src.uri, new vscode.Position(0, 0)));
    assert.ok(!none.includes('p95'), 'hover on line 1 should not carry a trace hint');
  });

  test('vscode.executeCodeLensProvider returns the lens on the span-opening line', async () => {
    const src = await rootSource();
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', src.uri, 100)) ?? [];
    const ours = lenses.filter((l) => l.command?.title.includes(ROOT_OP));
    assert.ok(ours.length > 0, `no CodeLens naming ${ROOT_OP}; got ${lenses.map((l) => l.command?.title).join(' | ')}`);
    assert.ok(src.candidates.includes(ours[0].range.start.line), `lens on line ${ours[0].range.start.line + 1}, expected one of ${src.candidates.map((l) => l + 1)}`);
    assert.match(ours[0].command!.title, /ROOT CAUSE/);
    // the same line carries the root-cause gutter decoration
    const deco = await api.decoratedLines(src.uri);
    assert.ok(deco.root.includes(ours[0].range.start.line), `root-cause decoration on ${JSON.stringify(deco.root)}`);
  });

  test('diagnosing a broken trace file yields no result and an error naming the file', async function () {
    this.timeout(60_000);
    const bad = await wsFile(`**/traces/${BAD_TRACE}`);
    const r = await vscode.commands.executeCommand<DiagnoseResult | undefined>('traceDoctor.diagnose', bad);
    assert.equal(r, undefined, `a broken trace file was diagnosed: ${JSON.stringify(r)}`);
    const err = api.lastError;
    assert.ok(err, 'api.lastError is not set after a failed load');
    assert.ok(err.message.includes(BAD_TRACE), `error does not name ${BAD_TRACE}: ${err.message}`);
    // the user-visible notification is checked by the UI test; the Trace Doctor log carries the same error
    const logs = process.env.TRACE_DOCTOR_E2E_LOGS;
    if (logs) await until(() => findInLogs(logs, BAD_TRACE), `an error naming ${BAD_TRACE} in the Trace Doctor log under ${logs}`, 15_000);
  });

  test('traceDoctor.openTraceFile(uri) loads one run: single-mode hover on the span line', async function () {
    this.timeout(60_000);
    const incident = await wsFile('**/traces/spiked.json');
    const r = await vscode.commands.executeCommand<DiagnoseResult | undefined>('traceDoctor.openTraceFile', incident);
    assert.ok(r, `openTraceFile returned nothing; last error: ${api.lastError?.message}`);
    assert.equal(r.mode, 'single');
    assert.ok(r.spans.incident && !r.spans.baseline, JSON.stringify(r.spans));
    const src = await rootSource();
    const text = await spanHover(src);
    assert.match(text, /p50 .* · p95 /, `single-mode hover (linked lines ${r.linkedLines}): ${text.slice(0, 300)}`);
    assert.ok(!text.includes('baseline'), 'a single run has no baseline column');
  });

  test('traceDoctor.closeTraces: hovers and CodeLens go away', async () => {
    const r = await vscode.commands.executeCommand<DiagnoseResult>('traceDoctor.closeTraces');
    assert.equal(r.mode, 'none');
    assert.equal(api.getState().mode, 'none');
    const src = await rootSource();
    const text = await spanHover(src);
    assert.equal(text, '', `hover still shows trace data: ${text.slice(0, 200)}`);
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', src.uri, 100)) ?? [];
    assert.deepEqual(lenses.filter((l) => l.command?.title.includes(ROOT_OP)).map((l) => l.command?.title), []);
    assert.equal(api.flamePanel(), undefined, 'the flame panel stays open after closing the traces');
  });

  test('OTLP/HTTP receiver in the extension host: start, POST spans, counted, stop', async function () {
    this.timeout(60_000);
    const started = await vscode.commands.executeCommand<{ endpoint: string; url: string } | undefined>('traceDoctor.startReceiver');
    assert.ok(started, `startReceiver returned nothing; last error: ${api.lastError?.message}`);
    assert.match(started.endpoint, /^http:\/\/127\.0\.0\.1:\d+\/v1\/traces$/, 'receiver endpoint (workspace sets port 0 → a free loopback port)');
    try {
      const now = BigInt(Date.now()) * 1_000_000n;
      const span = (id: string, parent: string | undefined, name: string, ms: number) => ({
        traceId: '5b8efff798038103d269b633813fc60c', spanId: id, ...(parent ? { parentSpanId: parent } : {}), name, kind: 2,
        startTimeUnixNano: String(now), endTimeUnixNano: String(now + BigInt(ms) * 1_000_000n), status: {},
      });
      const body = {
        resourceSpans: [{
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'e2e-service' } }] },
          scopeSpans: [{ scope: { name: 'e2e' }, spans: [span('eee91da3ef9d1a6e', undefined, 'GET /e2e', 20), span('aaa91da3ef9d1a6e', 'eee91da3ef9d1a6e', 'e2e-child', 5)] }],
        }],
      };
      const res = await fetch(started.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(res.status, 200, `POST ${started.endpoint}: ${res.status} ${await res.text()}`);
      await until(() => (api.receiver()?.spans ?? 0) >= 2, 'the receiver to count the 2 spans', 15_000);

      // h23: the OTLP/gRPC receiver beside it (workspace sets grpcPort 0), into the same counter and live window
      const grpcUrl = (started as { grpcUrl?: string }).grpcUrl;
      assert.match(grpcUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/, `startReceiver's gRPC endpoint: ${JSON.stringify(started)}`);
      assert.equal(api.receiver()?.grpcUrl, grpcUrl);
      const grpcBody = requestOfSpans([spanBody('grpc-e2e')], 'e2e-grpc');
      const client = new grpc.Client(grpcUrl!.slice('http://'.length), grpc.credentials.createInsecure());
      const grpcErr = await new Promise<grpc.ServiceError | null>((resolve) =>
        client.makeUnaryRequest('/opentelemetry.proto.collector.trace.v1.TraceService/Export', (b: Buffer) => b, (b: Buffer) => b, grpcBody, new grpc.Metadata(), { deadline: Date.now() + 15_000 }, (e) => resolve(e)),
      );
      client.close();
      assert.equal(grpcErr, null, `gRPC Export: ${grpcErr?.details}`);
      await until(() => (api.receiver()?.spans ?? 0) >= 3, 'the receiver to count the span sent over gRPC', 15_000);

      // h22: a sender the receiver refuses (wrong content type, bad protobuf) is said in VS Code too — the exporter only
      // logs it on its side: a warning with the receiver's answer, the status bar count, the output channel
      const bad = await fetch(started.endpoint, { method: 'POST', headers: { 'content-type': 'text/plain', 'user-agent': 'e2e-misconfigured-exporter' }, body: 'hello' });
      assert.equal(bad.status, 415);
      await fetch(started.endpoint, { method: 'POST', headers: { 'content-type': 'application/x-protobuf' }, body: new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 2]) });
      await until(() => (api.receiver()?.refused ?? 0) >= 2, 'the receiver to count the 2 refused requests', 15_000);
      const refusedNotices = api.receiver()!.notices.filter((n) => /refused a request/.test(n));
      assert.equal(refusedNotices.length, 1, `one notification for the first refusal: ${JSON.stringify(api.receiver()!.notices)}`);
      assert.match(refusedNotices[0]!, /HTTP 415: unsupported Content-Type 'text\/plain'.*POST \/v1\/traces.*e2e-misconfigured-exporter/);

      // h22: spans arriving while other traces are shown: the flame graph keeps them, and a notification says why
      const incident = await wsFile('**/traces/spiked.json');
      const baselineFile = await wsFile('**/traces/normal.json');
      await vscode.commands.executeCommand('traceDoctor.diagnose', incident, baselineFile, { quiet: true });
      await api.whenIdle();
      const again = await fetch(started.endpoint, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(again.status, 200);
      await until(() => api.receiver()?.notices.some((n) => /spans are arriving at the receiver; the flame graph still shows normal\.json → spiked\.json/.test(n)) ?? false, 'a notification that the live view is paused', 15_000);
    } finally {
      const stopped = await vscode.commands.executeCommand<{ spans: number }>('traceDoctor.stopReceiver');
      assert.ok(stopped && stopped.spans >= 2, `stopReceiver: ${JSON.stringify(stopped)}`);
      assert.equal(api.receiver(), undefined, 'receiver still running after stop');
    }
  });

  test('h22: Start Receiver on a taken port says what is likely there and which setting to change', async function () {
    this.timeout(30_000);
    const net = await import('node:net');
    const squatter = net.createServer();
    await new Promise<void>((r) => squatter.listen(0, '127.0.0.1', () => r()));
    const port = (squatter.address() as { port: number }).port;
    const cfg = vscode.workspace.getConfiguration('traceDoctor.receiver');
    const before = cfg.inspect<number>('port')?.workspaceValue;
    try {
      await cfg.update('port', port, vscode.ConfigurationTarget.Workspace);
      const started = await vscode.commands.executeCommand('traceDoctor.startReceiver');
      assert.equal(started, undefined, 'the receiver started on a taken port');
      assert.match(api.lastError?.message ?? '', new RegExp(`port ${port} on 127\\.0\\.0\\.1 is already in use — another OTLP receiver \\(a local OpenTelemetry Collector or agent\\?\\).*Set traceDoctor\\.receiver\\.port to another port`));
    } finally {
      await cfg.update('port', before, vscode.ConfigurationTarget.Workspace);
      await new Promise<void>((r) => squatter.close(() => r()));
    }
  });

  test('Open Example Workspace (parent folder, { open: false }): a new folder each time with the shipped example, which diagnoses to the pre-processor', async function () {
    this.timeout(120_000);
    const os = await import('node:os');
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'td-example-e2e-'));
    try {
      const first = await vscode.commands.executeCommand<string | undefined>('traceDoctor.openExample', parent, { open: false });
      const second = await vscode.commands.executeCommand<string | undefined>('traceDoctor.openExample', vscode.Uri.file(parent), { open: false });
      assert.equal(first, path.join(parent, 'trace-doctor-example'), `openExample: ${first}; last error: ${api.lastError?.message}`);
      assert.equal(second, path.join(parent, 'trace-doctor-example-2'));
      for (const f of ['README.md', 'traces/spiked.json.gz', 'traces/normal.json.gz', 'preprocessor/preprocessor.py']) assert.ok(fs.existsSync(path.join(first!, f)), `${f} missing`);
      const missing = await vscode.commands.executeCommand<string | undefined>('traceDoctor.openExample', path.join(parent, 'no-such-folder'), { open: false });
      assert.equal(missing, undefined);
      assert.match(api.lastError?.message ?? '', /cannot create the example in .*no-such-folder: no such folder/);
      const r = await vscode.commands.executeCommand<DiagnoseResult | undefined>('traceDoctor.diagnose',
        vscode.Uri.file(path.join(first!, 'traces', 'spiked.json.gz')), vscode.Uri.file(path.join(first!, 'traces', 'normal.json.gz')));
      assert.deepEqual(r?.rootCause, { service: ROOT_SERVICE, name: ROOT_OP }, `diagnose of the example: ${JSON.stringify(r)}; last error: ${api.lastError?.message}`);
    } finally {
      await vscode.commands.executeCommand('traceDoctor.closeTraces');
      fs.rmSync(parent, { recursive: true, force: true });
    }
  });
});
