import { parseArgs } from 'node:util';
import { CliError, type CliIO } from '../command';
import { register } from '../registry';
import { numOption } from '../options';
import { DEFAULT_MAX_BODY_BYTES, startReceiver } from '../../sources/receiver/server';

const HELP = `trace-doctor serve — OTLP/HTTP trace receiver

Usage: trace-doctor serve [--host 127.0.0.1] [--port 4318] [--out DIR] [--max-body-mb 64]

Accepts POST /v1/traces with OTLP/JSON (application/json) or OTLP protobuf (application/x-protobuf), optionally
gzip-compressed, as the OpenTelemetry SDK exporters and the Collector's otlphttp exporter send them. Point them at
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=http://127.0.0.1:4318/v1/traces

Options:
  --host H          interface to bind (default 127.0.0.1: this machine only; 0.0.0.0 exposes it to the network)
  --port N          port (default 4318; 0 picks a free one)
  --out DIR         append received spans to rotating OTLP JSON Lines files in DIR (default ./traces-received);
                    each start writes new files, nothing is overwritten. Read them with any trace-doctor command.
  --max-body-mb N   reject requests whose body, or decompressed body, exceeds N MiB with 413 (default 64)
  --rotate-mb N     start a new file after N MiB (default 64)
  --fsync MODE      interval (default, every second), always (before each 200), never
  --interval S      print a progress line every S seconds (default 5; 0 = quiet)

Ctrl-C (SIGINT) or SIGTERM finishes in-flight requests, flushes and fsyncs the files, prints totals and exits 0.
`;

export async function runServe(argv: string[], io: CliIO, signal?: AbortSignal): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        out: { type: 'string' },
        'max-body-mb': { type: 'string' },
        'rotate-mb': { type: 'string' },
        fsync: { type: 'string' },
        interval: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const port = numOption(values.port, 'port', 4318);
  if (!Number.isInteger(port) || port > 65535) throw new CliError(`--port expects 0..65535, got '${values.port}'`);
  const maxBody = numOption(values['max-body-mb'], 'max-body-mb', DEFAULT_MAX_BODY_BYTES / 1048576, { min: 0.001 }) * 1048576;
  const rotate = numOption(values['rotate-mb'], 'rotate-mb', 64, { min: 0.001 }) * 1048576;
  const interval = numOption(values.interval, 'interval', 5);
  const fsync = (values.fsync ?? 'interval') as 'interval' | 'always' | 'never';
  if (!['interval', 'always', 'never'].includes(fsync)) throw new CliError(`--fsync expects interval, always or never`);
  const outDir = values.out ?? 'traces-received';

  let rx;
  try {
    rx = await startReceiver({ host: values.host, port, outDir, maxBodyBytes: Math.floor(maxBody), maxFileBytes: Math.floor(rotate), fsync });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EADDRINUSE') throw new CliError(`port ${port} on ${values.host ?? '127.0.0.1'} is already in use (try --port 0 or another port)`);
    if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') throw new CliError(`cannot bind to host '${values.host}': ${err.message}`);
    if (err.code === 'EACCES' || err.code === 'EPERM' || err.code === 'ENOTDIR' || err.code === 'EROFS')
      throw new CliError(`cannot use --out '${outDir}' or port ${port}: ${err.message}`);
    throw e;
  }
  io.out(`trace-doctor: OTLP/HTTP receiver listening on ${rx.endpoint}\n`);
  io.out(`  writing OTLP JSON Lines to ${outDir}/ (current file ${rx.stats().files.at(-1) ?? '-'})\n`);
  io.out(`  export with OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${rx.endpoint}   (Ctrl-C to stop)\n`);

  let last = 0;
  const timer =
    interval > 0
      ? setInterval(() => {
          const s = rx.stats();
          if (s.spansAccepted === last) return;
          const rate = (s.spansAccepted - last) / interval;
          last = s.spansAccepted;
          const errs = Object.entries(s.errors).map(([k, v]) => `${k}×${v}`).join(' ');
          io.out(`  ${new Date().toISOString()}  spans ${s.spansAccepted} (+${rate.toFixed(0)}/s)  requests ${s.requests}` +
            (s.spansRejected ? `  rejected ${s.spansRejected}` : '') + (errs ? `  errors ${errs}` : '') + '\n');
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
  await rx.close();
  const s = rx.stats();
  io.out(`trace-doctor: received ${s.spansAccepted} spans in ${s.requests} requests` +
    (s.spansRejected ? ` (${s.spansRejected} rejected)` : '') + `; files:\n${s.files.map((f) => '  ' + f).join('\n')}\n`);
  return 0;
}

register({
  name: 'serve',
  summary: 'Run an OTLP/HTTP receiver (POST /v1/traces) that stores spans as OTLP JSON Lines',
  help: HELP,
  run: (argv, io) => runServe(argv, io),
});
