import type { CliIO } from './command';
import { installInterruptHandlers } from './interrupt';
import { VERSION } from './version';
import './commands/index';
import { CliError, editDistance, EXIT, UsageError, usageLines } from './command';

import { commands } from './registry';
import { escapeTerminal } from './terminal';

/** The commands in the order a new user needs them: the answer first, the receiver and the LLM scoring last. */
const HELP_ORDER = ['diagnose', 'flame', 'stats', 'fetch', 'serve', 'eval'];
const rank = (name: string) => (HELP_ORDER.includes(name) ? HELP_ORDER.indexOf(name) : HELP_ORDER.length);

function usage(): string {
  const w = Math.max(...commands.map((c) => c.name.length), 4);
  return [
    'trace-doctor — trace-aware debugging on OpenTelemetry traces',
    '',
    'Usage: trace-doctor <command> [options]   (trace-doctor <command> --help for details)',
    '',
    'Commands:',
    ...[...commands].sort((a, b) => rank(a.name) - rank(b.name)).map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
  ].join('\n');
}

/**
 * Run one command. Everything written to `io` (human text and JSON alike, on stdout and stderr) passes through
 * escapeTerminal, so control characters from trace data, file names or error messages never reach the terminal raw —
 * except `io.data` (fetch's traces; the machine formats: `--json`, `diagnose --format json|sarif|markdown`) when stdout
 * is not a terminal, which must reach the pipe or file byte for byte.
 */
export async function main(argv: string[], rawIo: CliIO): Promise<number> {
  const io: CliIO = {
    out: (s) => rawIo.out(escapeTerminal(s)),
    err: (s) => rawIo.err(escapeTerminal(s)),
    // data meant for a pipe or a file reaches it exact; a person at a terminal still gets the escaped text
    data: (s) => rawIo.out(rawIo.stdoutIsTerminal === false ? s : escapeTerminal(s)),
  };
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || (name === 'help' && !rest[0])) {
    // asked for: the usage on stdout, exit 0; no command at all is a usage error: stderr, exit 2
    if (name) io.out(usage() + '\n');
    else io.err(usage() + '\n');
    return name ? EXIT.ok : EXIT.badInput;
  }
  if (name === '--version' || name === '-v') {
    io.out(`${VERSION}\n`);
    return 0;
  }
  // `trace-doctor help diagnose`, as git and npm have it
  if (name === 'help' && rest[0]) return main([rest[0], '--help'], rawIo);
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    const near = commands.map((c) => ({ c, d: editDistance(name, c.name) })).sort((a, b) => a.d - b.d)[0];
    const hint = near && (near.d <= 2 || near.c.name.startsWith(name)) ? ` (did you mean '${near.c.name}'?)` : '';
    io.err(`trace-doctor: unknown command '${name}'${hint}\n\n${usage()}\n`);
    return EXIT.badInput;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(cmd.help.trimEnd() + '\n');
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (e) {
    if (e instanceof CliError) {
      io.err(`trace-doctor ${name}: ${e.message}\n`);
      if (e instanceof UsageError) {
        const u = usageLines(cmd.help);
        if (u) io.err(`\n${u}\n`);
        if (!/--help\b/.test(e.message)) io.err(`\nRun 'trace-doctor ${name} --help' for every option.\n`);
      }
      return e.exitCode;
    }
    return internalError(name, e, io);
  }
}

/**
 * An exception no command turned into a CliError is a bug in trace-doctor, not a problem of the input: exit 3 (not 2,
 * so a CI script can tell "your traces are unreadable" from "the tool broke"), one line that says so, and the stack
 * only with TRACE_DOCTOR_DEBUG=1 (a stack trace is noise in a CI log and says nothing to the user).
 */
export function internalError(name: string | undefined, e: unknown, io: CliIO): number {
  const err = e as (Error & { code?: unknown; syscall?: unknown; path?: unknown }) | undefined;
  // a system error (disk full, permission denied, too many open files) is the machine's, not a bug: exit 2, one line
  if (typeof err?.code === 'string' && /^E[A-Z]+$/.test(err.code) && typeof err.syscall === 'string') {
    io.err(`${name ? `trace-doctor ${name}` : 'trace-doctor'}: ${err.message}\n`);
    return EXIT.badInput;
  }
  const what = err?.message ? `${err.name && err.name !== 'Error' ? `${err.name}: ` : ''}${err.message}` : String(e);
  const prefix = name ? `trace-doctor ${name}` : 'trace-doctor';
  io.err(`${prefix}: internal error (a bug in trace-doctor, not a problem of your input): ${what.split('\n')[0]}\n`);
  if (process.env.TRACE_DOCTOR_DEBUG && process.env.TRACE_DOCTOR_DEBUG !== '0') io.err(`${err?.stack ?? String(e)}\n`);
  else io.err(`${prefix}: set TRACE_DOCTOR_DEBUG=1 to print the stack trace, and please report it\n`);
  return EXIT.internal;
}


if (require.main === module) {
  const io: CliIO = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(escapeTerminal(s)), stdoutIsTerminal: process.stdout.isTTY === true };
  installInterruptHandlers(io.err);
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.exitCode = internalError(undefined, e, io);
    },
  );
}
