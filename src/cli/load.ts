import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Readable } from 'node:stream';
// required, not imported: esbuild then bundles tinyglobby's CommonJS build (its ES module build needs import.meta.url,
// which a CommonJS bundle such as dist/cli.js does not have)
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { glob } = require('tinyglobby') as typeof import('tinyglobby');
import { TraceLoadError, type LoadedRun, type LoadProgress, type WaitInfo } from '../sources/file';
import { isUrlInput, loadInput, type InputOptions } from '../sources/resolve-input';
import { CliError, type CliIO } from './command';
import { oneLine } from './terminal';
import { sizeOption } from './options';
import { MAX_RESPONSE_CEILING } from '../sources/query/http';
import { deepSpans, MAX_TREE_DEPTH } from '../core/aggregate/tree';
import type { SpanTable } from '../core/model/span-table';

/**
 * Whether progress lines (rewritten in place with CR and ESC[K) go to stderr: only when a person is watching — stderr
 * is a terminal, not a CI job (CI set, as GitHub Actions, GitLab, Jenkins, CircleCI, Travis and Azure set it; some
 * runners allocate a pseudo-terminal, where the rewritten lines pile up in the log), not TERM=dumb (no ESC[K), and not
 * turned off with TRACE_DOCTOR_NO_PROGRESS=1. Errors and warnings are written either way.
 */
export function progressWanted(env: NodeJS.ProcessEnv = process.env, isTTY = process.stderr.isTTY === true): boolean {
  const on = (v: string | undefined) => v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
  return isTTY && !on(env.CI) && !on(env.TRACE_DOCTOR_NO_PROGRESS) && env.TERM !== 'dumb';
}

/**
 * A status line on stderr for a long step without its own progress (the diagnosis of a million spans takes seconds):
 * shown when progressWanted(), cleared by the returned function.
 */
export function status(message: string): () => void {
  if (!progressWanted()) return () => {};
  process.stderr.write(`\r\x1b[K${oneLine(message)}`);
  return () => process.stderr.write('\r\x1b[K');
}

/** Progress on stderr for long loads, only when a person is watching (progressWanted). */
function progress(role: string | undefined): ((p: LoadProgress) => void) | undefined {
  if (!progressWanted()) return undefined;
  const what = role ? `loading ${role}…` : 'loading…';
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 250) return;
    last = now;
    const mib = (p.bytesRead / 1048576).toFixed(0);
    // a pipe's size is not known before it ends (totalBytes NaN): the bytes so far, no percentage
    const amount = p.totalBytes > 0 ? `${((100 * p.bytesRead) / p.totalBytes).toFixed(0)}%  ${mib}/${(p.totalBytes / 1048576).toFixed(0)} MiB` : `${mib} MiB`;
    process.stderr.write(`\r\x1b[K${what} ${amount}  ${p.spans} spans`);
  };
}

/**
 * What a pipe that has sent nothing for a second is waiting for, on stderr — only for a person at a terminal
 * (progressWanted): a CI log gets no line per stall. Ctrl-C ends the wait (./interrupt.ts).
 */
function waitNotice(role: string | undefined): ((w: WaitInfo) => void) | undefined {
  if (!progressWanted()) return undefined;
  return (w) => {
    const what = w.kind === 'stdin' ? 'stdin' : `${oneLine(w.file)} (a ${w.kind})`;
    const state =
      w.bytesRead === 0
        ? `nothing written to it yet — is its writer running?`
        : `${w.bytesRead.toLocaleString('en-US')} bytes so far; the writer has not closed it`;
    process.stderr.write(`\r\x1b[K${role ? `${role}: ` : ''}waiting for ${what}: ${state} (Ctrl-C stops)`);
  };
}

/**
 * Load traces for a CLI command from files, directories or a tracing-backend URL, with progress on a terminal; every
 * failure becomes a CliError (exit 2) that names the input, prefixed with `role` when one is given. Issues are left to
 * the caller; a run without spans is returned as it is.
 */
export async function loadForCli(
  inputs: string[],
  role: string | undefined,
  opts: Pick<InputOptions, 'maxFiles' | 'token' | 'maxTotalBytes' | 'maxBytes' | 'limitHint' | 'maxStreamBytes' | 'streamLimitHint'> = {},
  stdin: Readable & { isTTY?: boolean } = process.stdin,
): Promise<LoadedRun> {
  const prefix = role ? `${role}: ` : '';
  const expanded = await expandInputs(inputs, prefix, opts.maxFiles ?? DEFAULT_GLOB_MAX, stdin);
  const onProgress = progress(role);
  const onWait = waitNotice(role);
  // a tracing backend: what is asked and waited for (a slow backend is silent until its timeout otherwise)
  const onFetchProgress = onProgress ? (p: { message: string }) => process.stderr.write(`\r\x1b[K${role ? `${role}: ` : ''}${oneLine(p.message).slice(0, 150)}`) : undefined;
  try {
    const paths = expanded.paths;
    return await loadInput(paths.length === 1 ? paths[0]! : paths, {
      ...opts,
      ...(onProgress ? { onProgress, onFetchProgress } : {}),
      ...(onWait ? { onWait } : {}),
      ...(expanded.stdin ? { stdin } : {}),
    });
  } catch (e) {
    if (e instanceof CliError) throw e;
    if (e instanceof TraceLoadError) throw new CliError(`${prefix}${e.message}`);
    const err = e as NodeJS.ErrnoException;
    if (err?.code === 'ENOENT') throw new CliError(`${prefix}no such file or directory: ${err.path ?? inputs.join(', ')}`);
    throw new CliError(`${prefix}${err?.message ?? String(e)}`);
  } finally {
    if (onProgress || onWait) process.stderr.write('\r\x1b[K');
  }
}

/** At most this many files from one glob pattern (a pattern is a directory's walk: the same default bound). */
const DEFAULT_GLOB_MAX = 10_000;
const GLOB_CHARS = /[*?[\]{}]/;
let stdinRead = false;

/**
 * The inputs as the loader takes them: a path that exists or a URL as it is; `-` = the traces piped into stdin (read
 * by the loader as a stream, like a pipe: gzip detected, positions reported as `-:LINE:COLUMN`, at most 4 GiB, nothing
 * written to disk; read once per process, never from a terminal); a glob pattern that names no existing path
 * (`traces/*.jsonl.gz`; `**` for any depth), quoted in a CI YAML file or typed in a Windows shell, which does not
 * expand it) = the files it matches, sorted.
 */
export async function expandInputs(
  inputs: string[],
  prefix: string,
  maxFiles: number,
  stdin: Readable & { isTTY?: boolean },
): Promise<{ paths: string[]; stdin: boolean }> {
  const paths: string[] = [];
  let usesStdin = false;
  for (const input of inputs) {
    if (input === '-') {
      if (stdinRead || usesStdin) throw new CliError(`${prefix}'-' (stdin) can be read once: give the other run as a file`);
      if (stdin.isTTY) throw new CliError(`${prefix}'-' reads traces from stdin, but stdin is a terminal: pipe them in (… | trace-doctor … -) or give a file`);
      stdinRead = true;
      usesStdin = true;
      paths.push('-');
    } else if (isUrlInput(input) || existsSync(input) || !GLOB_CHARS.test(input)) {
      paths.push(input);
    } else {
      const pattern = process.platform === 'win32' ? input.replace(/\\/g, '/') : input;
      // paths as the pattern was written: absolute for an absolute pattern, else relative to the current directory
      const found = (await glob(pattern, { onlyFiles: true, expandDirectories: false, dot: false, absolute: isAbsolute(input) })).sort();
      if (found.length === 0) throw new CliError(`${prefix}no file matches ${input} (a glob pattern; no file or directory has that name either)`);
      if (found.length > maxFiles) throw new CliError(`${prefix}${input} matches ${found.length.toLocaleString('en-US')} files, more than ${maxFiles.toLocaleString('en-US')}: narrow the pattern (or raise --max-files where the command has it)`);
      paths.push(...found);
    }
  }
  return { paths, stdin: usesStdin };
}

/** For tests: stdin may be read again. */
export function resetStdinForTests(): void {
  stdinRead = false;
}

/**
 * Load one run (baseline or incident) for a CLI command: loadForCli, then the first parse warnings on stderr, and a
 * CliError (exit 2) when the run holds no spans.
 */
export async function loadRunForCli(
  inputs: string[],
  role: string,
  io: CliIO,
  opts: Pick<InputOptions, 'maxFiles' | 'token' | 'maxTotalBytes' | 'maxBytes' | 'limitHint' | 'maxStreamBytes' | 'streamLimitHint'> = {},
): Promise<LoadedRun> {
  const run = await loadForCli(inputs, role, opts);
  for (const i of run.issues.slice(0, 10)) {
    io.err(`warning (${role}): ${oneLine(`${i.file ?? ''}${i.line ? `:${i.line}` : ''}: ${i.message}`)}\n`);
  }
  if (run.issues.length > 10) io.err(`warning (${role}): … ${run.issues.length - 10} more issues\n`);
  if (run.model.size === 0) {
    const first = run.issues[0] ? ` (first problem: ${run.issues[0].message})` : '';
    throw new CliError(`${role} ${inputs.join(', ')}: no spans found${first}`);
  }
  return run;
}

/**
 * Notes for runs whose traces are deeper than the aggregation keeps (MAX_TREE_DEPTH levels): how many spans were cut
 * and how deep the deepest one was. Empty for ordinary traces.
 */
export function deepTreeNotes(runs: { role: string; model: SpanTable | undefined }[]): string[] {
  const out: string[] = [];
  for (const { role, model } of runs) {
    if (!model) continue;
    const d = deepSpans(model, MAX_TREE_DEPTH);
    if (d.spans === 0) continue;
    out.push(
      `${role}: ${d.spans.toLocaleString('en-US')} span(s) lie deeper than ${MAX_TREE_DEPTH.toLocaleString('en-US')} levels ` +
        `(the deepest at level ${d.deepest.toLocaleString('en-US')}); they are cut from the call tree, the flame graph and ` +
        `the diagnosis, and their time stays in their ancestor at level ${MAX_TREE_DEPTH.toLocaleString('en-US')}`,
    );
  }
  return out;
}

/**
 * A file read as both the baseline and the incident (a baseline folder that holds the incident file, the same file
 * given twice): its traces count on both sides and pull the runs together, with no error to show for it. A note,
 * or null when the runs share no file.
 */
export function overlapNote(baseline: Pick<LoadedRun, 'files'> | null | undefined, incident: Pick<LoadedRun, 'files'>): string | null {
  if (!baseline) return null;
  const local = (f: string) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(f);
  const inBaseline = new Set(baseline.files.filter(local).map((f) => resolve(f)));
  const both = incident.files.filter((f) => local(f) && inBaseline.has(resolve(f)));
  if (!both.length) return null;
  const shown = both.slice(0, 3).join(', ') + (both.length > 3 ? ` and ${both.length - 3} more` : '');
  return `${both.length === 1 ? 'a file is' : `${both.length} files are`} read as both the baseline and the incident (${shown}): ${both.length === 1 ? 'its' : 'their'} traces count on both sides, which hides the difference — give the baseline without the incident's files`;
}

/** "incident: read with problems — 1 JSON line skipped, 2 problems; first: f.jsonl:12: …", or null for a clean read. */
export function readProblems(role: string, run: Pick<LoadedRun, 'issues' | 'skipped'>): string | null {
  if (!run.issues.length && !run.skipped) return null;
  const first = run.issues[0];
  const where = first ? `${first.file ?? ''}${first.line ? `:${first.line}` : ''}` : '';
  return (
    `${role}: read with problems — ${run.skipped ? `${run.skipped.toLocaleString('en-US')} JSON line(s) skipped, ` : ''}` +
    `${run.issues.length.toLocaleString('en-US')} problem(s)${first ? `; first: ${where ? `${where}: ` : ''}${first.message}` : ''}; the diagnosis uses what could be read`
  );
}

/** The help line of --max-download, the same in every command that takes a URL. */
export const MAX_DOWNLOAD_HELP =
  '--max-download SIZE  a URL input: at most SIZE downloaded for one run, all its responses together (Tempo\n' +
  '                    sends one per trace; default 512MiB; one response at most the smaller of SIZE and 512 MiB)';

/**
 * The download limits of a URL input from `--max-download SIZE` (undefined: the defaults, 512 MiB in all and 256 MiB
 * per response): SIZE for all the responses of one load together, and for one response the smaller of SIZE and the
 * longest text Node can hold; too-large messages then name the flag.
 */
export function downloadLimits(v: string | undefined): Pick<InputOptions, 'maxTotalBytes' | 'maxBytes' | 'limitHint'> {
  const size = sizeOption(v, 'max-download', undefined, { min: 1024 });
  if (size === undefined) return { limitHint: '--max-download SIZE' };
  return { maxTotalBytes: size, maxBytes: Math.min(size, MAX_RESPONSE_CEILING), limitHint: '--max-download SIZE' };
}

/** The help line of --max-stream, the same in every command that reads pipes. */
export const MAX_STREAM_HELP =
  '--max-stream SIZE  a pipe, process substitution or - (stdin) — an input whose size is not known before it ends:\n' +
  '                    at most SIZE read from each (default 4GiB; 512MiB, 8GiB, 1000000 bytes)';

/**
 * The limit of an input of unknown size from `--max-stream SIZE` (undefined: DEFAULT_MAX_STREAM_BYTES, 4 GiB); the
 * too-much message names the flag either way.
 */
export function streamLimits(v: string | undefined): Pick<InputOptions, 'maxStreamBytes' | 'streamLimitHint'> {
  const size = sizeOption(v, 'max-stream', undefined, { min: 1024 });
  return { ...(size !== undefined ? { maxStreamBytes: size } : {}), streamLimitHint: '--max-stream SIZE' };
}

/** Both input limits of a loading command: `--max-download SIZE` (URLs) and `--max-stream SIZE` (pipes, stdin). */
export function inputLimits(values: { 'max-download'?: string; 'max-stream'?: string }): ReturnType<typeof downloadLimits> & ReturnType<typeof streamLimits> {
  return { ...downloadLimits(values['max-download']), ...streamLimits(values['max-stream']) };
}
