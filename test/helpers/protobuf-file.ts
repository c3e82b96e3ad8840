/**
 * A trace file → the same traces as an OTLP protobuf file: one ExportTraceServiceRequest (`.binpb`), or the Collector
 * file exporter's `format: proto` (the request after its length as a 4-byte big-endian integer), gzipped when the
 * name ends in `.gz`. Encoded with the official generated protobuf code (the receiver decodes with the same).
 *
 *   node --import tsx test/helpers/protobuf-file.ts <in.json> <out.binpb[.gz]> [--framed]
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { loadTraces } from '../../src/sources/file';
import { toOtlpJson } from './encode';

type Encoder = { fromObject(o: unknown): unknown; encode(m: unknown): { finish(): Uint8Array } };
const root = createRequire(__filename)('otlp-proto-generated/build/src/generated/root.js') as {
  opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: Encoder } } } } };
};

/** OTLP/JSON text with base64 ids (what protobufjs reads bytes fields from) → protobuf bytes. */
export function otlpJsonToProtobuf(json: string, framed = false): Buffer {
  const Req = root.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
  const request = Buffer.from(Req.encode(Req.fromObject(JSON.parse(json))).finish());
  if (!framed) return request;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(request.length);
  return Buffer.concat([len, request]);
}

export async function writeProtobufCopy(input: string, output: string, framed = false): Promise<number> {
  const { model } = await loadTraces(input);
  const bytes = otlpJsonToProtobuf(toOtlpJson(model, { base64Ids: true }), framed);
  writeFileSync(output, output.endsWith('.gz') ? gzipSync(bytes) : bytes);
  return model.size;
}

if (process.argv[1] && /protobuf-file\.ts$/.test(process.argv[1])) {
  const [input, output] = process.argv.slice(2).filter((a) => !a.startsWith('--'));
  if (!input || !output) {
    process.stderr.write('usage: node --import tsx test/helpers/protobuf-file.ts <in.json> <out.binpb[.gz]> [--framed]\n');
    process.exit(2);
  }
  readFileSync(input); // a clear ENOENT before loading
  writeProtobufCopy(input, output, process.argv.includes('--framed')).then(
    (spans) => process.stdout.write(`${output}: ${spans} spans\n`),
    (e: Error) => {
      process.stderr.write(`${e.message}\n`);
      process.exit(1);
    },
  );
}
