import { parseArgs } from 'node:util';
import { CliError, type CliIO, usageError } from '../command';
import { register } from '../registry';
import { numOption } from '../options';
import { DEFAULT_LIMITS, DEFAULT_MAX_BODY_BYTES, OutDirError, startReceiver } from '../../sources/receiver/server';
import { DEFAULT_GRPC_PORT, GrpcBindError, startGrpcReceiver, type GrpcReceiver } from '../../sources/receiver/grpc';
import * as grpc from '@grpc/grpc-js';

const HELP = `trace-doctor serve — OTLP/HTTP and OTLP/gRPC trace receiver

Usage: trace-doctor serve [--host 127.0.0.1] [--port 4318] [--grpc-port 4317|off] [--out DIR] [--max-body-mb 64] [--allow-origin URL]…

Accepts POST /v1/traces with OTLP/JSON (application/json) or OTLP protobuf (application/x-protobuf), optionally
gzip-compressed, as the OpenTelemetry SDK exporters and the Collector's otlphttp exporter send them. Point them at
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:4318/v1/traces
and OTLP/gRPC (TraceService/Export, plaintext HTTP/2, gzip or not), as the SDKs' grpc exporters and the Collector's
otlp exporter send them:
  OTEL_EXPORTER_OTLP_PROTOCOL=grpc OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317

Options:
  --host H          interface to bind (default 127.0.0.1: this machine only; 0.0.0.0 exposes it to the network)
  --port N          port (default 4318; 0 picks a free one)
  --grpc-port N     OTLP/gRPC port (default 4317; 0 picks a free one; off = no gRPC). Same host, limits and files.
                    When the default 4317 is taken (a Collector?), serve says so and runs OTLP/HTTP only.
  --out DIR         append received spans to rotating OTLP JSON Lines files in DIR (default ./traces-received);
                    each start writes new files, nothing is overwritten. Read them with any trace-doctor command.
  --max-body-mb N   reject requests whose body, or decompressed body, exceeds N MiB with 413 (default 64)
  --max-spans N     reject (413) a request with more than N spans (default ${DEFAULT_LIMITS.maxSpans})
  --max-attributes-per-span N
                    reject (413) a request where a span, event, link, resource or scope has more than N attributes,
                    or a span more than N events or links (default ${DEFAULT_LIMITS.maxAttributesPerSpan})
  --max-attributes N
                    reject (413) a request with more than N attributes, events, links and array elements in all
                    (default ${DEFAULT_LIMITS.maxAttributes})
  --max-depth N     reject (400) attribute values nested more than N levels deep (default ${DEFAULT_LIMITS.maxDepth})
  --allow-origin URL  accept browser requests (CORS) from this origin, e.g. http://localhost:3000 ('*' = any);
                    repeatable. Without it, requests carrying an Origin header get 403.
  --allow-host NAME accept this name in the Host header besides localhost/127.0.0.1/[::1] (bound to loopback, other
                    names get 403: a DNS-rebinding defence); repeatable
  --rotate-mb N     start a new file after N MiB (default 64)
  --fsync MODE      interval (default, every second), always (before each 200), never
  --interval S      print a progress line every S seconds (default 5; 0 = quiet)

Ctrl-C (SIGINT) or SIGTERM finishes in-flight requests, flushes and fsyncs the files, prints totals and exits 0.

Exit codes: 0 stopped by Ctrl-C / SIGTERM; 2 bad usage, a port that cannot be bound or an unusable --out; 3 internal
error (a bug in trace-doctor).
`;

export async function runServe(argv: string[], io: CliIO, signal?: AbortSignal): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        'grpc-port': { type: 'string' },
        out: { type: 'string' },
        'max-body-mb': { type: 'string' },
        'rotate-mb': { type: 'string' },
        fsync: { type: 'string' },
        interval: { type: 'string' },
        'max-spans': { type: 'string' },
        'max-attributes-per-span': { type: 'string' },
        'max-attributes': { type: 'string' },
        'max-depth': { type: 'string' },
        'allow-origin': { type: 'string', multiple: true },
        'allow-host': { type: 'string', multiple: true },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw usageError(e, HELP, 'serve');
  }
  const port = numOption(values.port, 'port', 4318);
  if (!Number.isInteger(port) || port > 65535) throw new CliError(`--port expects 0..65535, got '${values.port}'`);
  const grpcPortArg = values['grpc-port'];
  const grpcPort = grpcPortArg === 'off' ? null : numOption(grpcPortArg, 'grpc-port', DEFAULT_GRPC_PORT, { max: 65535, int: true });
  const maxBody = numOption(values['max-body-mb'], 'max-body-mb', DEFAULT_MAX_BODY_BYTES / 1048576, { min: 0.001 }) * 1048576;
  const rotate = numOption(values['rotate-mb'], 'rotate-mb', 64, { min: 0.001 }) * 1048576;
  const interval = numOption(values.interval, 'interval', 5);
  const fsync = (values.fsync ?? 'interval') as 'interval' | 'always' | 'never';
  if (!['interval', 'always', 'never'].includes(fsync)) throw new CliError(`--fsync expects interval, always or never`);
  const outDir = values.out ?? 'traces-received';
  const limits = {
    maxSpans: numOption(values['max-spans'], 'max-spans', DEFAULT_LIMITS.maxSpans, { min: 1, int: true }),
    maxAttributesPerSpan: numOption(values['max-attributes-per-span'], 'max-attributes-per-span', DEFAULT_LIMITS.maxAttributesPerSpan, { min: 1, int: true }),
    maxAttributes: numOption(values['max-attributes'], 'max-attributes', DEFAULT_LIMITS.maxAttributes, { min: 1, int: true }),
    maxDepth: numOption(values['max-depth'], 'max-depth', DEFAULT_LIMITS.maxDepth, { min: 1, max: 1000, int: true }),
  };
  for (const o of values['allow-origin'] ?? []) {
    if (o !== '*' && !/^[a-z][a-z0-9+.-]*:\/\/[^/\s]+$/i.test(o.replace(/\/$/, ''))) {
      throw new CliError(`--allow-origin expects an origin like http://localhost:3000 (scheme://host[:port]) or '*', got '${o}'`);
    }
  }

  let rx;
  try {
    rx = await startReceiver({
      host: values.host,
      port,
      outDir,
      maxBodyBytes: Math.floor(maxBody),
      maxFileBytes: Math.floor(rotate),
      fsync,
      limits,
      allowedOrigins: values['allow-origin'],
      allowedHosts: values['allow-host'],
      liveMaxSpans: 0, // the CLI only writes files: no live model in memory
    });
  } catch (e) {
    if (e instanceof OutDirError) throw new CliError(`--out: ${e.message}`);
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') throw new CliError(`port ${port} on ${values.host ?? '127.0.0.1'} is already in use (try --port 0 or another port)`);
    if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') throw new CliError(`cannot bind to host '${values.host}': ${err.message}`);
    if (err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'ENOTDIR' || err.code === 'EROFS')
      throw new CliError(`cannot use --out '${outDir}' or port ${port}: ${err.message}`);
    throw e;
  }
  let grpcRx: GrpcReceiver | null = null;
  if (grpcPort !== null) {
    grpc.setLogVerbosity(grpc.logVerbosity.NONE); // grpc-js's own log lines on stderr repeat what the error below says
    try {
      grpcRx = await startGrpcReceiver(rx, { host: values.host, port: grpcPort });
    } catch (e) {
      if (!(e instanceof GrpcBindError)) throw e;
      const how = `--grpc-port N (0 = any free port) or --grpc-port off`;
      // the default port taken (a Collector already running?) must not stop the OTLP/HTTP receiver the user asked for
      if (grpcPortArg === undefined) io.err(`trace-doctor: ${e.message}; serving OTLP/HTTP only — choose another gRPC port with ${how}\n`);
      else {
        await rx.close();
        throw new CliError(`${e.message}; choose another with ${how}`);
      }
    }
  }
  io.out(`trace-doctor: OTLP/HTTP receiver listening on ${rx.endpoint}\n`);
  if (grpcRx) io.out(`trace-doctor: OTLP/gRPC receiver listening on ${grpcRx.url} (plaintext HTTP/2)\n`);
  io.out(`  writing OTLP JSON Lines to ${outDir}/ (current file ${rx.stats().files.at(-1) ?? '-'})\n`);
  io.out(`  export with OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${rx.endpoint}` +
    (grpcRx ? `\n  or, over gRPC, OTEL_EXPORTER_OTLP_PROTOCOL=grpc OTEL_EXPORTER_OTLP_ENDPOINT=${grpcRx.url}` : '') + `   (Ctrl-C to stop)\n`);

  let last = 0;
  let lastStoreError: string | null = null;
  const timer =
    interval > 0
      ? setInterval(() => {
          const s = rx.stats();
          if (s.storeError && s.storeError !== lastStoreError) io.err(`trace-doctor: cannot store spans in ${outDir}/: ${s.storeError} — answering 503 so exporters retry\n`);
          lastStoreError = s.storeError;
          if (s.spansAccepted === last) return;
          const rate = (s.spansAccepted - last) / interval;
          last = s.spansAccepted;
          const errs = Object.entries(s.errors).map(([k, v]) => `${k}×${v}`).join(' ');
          io.out(`  ${new Date().toISOString()}  spans ${s.spansAccepted} (+${rate.toFixed(0)}/s)  requests ${s.requests}` +
            (s.spansRejected ? `  rejected ${s.spansRejected}` : '') +
            (s.repairedRequests ? `  repaired ${s.repairedRequests} (invalid UTF-8 → U+FFFD)` : '') +
            (errs ? `  errors ${errs}` : '') + '\n');
        }, interval * 1000)
      : null;

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    signal?.addEventListener('abort', stop, { once: true });
  });
  if (timer) clearInterval(timer);
  io.out('trace-doctor: stopping — finishing requests and flushing files…\n');
  await grpcRx?.close();
  await rx.close();
  const s = rx.stats();
  const errs = Object.entries(s.errors).map(([k, v]) => `${k}×${v}`).join(' ');
  const plural = (n: number, one: string) => `${n.toLocaleString('en-US')} ${one}${n === 1 ? '' : 's'}`;
  io.out(`trace-doctor: received ${plural(s.spansAccepted, 'span')} in ${plural(s.requests, 'request')}` +
    (s.spansRejected ? ` (${s.spansRejected} rejected)` : '') +
    (s.repairedRequests ? `; ${s.repairedRequests} request(s) had invalid UTF-8, stored as U+FFFD` : '') +
    (errs ? `; refused requests by status: ${errs}` : '') +
    (s.files.length ? `; files:\n${s.files.map((f) => '  ' + f).join('\n')}\n` : '; no file written\n'));
  return 0;
}

register({
  name: 'serve',
  summary: 'run an OTLP/HTTP (POST /v1/traces) and OTLP/gRPC receiver that stores spans as OTLP JSON Lines',
  help: HELP,
  run: (argv, io) => runServe(argv, io),
});
