/**
 * The receiver's live window: the most recent accepted requests (as their stored OTLP/JSON lines), from which a model
 * is built on demand through the same OTLP/JSON parser as files use. The window is bounded in spans AND in bytes
 * (always keeping at least the newest request), and a request's line is released as soon as it leaves the window.
 *
 * Snapshots are incremental: one SpanTableBuilder is kept, each snapshot parses only the lines that arrived since the
 * previous one and calls build() (which copies the columns, so the builder keeps growing and earlier snapshots stay
 * valid). The builder is rebuilt from the window once it holds more than 2 × maxSpans spans, so a snapshot holds at
 * least the newest min(received, maxSpans) spans and at most 2 × maxSpans, and a steady stream costs O(new spans) per
 * snapshot plus an amortised rebuild, instead of re-parsing the whole window every time.
 */
import { SpanTableBuilder } from '../../core/model/builder';
import type { SpanTable } from '../../core/model/span-table';
import { ParseContext, parseTraceTextInto, type ParseIssue } from '../../core/parse/index';
import { anomalyIssues } from '../../core/parse/anomalies';

export interface LiveSnapshot {
  model: SpanTable;
  /** files written so far (the complete record; the snapshot may hold fewer spans) */
  files: string[];
  formats: string[];
  /** spans in this snapshot; spans received but no longer in it */
  spans: number;
  evictedSpans: number;
  skipped: number;
  issues: ParseIssue[];
}

const SOURCE_NAME = 'live (OTLP/HTTP receiver)';
const NL = Buffer.from('\n');
const EMPTY = Buffer.alloc(0);

export class LiveWindow {
  private lines: Buffer[] = [];
  private counts: number[] = [];
  /** absolute index of lines[0] */
  private base = 0;
  /** absolute index of the first line in the window */
  private head = 0;
  private windowSpans = 0;
  private windowBytes = 0;
  private received = 0;
  private version = 0;
  private cached: { version: number; snap: LiveSnapshot } | null = null;
  private built: { b: SpanTableBuilder; startAbs: number; endAbs: number; spans: number; bytes: number; skipped: number; issues: ParseIssue[] } | null = null;

  constructor(
    private readonly maxSpans: number,
    private readonly files: () => readonly string[],
    private readonly maxBytes = Infinity,
  ) {}

  private get end(): number {
    return this.base + this.lines.length;
  }

  add(line: Buffer, spans: number): void {
    this.received += spans;
    this.version++;
    if (this.maxSpans <= 0) return;
    // `line` is the exact request body (or its own serialisation), so it is kept as is, without a copy
    this.lines.push(line);
    this.counts.push(spans);
    this.windowSpans += spans;
    this.windowBytes += line.length;
    // keep the newest requests within maxSpans and maxBytes (always at least the newest one); an evicted line is
    // released at once (the builder holds what a snapshot needs of it)
    while ((this.windowSpans > this.maxSpans || this.windowBytes > this.maxBytes) && this.head < this.end - 1) {
      const i = this.head - this.base;
      this.windowSpans -= this.counts[i]!;
      this.windowBytes -= this.lines[i]!.length;
      this.lines[i] = EMPTY;
      this.head++;
    }
    // drop lines before the window (the builder already holds what it needs of them)
    const drop = this.head - this.base;
    if (drop > 1024 && drop * 2 > this.lines.length) {
      this.lines = this.lines.slice(drop);
      this.counts = this.counts.slice(drop);
      this.base = this.head;
    }
  }

  get spanCount(): number {
    return this.windowSpans;
  }

  /** bytes of the requests in the window */
  get byteCount(): number {
    return this.windowBytes;
  }

  /** The current window as OTLP JSON Lines text. */
  jsonl(): string {
    return this.text(this.head, this.end);
  }

  private text(fromAbs: number, toAbs: number): string {
    const parts: Buffer[] = [];
    for (let i = fromAbs; i < toAbs; i++) parts.push(this.lines[i - this.base]!, NL);
    return Buffer.concat(parts).toString('utf8');
  }

  private parseInto(st: NonNullable<LiveWindow['built']>, fromAbs: number, toAbs: number): void {
    if (toAbs <= fromAbs) return;
    const ctx = new ParseContext(st.b, SOURCE_NAME, st.issues);
    // every stored line passed the receiver's checks, so this does not throw; if it did, that would be a bug to surface
    const text = this.text(fromAbs, toAbs);
    const r = parseTraceTextInto(text, ctx);
    ctx.finish();
    st.skipped += r.skipped;
    st.spans += r.spans;
    st.bytes += text.length;
    st.endAbs = toAbs;
  }

  snapshot(): LiveSnapshot {
    if (this.cached && this.cached.version === this.version) return this.cached.snap;
    let st = this.built;
    let pending = 0;
    let pendingBytes = 0;
    if (st) {
      for (let i = Math.max(st.endAbs, this.base); i < this.end; i++) {
        pending += this.counts[i - this.base]!;
        pendingBytes += this.lines[i - this.base]!.length;
      }
    }
    const stale =
      !st ||
      st.endAbs < this.head ||
      (st.startAbs < this.head && (st.spans + pending > 2 * this.maxSpans || st.bytes + pendingBytes > 2 * this.maxBytes));
    if (stale) {
      st = { b: new SpanTableBuilder(), startAbs: this.head, endAbs: this.head, spans: 0, bytes: 0, skipped: 0, issues: [] };
      this.built = st;
    }
    this.parseInto(st!, st!.endAbs, this.end);
    const model = st!.b.build();
    const snap: LiveSnapshot = {
      model,
      files: [...this.files()],
      formats: model.size > 0 ? ['otlp-jsonl'] : [],
      spans: model.size,
      evictedSpans: this.received - model.size,
      skipped: st!.skipped,
      // malformed spans (broken timing, self-parents, cycles, duplicate ids — an exporter's retry stored twice) are
      // reported as a file's are (loadTraces), counted on this snapshot's model
      issues: [...st!.issues, ...anomalyIssues(model, () => SOURCE_NAME)],
    };
    this.cached = { version: this.version, snap };
    return snap;
  }
}
