/** A `trace-doctor` sub-command. Each lives in src/cli/commands/<name>.ts and is listed in main.ts. */
export interface CliCommand {
  name: string;
  /** one line for the command list */
  summary: string;
  /** full --help text */
  help: string;
  /** returns the process exit code: 0 ok, 1 finding (e.g. regression gate), 2 bad input/usage */
  run(argv: string[], io: CliIO): Promise<number>;
}

export interface CliIO {
  out(s: string): void;
  err(s: string): void;
}

/** Thrown for usage errors and unreadable input: printed on stderr, exit code 2. */
export class CliError extends Error {
  constructor(message: string, readonly exitCode = 2) {
    super(message);
  }
}

/**
 * A usage error from node:util parseArgs in words: an unknown option names the closest one of the command's (taken
 * from its --help text), e.g. "unknown option --basline (did you mean --baseline?); see trace-doctor diagnose --help",
 * instead of Node's "To specify a positional argument starting with a '-', place it at the end of the command after
 * '--' …". Other errors keep Node's message.
 */
export function usageError(e: unknown, help: string, command: string): string {
  const err = e as { code?: string; message?: string };
  const m = /Unknown option '([^']+)'/.exec(err?.message ?? '');
  if (err?.code !== 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || !m) return err?.message ?? String(e);
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

function editDistance(a: string, b: string): number {
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
