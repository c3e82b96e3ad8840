import type { LlmRuns } from './runs';

/**
 * Small local models get the shape of the final answer slightly wrong in predictable ways. Before validation we
 * repair the harmless ones (snake_case keys, "service / operation" strings, percent confidences, category synonyms,
 * a single string where a list is expected) so that a right answer is not thrown away for its spelling. Anything
 * that changes the meaning is left to the validator.
 */
const CATEGORY_SYNONYMS: Record<string, string> = {
  queue: 'queueing', queuing: 'queueing', queueing: 'queueing', saturation: 'queueing', contention: 'queueing', waiting: 'queueing', backpressure: 'queueing',
  fanout: 'fan_out', fan_out: 'fan_out', n_plus_one: 'fan_out', n_1: 'fan_out', n1: 'fan_out', 'n+1': 'fan_out',
  error: 'errors', errors: 'errors', failure: 'errors', failures: 'errors',
  retry: 'retries', retries: 'retries', retry_storm: 'retries',
  self_time: 'self_time', selftime: 'self_time', cpu: 'self_time', compute: 'self_time', slow_code: 'self_time', latency: 'self_time',
  serialization: 'serialization', serialisation: 'serialization', lost_parallelism: 'serialization', sequential: 'serialization',
  attribute: 'attribute', attribute_specific: 'attribute',
  new_operation: 'new_operation', new: 'new_operation',
  stopped_work: 'stopped_work', vanished_work: 'stopped_work', vanished: 'stopped_work', early_return: 'stopped_work', abort: 'stopped_work', aborted: 'stopped_work', stops_early: 'stopped_work', missing_calls: 'stopped_work',
  call_delay: 'call_delay', network_delay: 'call_delay', network: 'call_delay', network_latency: 'call_delay', delay: 'call_delay',
  none: 'none', no_regression: 'none', null: 'none',
};

const camel = (k: string) => k.replace(/[_-]([a-z])/g, (_m, c: string) => c.toUpperCase());

function splitRootCause(s: string, runs?: LlmRuns): { service: string; operation: string } | string {
  const t = s.trim();
  for (const sep of [' / ', ' · ', ' - ', '/', ':', '.']) {
    const i = t.indexOf(sep);
    if (i > 0) return { service: t.slice(0, i).trim(), operation: t.slice(i + sep.length).trim() };
  }
  // only a service: take the engine's best candidate in that service
  const c = runs?.diagnosis?.candidates.find((x) => x.service.toLowerCase() === t.toLowerCase());
  return c ? { service: c.service, operation: c.name } : t;
}

export function normalizeAnswer(raw: unknown, runs?: LlmRuns): unknown {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const src = raw as Record<string, unknown>;
  // some models wrap the answer: {"diagnosis": {...}} / {"answer": {...}}
  const inner = Object.keys(src).length === 1 ? Object.values(src)[0] : undefined;
  const o: Record<string, unknown> = {};
  const base = inner && typeof inner === 'object' && !Array.isArray(inner) && ('rootCause' in inner || 'root_cause' in inner) ? (inner as Record<string, unknown>) : src;
  for (const [k, v] of Object.entries(base)) o[camel(k)] = v;
  // rootCause
  let rc = o.rootCause;
  if (typeof rc === 'string') rc = /^(none|null|no regression)$/i.test(rc.trim()) ? null : splitRootCause(rc, runs);
  if (rc && typeof rc === 'object' && !Array.isArray(rc)) {
    const r: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rc as Record<string, unknown>)) r[camel(k)] = v;
    if (r.operation === undefined) r.operation = r.name ?? r.span ?? r.spanName ?? r.op;
    if (r.service === undefined) r.service = r.serviceName ?? r.component;
    if (typeof r.service === 'string' && (r.operation === undefined || r.operation === '')) {
      const s = splitRootCause(r.service, runs);
      if (typeof s === 'object') Object.assign(r, s);
    }
    rc = { service: r.service, operation: r.operation };
  }
  o.rootCause = rc === undefined ? o.rootCause : rc;
  // category
  if (typeof o.category === 'string') {
    const k = o.category.trim().toLowerCase().replace(/[\s-]+/g, '_');
    o.category = CATEGORY_SYNONYMS[k] ?? CATEGORY_SYNONYMS[k.replace(/_/g, '')] ?? k;
  }
  if (o.rootCause === null && o.category === undefined) o.category = 'none';
  // confidence
  if (typeof o.confidence === 'string') {
    const w = o.confidence.trim().toLowerCase();
    o.confidence = w === 'high' ? 0.8 : w === 'medium' ? 0.5 : w === 'low' ? 0.2 : Number(w.replace('%', ''));
  }
  if (typeof o.confidence === 'number' && o.confidence > 1 && o.confidence <= 100) o.confidence = o.confidence / 100;
  // lists
  for (const k of ['evidence', 'mitigation'] as const) {
    if (typeof o[k] === 'string') o[k] = [o[k]];
    if (o[k] === undefined) o[k] = [];
    if (Array.isArray(o[k])) o[k] = (o[k] as unknown[]).map((x) => (typeof x === 'string' ? x : JSON.stringify(x)));
  }
  if (o.sources === undefined) o.sources = [];
  if (typeof o.sources === 'string') o.sources = [o.sources];
  if (Array.isArray(o.sources))
    o.sources = (o.sources as unknown[]).flatMap((s) => {
      if (typeof s === 'string') {
        const m = /^(.+):(\d+)$/.exec(s.trim());
        return m ? [{ file: m[1], line: Number(m[2]) }] : [];
      }
      if (s && typeof s === 'object') {
        const x = s as Record<string, unknown>;
        const line = typeof x.line === 'string' ? Number(x.line) : x.line;
        return [{ file: x.file ?? x.path, line }];
      }
      return [];
    });
  if (o.summary === undefined) o.summary = Array.isArray(o.evidence) ? (o.evidence as string[]).slice(0, 1).join(' ') : '';
  // drop unknown keys (strict schemas reject them)
  const keep = ['rootCause', 'category', 'confidence', 'evidence', 'mitigation', 'sources', 'summary'];
  for (const k of Object.keys(o)) if (!keep.includes(k)) delete o[k];
  return o;
}

/**
 * Reasoning models (Qwen3, DeepSeek-R1 distills, …) put their chain of thought in `<think>…</think>` before the
 * answer; some servers drop the opening tag. Remove it (and an unfinished block cut by the token limit).
 */
export function stripThinking(text: string): string {
  let t = text;
  const close = /<\/(think|thinking|reasoning)>/gi;
  let last = -1;
  for (let m = close.exec(t); m; m = close.exec(t)) last = m.index + m[0].length;
  if (last >= 0) t = t.slice(last);
  t = t.replace(/<(think|thinking|reasoning)>[\s\S]*$/i, '');
  return t.trim();
}

/**
 * A model without native tool calling may write the call as JSON text: {"name": "top_regressions", "arguments": {...}}
 * (or "parameters"/"tool"/"function"). Returns the call when the text is exactly that, for a known tool.
 */
export function toolCallFromText(text: string, toolNames: readonly string[]): { name: string; arguments: Record<string, unknown> } | undefined {
  const t = stripThinking(text).replace(/^```(?:json)?\s*|\s*```$/g, '');
  if (!t.startsWith('{')) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(t);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const fn = o.function && typeof o.function === 'object' ? (o.function as Record<string, unknown>) : o;
  const name = fn.name ?? fn.tool ?? o.tool;
  if (typeof name !== 'string' || !toolNames.includes(name)) return undefined;
  let args = fn.arguments ?? fn.parameters ?? fn.args ?? fn.input ?? {};
  if (typeof args === 'string') {
    try {
      args = JSON.parse(args);
    } catch {
      return undefined;
    }
  }
  return args && typeof args === 'object' && !Array.isArray(args) ? { name, arguments: args as Record<string, unknown> } : undefined;
}
