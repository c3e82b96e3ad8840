/**
 * SARIF 2.1.0 log of a diagnosis (issue 15): one result per significant candidate (the engine found the incident
 * slower or failing more beyond noise), located at the source line that opens the span, with the evidence as the
 * message. Artifact URIs are relative to the base id %SRCROOT% (the CLI's --srcroot, default the current directory),
 * whose absolute file: URI is given in run.originalUriBaseIds. Candidates without a known source line are not
 * results (code scanning needs a location): they are listed as tool notifications. Pure.
 */
import type { Candidate, CandidateKind, Diagnosis } from '../rca/diagnosis';
import type { GateResult } from '../gate/gate';
import { KIND_LABEL } from '../format';
import { sourceCaveat } from '../source/link';

export const SARIF_SCHEMA_URI = 'https://json.schemastore.org/sarif-2.1.0.json';

const RULES: Record<CandidateKind, { name: string; short: string; full: string }> = {
  self_time: { name: 'SelfTimeGrew', short: 'An operation spends more of its own time per call', full: 'The exclusive (self) time per call of the operation grew, on the critical path of the trace.' },
  queueing: { name: 'Queueing', short: 'Requests queue for a saturated component', full: 'Requests wait before the work starts (a saturated worker, lock or pool): the wait grows with the load.' },
  fan_out: { name: 'FanOut', short: 'An operation makes more calls per call (N+1)', full: 'The number of calls to a child operation per call of its parent grew (N+1 queries, loops).' },
  errors: { name: 'Errors', short: 'An operation fails more often', full: 'The share of spans failing by themselves (error status without a failing child) grew.' },
  serialization: { name: 'LostParallelism', short: 'Calls that overlapped now run one after another', full: 'Children that ran in parallel in the baseline now run sequentially.' },
  attribute: { name: 'AttributeValue', short: 'One attribute value got slower', full: 'Spans with one value of a low-cardinality attribute (model version, host, tenant) got slower; the others did not.' },
  retries: { name: 'Retries', short: 'A failing call is retried', full: 'A callee started failing and its caller repeats the call; the retries and the backoff add latency.' },
  stopped_work: { name: 'StoppedWork', short: 'A service stopped doing work it used to do', full: 'A service now returns without calling its dependencies or running its own steps, or stops right after a call it used to go on from (an early return or a failure without an error status).' },
  call_delay: { name: 'CallDelay', short: 'Calls wait outside a callee that is not busy', full: 'Callers wait longer between their span and the callee\'s span while the callee is far from saturated: the time is outside its work (network delay, a proxy or sidecar, or time before its span starts: CPU starvation, an accept queue).' },
  new_operation: { name: 'NewOperation', short: 'A new operation on the request path', full: 'An operation that the baseline does not have adds time to the incident.' },
};

export interface SarifOptions {
  toolVersion: string;
  informationUri?: string;
  /** absolute path of %SRCROOT% (a directory) */
  srcRoot: string;
  /** the candidate's source file as a path relative to %SRCROOT% with '/' separators, or null when outside it */
  relativePath: (file: string) => string | null;
}

/** file: URI of an absolute path (POSIX or Windows), with a trailing slash for a directory. */
export function fileUri(absPath: string, dir = false): string {
  const p = absPath.replace(/\\/g, '/');
  const segs = (p.startsWith('/') ? p.slice(1) : p).split('/');
  const enc = segs.map((s, k) => (k === 0 && /^[A-Za-z]:$/.test(s) ? s : encodeURIComponent(s))).join('/');
  return 'file:///' + enc + (dir && !enc.endsWith('/') ? '/' : '');
}

const encodePath = (rel: string) => rel.split('/').map(encodeURIComponent).join('/');

const fmtMs = (v: number) => (Math.abs(v) >= 1000 ? `${(v / 1000).toFixed(2)} s` : `${v.toFixed(v >= 10 ? 0 : 1)} ms`);

function message(c: Candidate, rank: number, rootCause: boolean): string {
  const head = `${rootCause ? 'Root cause' : `Candidate #${rank}`}: ${c.service} / ${c.name} (${KIND_LABEL[c.kind] ?? c.kind}${c.attribute ? `, ${c.attribute.key}=${c.attribute.value}` : ''}), about +${fmtMs(c.impactMs)} per trace end to end, confidence ${c.confidence.toFixed(2)}. ${c.summary}.`;
  const ev = c.evidence.slice(0, 10).map((e) => `- ${e}`);
  const caveat = sourceCaveat(c.source);
  return [head, ...ev, ...(caveat ? [`Source: ${caveat}.`] : [])].join('\n');
}

export function toSarif(d: Diagnosis, gate: GateResult | null, opts: SarifOptions): Record<string, unknown> {
  const significant = d.regression ? d.regression.slower || d.regression.errorsUp : d.rootCause !== null;
  const tooFew = d.latency?.pValue === null;
  const kinds = [...new Set(d.candidates.map((c) => c.kind))];
  const rules = kinds.map((k) => ({
    id: `trace-doctor/${k}`,
    name: RULES[k].name,
    shortDescription: { text: RULES[k].short },
    fullDescription: { text: RULES[k].full },
    defaultConfiguration: { level: 'warning' },
    properties: { tags: ['performance', 'opentelemetry'] },
  }));
  const results: Record<string, unknown>[] = [];
  const notifications: Record<string, unknown>[] = [];
  if (significant && !tooFew) {
    d.candidates.forEach((c, k) => {
      const isRoot = d.rootCause !== null && k === 0 && c.service === d.rootCause.service && c.name === d.rootCause.name;
      const rel = c.source ? opts.relativePath(c.source.file) : null;
      if (!c.source || rel === null) {
        notifications.push({
          level: 'note',
          message: { text: `${c.service} / ${c.name} (${KIND_LABEL[c.kind] ?? c.kind}) has no known source line${c.source ? ` inside %SRCROOT% (${c.source.file})` : ''}: not reported as a result` },
        });
        return;
      }
      const region: Record<string, unknown> = { startLine: c.source.line };
      results.push({
        ruleId: `trace-doctor/${c.kind}`,
        ruleIndex: kinds.indexOf(c.kind),
        level: isRoot ? (gate?.verdict === 'regression' ? 'error' : 'warning') : c.confidence >= 0.5 ? 'warning' : 'note',
        message: { text: message(c, k + 1, isRoot) },
        locations: [
          {
            physicalLocation: { artifactLocation: { uri: encodePath(rel), uriBaseId: 'SRCROOT' }, region },
            logicalLocations: [{ name: c.name, fullyQualifiedName: `${c.service}/${c.name}`, kind: 'function' }],
          },
        ],
        // other lines that open spans of the same name, as likely as this one
        ...(c.source.also?.length
          ? {
              relatedLocations: c.source.also.flatMap((a, j) => {
                const r = opts.relativePath(a.file);
                return r === null ? [] : [{ id: j + 1, physicalLocation: { artifactLocation: { uri: encodePath(r), uriBaseId: 'SRCROOT' }, region: { startLine: a.line } }, message: { text: `also opens spans named ${c.name}` } }];
              }),
            }
          : {}),
        partialFingerprints: { 'traceDoctorOperation/v1': `${c.service}/${c.name}/${c.kind}` },
        properties: {
          rank: k + 1,
          rootCause: isRoot,
          service: c.service,
          operation: c.name,
          impactMs: c.impactMs,
          confidence: c.confidence,
          ...(c.source.function ? { function: c.source.function } : {}),
          ...(c.capacity ? { capacity: { workers: c.capacity.workers, workersNeeded: c.capacity.workersNeeded, target: c.capacity.target, utilisation: c.capacity.incident.utilisation, summary: c.capacity.summary } } : {}),
        },
      });
    });
  } else if (tooFew) {
    notifications.push({ level: 'warning', message: { text: 'too few traces for the engine\'s tests: no result reported' } });
  }
  const run: Record<string, unknown> = {
    tool: {
      driver: {
        name: 'Trace Doctor',
        version: opts.toolVersion,
        semanticVersion: opts.toolVersion,
        ...(opts.informationUri ? { informationUri: opts.informationUri } : {}),
        rules,
      },
    },
    originalUriBaseIds: {
      SRCROOT: { uri: fileUri(opts.srcRoot, true), description: { text: 'The directory given by --srcroot (default: the current directory); result locations are relative to it.' } },
    },
    invocations: [
      {
        executionSuccessful: true,
        ...(gate?.active ? { exitCode: gate.exitCode } : {}),
        ...(notifications.length ? { toolExecutionNotifications: notifications } : {}),
      },
    ],
    results,
    properties: {
      verdict: gate?.active ? gate.verdict : significant ? 'slower-or-failing' : 'no-change',
      ...(d.latency ? { latency: d.latency } : {}),
      ...(gate ? { endToEnd: gate.endToEnd, checks: gate.checks } : {}),
    },
  };
  return { $schema: SARIF_SCHEMA_URI, version: '2.1.0', runs: [run] };
}
