// Types for hostile-payloads.mjs (used from the TypeScript tests).
export interface JsonSpan {
  traceId: string;
  spanId: string;
  name: string;
  kind: number;
  startTimeUnixNano: string;
  endTimeUnixNano: string;
  attributes: { key: string; value: Record<string, unknown> }[];
}
export function varint(n: number): Buffer;
export function ld(field: number, payload: Buffer): Buffer;
export function requestOfSpans(spanBodies: Buffer[], service?: string): Buffer;
export function spanBody(name: string, extra?: Buffer): Buffer;
export function protoAttributeBomb(n?: number): Buffer;
export function gzip(buf: Buffer): Buffer;
export function protoEmptySpans(n: number): Buffer;
export function protoDeepAttribute(depth: number): Buffer;
export function protoManyAttributes(n: number): Buffer;
export function protoLatin1(): Buffer;
export function jsonRequest(spans: JsonSpan[], service?: string): { resourceSpans: unknown[] };
export function jsonSpan(name: string, attributes?: { key: string; value: Record<string, unknown> }[], ids?: 'hex' | 'base64'): JsonSpan;
export function jsonDeepAttribute(depth: number, ids?: 'hex' | 'base64'): Buffer;
export function jsonLatin1(service?: string): Buffer;
export function jsonEmptyObjects(n: number): Buffer;
export function hex(n: number): string;
