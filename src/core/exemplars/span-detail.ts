/**
 * One span's details for the waterfall (identity, status, attributes, resource, events), bounded: at most
 * SPAN_ATTRS_MAX attributes of each kind, SPAN_EVENTS_MAX events, values cut to SPAN_VALUE_MAX characters.
 */
import { SPAN_KIND_NAMES, STATUS_NAMES, type AttrValue, type SpanTable } from '../model/span-table';
import { SPAN_ATTRS_MAX, SPAN_EVENTS_MAX, SPAN_VALUE_MAX, type SpanDetail } from '../../protocol/exemplars';

function text(v: AttrValue | undefined): string {
  let s: string;
  if (typeof v === 'string') s = v;
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = String(v);
    }
  }
  return s.length > SPAN_VALUE_MAX ? `${s.slice(0, SPAN_VALUE_MAX - 1)}…` : s;
}

function pairs(rec: Record<string, AttrValue>, max: number): { out: [string, string][]; omitted: number } {
  const keys = Object.keys(rec).sort();
  return { out: keys.slice(0, max).map((k) => [text(k), text(rec[k])] as [string, string]), omitted: Math.max(0, keys.length - max) };
}

/** `spanStartMs`: where the waterfall draws the span (its event times are placed relative to it). */
export function spanDetail(model: SpanTable, row: number, spanStartMs: number): SpanDetail {
  const attrs = pairs(model.attributes(row), SPAN_ATTRS_MAX);
  const res = pairs(model.resource(row)?.attributes ?? {}, SPAN_ATTRS_MAX);
  const evs = model.events.get(row) ?? [];
  const start = model.start[row]!;
  let omitted = attrs.omitted + res.omitted + Math.max(0, evs.length - SPAN_EVENTS_MAX);
  const events = evs.slice(0, SPAN_EVENTS_MAX).map((e) => {
    const a = pairs(e.attributes, 16);
    omitted += a.omitted;
    const t = Number.isNaN(e.time) || Number.isNaN(start) ? -1 : Math.round((spanStartMs + (e.time - start) / 1e6) * 1000) / 1000;
    return { timeMs: t, name: text(e.name), attributes: a.out };
  });
  return {
    spanId: model.spanId(row),
    parentSpanId: model.parentSpanId(row),
    kind: SPAN_KIND_NAMES[model.kind[row]!] ?? 'unspecified',
    status: STATUS_NAMES[model.statusCode[row]!] ?? 'unset',
    statusMessage: text(model.statusMessage(row)),
    attributes: attrs.out,
    resource: res.out,
    events,
    omitted,
  };
}
