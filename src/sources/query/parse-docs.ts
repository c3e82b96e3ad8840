/** Parse fetched documents with the project's trace parsers (the same path as files) into one model. */
import { SpanTableBuilder } from '../../core/model/builder';
import type { SpanTable } from '../../core/model/span-table';
import { ParseContext, TraceParseError, parseTraceTextInto, type ParseIssue } from '../../core/parse/index';
import { anomalyIssues, fileOfRows } from '../../core/parse/anomalies';
import { SourceError } from './http';
import type { FetchedDoc } from './types';

export interface ParsedDocs {
  model: SpanTable;
  /** the documents' names (URLs) */
  files: string[];
  formats: string[];
  skipped: number;
  issues: ParseIssue[];
}

export function parseDocs(docs: FetchedDoc[]): ParsedDocs {
  const b = new SpanTableBuilder();
  const issues: ParseIssue[] = [];
  const formats = new Set<string>();
  let skipped = 0;
  const starts: number[] = [];
  for (const d of docs) {
    starts.push(b.size);
    const ctx = new ParseContext(b, d.name, issues);
    try {
      const r = parseTraceTextInto(d.text, ctx);
      r.formats.forEach((f) => formats.add(f));
      skipped += r.skipped;
    } catch (e) {
      if (e instanceof TraceParseError) {
        throw new SourceError('not-tracing-api', `the response is not traces: ${e.message}`, d.name);
      }
      throw e;
    }
    ctx.finish();
  }
  const model = b.build();
  const files = docs.map((d) => d.name);
  issues.push(...anomalyIssues(model, fileOfRows(files, starts)));
  return { model, files, formats: [...formats], skipped, issues };
}
