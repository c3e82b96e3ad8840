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
    note: 'The first request of "Diagnose". Tool results sent later are redacted the same way; the fence marker is random per conversation.',
    messages,
    ...(o.mode === 'tools' ? { tools: toolSpecs() } : {}),
  };
  return JSON.stringify(payload, null, 2) + '\n';
}
