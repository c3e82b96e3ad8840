/** Helpers for the receiver tests: raw HTTP requests, reading written JSONL, making protobuf bodies with the SDK. */
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { ProtobufTraceSerializer, JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { SpanKind, context, trace } from '@opentelemetry/api';

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One HTTP request; `body` may be a Buffer or an async generator of chunks (streamed, chunked encoding). */
export function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: Buffer | string | (() => AsyncGenerator<Buffer>); timeoutMs?: number } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const req = http.request(url, { method: opts.method ?? 'POST', headers: opts.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        settled = true;
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) });
      });
      res.on('error', (e) => !settled && reject(e));
    });
    req.setTimeout(opts.timeoutMs ?? 20_000, () => req.destroy(new Error('client timeout')));
    // EPIPE/ECONNRESET while still uploading after the server answered early are expected; the response decides
    req.on('error', (e) => setTimeout(() => !settled && reject(e), 200));
    const b = opts.body;
    if (typeof b === 'function') {
      void (async () => {
        try {
          for await (const chunk of b()) {
            if (req.destroyed || settled) break;
            if (!req.write(chunk)) {
              await new Promise<void>((r) => {
                const done = () => {
                  req.off('drain', done);
                  req.off('close', done);
                  r();
                };
                req.on('drain', done);
                req.on('close', done);
              });
            }
          }
          if (!req.destroyed) req.end();
        } catch {
          /* the server closed the connection */
        }
      })();
    } else req.end(b);
  });
}

export interface FlatSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  service: string;
  attributes: Record<string, unknown>;
  events: { name: string; attributes: Record<string, unknown> }[];
  status: { code?: number; message?: string };
}

/** OTLP/JSON AnyValue → plain JS (ints as numbers when safe). */
export function anyToJs(v: Record<string, unknown> | undefined): unknown {
  if (!v) return null;
  if ('stringValue' in v) return v.stringValue;
  if ('boolValue' in v) return v.boolValue;
  if ('intValue' in v) return Number(v.intValue);
  if ('doubleValue' in v) return Number(v.doubleValue);
  if ('arrayValue' in v) return ((v.arrayValue as { values?: Record<string, unknown>[] }).values ?? []).map(anyToJs);
  if ('kvlistValue' in v) return kvToObj((v.kvlistValue as { values?: { key: string; value: Record<string, unknown> }[] }).values);
  if ('bytesValue' in v) return v.bytesValue;
  return null;
}
export function kvToObj(kvs: { key: string; value: Record<string, unknown> }[] | undefined): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  for (const kv of kvs ?? []) o[kv.key] = anyToJs(kv.value);
  return o;
}

/** Flatten ExportTraceServiceRequest objects (one per JSONL line) into spans. */
export function flattenRequests(reqs: unknown[]): FlatSpan[] {
  const out: FlatSpan[] = [];
  for (const r of reqs as { resourceSpans?: Record<string, any>[] }[]) {
    for (const rs of r.resourceSpans ?? []) {
      const res = kvToObj(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const s of ss.spans ?? []) {
          out.push({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId ?? '',
            name: s.name,
            kind: s.kind ?? 0,
            service: String(res['service.name'] ?? ''),
            attributes: kvToObj(s.attributes),
            events: (s.events ?? []).map((e: any) => ({ name: e.name, attributes: kvToObj(e.attributes) })),
            status: s.status ?? {},
          });
        }
      }
    }
  }
  return out;
}

/** Read JSONL files: every line must be a complete JSON object. */
export function readJsonl(files: readonly string[]): unknown[] {
  const out: unknown[] = [];
  for (const f of files) {
    const text = readFileSync(f, 'utf8');
    if (text.length > 0 && !text.endsWith('\n')) throw new Error(`${f} does not end with a newline`);
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      try {
        out.push(JSON.parse(line));
      } catch (e) {
        throw new Error(`${f}:${i + 1}: ${(e as Error).message}`);
      }
    });
  }
  return out;
}

/** Finished SDK spans (a root with two children) for serializer-made bodies. */
export async function sdkSpans(n = 1): Promise<ReadableSpan[]> {
  const mem = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'serializer' }),
    spanProcessors: [new SimpleSpanProcessor(mem)],
  });
  const tracer = provider.getTracer('t');
  for (let i = 0; i < n; i++) {
    const root = tracer.startSpan('root', { kind: SpanKind.SERVER, attributes: { i } });
    const ctx = trace.setSpan(context.active(), root);
    tracer.startSpan('child-a', {}, ctx).end();
    tracer.startSpan('child-b', {}, ctx).end();
    root.end();
  }
  await provider.forceFlush();
  const spans = mem.getFinishedSpans();
  await provider.shutdown();
  return spans;
}

/** A copy of a finished span with a different trace id (e.g. all zeros → rejected by the receiver). */
export function withTraceId(s: ReadableSpan, traceId: string): ReadableSpan {
  const ctx = { ...s.spanContext(), traceId };
  return {
    name: s.name,
    kind: s.kind,
    spanContext: () => ctx,
    parentSpanContext: s.parentSpanContext,
    startTime: s.startTime,
    endTime: s.endTime,
    status: s.status,
    attributes: s.attributes,
    links: s.links,
    events: s.events,
    duration: s.duration,
    ended: s.ended,
    resource: s.resource,
    instrumentationScope: s.instrumentationScope,
    droppedAttributesCount: s.droppedAttributesCount,
    droppedEventsCount: s.droppedEventsCount,
    droppedLinksCount: s.droppedLinksCount,
  };
}

export function protoBody(spans: ReadableSpan[]): Buffer {
  return Buffer.from(ProtobufTraceSerializer.serializeRequest(spans)!);
}
export function jsonBody(spans: ReadableSpan[]): Buffer {
  return Buffer.from(JsonTraceSerializer.serializeRequest(spans)!);
}

/** Finished SDK spans using every feature the SDK offers: typed attributes, events, links, status, kinds, trace state. */
export async function richSpans(): Promise<ReadableSpan[]> {
  const mem = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'rich', 'service.instance.id': 'i-1', 'host.cpus': 2 }),
    spanProcessors: [new SimpleSpanProcessor(mem)],
  });
  const tracer = provider.getTracer('rich-scope', '9.9.9');
  const root = tracer.startSpan('root', {
    kind: SpanKind.SERVER,
    attributes: { s: 'text ✓ "quoted"\n', i: 42, big: 2 ** 40, neg: -7, d: 3.25, b: false, arr: ['x', 'y'], nums: [1, 2, 3], bools: [true, false] },
  });
  const ctx = trace.setSpan(context.active(), root);
  const other = tracer.startSpan('other', { kind: SpanKind.PRODUCER });
  other.end();
  const child = tracer.startSpan('child', { kind: SpanKind.CONSUMER, links: [{ context: other.spanContext(), attributes: { why: 'batch' } }] }, ctx);
  child.addEvent('exception', { 'exception.type': 'Error', 'exception.message': 'boom' });
  child.addEvent('retry', { attempt: 2 });
  child.setStatus({ code: 2, message: 'failed hard' });
  child.end();
  const ok = tracer.startSpan('ok-child', { kind: SpanKind.CLIENT }, ctx);
  ok.setStatus({ code: 1 });
  ok.end();
  root.end();
  await provider.forceFlush();
  const spans = mem.getFinishedSpans();
  await provider.shutdown();
  return spans;
}
