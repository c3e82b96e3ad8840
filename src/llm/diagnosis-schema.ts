import { z } from 'zod';
import { CandidateKind } from '../core/rca/diagnosis';

/**
 * The structured final answer the model must give (JSON schema via OpenAI json_schema / Ollama format; validated
 * with zod). Every field is required so the schema is valid for OpenAI's strict mode.
 */
export const LlmCategory = z.enum([...CandidateKind.options, 'none']);
export type LlmCategory = z.infer<typeof LlmCategory>;

export const LlmDiagnosis = z.object({
  rootCause: z
    .object({
      service: z.string().min(1).describe('service.name of the component that caused the slowdown'),
      operation: z.string().describe('span name (operation) in that service'),
    })
    .nullable()
    .describe('null when the incident is not slower than the baseline beyond noise'),
  category: LlmCategory.describe('kind of fault; "none" when rootCause is null'),
  confidence: z.number().min(0).max(1).describe('0..1'),
  evidence: z.array(z.string()).describe('facts from the tools or the context that support the answer (numbers)'),
  mitigation: z.array(z.string()).describe('concrete next steps'),
  sources: z.array(z.object({ file: z.string(), line: z.number().int() })).describe('span-opening source lines, from find_source or the context'),
  summary: z.string().describe('two or three sentences'),
});
export type LlmDiagnosis = z.infer<typeof LlmDiagnosis>;

/** JSON schema of LlmDiagnosis for the providers (draft 2020-12 without the $schema key). */
export function llmDiagnosisJsonSchema(): Record<string, unknown> {
  const s = z.toJSONSchema(LlmDiagnosis) as Record<string, unknown>;
  delete s.$schema;
  return s;
}

/** Where a diagnosis shown to the user came from. */
export type DiagnosisOrigin =
  | {
      kind: 'model';
      provider: string;
      model: string;
      mode: 'tools' | 'zero-shot';
      repaired: boolean;
      /** how the answer relates to the engine's measured evidence (src/llm/evidence-check.ts) */
      agreement?: 'agrees' | 'consistent' | 'evidence' | 'unchecked' | 'disagrees' | 'contradicts';
    }
  | { kind: 'offline'; reason: string };

export interface ShownDiagnosis {
  /** id joining the log entries and feedback */
  id: string;
  diagnosis: LlmDiagnosis;
  origin: DiagnosisOrigin;
  /** plain-words label, e.g. "offline engine (the model's answer was invalid)" */
  label: string;
}
