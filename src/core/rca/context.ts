/**
 * The shared context of the diagnosis: the candidate record every detector produces (Cand), the context they read
 * (Ctx: the diff tree, per-span details of both runs, the significance level, service-level evidence), formatting
 * helpers and per-node quantities several detectors need.
 */
import type { AggDetail } from '../aggregate/tree';
import type { NodeStats } from '../aggregate/types';
import type { DiffTreeWithMaps } from '../diff/diff-tree';
import type { DiffTree } from '../diff/types';
import type { Candidate, CandidateKind } from './diagnosis';
import type { ServiceScore } from './service-rank';
import { formatBusy } from '../format';

export const fmt = (ms: number) => {
  const a = Math.abs(ms);
  if (a >= 1000) return (ms / 1000).toFixed(2) + ' s';
  if (a >= 100) return ms.toFixed(0) + ' ms';
  if (a >= 1) return ms.toFixed(1) + ' ms';
  return ms.toFixed(3) + ' ms';
};
export const pct = (x: number) => (x * 100).toFixed(x < 0.1 ? 1 : 0) + '%';
export const num = (x: number) => (Math.abs(x) >= 10 ? x.toFixed(0) : Math.abs(x) >= 1 ? x.toFixed(1) : x.toFixed(2));

export interface Cand {
  diffId: number;
  service: string;
  name: string;
  kind: CandidateKind;
  impactMs: number;
  sig: number;
  evidence: string[];
  summary: string;
  attribute?: { key: string; value: string };
  /** what to test per trace: node (diff id) and metric; 'spanSelf' compares the self time of single spans */
  test?: { diffId: number; metric: 'self' | 'critical' | 'calls' | 'total' | 'spanSelf'; diffIds?: number[] };
  /** p-value computed elsewhere (errors) */
  p?: number;
  /**
   * the failure test of a retries finding (the failing call's own error rate — the test the errors detector would
   * have made of that call had the repeats not claimed it): the finding is as sure as the surer of it and the
   * per-trace call count
   */
  pAlso?: { p: number; what: string };
  /** diff ids merged into this candidate */
  nodes: number[];
  detector?: Candidate['detector'];
  /** services whose added time this finding explains (a retrying caller's backoff) */
  explains?: string[];
  /**
   * the finding is time between a caller's span and its callee's span (kind queueing until read): how busy the callee
   * is decides what it is — a busy callee queues (queueing, with its capacity), an idle one leaves the wait outside
   * its work (call_delay). `side` caller: every call the service makes waits, whatever its callees' load.
   * `summary` words the finding for the reading (./capacity.ts readWait); `ops`: the callee's operations its callers
   * reach (one worker pool serves them all: their utilisations add up).
   */
  wait?: { side: 'callee' | 'caller'; summary: (r: WaitReading) => string; ops?: string[] };
  /** this own time is the wait for that callee service (./waits-on.ts): explained by its finding */
  waitsOn?: string;
  /** with waitsOn: that caller → callee edge's median gap per call, baseline → incident (ms) */
  waitsOnGap?: { baseline: number; incident: number };
  /** own time per call over the finding's call paths, baseline → incident (ms) */
  perCall?: { baseline: number; incident: number };
}

/** What a longer wait in front of a callee that is not busy is. */
export const OUTSIDE_WORK = 'the wait is outside its own work (network delay, or time before its span starts: CPU starvation, an accept queue)';

/** How busy a callee was while its callers waited longer for it (./capacity.ts readWait). */
export type WaitReading = { load: 'idle' | 'busy'; utilisation: number } | { load: 'unknown' };

/**
 * The words of a wait in front of `service` for each reading: `head` says who waits; an idle callee leaves the wait
 * outside its work, a busy one queues requests; `unknown` ends the sentence when its load is not known.
 */
export function waitWords(head: string, service: string, unknown: string): (r: WaitReading) => string {
  return (r) =>
    r.load === 'idle'
      ? `${head}, and ${service} is ${r.utilisation < 0.005 ? '' : 'only '}${formatBusy(r.utilisation)} utilised, so not saturated: ${OUTSIDE_WORK}`
      : r.load === 'busy'
        ? `${head}, and ${service} is ${formatBusy(r.utilisation)} utilised: requests queue for it`
        : `${head} ${unknown}`;
}

export interface Ctx {
  diff: DiffTreeWithMaps;
  /** service-level evidence (./service-rank.ts), when per-span data is available */
  svc?: ServiceScore[];
  /** ablation: kind-less spans are never remote calls at the operation level */
  noImplicitClient?: boolean;
  /** the regression decision as the ranker finally took it */
  slower?: boolean;
  /** the one decision on failures (set by the ranker: trace error rate up, or an operation failing more beyond doubt) */
  errorsUp?: boolean;
  b?: AggDetail;
  i?: AggDetail;
  /**
   * when the decision opened on slower entry points alone: per service, the share of their added latency that is its
   * own added time (./relevance.ts); the ranker weighs service scores by it
   */
  relevance?: Map<string, number>;
  /** estimate the capacity of queueing findings (not for the slowest-decile split: one interleaved stream, not two loads) */
  capacity?: { target?: number };
  alpha: number;
  tooFew: boolean;
  deltaE2E: number;
}

export const perCall = (s: NodeStats | null, v: (s: NodeStats) => number) => (s && s.calls > 0 ? v(s) / s.calls : 0);
export const label = (n: { service: string; name: string }) => `${n.service} / ${n.name}`;

/** How the end-to-end gate's "not slower" note begins (analyze.ts writes it; later decisions replace or extend it). */
export const NOT_SLOWER = 'the incident is not slower beyond noise';

/** Strings in code-unit order, for sorts whose ties must not fall back on the order of the rows in the file. */
export const textOrder = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Is a finding of this kind measured in time? A failure or work that stopped costs little time per trace but is no
 * less an answer: the ranker does not weigh those by their share of the slowdown, nor count them in it.
 */
export const inTime = (kind: CandidateKind) => kind !== 'errors' && kind !== 'stopped_work';

/** How analyze.ts's note of a rise in failing traces too small to be sure of reads ("traces with errors 15/71 → 17/49, not significantly more …"). */
const ERRORS_NOT_UP = /^traces with errors \d+\/\d+ → \d+\/\d+, not significantly more /;

/**
 * One decision about failures, stated once: a later finding that failures did rise (one entry point, one operation
 * beyond doubt) replaces the note that the failing traces are not significantly more; without it, `line` is added.
 */
export function restateErrors(notes: string[], line: string): void {
  const k = notes.findIndex((n) => ERRORS_NOT_UP.test(n));
  if (k < 0) notes.push(line);
  else notes.splice(k, 1, line);
}

/**
 * One decision, stated once: replace the "not slower" note with `line` (or, with `append`, add `line` to it; with no
 * line, drop it). Without such a note, `line` is added at the end.
 */
export function restateVerdict(notes: string[], line?: string, append = false): void {
  const k = notes.findIndex((n) => n.startsWith(NOT_SLOWER));
  if (k < 0) {
    if (line) notes.push(line);
  } else if (line === undefined) notes.splice(k, 1);
  else if (append) notes[k] += `; ${line}`;
  else notes.splice(k, 1, line);
}

export function subtreeCritical(diff: DiffTree): { b: Float64Array; i: Float64Array } {
  const N = diff.nodes.length;
  const b = new Float64Array(N);
  const i = new Float64Array(N);
  for (let d = 0; d < N; d++) {
    const n = diff.nodes[d]!;
    b[d] = n.baseline?.criticalPerTraceMs ?? 0;
    i[d] = n.incident?.criticalPerTraceMs ?? 0;
  }
  // children always have larger ids than their parent (diffTrees builds parents first)
  for (let d = N - 1; d >= 1; d--) {
    const p = diff.nodes[d]!.parent;
    if (p >= 1) {
      b[p]! += b[d]!;
      i[p]! += i[d]!;
    }
  }
  return { b, i };
}

/**
 * A span with no kind (or INTERNAL) whose children all run in ONE other service, opened while its own service handles
 * a request (parent in the same service), is a remote call to it: exports without span kinds are common, and then
 * the caller's time not covered by the callee's span is the call's wait (see facts.ts isRemoteCall).
 */
export function implicitClient(diff: DiffTree, node: DiffTree['nodes'][number]): boolean {
  if (node.kind !== 'internal' && node.kind !== 'unspecified') return false;
  if (node.children.length === 0 || node.parent <= 0) return false;
  // a service's entry span (called from elsewhere) is its handler, even when all it does is call on
  if (diff.nodes[node.parent]!.service !== node.service) return false;
  const other = diff.nodes[node.children[0]!]!.service;
  if (other === node.service) return false;
  return node.children.every((c) => diff.nodes[c]!.service === other);
}

/**
 * Is this call path a remote call (CLIENT/PRODUCER, or kind-less inside its own service with all its children in one
 * other service)? Its uncovered time is then the wait around its callee's span.
 */
export function remoteCallNode(ctx: Pick<Ctx, 'diff' | 'noImplicitClient'>, node: DiffTree['nodes'][number]): boolean {
  return node.kind === 'client' || node.kind === 'producer' || (!ctx.noImplicitClient && implicitClient(ctx.diff, node));
}

/**
 * Is this call path an outgoing call — a remote call as above, or a kind-less span inside its own service whose
 * children all run in other services, several of them: one generic client span name ("GET", "HTTP POST") merges the
 * calls to different services into one call path. Its uncovered time is still a wait around its callees' spans, not
 * work of its own (which callee's, the per-edge gaps of the service-level evidence tell).
 */
export function outgoingCallNode(ctx: Pick<Ctx, 'diff' | 'noImplicitClient'>, node: DiffTree['nodes'][number]): boolean {
  if (remoteCallNode(ctx, node)) return true;
  if (ctx.noImplicitClient || (node.kind !== 'internal' && node.kind !== 'unspecified')) return false;
  if (node.children.length === 0 || node.parent <= 0 || ctx.diff.nodes[node.parent]!.service !== node.service) return false;
  return node.children.every((c) => ctx.diff.nodes[c]!.service !== node.service);
}

/**
 * The smallest change per call of a remote call's wait outside its callee's span that is a finding (ms): below it the
 * change is within the resolution of span timestamps (whole milliseconds in some SDKs) and of the hosts' scheduling —
 * the floor of the service-level gaps too.
 */
export const CALL_WAIT_FLOOR_MS = 1;

export type DiffNode = DiffTree['nodes'][number];

/** One node of the diff as the per-node detectors see it (present in both runs unless said otherwise). */
export interface NodeAt {
  d: number;
  node: DiffNode;
  parent: DiffNode;
  B: NodeStats;
  I: NodeStats;
  /** growth of the node's subtree critical-path time per trace (incident − baseline) */
  dSub: number;
  /** subtree critical-path time per trace of every node, both runs */
  sub: { b: Float64Array; i: Float64Array };
}
