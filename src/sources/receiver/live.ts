/**
 * The receiver's live window: the most recent accepted requests (as their stored OTLP/JSON lines), bounded by a span
 * count, from which a fresh model is built on demand through the same OTLP/JSON parser as files use.
 */
import type { SpanTable } from '../../core/model/span-table';
import { parseLiveJsonl } from './live-parse';
import type { ParseIssue } from '../../core/parse/index';

export interface LiveSnapshot {
  model: SpanTable;
  /** files written so far (the complete record; the window may hold fewer spans) */
  files: string[];
  formats: string[];
  /** spans in this snapshot, spans evicted from the window so far */
  spans: number;
  evictedSpans: number;
  skipped: number;
  issues: ParseIssue[];
}

export class LiveWindow {
  private lines: Buffer[] = [];
  private counts: number[] = [];
  private head = 0;
  private spans = 0;
  private evicted = 0;
  private version = 0;
  private cached: { version: number; snap: LiveSnapshot } | null = null;

  constructor(
    private readonly maxSpans: number,
    private readonly files: () => readonly string[],
  ) {}

  add(line: Buffer, spans: number): void {
    if (this.maxSpans <= 0) {
      this.evicted += spans;
      return;
    }
    // `line` is the exact request body (or its own serialisation), so it is kept as is, without a copy
    this.lines.push(line);
    this.counts.push(spans);
    this.spans += spans;
    this.version++;
    while (this.spans > this.maxSpans && this.head < this.lines.length - 1) {
      this.spans -= this.counts[this.head]!;
      this.evicted += this.counts[this.head]!;
      this.head++;
    }
    if (this.head > 1024 && this.head * 2 > this.lines.length) {
      this.lines = this.lines.slice(this.head);
      this.counts = this.counts.slice(this.head);
      this.head = 0;
    }
  }

  get spanCount(): number {
    return this.spans;
  }

  /** The window as OTLP JSON Lines text. */
  jsonl(): string {
    const parts: Buffer[] = [];
    for (let i = this.head; i < this.lines.length; i++) parts.push(this.lines[i]!, Buffer.from('\n'));
    return Buffer.concat(parts).toString('utf8');
  }

  snapshot(): LiveSnapshot {
    if (this.cached && this.cached.version === this.version) return this.cached.snap;
    const parsed = parseLiveJsonl(this.jsonl());
    const snap: LiveSnapshot = {
      model: parsed.model,
      files: [...this.files()],
      formats: ['otlp-jsonl'],
      spans: this.spans,
      evictedSpans: this.evicted,
      skipped: parsed.skipped,
      issues: parsed.issues,
    };
    this.cached = { version: this.version, snap };
    return snap;
  }
}
