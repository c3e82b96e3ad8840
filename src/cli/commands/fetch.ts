import { writeFailure, writeFileAtomic } from '../output';
import { parseArgs } from 'node:util';
import { CliError, type CliIO, UsageError, usageError } from '../command';
import { register } from '../registry';
import { numOption } from '../options';
import { downloadLimits } from '../load';
import { fetchRaw, parseDuration, SourceError, specFromUrl, lastWindow, parseTime, type QuerySpec } from '../../sources/query/index';
import { parseDocs } from '../../sources/query/parse-docs';

const HELP = `trace-doctor fetch — download traces from Jaeger, Tempo, Zipkin or a URL into a file

Usage: trace-doctor fetch <url> [-o FILE] [--last 15m | --start T --end T] [--service S] [--limit N]
                          [--baseline 1h --baseline-out FILE] [--token-env VAR] [--timeout 30s] [--max-download SIZE]

Baseline vs incident from one backend ("the last 15 minutes vs the hour before"):
  trace-doctor fetch 'jaeger+http://jaeger:16686?service=api' --last 15m -o incident.json \\
                     --baseline 1h --baseline-out baseline.json

<url> is one of:
  http://jaeger:16686/api/traces?service=checkout     (Jaeger classic; /api/v3/traces?query.service_name=… for api_v3)
  jaeger+http://jaeger:16686?service=checkout         (Jaeger base URL: api_v3, falling back to /api/traces)
  http://jaeger:16686/search?service=checkout&lookback=1h   (the Jaeger UI's search page, as copied from it)
  http://jaeger:16686/trace/<trace id>                (the Jaeger UI's page of one trace)
  http://tempo:3200/api/search?q={status=error}       (Tempo search, then each trace by id)
  tempo+http://tempo:3200?service=checkout
  http://zipkin:9411/api/v2/traces?serviceName=web    (Zipkin v2)
  https://host/path/traces.json                       (any trace file)

Options:
  -o, --out FILE     write the traces there (default: stdout). One backend document is written as is; several
                     (Tempo: one per trace) as OTLP JSON Lines. Every trace-doctor command reads the result.
                     Stdout redirected to a pipe or a file gets the same bytes; on a terminal, control characters
                     are shown escaped (\u001b…)
  --last D           time window ending now (15m, 1h, 2d; default 1h unless the URL has its own)
  --start T --end T  explicit window (ISO 8601, Unix ms, or now-2h)
  --service S        service for base URLs that do not name one
  --limit N          at most N traces (default 200)
  --baseline D       also fetch the D before the window into --baseline-out (needs --last or --start/--end)
  --baseline-out F   where the baseline goes
  --token-env VAR    read a bearer token from this environment variable (default TRACE_DOCTOR_TOKEN, if set)
  --timeout D        per-request timeout (default 30s)
  --max-download SIZE  at most SIZE downloaded for each window (all its responses together: Tempo sends one per
                     trace; default 512MiB; one response at most the smaller of SIZE and 512 MiB), e.g. 2GiB

Exit codes: 0 traces written, 1 nothing matched, 2 bad input or the backend failed (the reason on stderr),
3 internal error (a bug in trace-doctor), 130 interrupted (Ctrl-C), 143 cancelled (SIGTERM); no partial file is left.
`;

export async function runFetch(argv: string[], io: CliIO): Promise<number> {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: {
        out: { type: 'string', short: 'o' },
        last: { type: 'string' },
        start: { type: 'string' },
        end: { type: 'string' },
        service: { type: 'string' },
        limit: { type: 'string' },
        baseline: { type: 'string' },
        'baseline-out': { type: 'string' },
        'token-env': { type: 'string' },
        timeout: { type: 'string' },
        'max-download': { type: 'string' },
      },
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    throw usageError(e, HELP, 'fetch');
  }
  if (positionals.length !== 1) throw new UsageError(positionals.length ? `expected one URL, got ${positionals.length}` : 'missing <url>');
  let window;
  try {
    if (values.start || values.end) {
      if (!values.start || !values.end) throw new Error('--start and --end go together');
      window = { startMs: parseTime(values.start), endMs: parseTime(values.end) };
      if (window.endMs <= window.startMs) throw new Error('--end must be after --start');
    } else if (values.last) window = lastWindow(parseDuration(values.last));
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const limit = numOption(values.limit, 'limit', 200, { min: 1, int: true });
  let timeoutMs = 30_000;
  try {
    if (values.timeout) timeoutMs = parseDuration(/^\d+$/.test(values.timeout) ? values.timeout + 's' : values.timeout);
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  const download = downloadLimits(values['max-download']);
  const tokenVar = values['token-env'] ?? 'TRACE_DOCTOR_TOKEN';
  const token = process.env[tokenVar];
  if (values['token-env'] && !token) throw new CliError(`environment variable ${tokenVar} is not set`);

  let baselineWindow;
  if (values.baseline || values['baseline-out']) {
    if (!values.baseline || !values['baseline-out']) throw new CliError('--baseline and --baseline-out go together');
    if (!window) throw new CliError('--baseline needs the incident window: --last D or --start/--end');
    try {
      baselineWindow = { startMs: window.startMs - parseDuration(values.baseline), endMs: window.startMs };
    } catch (e) {
      throw new CliError((e as Error).message);
    }
  }

  let spec: QuerySpec;
  try {
    spec = specFromUrl(positionals[0]!, { window, service: values.service });
    if (window && spec.kind !== 'url') spec = { ...spec, window };
  } catch (e) {
    throw new CliError((e as Error).message);
  }
  if (baselineWindow && spec.kind === 'url') throw new CliError('--baseline needs a tracing backend URL, not a file URL');
  const one = async (label: string, sp: QuerySpec, out: string | undefined): Promise<boolean> => {
    const f = await fetchRaw(sp, {
      token,
      timeoutMs,
      maxTraces: limit,
      ...download,
      onProgress: (p) => io.err(`  ${label}${p.message}\n`),
    });
    if (f.docs.length === 0) {
      io.err(`trace-doctor fetch: ${label}no traces matched\n`);
      return false;
    }
    // check that what came back is traces before writing it
    const parsed = parseDocs(f.docs);
    // several documents only come from Tempo: one single-line OTLP request per trace → JSON Lines
    const text = f.docs.length === 1 ? f.docs[0]!.text : f.docs.map((d) => d.text).join('\n') + '\n';
    if (out) {
      // whole or not at all: a job killed mid-write leaves no half trace file for the next step to misread
      try {
        writeFileAtomic(out, text);
      } catch (e) {
        throw new CliError(`${out === values.out ? '-o' : '--baseline-out'} ${out}: cannot write: ${writeFailure(e)}`);
      }
    }
    // stdout: exactly what -o would write when it goes to a pipe or a file (a lone CR stays a CR); escaped on a terminal
    else (io.data ?? io.out)(text.endsWith('\n') ? text : text + '\n');
    io.err(
      `trace-doctor fetch: ${label}${parsed.model.size} spans in ${f.traces || parsed.model.traces().size} trace(s) from ${f.api}` +
        (f.truncated ? ` (limited to ${limit}; more matched)` : '') +
        (out ? ` → ${out}` : '') +
        '\n',
    );
    return true;
  };
  try {
    const ok = await one(baselineWindow ? 'incident: ' : '', spec, values.out);
    if (baselineWindow) {
      const okB = await one('baseline: ', { ...(spec as Exclude<QuerySpec, { kind: 'url' }>), window: baselineWindow }, values['baseline-out']);
      return ok && okB ? 0 : 1;
    }
    return ok ? 0 : 1;
  } catch (e) {
    if (e instanceof SourceError) throw new CliError(e.message);
    throw e;
  }
}

register({
  name: 'fetch',
  summary: 'download traces from Jaeger, Tempo, Zipkin or a URL into a file',
  help: HELP,
  run: runFetch,
});
