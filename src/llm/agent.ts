import { randomUUID } from 'node:crypto';
import type { Candidate, CandidateKind, Diagnosis } from '../core/rca/diagnosis';
import { regressionWords } from '../core/format';
import { SYSTEM_BUDGET_TOKENS, buildSystemPrompt, DIAGNOSE_REQUEST, FINAL_ANSWER_REQUEST, repairRequest, toolResultMessage, type PromptMode } from './prompts/system';
import { buildCompactContext, estimateTokens } from './context';
import { MESSAGE_OVERHEAD_TOKENS } from './tokens';
import { LlmDiagnosis, llmDiagnosisJsonSchema, type ShownDiagnosis } from './diagnosis-schema';
import type { LlmLogSink } from './log';
import { type ChatMessage, type ChatRequest, type ChatResult, type LlmProvider, type ToolSpec, type Usage, LlmError } from './provider';
import type { Redactor } from './redact';
import { type LlmRuns, servicesAndOperations } from './runs';
import { type Fence, makeFence, sanitize } from './sanitize';
import { resolveName, runTool, toolSpecs, TOOLS } from './tools/index';
import { modelIndex, opKey, opStats } from './tools/stats';
import { normalizeAnswer, stripThinking, toolCallFromText } from './normalize';
import { type Agreement, type ToolRecord, checkAgainstEngine } from './evidence-check';

export type AgentMode = 'tools' | 'zero-shot';

/** Default overall deadline for one diagnosis or chat answer (all calls, tool rounds and retries). */
export const DEFAULT_DEADLINE_MS = 180_000;

/**
 * A reply is cut after this many characters (default; AgentSettings.maxReplyChars): a diagnosis is ~2,000 characters
 * and a chat answer rarely 10,000; a small model that runs away (the same line until its context is full) is stopped.
 */
export const DEFAULT_MAX_REPLY_CHARS = 24_000;

/** An earlier reply sent back to the model (repair, next round) keeps this much: the model needs its gist, not all of it. */
export const ECHO_CHARS = 2_000;

/** A long reply as it goes back into the conversation: its start and how long it was. */
export function echoReply(content: string, max = ECHO_CHARS): string {
  if (content.length <= max) return content;
  let end = max;
  const c = content.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return `${content.slice(0, end)}… [cut here: the reply was ${content.length.toLocaleString('en-US')} characters]`;
}

/** True when a reply is (only) a tool call: native tool calls without text, or a tool call written as JSON text. */
export function isToolCallOnly(r: ChatResult): boolean {
  const text = stripThinking(r.content);
  if (!text) return r.toolCalls.length > 0;
  return !!toolCallFromText(text, TOOLS.map((t) => t.name));
}

export interface AgentSettings {
  model: string;
  mode: AgentMode;
  temperature?: number;
  seed?: number;
  /** tool-calling rounds before the final answer is requested (default 6) */
  maxToolRounds?: number;
  /** per model call, ms (default 120 s) */
  timeoutMs?: number;
  /** the whole diagnosis or chat answer, all calls and retries included, ms (default 180 s) */
  deadlineMs?: number;
  /** tool results are cut to this many characters (default 4000) */
  toolResultMaxChars?: number;
  /** keep the whole conversation under about this many tokens by eliding the oldest tool results (default 6000) */
  contextTokens?: number;
  /** stop reading a reply after this many characters (default DEFAULT_MAX_REPLY_CHARS) */
  maxReplyChars?: number;
}

/** Elide the oldest tool results (never the last round's) until the conversation fits `budget` tokens. */
export function compactHistory(messages: ChatMessage[], budget: number): ChatMessage[] {
  const size = (ms: ChatMessage[]) => ms.reduce((n, m) => n + estimateTokens(m.content) + 4, 0);
  if (size(messages) <= budget) return messages;
  const out = messages.map((m) => ({ ...m }));
  let lastAssistant = -1;
  for (let i = out.length - 1; i >= 0; i--) if (out[i]!.role === 'assistant' && out[i]!.toolCalls?.length) { lastAssistant = i; break; }
  for (let i = 0; i < out.length && size(out) > budget; i++) {
    const m = out[i]!;
    if (m.role === 'tool' && i < lastAssistant && !m.content.startsWith('[elided]')) m.content = `[elided] The result of ${m.toolName ?? 'this tool'} was removed to save context; call it again if you need it.`;
  }
  return out;
}

export interface AgentEvents {
  onDelta?(text: string): void;
  onStatus?(text: string): void;
  onToolCall?(name: string, args: unknown): void;
  onToolResult?(name: string, ok: boolean, ms: number, truncated: boolean): void;
}

export interface AgentDeps {
  provider: LlmProvider;
  runs: LlmRuns;
  redactor: Redactor;
  log?: LlmLogSink;
  signal?: AbortSignal;
  events?: AgentEvents;
  /** randomness for the fence marker (tests) */
  random?: () => number;
  id?: string;
}

export interface AgentOutcome extends ShownDiagnosis {
  /** the model's answer checked against the engine's evidence (absent for the offline fallback) */
  agreement?: Agreement;
  /** when the model disagrees with the measured evidence: the engine's answer, shown beside it */
  engine?: LlmDiagnosis;
  /** the provider failure that made us fall back, if any */
  error?: LlmError;
  /** total token usage over all calls, when the provider reports it */
  usage: Usage;
  calls: number;
  toolCalls: number;
}

const NAMES = new WeakMap<LlmRuns, string[]>();

/** Service and operation names are left alone by the value rules (only credentials and user patterns apply). */
export function protectNames(redactor: Redactor, runs: LlmRuns): void {
  if (!redactor.protect) return;
  let names = NAMES.get(runs);
  if (!names) {
    names = [];
    for (const [s, ops] of servicesAndOperations(runs)) names.push(s, ...ops);
    NAMES.set(runs, names);
  }
  redactor.protect(names);
}

/** Tokens of the first request's fixed part: messages (system + user) and, when structured, the answer schema. */
export function promptTokens(messages: ChatMessage[], withSchema: boolean): number {
  let n = 0;
  for (const m of messages) n += estimateTokens(m.content) + MESSAGE_OVERHEAD_TOKENS;
  if (withSchema) n += estimateTokens(JSON.stringify(llmDiagnosisJsonSchema()));
  return n;
}

/**
 * The messages the first request carries, redacted exactly as they will be sent (also for "Preview"). The system
 * prompt + context + user request + answer schema fit SYSTEM_BUDGET_TOKENS (counted with a real tokenizer and a
 * margin, after redaction) whatever the input: the context shrinks step by step until they do.
 */
export function initialMessages(runs: LlmRuns, mode: PromptMode, redactor: Redactor, fence: Fence, userText?: string, history: ChatMessage[] = []): ChatMessage[] {
  protectNames(redactor, runs);
  const user = mode === 'chat' ? (userText ?? '') : userText ? `${DIAGNOSE_REQUEST}\nThe user adds: ${userText}` : DIAGNOSE_REQUEST;
  const withSchema = mode !== 'chat';
  const build = (json: string) => redactMessages([{ role: 'system', content: buildSystemPrompt(mode, fence, json) }, { role: 'user', content: user }], redactor);
  // everything but the context JSON, measured once; the context gets what is left (+ a little slack for merges)
  const fixed = promptTokens(build(''), withSchema);
  let budget = Math.max(50, SYSTEM_BUDGET_TOKENS - fixed - 16);
  let ctx = buildCompactContext(runs, budget, (json) => estimateTokens(redactor.redact(json)));
  // verify on the real messages; shrink again in the rare case the pieces do not add up
  for (let guard = 0; guard < 4 && promptTokens(build(ctx.json), withSchema) > SYSTEM_BUDGET_TOKENS && budget > 50; guard++) {
    budget = Math.max(50, Math.floor(budget * 0.85));
    ctx = buildCompactContext(runs, budget, (json) => estimateTokens(redactor.redact(json)));
  }
  const [system, userMsg] = build(ctx.json);
  return [system!, ...redactMessages(history, redactor), userMsg!];
}

export function redactMessages(messages: ChatMessage[], r: Redactor): ChatMessage[] {
  return messages.map((m) => ({
    ...m,
    content: r.redact(m.content),
    ...(m.toolCalls
      ? { toolCalls: m.toolCalls.map((c) => ({ ...c, arguments: JSON.parse(r.redact(JSON.stringify(c.arguments))) as Record<string, unknown>, ...(c.invalidArguments !== undefined ? { invalidArguments: r.redact(c.invalidArguments) } : {}) })) }
      : {}),
  }));
}

const MITIGATION: Record<CandidateKind, string[]> = {
  self_time: ['Profile the operation to find what made its own work slower.', 'Compare its code and configuration between the two runs (deploys, inputs, resources).'],
  queueing: ['Add workers/replicas or concurrency to the saturated component, or shed or rate-limit load before it.', 'Watch its queue length and worker utilisation; autoscale on them.'],
  fan_out: ['Batch the repeated calls (avoid N+1) or cache their results.', 'Cap retries and fan-out per request.'],
  errors: ['Fix the failing dependency; check the error messages and status codes.', 'Add backoff and a retry budget so failures do not amplify latency.'],
  retries: ['Reduce retry counts or add exponential backoff with jitter.', 'Fix the cause of the failures being retried.'],
  serialization: ['Restore parallelism: issue independent calls concurrently.', 'Check for a new lock or sequential loop around the calls.'],
  attribute: ['Roll back or fix the slow variant (the attribute value named in the evidence).', 'Route traffic away from it until fixed.'],
  new_operation: ['Check why this new operation appears in the incident and whether it can be removed or made asynchronous.'],
  call_delay: ['Check the network path from the callers to the service: latency, packet loss, DNS, TLS handshakes, a proxy, sidecar or load balancer in between.', 'Check what holds requests before the service starts them: CPU throttling or noisy neighbours of its host, its accept queue, connection pools and client-side limits of the callers.'],
  stopped_work: ['Look at the logs of the service where the work stops for exceptions or early returns (traces carry no error status here).', 'Check the answers of the call it stops after: an empty or invalid reply can end the request early.'],
};

/**
 * A root cause found by the caller → callee gap (detector remote_gap) that is not a saturated callee (kind
 * call_delay, or queueing whose load the traces do not show): its callers wait before its spans start — the advice
 * names the service; "add workers" would be the wrong advice for a service that is not busy.
 */
const remoteGapMitigation = (service: string): string[] => [
  `Check the network path from the callers to ${service}: latency, packet loss, DNS, TLS handshakes, a proxy, sidecar or load balancer in between.`,
  `Check what holds requests before ${service} starts them: CPU throttling or noisy neighbours of its host, its accept queue, connection pools and client-side limits of the callers.`,
];

/** The offline engine's diagnosis in the shape of the model's answer. */
export function offlineAnswer(d: Diagnosis | null, runs?: LlmRuns): LlmDiagnosis {
  const rc: Candidate | null | undefined = d?.rootCause;
  if (!rc) {
    // no root cause is not "not slower": the engine may find a regression that no single component explains (a change
    // of the request mix, a run read only in part); its notes say why
    const worse = regressionWords(d?.regression);
    return {
      rootCause: null,
      category: 'none',
      confidence: d ? 0.6 : 0,
      evidence: [
        ...(d?.latency ? [`End-to-end latency ${d.latency.baselineMs.toFixed(1)} ms → ${d.latency.incidentMs.toFixed(1)} ms (${d.latency.test}${d.latency.pValue !== null ? `, p=${d.latency.pValue.toPrecision(2)}` : ''}).`] : []),
        ...(worse ? (d?.notes ?? []).slice(0, 4) : []),
      ],
      mitigation: [],
      sources: [],
      summary: !d
        ? 'No diagnosis is available for these runs.'
        : worse
          ? `The incident is ${worse} than the baseline beyond noise, but no single component explains it (see the evidence).`
          : 'The incident is not slower than the baseline beyond noise.',
    };
  }
  const src = rc.source ?? runs?.source?.(rc.service, rc.name);
  return {
    rootCause: { service: rc.service, operation: rc.name },
    category: rc.kind,
    confidence: rc.confidence,
    evidence: rc.evidence,
    mitigation: rc.kind === 'call_delay' || (rc.detector === 'remote_gap' && !rc.capacity) ? remoteGapMitigation(rc.service) : (MITIGATION[rc.kind] ?? []),
    sources: src ? [{ file: src.file, line: src.line }] : [],
    summary: rc.summary,
  };
}

/** Pull a JSON object out of a model answer (tolerates a code fence or prose around it). */
export function extractJson(text: string): unknown {
  const t = stripThinking(text);
  try {
    return JSON.parse(t);
  } catch {
    /* try harder */
  }
  const fenced = /```(?:json)?\s*([\s\S]*?)```/i.exec(t);
  if (fenced) {
    try {
      return JSON.parse(fenced[1]!);
    } catch {
      /* fall through */
    }
  }
  const a = t.indexOf('{');
  const b = t.lastIndexOf('}');
  if (a >= 0 && b > a) return JSON.parse(t.slice(a, b + 1));
  throw new SyntaxError('no JSON object found');
}


/**
 * Validate the model's final answer with zod and against the traces: the root-cause service and operation must
 * exist in the loaded runs (names are mapped to their exact spelling), sources must be links the engine knows.
 */
export function validateAnswer(text: string, runs: LlmRuns, restoreName?: (s: string) => string): { ok: true; value: LlmDiagnosis } | { ok: false; error: string } {
  let raw: unknown;
  try {
    raw = extractJson(text);
  } catch (e) {
    return { ok: false, error: `it is not a JSON object (${(e as Error).message}).` };
  }
  const p = LlmDiagnosis.safeParse(normalizeAnswer(raw, runs));
  if (!p.success) return { ok: false, error: p.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ') };
  const v = p.data;
  // names the model wrote with placeholders (a user pattern or a credential inside a name) are the real names
  if (v.rootCause && restoreName) v.rootCause = { service: restoreName(v.rootCause.service), operation: restoreName(v.rootCause.operation) };
  const services = new Map<string, Set<string>>();
  for (const m of [runs.baseline, runs.incident]) if (m) for (const [s, ops] of modelIndex(m).services) for (const o of ops) (services.get(s) ?? services.set(s, new Set()).get(s)!).add(o);
  if (v.rootCause) {
    // names as the model copied them from a tool result or the context (sanitised, cut with "…", other case) map back
    const svc = resolveName(v.rootCause.service, services.keys());
    if (!svc) return { ok: false, error: `rootCause.service "${sanitize(v.rootCause.service, 60)}" is not a service in the traces (services: ${[...services.keys()].slice(0, 20).join(', ')}).` };
    const ops = services.get(svc)!;
    const op = resolveName(v.rootCause.operation, ops);
    if (!op) return { ok: false, error: `rootCause.operation "${sanitize(v.rootCause.operation, 60)}" is not an operation of ${svc} (operations: ${[...ops].slice(0, 20).join(', ')}).` };
    v.rootCause = { service: svc, operation: op };
    if (v.category === 'none') return { ok: false, error: 'category is "none" but rootCause is set.' };
    const regressed = regressionEvidence(runs, svc, op);
    if (regressed) return { ok: false, error: regressed };
  }
  // sources: keep only links the engine knows; add the root cause's own link when the model gave none
  const known = new Map<string, { file: string; line: number }>();
  for (const c of runs.diagnosis?.candidates ?? []) if (c.source) known.set(`${c.source.file}:${c.source.line}`, { file: c.source.file, line: c.source.line });
  const rcLink = v.rootCause ? runs.source?.(v.rootCause.service, v.rootCause.operation) : undefined;
  if (rcLink) known.set(`${rcLink.file}:${rcLink.line}`, { file: rcLink.file, line: rcLink.line });
  const okSources = v.sources.filter((s) => known.has(`${s.file}:${s.line}`));
  if (!okSources.length && rcLink) okSources.push({ file: rcLink.file, line: rcLink.line });
  v.sources = okSources;
  v.evidence = v.evidence.map((e) => sanitize(e, 400)).filter(Boolean).slice(0, 12);
  v.mitigation = v.mitigation.map((e) => sanitize(e, 400)).filter(Boolean).slice(0, 8);
  v.summary = sanitize(v.summary, 1200);
  return { ok: true, value: v };
}

/**
 * The answer must agree with the traces: the root cause is one of the engine's candidates, or its self time,
 * latency, calls or errors grew between the runs. Returns an error message, or undefined when it did.
 */
export function regressionEvidence(runs: LlmRuns, service: string, operation: string): string | undefined {
  if (!runs.baseline) return undefined; // single run split by the engine: no per-run comparison here
  if (runs.diagnosis?.candidates.some((c) => c.service === service && c.name === operation)) return undefined;
  const k = opKey(service, operation);
  const b = opStats(runs.baseline, modelIndex(runs.baseline).ops.get(k) ?? []);
  const i = opStats(runs.incident, modelIndex(runs.incident).ops.get(k) ?? []);
  const grew = (x: number | null, y: number | null, absMin: number) => (y ?? 0) - (x ?? 0) > Math.max(absMin, 0.1 * (x ?? 0));
  const errRate = (s: typeof b) => (s.spans ? s.errors / s.spans : 0);
  if (grew(b.selfPerTraceMs, i.selfPerTraceMs, 1) || grew(b.p95Ms, i.p95Ms, 1) || grew(b.callsPerTrace, i.callsPerTrace, 0.05) || errRate(i) - errRate(b) > 0.02) return undefined;
  return `${service} / ${sanitize(operation, 60)} did not regress in the traces (self time per trace ${b.selfPerTraceMs ?? 0} → ${i.selfPerTraceMs ?? 0} ms, p95 ${b.p95Ms ?? 0} → ${i.p95Ms ?? 0} ms, calls per trace ${b.callsPerTrace ?? 0} → ${i.callsPerTrace ?? 0}, errors ${b.errors} → ${i.errors}). Name a component that got slower.`;
}

/**
 * validateAnswer + the check against the engine's evidence. A null answer that contradicts the engine's measured
 * regression is not ok (the agent asks for a repair, then falls back); a disagreeing root cause is ok but labelled.
 */
export function judgeAnswer(text: string, runs: LlmRuns, tools: readonly ToolRecord[] = [], restoreName?: (s: string) => string): { ok: true; value: LlmDiagnosis; agreement: Agreement } | { ok: false; error: string; contradicts?: boolean } {
  const v = validateAnswer(text, runs, restoreName);
  if (!v.ok) return v;
  const agreement = checkAgainstEngine(v.value, runs, tools);
  if (agreement.verdict === 'contradicts') return { ok: false, contradicts: true, error: `${agreement.reason} Check the regression (top_regressions, compare_operation) and name the component that got slower,.` };
  return { ok: true, value: v.value, agreement };
}

class Conversation {
  readonly id: string;
  readonly fence: Fence;
  usage: Usage = {};
  calls = 0;
  toolCalls = 0;
  /** every tool the model called, with the result it saw (for the evidence check) */
  readonly tools: ToolRecord[] = [];
  private turn = 0;
  /** replies cut at maxReplyChars */
  cutReplies = 0;
  /** tool calls repeated with the same arguments (answered again, but a round of only repeats ends the tool rounds) */
  repeatedCalls = 0;
  private readonly callsSeen = new Set<string>();

  constructor(
    readonly deps: AgentDeps,
    readonly settings: AgentSettings,
  ) {
    this.id = deps.id ?? randomUUID();
    this.fence = makeFence(deps.random);
    const ms = settings.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.deadline = new AbortController();
    if (deps.signal) {
      if (deps.signal.aborted) this.deadline.abort(deps.signal.reason);
      else deps.signal.addEventListener('abort', () => this.deadline.abort(deps.signal!.reason), { once: true });
    }
    if (ms > 0) {
      this.timer = setTimeout(() => {
        this.deadlineHit = true;
        this.deadline.abort(new Error('deadline'));
      }, ms);
      (this.timer as { unref?: () => void }).unref?.();
    }
  }

  private readonly deadline: AbortController;
  private timer: ReturnType<typeof setTimeout> | undefined;
  deadlineHit = false;
  /** the server rejected response_format / format: the schema stays in the prompt only */
  noStructured = false;

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  toolLoopError(): LlmError {
    const counts = `${this.toolCalls} tool call${this.toolCalls === 1 ? '' : 's'} in ${this.calls} request${this.calls === 1 ? '' : 's'}`;
    if (this.repeatedCalls) return new LlmError('tool_loop', `The model kept repeating the same tool call instead of answering (${counts}, ${this.repeatedCalls} of them repeats).`);
    return new LlmError('tool_loop', `The model kept calling tools instead of answering (${counts}, limit ${this.settings.maxToolRounds ?? 6} rounds).`);
  }

  deadlineError(): LlmError {
    const ms = this.settings.deadlineMs ?? DEFAULT_DEADLINE_MS;
    return new LlmError('timeout', `The model did not finish within the ${ms >= 60_000 ? `${+(ms / 60_000).toFixed(1)} min` : `${Math.round(ms / 1000)} s`} deadline for one answer (${this.calls} call${this.calls === 1 ? '' : 's'}, ${this.toolCalls} tool call${this.toolCalls === 1 ? '' : 's'}).`);
  }

  async send(messages: ChatMessage[], extra: { tools?: ToolSpec[]; toolChoice?: 'auto' | 'none'; structured?: boolean; stream?: boolean }): Promise<ChatResult> {
    const { provider, redactor, log, events } = this.deps;
    const signal = this.deadline.signal;
    if (signal.aborted) throw this.deadlineHit ? this.deadlineError() : new LlmError('cancelled', 'Cancelled by the user.');
    const structured = extra.structured && !this.noStructured;
    const s = this.settings;
    const turn = ++this.turn;
    const sent = redactMessages(compactHistory(messages, s.contextTokens ?? 6000), redactor);
    const req: ChatRequest = {
      model: s.model,
      messages: sent,
      ...(extra.tools ? { tools: extra.tools, ...(extra.toolChoice ? { toolChoice: extra.toolChoice } : {}) } : {}),
      ...(structured ? { structured: { name: 'trace_diagnosis', schema: llmDiagnosisJsonSchema(), strict: true } } : {}),
      temperature: s.temperature ?? 0.2,
      ...(s.seed !== undefined ? { seed: s.seed } : {}),
      signal,
      timeoutMs: s.timeoutMs ?? 120_000,
      ...(extra.stream && events?.onDelta ? { onDelta: (t: string) => events.onDelta!(t) } : {}),
      maxReplyChars: s.maxReplyChars ?? DEFAULT_MAX_REPLY_CHARS,
      onRetry: (err, attempt, delayMs) => {
        log?.write({ type: 'retry', id: this.id, turn, attempt, delayMs: Math.round(delayMs), reason: err.message });
        events?.onStatus?.(`${err.kind === 'rate_limit' ? 'Rate limited' : 'The model server failed'}; retrying in ${(delayMs / 1000).toFixed(1)} s…`);
      },
    };
    log?.write({
      type: 'request',
      id: this.id,
      turn,
      provider: provider.id,
      model: s.model,
      endpoint: provider.endpoint,
      settings: { mode: s.mode, temperature: req.temperature, seed: s.seed ?? null, maxToolRounds: s.maxToolRounds ?? 6, timeoutMs: req.timeoutMs, redaction: redactor.enabled },
      messages: sent,
      ...(extra.tools ? { tools: extra.tools.map((t) => t.name) } : {}),
      ...(structured ? { structured: 'trace_diagnosis' } : {}),
    });
    const t0 = Date.now();
    this.calls++;
    try {
      const r = await provider.chat(req);
      log?.write({ type: 'response', id: this.id, turn, ms: Date.now() - t0, content: r.content, toolCalls: r.toolCalls, usage: r.usage, model: r.model, finishReason: r.finishReason, attempts: r.attempts, ...(r.cut ? { cut: true } : {}) });
      if (r.cut) {
        this.cutReplies++;
        events?.onStatus?.(`The model's reply ran past ${(s.maxReplyChars ?? DEFAULT_MAX_REPLY_CHARS).toLocaleString('en-US')} characters; it was cut there.`);
      }
      if (r.usage) {
        this.usage.promptTokens = (this.usage.promptTokens ?? 0) + (r.usage.promptTokens ?? 0);
        this.usage.completionTokens = (this.usage.completionTokens ?? 0) + (r.usage.completionTokens ?? 0);
        this.usage.totalTokens = (this.usage.totalTokens ?? 0) + (r.usage.totalTokens ?? 0);
      }
      return r;
    } catch (e) {
      let err = e instanceof LlmError ? e : new LlmError('protocol', (e as Error).message);
      if (this.deadlineHit) err = this.deadlineError();
      log?.write({ type: 'error', id: this.id, turn, kind: err.kind, message: err.message });
      if (err.kind === 'no_structured' && structured) {
        // ask again without response_format / format: the answer's shape is in the prompt
        this.noStructured = true;
        events?.onStatus?.('The server does not accept a response schema; asking again with the schema in the prompt…');
        return this.send(messages, extra);
      }
      throw err;
    }
  }

  /**
   * A model that writes a tool call as JSON text instead of using the tool protocol: run it and answer in the same
   * channel (the result as a user message, fenced), so servers without tool messages still work.
   */
  textToolCall(r: ChatResult): ChatMessage[] | undefined {
    if (r.toolCalls.length || !r.content) return undefined;
    const call = toolCallFromText(r.content, TOOLS.map((t) => t.name));
    if (!call) return undefined;
    const [msg] = this.runTools({ ...r, toolCalls: [{ id: `text_call_${this.toolCalls}`, name: call.name, arguments: call.arguments }] });
    return [
      { role: 'assistant', content: echoReply(r.content) },
      { role: 'user', content: `${msg!.content}\nCall another tool the same way if needed, or give your answer.` },
    ];
  }

  /** true when every call of the last runTools round repeated an earlier call (same tool, same arguments) */
  lastRoundRepeated = false;

  /** After a round of only repeated calls: log it, tell the user, and end the tool rounds (true). */
  stopRepeating(): boolean {
    if (!this.lastRoundRepeated) return false;
    this.deps.log?.write({ type: 'error', id: this.id, turn: this.turn, kind: 'repeated_tool_call', message: `The model repeated a tool call it had already made (${this.repeatedCalls} repeated so far); the tool rounds end here.` });
    this.deps.events?.onStatus?.('The model repeated the same tool call; asking for its answer now…');
    return true;
  }

  /** The assistant turn that called tools, as it goes back into the conversation (long text and raw arguments cut). */
  assistantTurn(r: ChatResult): ChatMessage {
    return {
      role: 'assistant',
      content: echoReply(r.content),
      toolCalls: r.toolCalls.map((c) => (c.invalidArguments !== undefined && c.invalidArguments.length > ECHO_CHARS ? { ...c, invalidArguments: echoReply(c.invalidArguments) } : c)),
    };
  }

  /** run the tool calls of one assistant turn; returns the tool messages */
  runTools(r: ChatResult): ChatMessage[] {
    const out: ChatMessage[] = [];
    const red = this.deps.redactor;
    const ctx = { redactValue: (k: string, v: string) => (red.redactValue ? red.redactValue(k, v) : v) };
    let repeats = 0;
    for (const c of r.toolCalls) {
      // small models repeat the same call round after round: answer it (the earlier result may have been elided) but
      // say so, and end the tool rounds when a whole round only repeats (diagnoseWithModel / chatWithModel)
      const sig = `${c.name}\u0000${c.invalidArguments ?? stableJson(c.arguments)}`;
      const repeated = this.callsSeen.has(sig);
      this.callsSeen.add(sig);
      if (repeated) {
        repeats++;
        this.repeatedCalls++;
      }
      this.toolCalls++;
      this.deps.events?.onToolCall?.(c.name, c.arguments);
      // the model saw placeholders (ip_1, …): its arguments name the real values
      const args = red.restore ? (JSON.parse(red.restore(JSON.stringify(c.arguments))) as Record<string, unknown>) : c.arguments;
      const res = runTool(c.name, args, this.deps.runs, this.settings.toolResultMaxChars ?? 4000, undefined, c.invalidArguments, ctx);
      this.deps.events?.onToolResult?.(c.name, res.ok, res.ms, res.truncated);
      this.deps.log?.write({ type: 'tool', id: this.id, turn: this.turn, name: c.name, args: c.arguments, ok: res.ok, ms: res.ms, truncated: res.truncated, resultChars: res.text.length, ...(repeated ? { repeated: true } : {}) });
      this.tools.push({ name: c.name, args, ok: res.ok, text: res.text });
      const msg = toolResultMessage(this.fence, sanitize(c.name, 60), res.text);
      out.push({ role: 'tool', toolCallId: c.id, toolName: c.name, content: repeated ? `${REPEATED_CALL_NOTE}\n${msg}` : msg });
    }
    this.lastRoundRepeated = r.toolCalls.length > 0 && repeats === r.toolCalls.length;
    return out;
  }
}

/**
 * A validation error (written for the model: field paths, the list of services) in words for the on-call engineer:
 * what the model named and why that cannot be the answer.
 */
export function plainInvalid(error: string): string {
  let m = /^rootCause\.service "(.*?)" is not a service in the traces/.exec(error);
  if (m) return `it named "${m[1]}" as the root cause, and no service of that name is in these traces`;
  m = /^rootCause\.operation "(.*?)" is not an operation of (.*?) \(operations:/.exec(error);
  if (m) return `it named the operation "${m[1]}" of ${m[2]}, and ${m[2]} has no operation of that name in these traces`;
  m = /^(.*?) did not regress in the traces \((.*?)\)\./.exec(error);
  if (m) return `it blamed ${m[1]}, which did not get slower in the traces (${m[2]})`;
  if (/^it is not a JSON object/.test(error)) return 'it did not write the JSON answer that was asked for';
  return `it did not follow the answer's format (${sanitize(error, 200)})`;
}

/** Said to the model with the result of a call it already made. */
export const REPEATED_CALL_NOTE = 'You already made this exact call; the result is the same as before. Do not repeat it: call a different tool, or give your answer.';

/** JSON with sorted keys: the same arguments in another order are the same call. */
function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x)) ?? '';
}

function offlineOutcome(conv: Conversation, runs: LlmRuns, reason: string, t0: number, error?: LlmError): AgentOutcome {
  const label = `offline engine (${reason})`;
  const diagnosis = offlineAnswer(runs.diagnosis, runs);
  conv.deps.log?.write({ type: 'result', id: conv.id, origin: { kind: 'offline', reason }, label, diagnosis, ms: Date.now() - t0 });
  return { id: conv.id, diagnosis, origin: { kind: 'offline', reason }, label, ...(error ? { error } : {}), usage: conv.usage, calls: conv.calls, toolCalls: conv.toolCalls };
}

export function failureReason(e: LlmError): string {
  switch (e.kind) {
    case 'cancelled':
      return 'cancelled';
    case 'timeout':
      return 'the model timed out';
    case 'unreachable':
      return 'the model server is unreachable';
    case 'rate_limit':
      return 'the model server is rate limiting';
    case 'auth':
      return 'the model server refused the API key';
    case 'server':
      return 'the model server failed';
    case 'tool_loop':
      return 'the model kept calling tools';
    default:
      return 'the model request failed';
  }
}

/**
 * Diagnose the loaded runs with the model. Never throws: any failure ends in the offline engine's diagnosis with
 * a plain-words label, and `error` says what happened.
 */
export async function diagnoseWithModel(deps: AgentDeps, settings: AgentSettings, userText?: string): Promise<AgentOutcome> {
  const conv = new Conversation(deps, settings);
  const t0 = Date.now();
  const { runs, events } = deps;
  let mode = settings.mode;
  try {
    let messages = initialMessages(runs, mode, deps.redactor, conv.fence, userText);
    let last: ChatResult | undefined;
    if (mode === 'tools') {
      const tools = toolSpecs();
      const rounds = Math.max(0, settings.maxToolRounds ?? 6);
      for (let round = 0; round < rounds; round++) {
        events?.onStatus?.(round === 0 ? 'Asking the model…' : `Tool round ${round + 1}…`);
        try {
          last = await conv.send(messages, { tools });
        } catch (e) {
          if (e instanceof LlmError && e.kind === 'no_tools' && round === 0) {
            events?.onStatus?.('This model cannot call tools; using the compact summary only.');
            mode = 'zero-shot';
            messages = initialMessages(runs, mode, deps.redactor, conv.fence, userText);
            last = undefined;
            break;
          }
          throw e;
        }
        const viaText = conv.textToolCall(last);
        if (viaText) {
          messages = [...messages, ...viaText];
          last = undefined;
          if (conv.stopRepeating()) break;
          continue;
        }
        if (!last.toolCalls.length) break;
        messages = [...messages, conv.assistantTurn(last), ...conv.runTools(last)];
        last = undefined; // the model has not answered yet
        if (conv.stopRepeating()) break;
      }
    }
    // tools stay declared (the history holds tool calls) but may not be called any more
    const final = mode === 'tools' && conv.toolCalls > 0 ? { tools: toolSpecs(), toolChoice: 'none' as const } : {};
    // the answer: accept a valid JSON answer given without tool calls, else ask for the structured one
    const red = deps.redactor;
    const judge = (text: string) => judgeAnswer(red.restoreForDisplay ? red.restoreForDisplay(text) : text, runs, conv.tools, red.restore ? (x) => red.restore!(x) : undefined);
    let check = last?.content ? judge(last.content) : undefined;
    // a JSON answer given during the tool rounds that fails validation goes straight to the repair step
    if (check && !check.ok && !/^\s*(```(json)?\s*)?\{/i.test(stripThinking(last!.content))) check = undefined;
    if (!check) {
      if (last?.content) messages = [...messages, { role: 'assistant', content: echoReply(last.content) }];
      if (mode === 'tools') messages = [...messages, { role: 'user', content: last?.cut ? `Your last reply was cut after ${(settings.maxReplyChars ?? DEFAULT_MAX_REPLY_CHARS).toLocaleString('en-US')} characters: it was far too long. ${FINAL_ANSWER_REQUEST} Keep it short.` : FINAL_ANSWER_REQUEST }];
      events?.onStatus?.('Waiting for the final answer…');
      last = await conv.send(messages, { structured: true, ...final });
      if (isToolCallOnly(last)) throw conv.toolLoopError();
      check = judge(last.content);
    }
    let repaired = false;
    if (!check.ok) {
      events?.onStatus?.(check.contradicts ? 'The answer contradicts the measured regression; asking the model to check it…' : 'The answer was invalid; asking the model to repair it…');
      deps.log?.write({ type: 'error', id: conv.id, kind: check.contradicts ? 'contradicts_engine' : 'invalid_answer', message: check.error });
      // a reply cut at maxReplyChars goes back cut again (its start is enough to correct it), with why it failed
      const why = last!.cut ? `Your answer was cut after ${(settings.maxReplyChars ?? DEFAULT_MAX_REPLY_CHARS).toLocaleString('en-US')} characters: it was far too long. Keep it short (at most a few evidence lines). ${check.error}` : check.error;
      messages = [...messages, { role: 'assistant', content: echoReply(last!.content) }, { role: 'user', content: repairRequest(conv.fence, why) }];
      last = await conv.send(messages, { structured: true, ...final });
      if (isToolCallOnly(last)) throw conv.toolLoopError();
      check = judge(last.content);
      repaired = true;
      if (!check.ok) {
        deps.log?.write({ type: 'error', id: conv.id, kind: check.contradicts ? 'contradicts_engine' : 'invalid_answer', message: check.error });
        // say what was wrong with it, in words the user can check (the whole answer is in the log)
        const what = last.cut
          ? `The model's answer was still unusable after one correction request: it ran past ${(settings.maxReplyChars ?? DEFAULT_MAX_REPLY_CHARS).toLocaleString('en-US')} characters and was cut`
          : check.contradicts
            ? 'The model said there was no regression, against the measured slowdown, even after being asked to check'
            : `The model's answer could not be used, even after one correction request: ${plainInvalid(check.error)}`;
        return offlineOutcome(conv, runs, check.contradicts ? 'the model said "no regression", contradicting the measured slowdown' : "the model's answer was invalid", t0, new LlmError('invalid_answer', what));
      }
    }
    const agreement = check.agreement;
    const disagrees = agreement.verdict === 'disagrees';
    const origin = { kind: 'model' as const, provider: deps.provider.id, model: settings.model, mode, repaired, agreement: agreement.verdict };
    const label = `${settings.model} via ${deps.provider.id} (${mode === 'tools' ? `tools, ${conv.toolCalls} call${conv.toolCalls === 1 ? '' : 's'}` : 'zero-shot'}${repaired ? ', repaired' : ''})${disagrees ? ' — disagrees with the measured evidence' : ''}`;
    const engine = disagrees ? offlineAnswer(runs.diagnosis, runs) : undefined;
    deps.log?.write({ type: 'result', id: conv.id, origin, label, diagnosis: check.value, agreement, ...(engine ? { engine } : {}), ms: Date.now() - t0 });
    return { id: conv.id, diagnosis: check.value, origin, label, agreement, ...(engine ? { engine } : {}), usage: conv.usage, calls: conv.calls, toolCalls: conv.toolCalls };
  } catch (e) {
    const err = e instanceof LlmError ? e : new LlmError('protocol', (e as Error)?.message ?? String(e));
    return offlineOutcome(conv, runs, conv.deadlineHit ? 'the diagnosis ran past its deadline' : failureReason(err), t0, err);
  } finally {
    conv.dispose();
  }
}

export interface ChatOutcome {
  id: string;
  /** the model's markdown answer ('' on failure) */
  text: string;
  error?: LlmError;
  /** on failure: the offline engine's diagnosis, so the user still gets an answer */
  fallback?: AgentOutcome;
  toolCalls: number;
  usage: Usage;
}

/** A free-form question about the runs: tool rounds, streamed markdown answer. Never throws. */
export async function chatWithModel(deps: AgentDeps, settings: AgentSettings, history: ChatMessage[], question: string): Promise<ChatOutcome> {
  const conv = new Conversation(deps, settings);
  const t0 = Date.now();
  const { runs, events } = deps;
  const useTools = settings.mode === 'tools';
  try {
    const prior = history.filter((m) => m.role === 'user' || m.role === 'assistant').slice(-8).map((m) => ({ role: m.role, content: sanitize(m.content, 4000) }) as ChatMessage);
    let messages = initialMessages(runs, 'chat', deps.redactor, conv.fence, question, prior);
    const tools = useTools ? toolSpecs() : undefined;
    const rounds = useTools ? Math.max(0, settings.maxToolRounds ?? 6) : 0;
    let stopTools = false;
    for (let round = 0; ; round++) {
      const allowTools = !!tools && round < rounds && !stopTools;
      let r: ChatResult;
      try {
        r = await conv.send(messages, { ...(allowTools ? { tools } : tools && round > 0 ? { tools, toolChoice: 'none' as const } : {}), stream: true });
      } catch (e) {
        if (e instanceof LlmError && e.kind === 'no_tools' && round === 0) {
          events?.onStatus?.('This model cannot call tools; answering from the compact summary.');
          r = await conv.send(messages, { stream: true });
        } else throw e;
      }
      const viaText = allowTools && !stopTools ? conv.textToolCall(r) : undefined;
      if (viaText) {
        messages = [...messages, ...viaText];
        if (conv.stopRepeating()) stopTools = true;
        continue;
      }
      if (!r.toolCalls.length || !allowTools) {
        if (isToolCallOnly(r)) {
          // out of tool rounds: ask once more, tools declared but not callable
          r = await conv.send([...messages, { role: 'user', content: 'Answer now from what you have, in words: no more tool calls.' }], { ...(tools ? { tools, toolChoice: 'none' as const } : {}), stream: true });
          // still only tool calls (native or as text): never show them, nor an empty reply, as the answer
          if (isToolCallOnly(r) || !stripThinking(r.content)) throw conv.toolLoopError();
        }
        deps.log?.write({ type: 'result', id: conv.id, origin: { kind: 'model', provider: deps.provider.id, model: settings.model, mode: 'chat' }, label: 'chat', diagnosis: null, ms: Date.now() - t0 });
        let text = stripThinking(deps.redactor.restoreForDisplay ? deps.redactor.restoreForDisplay(r.content) : r.content);
        // a runaway reply was cut: say so under it, in the streamed text too
        if (r.cut) {
          const note = `\n\n_(The model's answer was cut here: it ran past ${(settings.maxReplyChars ?? DEFAULT_MAX_REPLY_CHARS).toLocaleString('en-US')} characters.)_`;
          text += note;
          events?.onDelta?.(note);
        }
        return { id: conv.id, text, toolCalls: conv.toolCalls, usage: conv.usage };
      }
      messages = [...messages, conv.assistantTurn(r), ...conv.runTools(r)];
      if (conv.stopRepeating()) stopTools = true;
    }
  } catch (e) {
    const err = e instanceof LlmError ? e : new LlmError('protocol', (e as Error)?.message ?? String(e));
    return { id: conv.id, text: '', error: err, fallback: offlineOutcome(conv, runs, conv.deadlineHit ? 'the answer ran past its deadline' : failureReason(err), t0, err), toolCalls: conv.toolCalls, usage: conv.usage };
  } finally {
    conv.dispose();
  }
}
