import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NodeStats } from '../../../src/core/aggregate/types';
import type { DiffNode, DiffTree } from '../../../src/core/diff/types';
import type { Diagnosis } from '../../../src/core/rca/diagnosis';
import { escapeMarkdown, formatCallsPerTrace, formatDeltaMs, formatHeadline, formatMs, formatPercent, refusedText, textTable } from '../../../src/extension/format-model';
import { codeLensTitle, commandUri, hoverMarkdown, parseCommandUri } from '../../../src/extension/hover-model';
import { attachSourceLinks, buildLineIndex, summarizeAgg, summarizeDiff } from '../../../src/extension/ops-model';
import { resolveSourcePath } from '../../../src/extension/paths-model';
import { buildRunPickItems, looksLikeOtlpProto, NO_BASELINE_LABEL, preferredBaseline, SNIFF_GZ_BYTES, sniffTraceFormat, sniffTraceHead, TRACE_FILE_GLOB } from '../../../src/extension/quickpick-model';
import { buildRunsTree, statusBarText } from '../../../src/extension/tree-model';

function stats(p: Partial<NodeStats> & { ms: number }): NodeStats {
  const { ms, ...rest } = p;
  return {
    calls: 1, traces: 1, callsPerTrace: 1, totalMs: ms, selfMs: ms, totalPerTraceMs: ms, selfPerTraceMs: ms,
    p50Ms: ms, p95Ms: ms, p99Ms: ms, maxMs: ms, errors: 0, ...rest,
  };
}

function node(id: number, parent: number, service: string, name: string, b: NodeStats | null, i: NodeStats | null, extra: Partial<DiffNode> = {}): DiffNode {
  return {
    id, parent, depth: parent < 0 ? 0 : 1, service, name, kind: 'server', children: [], baseline: b, incident: i,
    deltaSelfMs: (i?.selfPerTraceMs ?? 0) - (b?.selfPerTraceMs ?? 0),
    deltaTotalMs: (i?.totalPerTraceMs ?? 0) - (b?.totalPerTraceMs ?? 0), significance: 0.9, ...extra,
  };
}

/** The sys4bigml shape: web-server → pre-processor → inference-server; pre-processor's self time 2.6 → 775 ms. */
function sysTree(): DiffTree {
  const nodes = [
    node(0, -1, '', 'all traces', null, null),
    node(1, 0, 'web-server', 'inference-span', stats({ ms: 30 }), stats({ ms: 40, errors: 0 })),
    node(2, 1, 'pre-processor', 'preprocess-request', stats({ ms: 2.6 }), stats({ ms: 775.4 }), { source: { file: 'src/pre-processor/preprocessor.py', line: 58 } }),
    node(3, 2, 'inference-server', 'inference-service-post', stats({ ms: 20 }), stats({ ms: 18, calls: 4, callsPerTrace: 4, errors: 1 })),
    node(4, 1, 'web-server', 'new-op', null, stats({ ms: 5 })),
  ];
  nodes[0]!.children = [1];
  nodes[1]!.children = [2, 4];
  nodes[2]!.children = [3];
  return { nodes, baselineTraces: 1, incidentTraces: 1 };
}

const diagnosis: Diagnosis = {
  rootCause: { service: 'pre-processor', name: 'preprocess-request', kind: 'self_time', impactMs: 772, confidence: 0.9, evidence: [], summary: 'self time grew from 2.6 ms to 775 ms' },
  candidates: [
    { service: 'pre-processor', name: 'preprocess-request', kind: 'self_time', impactMs: 772, confidence: 0.9, evidence: [], summary: 'self time grew' },
    { service: 'web-server', name: 'inference-span', kind: 'self_time', impactMs: 10, confidence: 0.3, evidence: [], summary: 'a bit slower' },
  ],
  notes: [],
};

test('formatting', () => {
  assert.equal(formatMs(2.6), '2.6 ms');
  assert.equal(formatMs(775.4), '775 ms');
  assert.equal(formatMs(0.421), '0.42 ms');
  assert.equal(formatMs(1234), '1.23 s');
  assert.equal(formatMs(0), '0 ms');
  assert.equal(formatDeltaMs(772.8), '+773 ms');
  assert.equal(formatDeltaMs(-3.14), '−3.1 ms');
  assert.equal(formatCallsPerTrace(1), '1 call/trace');
  assert.equal(formatCallsPerTrace(2.5), '2.5 calls/trace');
  assert.equal(formatPercent(0.034), '3.4%');
  assert.equal(formatPercent(0), '0%');
  assert.equal(textTable([['a', '1'], ['bbb', '22']], [false, true]), 'a     1\nbbb  22');
});

test('escapeMarkdown neutralises links, html and command URIs from trace text', () => {
  const evil = '[x](command:workbench.action.terminal.new) <img src=x> `code` $(flame)';
  const e = escapeMarkdown(evil);
  assert.ok(!e.includes('<img'));
  assert.ok(!e.includes('](command'));
  assert.ok(!e.includes('$('));
});

test('summarizeDiff merges call paths per operation, marks the root cause and sorts by change', () => {
  const ops = summarizeDiff(sysTree(), diagnosis);
  assert.equal(ops[0]!.name, 'preprocess-request');
  assert.equal(ops[0]!.rootCause, true);
  assert.equal(ops[0]!.candidateRank, 1);
  assert.ok(Math.abs(ops[0]!.deltaP95Ms! - 772.8) < 1e-9);
  const web = ops.find((o) => o.name === 'inference-span')!;
  assert.equal(web.candidateRank, 2);
  assert.equal(web.rootCause, false);
  const inf = ops.find((o) => o.name === 'inference-service-post')!;
  assert.equal(inf.incident!.errorRate, 0.25);
  const nu = ops.find((o) => o.name === 'new-op')!;
  assert.equal(nu.baseline, null);
  assert.equal(nu.deltaP95Ms, null);
  assert.ok(!ops.some((o) => o.name === 'all traces'));
});

test('summarizeAgg for a single run', () => {
  const t = sysTree();
  const agg = { traceCount: 1, nodes: t.nodes.map((n) => ({ id: n.id, parent: n.parent, depth: n.depth, service: n.service, name: n.name, kind: n.kind, children: n.children, stats: n.incident ?? stats({ ms: 0 }) })) };
  const ops = summarizeAgg(agg);
  assert.equal(ops[0]!.name, 'preprocess-request');
  assert.equal(ops[0]!.baseline, null);
  assert.equal(ops[0]!.rootCause, false);
});

test('hover markdown: stats of both runs, delta, badge, encoded command links', () => {
  const ops = summarizeDiff(sysTree(), diagnosis);
  const md = hoverMarkdown([ops[0]!], 'diff');
  assert.match(md, /ROOT CAUSE/);
  assert.match(md, /\| p95 \| 2\.6 ms \| 775 ms \| \+773 ms \|/);
  assert.match(md, /\| calls \/ trace \| 1 \| 1 \|/);
  assert.match(md, /\| error rate \| 0% \| 0% \|/);
  const links = [...md.matchAll(/\]\((command:[^ )]+)/g)].map((m) => parseCommandUri(m[1]!));
  assert.deepEqual(links, [
    { command: 'traceDoctor.showInFlameGraph', args: ['pre-processor', 'preprocess-request'] },
    { command: 'traceDoctor.askInChat', args: ['pre-processor', 'preprocess-request'] },
  ]);
  const single = hoverMarkdown([ops[0]!], 'single');
  assert.match(single, /p50 775 ms · p95 775 ms/);
  assert.doesNotMatch(single, /baseline/);
});

test('command URIs survive awkward names', () => {
  const name = 'GET /a?b=c&d="e" )]';
  const uri = commandUri('traceDoctor.askInChat', ['svc', name]);
  assert.ok(!uri.includes(' ') && !uri.includes(')'));
  assert.deepEqual(parseCommandUri(uri)!.args, ['svc', name]);
});

test('codelens title', () => {
  const ops = summarizeDiff(sysTree(), diagnosis);
  // the headline metric (self time per trace) — the same Δ as the runs tree's description of that operation
  assert.equal(codeLensTitle(ops[0]!, 'diff'), `preprocess-request · ${formatHeadline(ops[0]!.baseline!.selfPerTraceMs, ops[0]!.incident!.selfPerTraceMs)} · 1 call/trace · ROOT CAUSE`);
  assert.ok(codeLensTitle(ops[0]!, 'diff').includes(`(${formatDeltaMs(ops[0]!.deltaSelfMs)})`));
  const inf = ops.find((o) => o.name === 'inference-service-post')!;
  assert.match(codeLensTitle(inf, 'diff'), /^inference-service-post · self\/trace .+ → .+ \(.+\) · 4 calls\/trace · 25% errors$/);
  const nu = ops.find((o) => o.name === 'new-op')!;
  assert.match(codeLensTitle(nu, 'diff'), /^new-op · self\/trace .+ \(new in incident\) · 1 call\/trace$/);
});

test('line index resolves files and orders ops by importance', () => {
  const ops = summarizeDiff(sysTree(), diagnosis);
  attachSourceLinks(ops, (service, name) => (name === 'inference-span' ? { file: 'src/pre-processor/preprocessor.py', line: 58 } : undefined));
  const idx = buildLineIndex(ops, (f) => (f.startsWith('src/') ? '/ws/' + f : undefined));
  const lines = idx.get('/ws/src/pre-processor/preprocessor.py')!;
  assert.deepEqual([...lines.keys()], [57]);
  assert.deepEqual(lines.get(57)!.map((o) => o.name), ['preprocess-request', 'inference-span']);
});

test('resolveSourcePath: relative, absolute, container paths by suffix, ambiguity', () => {
  const existing = new Set(['/ws/a/src/pre-processor/preprocessor.py', '/ws/a/src/web-server/web_server.py', '/ws/a/x/util.py', '/ws/a/y/util.py']);
  const env = {
    folders: ['/ws/a'],
    exists: (p: string) => existing.has(p),
    files: [...existing].map((p) => ({ folder: '/ws/a', rel: p.slice('/ws/a/'.length) })),
  };
  assert.equal(resolveSourcePath('src/pre-processor/preprocessor.py', env), '/ws/a/src/pre-processor/preprocessor.py');
  assert.equal(resolveSourcePath('./src/web-server/../web-server/web_server.py', env), '/ws/a/src/web-server/web_server.py');
  assert.equal(resolveSourcePath('/ws/a/x/util.py', env), '/ws/a/x/util.py');
  assert.equal(resolveSourcePath('/app/pre-processor/preprocessor.py', env), '/ws/a/src/pre-processor/preprocessor.py');
  assert.equal(resolveSourcePath('/app/util.py', env), undefined, 'two util.py: ambiguous');
  assert.equal(resolveSourcePath('/app/y/util.py', env), '/ws/a/y/util.py');
  assert.equal(resolveSourcePath('nothing.py', env), undefined);
});

test('sniffTraceFormat on the public fixtures and non-trace JSON', async () => {
  const { readFileSync } = await import('node:fs');
  const head = (p: string) => readFileSync('test/fixtures/public/' + p).subarray(0, 1024).toString('utf8');
  assert.equal(sniffTraceFormat(head('sys4bigml/normal-traces-minified-1.json')), 'jaeger');
  assert.equal(sniffTraceFormat(head('otlp-proto/trace.json')), 'otlp');
  assert.equal(sniffTraceFormat(head('jaeger/api_v3/GetTrace.json')), 'jaeger-api-v3');
  assert.equal(sniffTraceFormat(head('zipkin/yelp.json')), 'zipkin');
  assert.equal(sniffTraceFormat(head('otel-go-instrumentation/nethttp/traces-orig.json')), 'otlp');
  assert.equal(sniffTraceFormat('{"resourceSpans":[]}\n{"resourceSpans":[]}\n'), 'otlp-jsonl');
  assert.equal(sniffTraceFormat(readFileSync('package.json', 'utf8').slice(0, 1024)), null);
  assert.equal(sniffTraceFormat(readFileSync('tsconfig.json', 'utf8').slice(0, 1024)), null);
  assert.equal(sniffTraceFormat('\u0000\u0001binary'), null);
});

test('gzipped trace files are found and sniffed (the real-fault exports are .jsonl.gz)', async () => {
  const { readFileSync } = await import('node:fs');
  const { gzipSync } = await import('node:zlib');
  // the glob Diagnose Trace lists the workspace with reaches .jsonl.gz / .json.gz files
  assert.match(TRACE_FILE_GLOB, /\bjsonl\.gz\b/);
  assert.match(TRACE_FILE_GLOB, /\bjson\.gz\b/);
  // the first bytes of a real export (the head findTraceFiles reads): a cut-off gzip stream, inflated as far as it goes
  const real = 'test/fixtures/real-faults/cases/ob-exception-frontend-0823-1227/incident.jsonl.gz';
  const head = readFileSync(real).subarray(0, SNIFF_GZ_BYTES);
  assert.deepEqual(sniffTraceHead(head, real), { format: 'otlp-jsonl', gzip: true });
  // its first record is longer than the sniffed head: without the .jsonl name it reads as OTLP JSON
  assert.deepEqual(sniffTraceHead(head), { format: 'otlp', gzip: true });
  // plain files are sniffed as before; gzipped non-trace JSON and broken gzip are not trace files
  assert.deepEqual(sniffTraceHead(readFileSync('test/fixtures/public/zipkin/yelp.json').subarray(0, SNIFF_GZ_BYTES)), { format: 'zipkin', gzip: false });
  assert.equal(sniffTraceHead(gzipSync(readFileSync('package.json'))), null);
  assert.equal(sniffTraceHead(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xff, 0xff, 0xff])), null);
  // the pick says it is compressed
  const items = buildRunPickItems([{ path: '/w/cases/a/incident.jsonl.gz', rel: 'cases/a/incident.jsonl.gz', format: 'otlp-jsonl', gzip: true, size: 764974 }], 'incident');
  assert.match(items[0]!.detail!, /^OTLP JSON Lines, gzip · 747\.0 KB/);
  assert.equal(items[0]!.description, 'cases/a');
});

test('OTLP protobuf files (.binpb, the Collector file exporter\'s frames, gzipped) are listed and sniffed; the Explorer menus offer every name the loader reads', async () => {
  const { readFileSync } = await import('node:fs');
  const { gzipSync } = await import('node:zlib');
  const { createRequire } = await import('node:module');
  const root = createRequire(__filename)('otlp-proto-generated/build/src/generated/root.js') as {
    opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: { fromObject(o: unknown): unknown; encode(m: unknown): { finish(): Uint8Array } } } } } } };
  };
  const Req = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
  const request = Buffer.from(Req.encode(Req.fromObject(JSON.parse(readFileSync('test/fixtures/public/jaeger/otlp/otel_traces_01.json', 'utf8')))).finish());
  const len = Buffer.alloc(4);
  len.writeUInt32BE(request.length);
  const framed = Buffer.concat([len, request]);
  for (const ext of ['binpb', 'pb', 'protobuf', 'otlp']) assert.match(TRACE_FILE_GLOB, new RegExp(`[{,]${ext}[,}]`), ext);
  assert.match(TRACE_FILE_GLOB, /[{,]binpb\.gz[,}]/);
  assert.equal(looksLikeOtlpProto(request), true);
  assert.equal(looksLikeOtlpProto(framed), true);
  assert.deepEqual(sniffTraceHead(request.subarray(0, SNIFF_GZ_BYTES), '/w/trace.binpb'), { format: 'otlp-proto', gzip: false });
  assert.deepEqual(sniffTraceHead(framed.subarray(0, SNIFF_GZ_BYTES), '/w/collector/traces.pb'), { format: 'otlp-proto', gzip: false });
  assert.deepEqual(sniffTraceHead(gzipSync(framed).subarray(0, SNIFF_GZ_BYTES), '/w/traces.pb.gz'), { format: 'otlp-proto', gzip: true });
  // binary is read as protobuf only under a protobuf name; under such a name, other bytes are not a trace file
  assert.equal(sniffTraceHead(request, '/w/trace.bin'), null);
  assert.equal(sniffTraceHead(readFileSync('package.json'), '/w/package.pb'), null);
  assert.equal(sniffTraceHead(Buffer.from('\nhello world\n'), '/w/notes.pb'), null, 'a text file starting with a newline (0x0a)');
  assert.equal(sniffTraceHead(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]), '/w/x.pb'), null, 'a length varint that never ends');
  assert.equal(sniffTraceHead(Buffer.from([0x0a]), '/w/x.pb'), null);
  const items = buildRunPickItems([{ path: '/w/trace.binpb', rel: 'trace.binpb', format: 'otlp-proto', size: request.length }], 'incident');
  assert.match(items[0]!.detail!, /^OTLP protobuf · /);

  // the Explorer's context menu entries (Open Trace File, Diagnose Trace, Compare Traces) match every name above
  // (resourceExtname of incident.jsonl.gz is .gz: the menus match the whole file name)
  const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { contributes: { menus: Record<string, { command: string; when?: string }[]> } };
  const fileEntries = pkg.contributes.menus['explorer/context']!.filter((m) => m.when?.includes('!explorerResourceIsFolder'));
  assert.deepEqual(fileEntries.map((m) => m.command).sort(), ['traceDoctor.compareTraces', 'traceDoctor.diagnose', 'traceDoctor.openTraceFile']);
  for (const m of fileEntries) {
    const [, body, flags] = /resourceFilename =~ \/(.+)\/([a-z]*)/.exec(m.when!) ?? [];
    assert.ok(body, `${m.command}: ${m.when}`);
    const re = new RegExp(body!, flags);
    for (const name of ['incident.jsonl.gz', 'spans.json', 'spans.ndjson', 'trace.binpb', 'traces.pb', 'traces.pb.gz', 'x.protobuf', 'x.otlp', 'X.JSON']) assert.ok(re.test(name), `${m.command} offered on ${name}`);
    for (const name of ['archive.tar.gz', 'notes.txt', 'json', 'a.json.bak']) assert.ok(!re.test(name), `${m.command} not offered on ${name}`);
  }
  // and "Open With… → Trace Doctor Flame Graph" is offered on the same names (VS Code's binary-file editor lists it)
  const editors = (pkg.contributes as unknown as { customEditors: { selector: { filenamePattern: string }[] }[] }).customEditors;
  const patterns = editors.flatMap((e) => e.selector.map((x) => x.filenamePattern));
  for (const name of ['incident.jsonl.gz', 'spans.json', 'trace.binpb', 'traces.pb.gz', 'x.protobuf', 'x.otlp.gz']) {
    assert.ok(patterns.some((p) => p.startsWith('*.') && name.endsWith(p.slice(1))), `no custom editor pattern for ${name}`);
  }
});

test('run pick items: role hints first, baseline offers automatic split and excludes the incident', () => {
  const files = [
    { path: '/w/normal-traces.json', rel: 'd/normal-traces.json', format: 'jaeger' as const, mtime: 2, size: 3485 },
    { path: '/w/spiked-traces.json', rel: 'd/spiked-traces.json', format: 'jaeger' as const, mtime: 1, size: 6436 },
    { path: '/w/other.json', rel: 'other.json', format: 'otlp' as const, mtime: 3 },
  ];
  const inc = buildRunPickItems(files, 'incident');
  assert.deepEqual(inc.map((i) => i.value), ['/w/spiked-traces.json', '/w/other.json', '/w/normal-traces.json']);
  assert.equal(inc[0]!.description, 'd');
  assert.match(inc[0]!.detail!, /Jaeger JSON · 6\.3 KB/);
  // a file named like a baseline is preselected (first); the automatic split stays an explicit second choice
  const base = buildRunPickItems(files, 'baseline', '/w/spiked-traces.json');
  assert.deepEqual(base.map((i) => i.value), ['/w/normal-traces.json', null, '/w/other.json']);
  assert.equal(base[1]!.label, NO_BASELINE_LABEL);
});

test('baseline pick: the other file of a pair is preselected; nothing standing out → automatic split first', () => {
  const pair = [
    { path: '/w/runs/a.json', rel: 'runs/a.json', format: 'otlp' as const, mtime: 2 },
    { path: '/w/runs/b.json', rel: 'runs/b.json', format: 'otlp' as const, mtime: 1 },
    { path: '/w/other/c.json', rel: 'other/c.json', format: 'otlp' as const, mtime: 3 },
  ];
  assert.deepEqual(buildRunPickItems(pair, 'baseline', '/w/runs/a.json').map((i) => i.value), ['/w/runs/b.json', null, '/w/other/c.json']);
  assert.equal(preferredBaseline(pair, '/w/runs/b.json')?.path, '/w/runs/a.json');
  // three files in the incident's folder, none named like a baseline: no guess
  const three = [...pair, { path: '/w/runs/d.json', rel: 'runs/d.json', format: 'otlp' as const, mtime: 0 }];
  const items = buildRunPickItems(three, 'baseline', '/w/runs/a.json');
  assert.equal(items[0]!.value, null);
  assert.equal(items[0]!.label, NO_BASELINE_LABEL);
  // the example's traces folder: normal.json for spiked.json
  const ex = ['normal.json', 'spiked.json', 'broken-trace.json'].map((n, k) => ({ path: `/ex/traces/${n}`, rel: `traces/${n}`, format: 'otlp' as const, mtime: k }));
  assert.equal(buildRunPickItems(ex, 'baseline', '/ex/traces/spiked.json')[0]!.value, '/ex/traces/normal.json');
});

test('runs tree and status bar', () => {
  const ops = summarizeDiff(sysTree(), diagnosis);
  const runs = [
    { role: 'baseline' as const, files: ['/w/normal.json'], spans: 3, traces: 1, services: 3, skipped: 0 },
    { role: 'incident' as const, files: ['/w/spiked.json'], spans: 7, traces: 1, services: 3, skipped: 2 },
  ];
  const tree = buildRunsTree(runs, ops, true);
  assert.deepEqual(tree.map((n) => n.label), ['Baseline: normal.json', 'Incident: spiked.json']);
  assert.match(tree[1]!.description!, /7 spans · 1 trace · 2 skipped/);
  const svcs = tree[1]!.children!;
  assert.equal(svcs[0]!.label, 'pre-processor');
  assert.equal(svcs[0]!.children![0]!.description, '+773 ms · root cause');
  assert.equal(svcs[0]!.children![0]!.contextValue, 'traceDoctor.operation.withSource');
  assert.deepEqual(svcs[1]!.children!.map((c) => c.label), ['inference-span', 'new-op']);
  assert.equal(statusBarText(2, { service: 'pre-processor', name: 'x' }, false), '$(pulse) Trace Doctor: 2 runs · root cause pre-processor');
  assert.equal(statusBarText(0, null, false), '$(pulse) Trace Doctor');
});

test('h21: a root cause whose effect is in its callers\' wait (remote_gap) says so on the tree row, its tooltip, hover and CodeLens', () => {
  // the TrainTicket network delay's shape: inference-server's own time fell a little (20 → 18 ms per call, 4 calls)
  // while the engine blames it with +400 ms per trace (its callers wait before its spans start)
  const gap: Diagnosis = {
    rootCause: { service: 'inference-server', name: 'inference-service-post', kind: 'queueing', impactMs: 400, confidence: 0.88, evidence: [], summary: 'callers wait longer', detector: 'remote_gap' },
    candidates: [],
    notes: [],
  };
  const ops = summarizeDiff(sysTree(), gap);
  const op = ops.find((o) => o.service === 'inference-server')!;
  assert.ok(op.rootCause && op.deltaSelfMs < 0);
  const runs = [{ role: 'incident' as const, files: ['/w/spiked.json'], spans: 7, traces: 1, services: 3, skipped: 0 }];
  const svcRows = buildRunsTree(runs, ops, true)[0]!.children!;
  // the service row too (a long route as the operation's label leaves its row no room for a description)
  assert.match(svcRows.find((r) => r.label === 'inference-server')!.description!, /^\+400 ms\/trace waiting before its spans · root cause · own −/);
  assert.equal(svcRows.find((r) => r.label === 'web-server')!.description, formatDeltaMs(ops.filter((o) => o.service === 'web-server').reduce((a, o) => a + o.deltaSelfMs, 0)));
  const row = svcRows.flatMap((s) => s.children ?? []).find((c) => c.label === 'inference-service-post')!;
  assert.equal(row.description, `+400 ms/trace waiting before its spans · root cause · own ${formatDeltaMs(op.deltaSelfMs)}`);
  assert.match(row.tooltip!, /\nDiagnosis: \+400 ms per trace, in the wait before its spans start \(its callers' time\), not in its own time/);
  // escaped markdown, read back as the words it shows
  assert.match(hoverMarkdown([op], 'diff').replace(/\\(.)/g, '$1'), /\*\*Diagnosis: \+400 ms per trace, in the wait before its spans start \(its callers' time\), not in its own time\*\*/);
  assert.match(codeLensTitle(op, 'diff'), / · ROOT CAUSE · \+400 ms\/trace waiting before its spans$/);
  // a root cause whose own time carries its effect (the example's pre-processor) keeps the plain row and lens
  const self = summarizeDiff(sysTree(), diagnosis).find((o) => o.rootCause)!;
  assert.doesNotMatch(codeLensTitle(self, 'diff'), /before its spans|outside its own/);
  assert.doesNotMatch(hoverMarkdown([self], 'diff'), /Diagnosis:/);
  // any other detector: the effect is "outside its own time", pointing at the evidence
  const vanished = summarizeDiff(sysTree(), { ...gap, rootCause: { ...gap.rootCause!, detector: 'vanished_work' } }).find((o) => o.rootCause)!;
  assert.match(codeLensTitle(vanished, 'diff'), /\+400 ms\/trace outside its own time$/);
});

test('a candidate whose own time is the wait for another service says so on the tree row, its tooltip and hover', () => {
  const d: Diagnosis = {
    rootCause: { service: 'inference-server', name: 'inference-service-post', kind: 'call_delay', impactMs: 400, confidence: 0.88, evidence: [], summary: 'callers wait longer', detector: 'remote_gap' },
    candidates: [
      { service: 'inference-server', name: 'inference-service-post', kind: 'call_delay', impactMs: 400, confidence: 0.88, evidence: [], summary: 'callers wait longer', detector: 'remote_gap' },
      { service: 'pre-processor', name: 'preprocess-request', kind: 'self_time', impactMs: 300, confidence: 0.7, evidence: [], summary: 'waits', waitsOn: 'inference-server' },
    ],
    notes: [],
  };
  const ops = summarizeDiff(sysTree(), d);
  const op = ops.find((o) => o.service === 'pre-processor' && o.name === 'preprocess-request')!;
  assert.equal(op.candidate?.waitsOn, 'inference-server');
  const runs = [{ role: 'incident' as const, files: ['/w/spiked.json'], spans: 7, traces: 1, services: 3, skipped: 0 }];
  const row = buildRunsTree(runs, ops, true)[0]!.children!.flatMap((s) => s.children ?? []).find((c) => c.label === 'preprocess-request')!;
  assert.match(row.description!, / · the wait for inference-server$/);
  assert.match(row.tooltip!, /\nIts added own time is the wait for inference-server \(the time between its call and inference-server's span grew\): see that finding/);
  assert.match(hoverMarkdown([op], 'diff').replace(/\\(.)/g, '$1'), /\*\*Its added own time is the wait for inference-server/);
});

test('custom time windows for a tracing backend', async () => {
  const { parseWindowChoice } = await import('../../../src/extension/quickpick-model');
  assert.deepEqual(parseWindowChoice('15m vs 1h'), { label: 'Last 15m vs the 1h before', incident: '15m', baseline: '1h' });
  assert.deepEqual(parseWindowChoice('last 30m vs the 2h before'), { label: 'Last 30m vs the 2h before', incident: '30m', baseline: '2h' });
  assert.deepEqual(parseWindowChoice('5m/1h30m'), { label: 'Last 5m vs the 1h30m before', incident: '5m', baseline: '1h30m' });
  assert.deepEqual(parseWindowChoice('30m'), { label: 'Last 30m, split automatically', incident: '30m' });
  assert.equal(parseWindowChoice('yesterday'), null);
  assert.equal(parseWindowChoice('1h vs 2h vs 3h'), null);
  assert.equal(parseWindowChoice(''), null);
});

test('run labels for files and backend URLs', async () => {
  const { runLabel } = await import('../../../src/extension/format-model');
  assert.equal(runLabel(['/a/b/spiked.json', 'C:\\x\\normal.json']), 'spiked.json, normal.json');
  assert.equal(runLabel(['http://jaeger:16686/api/traces?service=checkout&lookback=1h']), 'jaeger:16686 checkout');
  assert.equal(runLabel(['zipkin+http://zipkin:9411?serviceName=web']), 'zipkin:9411 web');
  assert.equal(runLabel(['https://example.com/dumps/run1.json']), 'example.com run1.json');
});

test('persisted load requests are validated before a restored panel replays them', async () => {
  const { isReplayableRequest } = await import('../../../src/extension/request-model');
  assert.ok(isReplayableRequest({ kind: 'diagnose', incident: ['/w/spiked.json'], baseline: ['/w/normal.json'] }));
  assert.ok(isReplayableRequest({ kind: 'single', incident: ['/w/a.json', '/w/b.json'] }));
  assert.ok(isReplayableRequest({ kind: 'diagnose', incident: ['http://j:16686/api/traces?service=x'], baseline: ['http://j:16686/api/traces?service=x'], windows: { incident: '15m', baseline: '1h' } }));
  assert.ok(!isReplayableRequest({ kind: 'live', incident: ['live'] }), 'the live window is gone after a reload');
  assert.ok(!isReplayableRequest({ kind: 'diagnose', incident: [] }));
  assert.ok(!isReplayableRequest({ kind: 'diagnose', incident: ['/a'], baseline: [1] }));
  assert.ok(!isReplayableRequest({ kind: 'diagnose', incident: ['/a'], windows: { incident: 15 } }));
  assert.ok(!isReplayableRequest(null));
  assert.ok(!isReplayableRequest('diagnose'));
});

test('runs tree mutes changes that are not significant or tiny next to the largest (issue 13 item 9)', () => {
  const tree = sysTree();
  // a noise-level change: −0.027 ms, not significant
  tree.nodes.push(node(5, 1, 'web-server', 'noise-op', stats({ ms: 1.0 }), stats({ ms: 0.973 }), { significance: 0.4 }));
  tree.nodes[1]!.children.push(5);
  const ops = summarizeDiff(tree, diagnosis);
  const runs = [{ role: 'incident' as const, files: ['/w/spiked.json'], spans: 7, traces: 1, services: 3, skipped: 0 }];
  const all = buildRunsTree(runs, ops, true)[0]!.children!.flatMap((s) => s.children ?? []);
  const noise = all.find((n) => n.label === 'noise-op')!;
  assert.equal(noise.muted, true);
  assert.equal(noise.color, 'disabledForeground');
  assert.equal(noise.description, '\u22120.027 ms · noise');
  assert.equal(noise.emphasis, undefined);
  const root = all.find((n) => n.label === 'preprocess-request')!;
  assert.equal(root.muted, undefined);
  assert.equal(root.emphasis, true);
  // the tooltip says "confidence" (one word for it on every surface), the candidate's own value
  assert.match(root.tooltip!, /confidence 90%/);
});

test('status bar accessible label: plain words, no &nbsp; or markdown escapes (issue 13 item 9)', async () => {
  const { statusBarAccessibleLabel } = await import('../../../src/extension/tree-model');
  const md = 'incident: /w/spiked\\.json — 3485 spans, 1 trace\n\nRoot&nbsp;cause: preprocess\\-request in pre\\-processor \\(+773 ms per trace\\)';
  const label = statusBarAccessibleLabel('$(pulse) Trace Doctor: 2 runs · root cause pre-processor', md);
  assert.doesNotMatch(label, /&nbsp;|\\-|\\\(|\$\(/);
  assert.match(label, /^Trace Doctor: 2 runs · root cause pre-processor\. incident: \/w\/spiked\.json — 3485 spans, 1 trace Root cause: preprocess-request in pre-processor \(\+773 ms per trace\)$/);
});

test('flame setData: short column labels for an automatic split; the sentence stays in the diagnosis (issue 13 item 1)', async () => {
  const { buildSetData } = await import('../../../src/extension/panels/flame-protocol');
  const description = 'level shift in end-to-end latency at 2024-01-01T00:00:00Z (trace 51 of 100 by start time): mean 10.0 ms before, 40.0 ms after (permutation test p=0.001, Cliff\'s delta 0.90); the later window is the incident';
  const d = { ...diagnosis, split: { method: 'time_window' as const, description, baselineTraces: 50, incidentTraces: 50 } };
  const base = { version: 1, mode: 'diff' as const, incident: { paths: ['/w/spiked.json'] }, diff: sysTree(), diagnosis: d, ops: [], lineIndex: new Map() };
  const auto = buildSetData({ ...base, autoSplit: true } as never);
  assert.equal(auto.baselineLabel, 'before split');
  assert.equal(auto.incidentLabel, 'after split');
  assert.equal(auto.diagnosis?.split?.description, description);
  const pair = buildSetData({ ...base, autoSplit: false, baseline: { paths: ['/w/normal.json'] }, diagnosis } as never);
  assert.deepEqual([pair.baselineLabel, pair.incidentLabel, pair.title], ['baseline', 'incident', 'normal.json → spiked.json']);
});

test('Open Trace File… starts in the folder with the most trace files (issue 13 item 9)', async () => {
  const { traceFolder } = await import('../../../src/extension/quickpick-model');
  const f = (p: string) => ({ path: p, rel: p, format: 'otlp' as const });
  assert.equal(traceFolder([f('/ws/traces/normal.json'), f('/ws/traces/spiked.json'), f('/ws/other/x.json')]), '/ws/traces');
  assert.equal(traceFolder([]), undefined);
});

test('h22: a refused receiver request in one line: status, what the sender was told, who sent it; header text made inert', () => {
  assert.equal(
    refusedText({ status: 415, message: "unsupported Content-Type 'text/plain'; use application/json or application/x-protobuf", method: 'POST', path: '/v1/traces', contentType: 'text/plain', userAgent: 'OTel-OTLP-Exporter-Java/1.40.0' }),
    "HTTP 415: unsupported Content-Type 'text/plain'; use application/json or application/x-protobuf (POST /v1/traces, Content-Type text/plain, from OTel-OTLP-Exporter-Java/1.40.0)",
  );
  assert.equal(refusedText({ status: 400, message: 'Bad Request: not a valid HTTP request' }), 'HTTP 400: Bad Request: not a valid HTTP request');
  const evil = refusedText({ status: 404, message: 'not found: /x', method: 'POST', path: '/x', userAgent: 'a\u001b]52;c;ZXZpbA==\u0007b\u202ec\n' + 'y'.repeat(600) });
  assert.doesNotMatch(evil, /[\u0000-\u001f\u202e]/);
  assert.ok(evil.length <= 400 && evil.endsWith('…'));
});

test('h22: a tracing-backend URL as the incident: no workspace file is preselected as its baseline (the split is first), unless one other URL asks the same backend about the same service', () => {
  const files = [
    { path: '/ex/traces/normal.json', rel: 'traces/normal.json', format: 'otlp' as const, mtime: 1 },
    { path: 'http://jaeger:16686/api/traces?service=checkout&lookback=15m', rel: 'http://jaeger:16686/api/traces?service=checkout&lookback=15m', format: 'url' as const },
    { path: 'http://jaeger:16686/api/traces?service=cart&lookback=1h', rel: 'http://jaeger:16686/api/traces?service=cart&lookback=1h', format: 'url' as const },
  ];
  const items = buildRunPickItems(files, 'baseline', files[1]!.path);
  assert.equal(items[0]!.value, null, `first: ${items[0]!.label}`);
  assert.equal(items[0]!.label, NO_BASELINE_LABEL);
  // the same service an hour earlier, configured next to it: that one
  const withEarlier = [...files, { path: 'http://jaeger:16686/api/traces?service=checkout&start=1700000000000000&end=1700003600000000', rel: 'x', format: 'url' as const }];
  assert.equal(preferredBaseline(withEarlier, files[1]!.path)?.path, withEarlier[3]!.path);
  // files as before
  assert.equal(preferredBaseline(files, '/ex/traces/spiked.json')?.path, '/ex/traces/normal.json');
});

test('walkthrough 2026-12-07 pm: a file named "normal" in another system\'s folder is not preselected as the baseline of a real-fault incident', () => {
  const f = (rel: string, mtime = 0) => ({ path: `/ws/${rel}`, rel, format: 'otlp-jsonl' as const, gzip: rel.endsWith('.gz'), mtime });
  const files = [
    f('ml-pipeline/traces/normal.json', 5),
    f('ml-pipeline/traces/spiked.json', 5),
    f('real-faults/cases/ob-cpu-contention-cartservice-0823-1245/incident.jsonl.gz'),
    f('real-faults/cases/tt-cpu-contention-ts-travel-service-0130-1306/incident.jsonl.gz'),
    f('real-faults/baselines/onlineboutique-2022-08-23-1700.jsonl.gz'),
    f('real-faults/baselines/trainticket-2023-01-30-1139.jsonl.gz'),
  ];
  const ob = files[2]!.path;
  // two baselines in real-faults/baselines, equally near: no guess — the split first, then those two, the example last
  const items = buildRunPickItems(files, 'baseline', ob);
  assert.equal(items[0]!.value, null, `first: ${items[0]!.label}`);
  assert.deepEqual(items.slice(1, 3).map((i) => i.label).sort(), ['onlineboutique-2022-08-23-1700.jsonl.gz', 'trainticket-2023-01-30-1139.jsonl.gz']);
  assert.ok(items.findIndex((i) => i.label === 'normal.json') > 2);
  // one baseline in a folder named baselines/: that one
  const one = files.filter((x) => !x.rel.includes('trainticket'));
  assert.equal(preferredBaseline(one, ob)?.rel, 'real-faults/baselines/onlineboutique-2022-08-23-1700.jsonl.gz');
  // the example keeps its pair
  assert.equal(preferredBaseline(files, files[1]!.path)?.rel, 'ml-pipeline/traces/normal.json');
  // runs/baseline/ next to runs/incident/: near enough
  const runs = [f('runs/baseline/a.json'), f('runs/incident/b.json'), f('other/deep/normal.json')];
  assert.equal(preferredBaseline(runs, runs[1]!.path)?.rel, 'runs/baseline/a.json');
});

test('multi-root: links are named by their folder (shop/shop-api/src/x.ts, not an absolute path) and resolve back into that folder', async () => {
  const { folderSearch, resolveSourcePath } = await import('../../../src/extension/paths-model');
  const { linkResolver } = await import('../../../src/extension/source-resolver');
  const { SourceIndex } = await import('../../../src/core/source/resolve');
  // one folder: names as they are
  assert.deepEqual(folderSearch([{ folder: '/w/shop', index: 1 }]), [{ index: 1 }]);
  // two: the folder's name in front, as VS Code names files of a multi-root workspace
  const two = folderSearch([{ folder: '/home/me/ml-pipeline', index: 1 }, { folder: '/srv/shop/', index: 2 }]);
  assert.deepEqual(two.map((s) => [s.rename!('src/a.ts'), s.label]), [['ml-pipeline/src/a.ts', 'ml-pipeline'], ['shop/src/a.ts', 'shop']]);
  // two folders of the same name (different parents): the name would not say which, so the absolute path
  const same = folderSearch([{ folder: '/a/app', index: 1 }, { folder: '/b/app', index: 2 }]);
  assert.deepEqual(same.map((s) => s.rename!('x.py')), ['/a/app/x.py', '/b/app/x.py']);

  const files = new Set(['/home/me/ml-pipeline/preprocessor/preprocessor.py', '/srv/shop/shop-api/src/checkout.ts', '/srv/shop/checkout.ts']);
  const env = { folders: ['/home/me/ml-pipeline', '/srv/shop'], exists: (p: string) => files.has(p) };
  assert.equal(resolveSourcePath('shop/shop-api/src/checkout.ts', env), '/srv/shop/shop-api/src/checkout.ts');
  assert.equal(resolveSourcePath('ml-pipeline/preprocessor/preprocessor.py', env), '/home/me/ml-pipeline/preprocessor/preprocessor.py');
  // a folder's name that is also a path inside a folder is still found; '..' does not leave the named folder
  assert.equal(resolveSourcePath('shop/checkout.ts', env), '/srv/shop/checkout.ts');
  assert.equal(resolveSourcePath('shop/../../etc/passwd', { ...env, exists: (p: string) => p === '/etc/passwd' }), undefined);
  // one folder: a leading segment equal to its name is an ordinary relative path (as before)
  assert.equal(resolveSourcePath('shop/checkout.ts', { folders: ['/srv/shop'], exists: (p: string) => p === '/srv/shop/shop/checkout.ts' }), '/srv/shop/shop/checkout.ts');

  // the resolver both engines use: a span found in the second folder's sources is named by that folder
  const idx = (path: string, text: string) => SourceIndex.build([{ path, text }]);
  const resolve = linkResolver([], [
    { folder: '/home/me/ml-pipeline', index: idx('preprocessor/preprocessor.py', 'with tracer.start_as_current_span("preprocess-request"):\n    pass\n') },
    { folder: '/srv/shop', index: idx('shop-api/src/checkout.ts', "export function charge() {\n  return tracer.startActiveSpan('charge stripe', (span) => span.end());\n}\n") },
  ]);
  assert.deepEqual([resolve('shop-api', 'charge stripe')?.file, resolve('shop-api', 'charge stripe')?.line], ['shop/shop-api/src/checkout.ts', 2]);
  assert.equal(resolve('pre-processor', 'preprocess-request')?.file, 'ml-pipeline/preprocessor/preprocessor.py');
  assert.equal(resolveSourcePath(resolve('shop-api', 'charge stripe')!.file, env), '/srv/shop/shop-api/src/checkout.ts');
});

test('Compare Traces… in a multi-root workspace: the incident pick starts near the baseline just picked, not on another root\'s newer file', () => {
  const f = (path: string, mtime: number) => ({ path, rel: path.replace(/^\/w\//, ''), format: 'otlp' as const, mtime, size: 1000 });
  const files = [f('/w/ml-pipeline/traces/normal.json', 1), f('/w/ml-pipeline/traces/spiked.json', 2), f('/w/shop/traces/normal.json', 3), f('/w/shop/traces/spiked.json', 4)];
  const incident = buildRunPickItems(files, 'incident', '/w/ml-pipeline/traces/normal.json');
  assert.equal(incident[0]!.value, '/w/ml-pipeline/traces/spiked.json', incident.map((i) => i.value).join(', '));
  assert.equal(buildRunPickItems(files, 'incident', '/w/shop/traces/normal.json')[0]!.value, '/w/shop/traces/spiked.json');
  // with no run picked yet, the role and the newest decide (as before)
  assert.equal(buildRunPickItems(files, 'incident')[0]!.value, '/w/shop/traces/spiked.json');
  // Diagnose Trace's baseline pick: near the incident (as before)
  assert.equal(buildRunPickItems(files, 'baseline', '/w/ml-pipeline/traces/spiked.json')[0]!.value, '/w/ml-pipeline/traces/normal.json');
});
