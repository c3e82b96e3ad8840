/**
 * Canonical model dumps and golden-file comparison. `UPDATE_GOLDEN=1` rewrites the golden files instead of comparing.
 * The dump is order-independent (spans sorted by trace, span id, name, start) so encodings that list spans in a
 * different order still compare equal; parents are given as span ids, attributes with sorted keys.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AttrValue, SpanTable } from '../../src/core/model/span-table';
import { SPAN_KIND_NAMES, STATUS_NAMES } from '../../src/core/model/span-table';

export const GOLDEN_DIR = join(__dirname, '..', 'fixtures', 'golden');

function sortKeys(v: AttrValue | Record<string, AttrValue>): unknown {
  if (Array.isArray(v)) return v.map((x) => sortKeys(x));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, AttrValue>)[k]!);
    return out;
  }
  return v;
}

/** Absolute ns time as a decimal string (exact): base second + offset. */
function absNs(m: SpanTable, offset: number): string | null {
  if (Number.isNaN(offset)) return null;
  const sec = m.baseSec + Math.floor(offset / 1e9);
  const ns = Math.round(offset - Math.floor(offset / 1e9) * 1e9);
  return `${sec}${String(ns).padStart(9, '0')}`;
}

export interface DumpOptions {
  /** leave out fields an encoding cannot carry (e.g. Zipkin: typed attributes, resource attributes, scopes) */
  omit?: ('resource' | 'scope' | 'attrTypes' | 'statusMessage' | 'events' | 'links' | 'traceState' | 'kind')[];
}

export interface DumpedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  parent: string | null;
  orphan: boolean;
  name: string;
  service: string;
  kind?: string;
  status: string;
  statusMessage?: string;
  start: string | null;
  durationNs: number;
  attributes: unknown;
  resource?: unknown;
  scope?: unknown;
  events?: unknown;
  links?: unknown;
  traceState?: string;
}

export function dumpModel(m: SpanTable, opts: DumpOptions = {}): DumpedSpan[] {
  const omit = new Set(opts.omit ?? []);
  const rows: DumpedSpan[] = [];
  for (let i = 0; i < m.size; i++) {
    const attrs = m.attributes(i);
    const d: DumpedSpan = {
      traceId: m.traceId(i),
      spanId: m.spanId(i),
      parentSpanId: m.parentSpanId(i),
      parent: m.parent[i]! >= 0 ? m.spanId(m.parent[i]!) : null,
      orphan: m.orphan[i] === 1,
      name: m.name(i),
      service: m.service(i),
      status: STATUS_NAMES[m.statusCode[i]!]!,
      start: absNs(m, m.start[i]!),
      durationNs: m.duration[i]!,
      attributes: omit.has('attrTypes')
        ? sortKeys(Object.fromEntries(Object.entries(attrs).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)])))
        : sortKeys(attrs),
    };
    if (!omit.has('kind')) d.kind = SPAN_KIND_NAMES[m.kind[i]!];
    if (!omit.has('statusMessage')) d.statusMessage = m.statusMessage(i);
    if (!omit.has('resource')) d.resource = sortKeys(m.resource(i).attributes);
    if (!omit.has('scope')) d.scope = { ...m.scope(i) };
    if (!omit.has('events'))
      d.events = (m.events.get(i) ?? []).map((e) => ({ time: absNs(m, e.time), name: e.name, attributes: sortKeys(e.attributes) }));
    if (!omit.has('links')) d.links = (m.links.get(i) ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: sortKeys(l.attributes) }));
    if (!omit.has('traceState')) d.traceState = m.strings.get(m.traceStateCol[i]!);
    rows.push(d);
  }
  const key = (d: DumpedSpan) => `${d.traceId}|${d.spanId}|${d.name}|${d.start}|${d.durationNs}|${JSON.stringify(d.attributes)}`;
  return rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

/** Compare `value` with test/fixtures/golden/<name>.json (or write it when UPDATE_GOLDEN=1). */
export function assertGolden(name: string, value: unknown): void {
  const file = join(GOLDEN_DIR, `${name}.json`);
  const text = JSON.stringify(value, null, 1) + '\n';
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, text);
    return;
  }
  assert.ok(existsSync(file), `golden file ${file} is missing; run with UPDATE_GOLDEN=1 to create it`);
  assert.deepEqual(JSON.parse(text), JSON.parse(readFileSync(file, 'utf8')), `model differs from golden ${name}.json (UPDATE_GOLDEN=1 to accept)`);
}
