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
