import { type AgentMode, initialMessages } from './agent';
import type { Redactor } from './redact';
import type { LlmRuns } from './runs';
import { makeFence } from './sanitize';
import { toolSpecs } from './tools/index';

/**
 * The first request of "Diagnose" exactly as it would be sent (redacted), for "Trace Doctor: Preview What Will Be
 * Sent". `random` fixes the fence marker (tests); otherwise it is random per conversation, as in a real request.
 */
export function previewPayload(
  runs: LlmRuns | undefined,
  o: { provider: string; endpoint: string; model: string; mode: AgentMode; temperature: number; redactor: Redactor; random?: () => number },
): string {
  if (!runs) return '// No traces are loaded: nothing would be sent.\n';
  const messages = initialMessages(runs, o.mode, o.redactor, makeFence(o.random));
  const payload = {
    provider: o.provider,
    endpoint: o.endpoint,
    model: o.model,
    redaction: o.redactor.enabled ? 'on' : 'OFF',
    temperature: o.temperature,
    note: 'The first request of "Diagnose". Tool results sent later are redacted the same way (same value → same placeholder, e.g. ip_1); values of sensitive attribute keys (password, api_key, secret, token, session id, …) are replaced too. Service and operation names are kept unless a custom pattern matches them. The fence marker is random per conversation.',
    messages,
    ...(o.mode === 'tools' ? { tools: toolSpecs() } : {}),
    // what was replaced, by placeholder: the model sees only the token; the answer is mapped back before it is shown
    redactions: (o.redactor.redactions?.() ?? []).map((r) => ({ placeholder: r.token, kind: r.kind, rule: r.rule, occurrences: r.count, original: r.original ?? '(credential: not shown)' })),
  };
  return JSON.stringify(payload, null, 2) + '\n';
}
