import type { SpanTableBuilder } from '../model/builder';

/** A problem found while reading trace input. `line` is 1-based; `offset` is a character offset into the text. */
export interface ParseIssue {
  file: string;
  line?: number;
  /** 1-based column on `line`, when known */
  column?: number;
  offset?: number;
  message: string;
  severity: 'error' | 'warning';
}

/** Shapes the readers understand (detected from content, never from the file name). */
export type TraceFormat =
  | 'otlp-json'
  | 'otlp-jsonl'
  | 'otlp-proto'
  | 'jaeger-api-v3'
  | 'tempo'
  | 'jaeger-query'
  | 'jaeger-ui'
  | 'jaeger-spans'
  | 'zipkin-v2';

export const FORMAT_LABELS: Record<TraceFormat, string> = {
  'otlp-json': 'OTLP/JSON ExportTraceServiceRequest',
  'otlp-jsonl': 'OTLP/JSON Lines (collector file exporter)',
  'otlp-proto': 'OTLP protobuf (single message, or the collector file exporter\'s length-prefixed format)',
  'jaeger-api-v3': 'Jaeger api_v3 {"result":{resourceSpans}}',
  tempo: 'Tempo {"batches"} / {"trace"}',
  'jaeger-query': 'Jaeger query-API {"data":[…]}',
  'jaeger-ui': 'Jaeger UI trace object',
  'jaeger-spans': 'array of Jaeger spans',
  'zipkin-v2': 'Zipkin v2 JSON',
};

/** Thrown when input cannot be read as a trace at all. `issue` carries file, position and expectation. */
export class TraceParseError extends Error {
  constructor(readonly issue: ParseIssue) {
    super(formatIssue(issue));
    this.name = 'TraceParseError';
  }
}

export function formatIssue(i: ParseIssue): string {
  const where =
    i.line !== undefined
      ? `${i.file}:${i.line}${i.column !== undefined ? `:${i.column}` : ''}`
      : i.offset !== undefined
        ? `${i.file} (offset ${i.offset})`
        : i.file;
  return `${where}: ${i.message}`;
}

/** Per-input state shared by the readers: the builder, where we are, and a bounded, de-duplicated issue list. */
export class ParseContext {
  /** current 1-based line (JSON Lines) for issue positions */
  line: number | undefined;
  /** readers' cache: cheap key of a resource's raw attributes → builder resource id (saves rebuilding each line) */
  readonly resourceCache = new Map<string, number>();
  /** readers' cache: span attribute key seen at each list position → its interned id (keys repeat span after span) */
  readonly attrKeyStr: string[] = [];
  readonly attrKeyId: number[] = [];
  private readonly seen = new Map<string, { issue: ParseIssue; count: number }>();

  constructor(
    readonly b: SpanTableBuilder,
    readonly file: string,
    readonly issues: ParseIssue[] = [],
    private readonly maxIssues = 200,
  ) {}

  /** A recoverable oddity; identical messages are reported once with a count. */
  warn(message: string): void {
    const prev = this.seen.get(message);
    if (prev) {
      prev.count++;
      return;
    }
    const issue: ParseIssue = { file: this.file, message, severity: 'warning' };
    if (this.line !== undefined) issue.line = this.line;
    if (this.seen.size >= 4 * this.maxIssues) {
      // a file with endlessly varied problems: stop remembering new ones (the list is full anyway)
      this.add(issue);
      return;
    }
    this.seen.set(message, { issue, count: 1 });
    if (this.issues.length < this.maxIssues) this.issues.push(issue);
  }

  /** Record an issue that is not de-duplicated (e.g. a skipped line). */
  add(issue: ParseIssue): void {
    if (this.issues.length < this.maxIssues) this.issues.push(issue);
    else if (this.issues.length === this.maxIssues) {
      this.issues.push({ file: this.file, message: `more issues not shown (limit ${this.maxIssues})`, severity: 'warning' });
    }
  }

  /** Append repeat counts to de-duplicated warnings. Call once at the end. */
  finish(): void {
    for (const { issue, count } of this.seen.values()) if (count > 1) issue.message += ` (${count} times)`;
    this.seen.clear();
  }
}
