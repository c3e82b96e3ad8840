/** A `trace-doctor` sub-command. Each lives in src/cli/commands/<name>.ts and is listed in main.ts. */
export interface CliCommand {
  name: string;
  /** one line for the command list */
  summary: string;
  /** full --help text */
  help: string;
  /** returns the process exit code (EXIT): 0 ok, 1 finding (e.g. regression gate), 2 bad input/usage */
  run(argv: string[], io: CliIO): Promise<number>;
}

/**
 * The exit codes of every command, documented in each --help and the README, and stable (CI scripts branch on them):
 * 0 success, 1 a finding (diagnose's gate failed; fetch matched nothing), 2 bad input or usage (the message says
 * which file/option and why), 3 an internal error (a bug in trace-doctor, not in the input), 130 interrupted (Ctrl-C), 143 cancelled (SIGTERM) — ./interrupt.ts.
 */
export const EXIT = { ok: 0, finding: 1, badInput: 2, internal: 3, interrupted: 130, cancelled: 143 } as const;

export interface CliIO {
  out(s: string): void;
  err(s: string): void;
  /**
   * Data for another program (`fetch`'s traces on stdout; `--json`; `diagnose --format json|sarif|markdown`): written
   * as it is when stdout is not a terminal (a pipe, a file: byte for byte what `-o FILE` / JSON.stringify / the report
   * file options write), escaped like `out` on a terminal. main() provides it; a command falls back to `out` without it.
   */
  data?(s: string): void;
  /** the raw stdout is a terminal (the process entry point sets it; absent = treat it as one) */
  stdoutIsTerminal?: boolean;
}

/** Thrown for usage errors and unreadable input: printed on stderr, exit code 2. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode: number = EXIT.badInput) {
    super(message);
  }
}

/**
 * A command line that does not parse (an unknown option, a missing value or argument): exit 2 like any CliError, and
 * main() prints the command's Usage lines after the message (not the whole --help, which would push the message off
 * the screen).
 */
export class UsageError extends CliError {}

/** The "Usage:" paragraph of a command's --help text (up to the first blank line). */
export function usageLines(help: string): string {
  const lines = help.split('\n');
  const start = lines.findIndex((l) => /^Usage:/.test(l));
  if (start < 0) return '';
  const end = lines.findIndex((l, i) => i > start && l.trim() === '');
  return lines.slice(start, end < 0 ? undefined : end).join('\n');
}

/**
 * A usage error from node:util parseArgs in words: an unknown option names the closest one of the command's (taken
 * from its --help text), e.g. "unknown option --basline (did you mean --baseline?); see trace-doctor diagnose --help",
 * instead of Node's "To specify a positional argument starting with a '-', place it at the end of the command after
 * '--' …". Other errors keep Node's message.
 */
export function usageError(e: unknown, help: string, command: string): UsageError {
  return new UsageError(usageMessage(e, help, command));
}

function usageMessage(e: unknown, help: string, command: string): string {
  const err = e as { code?: string; message?: string };
  const msg = err?.message ?? String(e);
  // Node's other parseArgs errors, in the same words as the rest of the CLI (one line each)
  if (err?.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    let v = /^Option '(-[^' ]+)(?: <value>)?' argument missing/.exec(msg);
    if (v) return `${v[1]} expects a value`;
    v = /^Option '(-[^' ]+)' argument is ambiguous/.exec(msg);
    if (v) return `${v[1]} is followed by an option, not a value; a value starting with '-' is written ${v[1]}=-…`;
    v = /^Option '(-[^' ]+)' does not take an argument/.exec(msg);
    if (v) return `${v[1]} takes no value`;
  }
  if (err?.code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const a = /^Unexpected argument '([^']*)'/.exec(msg);
    return `unexpected argument ${JSON.stringify(a?.[1] ?? '')}: trace-doctor ${command} takes options only`;
  }
  const m = /Unknown option '([^']+)'/.exec(msg);
  if (err?.code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || !m) return msg;
  const given = m[1]!;
  const known = [...new Set(help.match(/--[a-z][a-z0-9-]*/g) ?? [])];
  let best = '';
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(given, k);
    if (d < bestD) [best, bestD] = [k, d];
  }
  const near = best && (bestD <= Math.max(2, Math.floor(given.length / 4)) || best.startsWith(given)) ? ` (did you mean ${best}?)` : '';
  return `unknown option ${given}${near}; see trace-doctor ${command} --help`;
}

export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}
