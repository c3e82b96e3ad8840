/** Build a model from the live window's OTLP JSON Lines with the same parser as files. */
import { SpanTableBuilder } from '../../core/model/builder';
import type { SpanTable } from '../../core/model/span-table';
import { ParseContext, parseTraceTextInto, type ParseIssue } from '../../core/parse/index';

export function parseLiveJsonl(text: string): { model: SpanTable; skipped: number; issues: ParseIssue[] } {
  const b = new SpanTableBuilder();
  if (text.trim() === '') return { model: b.build(), skipped: 0, issues: [] };
  const ctx = new ParseContext(b, 'live (OTLP/HTTP receiver)');
  // every stored line passed validation, so this does not throw; a failure would be a bug worth surfacing
  const r = parseTraceTextInto(text, ctx);
  ctx.finish();
  return { model: b.build(), skipped: r.skipped, issues: ctx.issues };
}
