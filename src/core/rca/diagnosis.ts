import { z } from 'zod';

/**
 * The diagnosis contract shared by the offline engine, the CLI (--json), the LLM structured answer and the webviews.
 */
export const CandidateKind = z.enum([
  'self_time',
  'queueing',
  'fan_out',
  'errors',
  'serialization',
  'attribute',
  'retries',
  'new_operation',
]);
export type CandidateKind = z.infer<typeof CandidateKind>;

export const SourceLink = z.object({
  file: z.string().describe('path relative to the workspace root'),
  line: z.number().int().positive().describe('1-based line of the span-opening call'),
  function: z.string().optional(),
  origin: z.enum(['attribute', 'search']).optional(),
});
export type SourceLink = z.infer<typeof SourceLink>;

export const Candidate = z.object({
  service: z.string(),
  name: z.string().describe('operation (span name)'),
  kind: CandidateKind,
  impactMs: z.number().describe('estimated effect on mean end-to-end latency per trace, ms'),
  confidence: z.number().min(0).max(1),
  evidence: z.array(z.string()),
  summary: z.string(),
  source: SourceLink.optional(),
  /** for kind=attribute: which attribute value got slow */
  attribute: z.object({ key: z.string(), value: z.string() }).optional(),
});
export type Candidate = z.infer<typeof Candidate>;

export const Split = z.object({
  method: z.enum(['time_window', 'slowest_decile', 'given']),
  description: z.string(),
  baselineTraces: z.number().int(),
  incidentTraces: z.number().int(),
});
export type Split = z.infer<typeof Split>;

export const Diagnosis = z.object({
  rootCause: Candidate.nullable(),
  candidates: z.array(Candidate),
  split: Split.optional(),
  /** end-to-end latency of the runs, ms (mean per trace of root spans) */
  latency: z
    .object({ baselineMs: z.number(), incidentMs: z.number(), pValue: z.number().nullable(), test: z.string() })
    .optional(),
  notes: z.array(z.string()).default([]),
});
export type Diagnosis = z.infer<typeof Diagnosis>;
