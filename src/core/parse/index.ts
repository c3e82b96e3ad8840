/**
 * Trace parsing entry points (pure: strings in, model out). Formats are detected from content, never file names.
 * See notes/parsing.md for the supported shapes.
 */
import { anomalyIssues, fileOfRows } from './anomalies';
import { SpanTableBuilder } from '../model/builder';
import type { SpanTable } from '../model/span-table';
import { detectTextMode, splitJsonValues } from './detect';
import { readDocument } from './document';
import { describeJsonError, lineColOf } from './json-error';
import { JsonlReader } from './jsonl';
import { ParseContext, type ParseIssue, TraceParseError, type TraceFormat } from './types';

export { ParseContext, TraceParseError, FORMAT_LABELS, formatIssue } from './types';
export type { ParseIssue, TraceFormat } from './types';
export { JsonlReader } from './jsonl';
export { readDocument } from './document';
export { detectDocument, detectTextMode, sniffBinary, firstContent, EXPECTED_SHAPES } from './detect';
export { describeJsonError, lineColOf } from './json-error';

export interface TextParseResult {
  formats: TraceFormat[];
  spans: number;
  skipped: number;
}

function fail(file: string, message: string, pos?: { line?: number; column?: number; offset?: number }): never {
  const issue: ParseIssue = { file, message, severity: 'error' };
  if (pos?.line !== undefined) issue.line = pos.line;
  if (pos?.column !== undefined) issue.column = pos.column;
  if (pos?.offset !== undefined) issue.offset = pos.offset;
  throw new TraceParseError(issue);
}

/**
 * Parse the whole text of one trace file into `ctx.b`. Throws TraceParseError when the text is not a trace at all
 * (empty, binary, not JSON, not a trace shape, JSON syntax error, every JSON line bad).
 */
export function parseTraceTextInto(text: string, ctx: ParseContext): TextParseResult {
  const file = ctx.file;
  const nul = text.indexOf('\u0000');
  if (nul >= 0 && nul < 65536) fail(file, `binary data (NUL byte at offset ${nul}), not a JSON trace file`);
  const mode = detectTextMode(text, true);
  if (mode.mode === 'empty') fail(file, 'empty file: no trace data');
  if (mode.mode === 'not-json') {
    const p = lineColOf(text, mode.offset);
    fail(file, `not JSON: expected '{' or '[' but found ${JSON.stringify(mode.found)}`, { line: p.line, column: p.column, offset: mode.offset });
  }
  if (mode.mode === 'jsonl') {
    const r = new JsonlReader(ctx);
    r.push(text);
    r.end();
    if (r.goodLines === 0) {
      const first = r.firstProblem;
      fail(file, `no valid trace record in ${r.skipped} JSON line(s); first problem: ${first?.message ?? 'no content'}`, { line: first?.line, column: first?.column, offset: first?.offset });
    }
    return { formats: [...r.formats], spans: r.spans, skipped: r.skipped };
  }
  let doc: unknown;
  try {
    // a UTF-8 byte order mark is not JSON whitespace; Windows tools write one
    doc = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
  } catch (e) {
    const d = describeJsonError(e, text);
    // several pretty-printed documents back to back (jq without -c): read each
    const parts = /after JSON/.test((e as Error).message) ? splitJsonValues(text) : null;
    if (parts) return readSequence(text, parts, ctx);
    fail(file, d.message, { line: d.line, column: d.column, offset: d.offset });
  }
  const r = readDocument(doc, ctx);
  if (r.format === null) fail(file, r.reason);
  if (r.spans === 0) ctx.warn('the document holds no spans');
  return { formats: [r.format], spans: r.spans, skipped: 0 };
}

function readSequence(text: string, parts: [number, number][], ctx: ParseContext): TextParseResult {
  const formats = new Set<TraceFormat>();
  let spans = 0;
  let skipped = 0;
  let good = 0;
  let first: ParseIssue | undefined;
  for (const [a, b] of parts) {
    const { line, column } = lineColOf(text, a);
    let issue: ParseIssue | undefined;
    try {
      ctx.line = line;
      const r = readDocument(JSON.parse(text.slice(a, b)), ctx);
      if (r.format === null) issue = { file: ctx.file, line, column, offset: a, message: `document skipped: ${r.reason}`, severity: 'warning' };
      else {
        good++;
        spans += r.spans;
        formats.add(r.format);
      }
    } catch (e) {
      const d = describeJsonError(e, text.slice(a, b));
      issue = { file: ctx.file, line: line + d.line - 1, offset: a + d.offset, message: `document skipped: ${d.message}`, severity: 'warning' };
    } finally {
      ctx.line = undefined;
    }
    if (issue) {
      skipped++;
      first ??= issue;
      ctx.add(issue);
    }
  }
  if (good === 0) fail(ctx.file, `no valid trace document among ${parts.length}; first problem: ${first?.message ?? ''}`, first);
  return { formats: [...formats], spans, skipped };
}

export interface ParsedText {
  model: SpanTable;
  formats: TraceFormat[];
  skipped: number;
  issues: ParseIssue[];
}

/** Parse one trace file's text into its own model (tests, webviews, fetched documents). */
export function parseTraceText(text: string, fileName: string): ParsedText {
  const b = new SpanTableBuilder();
  const ctx = new ParseContext(b, fileName);
  const r = parseTraceTextInto(text, ctx);
  ctx.finish();
  const model = b.build();
  ctx.issues.push(...anomalyIssues(model, () => fileName));
  return { model, formats: r.formats, skipped: r.skipped, issues: ctx.issues };
}

export interface NamedText {
  /** file name or URL, used in issues */
  name: string;
  text: string;
}

/**
 * Parse several texts (fetched documents, received batches) into ONE model. With `lenient` (default true) a text that
 * is not a trace becomes an error issue and the others still load; otherwise the first such text throws.
 */
export function parseTraceTexts(inputs: NamedText[], opts: { lenient?: boolean } = {}): ParsedText & { loaded: string[] } {
  const lenient = opts.lenient ?? true;
  const b = new SpanTableBuilder();
  const issues: ParseIssue[] = [];
  const formats = new Set<TraceFormat>();
  const loaded: string[] = [];
  let skipped = 0;
  const starts: number[] = [];
  for (const { name, text } of inputs) {
    const ctx = new ParseContext(b, name, issues);
    starts.push(b.size);
    try {
      const r = parseTraceTextInto(text, ctx);
      r.formats.forEach((f) => formats.add(f));
      skipped += r.skipped;
      loaded.push(name);
    } catch (e) {
      if (!lenient || !(e instanceof TraceParseError)) throw e;
      issues.push(e.issue);
    } finally {
      ctx.finish();
    }
  }
  const model = b.build();
  issues.push(...anomalyIssues(model, fileOfRows(inputs.map((i) => i.name), starts)));
  return { model, formats: [...formats], skipped, issues, loaded };
}
