/**
 * Streaming JSON Lines reader: push string chunks as they arrive, call end() once. Each line is parsed and read into
 * the builder straight away, so a big file never holds its whole text and its whole parsed tree at once. Bad lines
 * are skipped and recorded (line number + reason); the good ones load.
 */
import { describeJsonError } from './json-error';
import { readDocument } from './document';
import type { ParseContext, ParseIssue, TraceFormat } from './types';

/**
 * Largest single JSON record read whole — a document, or one line of a JSON Lines file: 536,870,888 characters
 * (512 MiB less 24), the longest string V8 (Node 20) can hold. One number for both, so a one-line document, which is
 * read as JSON Lines, has the same limit as a pretty-printed one.
 */
export const MAX_RECORD_CHARS = 0x1fffffe8;
/** the limit as people read it: "536,870,888 bytes (512 MiB less 24)" */
export const MAX_RECORD_TEXT = '536,870,888 bytes (512 MiB less 24, the longest string Node can hold)';

/** Longest line kept in memory (characters); longer lines are skipped with an issue. */
export const DEFAULT_MAX_LINE_CHARS = MAX_RECORD_CHARS;

export class JsonlReader {
  /** lines seen (including blank ones) */
  lines = 0;
  goodLines = 0;
  skipped = 0;
  spans = 0;
  readonly formats = new Set<TraceFormat>();
  /** first skipped-line issue (used as the error when no line at all was good) */
  firstProblem: ParseIssue | undefined;

  private partial = '';
  private partialChars = 0;
  private tooLong = false;
  /** character offset of the start of the line being assembled */
  private lineStart = 0;
  private consumed = 0;
  private ended = false;

  constructor(
    private readonly ctx: ParseContext,
    private readonly maxLineChars = DEFAULT_MAX_LINE_CHARS,
  ) {}

  push(chunk: string): void {
    if (this.ended) throw new Error('JsonlReader: push after end');
    let from = 0;
    for (;;) {
      const nl = chunk.indexOf('\n', from);
      if (nl < 0) break;
      let line: string;
      if (this.partialChars > 0 || this.tooLong) {
        if (!this.tooLong) line = this.partial + chunk.slice(from, nl);
        else line = '';
      } else line = chunk.slice(from, nl);
      this.finishLine(line);
      this.lineStart = this.consumed + nl + 1;
      this.partial = '';
      this.partialChars = 0;
      from = nl + 1;
    }
    if (from < chunk.length) {
      const rest = from === 0 ? chunk : chunk.slice(from);
      if (!this.tooLong) {
        if (this.partialChars + rest.length > this.maxLineChars) {
          this.tooLong = true;
          this.partial = '';
        } else this.partial = this.partialChars === 0 ? rest : this.partial + rest;
      }
      this.partialChars += rest.length;
    }
    this.consumed += chunk.length;
  }

  end(): void {
    if (this.ended) return;
    if (this.partialChars > 0 || this.tooLong) this.finishLine(this.tooLong ? '' : this.partial);
    this.partial = '';
    this.partialChars = 0;
    this.ended = true;
  }

  private skip(message: string, column?: number): void {
    this.skipped++;
    const issue: ParseIssue = {
      file: this.ctx.file,
      line: this.lines,
      offset: this.lineStart + (column ? column - 1 : 0),
      message,
      severity: 'warning',
    };
    if (column !== undefined) issue.column = column;
    this.firstProblem ??= issue;
    this.ctx.add(issue);
  }

  private finishLine(line: string): void {
    this.lines++;
    if (this.tooLong) {
      this.tooLong = false;
      this.skip(
        this.maxLineChars === MAX_RECORD_CHARS
          ? `line skipped: longer than ${MAX_RECORD_TEXT}`
          : `line skipped: longer than ${this.maxLineChars} characters`,
      );
      return;
    }
    // blank lines (and a trailing \r) are fine
    let a = 0;
    let z = line.length;
    while (a < z && line.charCodeAt(a) <= 0x20) a++;
    while (z > a && line.charCodeAt(z - 1) <= 0x20) z--;
    if (a === z) return;
    let doc: unknown;
    try {
      doc = JSON.parse(this.lines === 1 && line.charCodeAt(0) === 0xfeff ? line.slice(1) : line);
    } catch (e) {
      const d = describeJsonError(e, line);
      this.skip(`line skipped: ${d.message}`, d.column);
      return;
    }
    this.ctx.line = this.lines;
    try {
      const r = readDocument(doc, this.ctx);
      if (r.format === null) {
        this.skip(`line skipped: ${r.reason}`);
        return;
      }
      this.goodLines++;
      this.spans += r.spans;
      this.formats.add(r.format === 'otlp-json' ? 'otlp-jsonl' : r.format);
    } catch (e) {
      this.skip(`line skipped: ${(e as Error)?.message ?? String(e)}`);
    } finally {
      this.ctx.line = undefined;
    }
  }
}
