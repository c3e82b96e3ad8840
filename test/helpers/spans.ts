/** Tiny span-table builder for engine tests: spans as [id, parent, service, name, startMs, durMs, opts]. */
import { SpanTableBuilder } from '../../src/core/model/builder';
import { SpanKind, StatusCode, type SpanTable } from '../../src/core/model/span-table';

export interface S {
  trace?: string;
  id: string;
  parent?: string;
  service?: string;
  name: string;
  start: number; // ms
  dur: number; // ms
  kind?: SpanKind;
  error?: boolean;
  /** explicit OK status */
  ok?: boolean;
  attrs?: Record<string, string | number | boolean>;
  noStart?: boolean;
  /** resource attributes besides service.name (e.g. host.name) */
  res?: Record<string, string>;
}

const hexId = (s: string, len: number) => {
  let h = '';
  for (const ch of s) h += ch.charCodeAt(0).toString(16).padStart(2, '0');
  return h.padStart(len, '0').slice(-len);
};

export function table(spans: S[]): SpanTable {
  const b = new SpanTableBuilder();
  const scope = b.addScope('test');
  const res = new Map<string, number>();
  const BASE = 1_700_000_000;
  for (const s of spans) {
    const svc = s.service ?? 'svc';
    const rk = svc + JSON.stringify(s.res ?? {});
    let r = res.get(rk);
    if (r === undefined) res.set(rk, (r = b.addResource(svc, { 'service.name': svc, ...(s.res ?? {}) })));
    const ns = Math.round(s.start * 1e6);
    const sec = Math.floor(ns / 1e9);
    b.addSpan({
      traceId: hexId(s.trace ?? 't1', 32),
      spanId: hexId(s.id, 16),
      parentSpanId: s.parent ? hexId(s.parent, 16) : '',
      name: s.name,
      kind: s.kind ?? SpanKind.Internal,
      statusCode: s.error ? StatusCode.Error : s.ok ? StatusCode.Ok : StatusCode.Unset,
      start: s.noStart ? null : [BASE + sec, ns - sec * 1e9],
      durationNs: Math.round(s.dur * 1e6),
      resource: r,
      scope,
    });
    for (const [k, v] of Object.entries(s.attrs ?? {})) b.attr(k, v);
  }
  return b.build();
}
