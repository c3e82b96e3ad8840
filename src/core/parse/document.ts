/** Read one parsed JSON document of any supported shape into a builder. */
import { readJaegerSpans, readJaegerTrace } from './jaeger';
import { readResourceSpans, resourceSpansOf } from './otlp';
import { detectDocument } from './detect';
import type { ParseContext, TraceFormat } from './types';
import { readZipkinSpans } from './zipkin';

export type ReadResult = { format: TraceFormat; spans: number } | { format: null; reason: string };

export function readDocument(doc: unknown, ctx: ParseContext): ReadResult {
  const shape = detectDocument(doc);
  if (shape.format === null) return shape;
  let spans = 0;
  switch (shape.kind) {
    case 'otlp':
      spans = readResourceSpans(shape.resourceSpans, ctx);
      break;
    case 'otlp-many':
      for (const r of shape.requests) {
        const rs = r && typeof r === 'object' ? resourceSpansOf(r) : null;
        if (rs) spans += readResourceSpans(rs, ctx);
      }
      break;
    case 'jaeger-traces':
      shape.traces.forEach((t, k) => {
        if (t && typeof t === 'object' && !Array.isArray(t)) spans += readJaegerTrace(t, ctx);
        else ctx.warn(`Jaeger trace ${k} is ${t === null ? 'null' : Array.isArray(t) ? 'an array' : `a ${typeof t}`}, not a trace object; ignored`);
      });
      break;
    case 'jaeger-spans':
      spans = readJaegerSpans(shape.spans, ctx);
      break;
    case 'zipkin':
      spans = readZipkinSpans(shape.spans, ctx);
      break;
  }
  return { format: shape.format, spans };
}
