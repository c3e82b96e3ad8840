import type { CliIO } from './command';
import './commands/index';
import { CliError } from './command';

import { commands } from './registry';
import { escapeTerminal } from './terminal';

function usage(): string {
  const w = Math.max(...commands.map((c) => c.name.length), 4);
  return [
    'trace-doctor — trace-aware debugging on OpenTelemetry traces',
    '',
    'Usage: trace-doctor <command> [options]   (trace-doctor <command> --help for details)',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
  ].join('\n');
}

/**
 * Run one command. Everything written to `io` (human text and JSON alike, on stdout and stderr) passes through
 * escapeTerminal, so control characters from trace data, file names or error messages never reach the terminal raw.
 */
export async function main(argv: string[], rawIo: CliIO): Promise<number> {
  const io: CliIO = { out: (s) => rawIo.out(escapeTerminal(s)), err: (s) => rawIo.err(escapeTerminal(s)) };
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage() + '\n');
    return name ? 0 : 2;
  }
  if (name === '--version' || name === '-v') {
    io.out('0.1.0\n');
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.err(`trace-doctor: unknown command '${name}'\n\n${usage()}\n`);
    return 2;
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
      return e.exitCode;
    }
    io.err(`trace-doctor ${name}: ${(e as Error)?.stack ?? String(e)}\n`);
    return 2;
  }
}


if (require.main === module) {
  const io: CliIO = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };
  main(process.argv.slice(2), io).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(escapeTerminal(String(e?.stack ?? e)) + '\n');
      process.exitCode = 2;
    },
  );
}
