import { TraceLoadError, type LoadedRun, type LoadProgress } from '../sources/file';
import { loadInput, type InputOptions } from '../sources/resolve-input';
import { CliError, type CliIO } from './command';

/** Progress on stderr for long loads, only when a person is watching (a TTY). */
function progress(role: string): ((p: LoadProgress) => void) | undefined {
  if (process.stderr.isTTY !== true) return undefined;
  let last = 0;
  return (p) => {
    const now = Date.now();
    if (now - last < 250) return;
    last = now;
    const pct = p.totalBytes > 0 ? ((100 * p.bytesRead) / p.totalBytes).toFixed(0) : '?';
    process.stderr.write(
      `\rloading ${role}… ${pct}%  ${(p.bytesRead / 1048576).toFixed(0)}/${(p.totalBytes / 1048576).toFixed(0)} MiB  ${p.spans} spans   `,
    );
  };
}

/**
 * Load one run for a CLI command from files, directories or a tracing-backend URL: progress on a terminal, the
 * first parse warnings on stderr, and every failure turned into a CliError (exit 2) that names the input.
 */
export async function loadRunForCli(
  inputs: string[],
  role: string,
  io: CliIO,
  opts: Pick<InputOptions, 'maxFiles' | 'token'> = {},
): Promise<LoadedRun> {
  const onProgress = progress(role);
  try {
    const run = await loadInput(inputs.length === 1 ? inputs[0]! : inputs, { ...opts, ...(onProgress ? { onProgress } : {}) });
    if (onProgress) process.stderr.write('\r\x1b[K');
    for (const i of run.issues.slice(0, 10)) {
      io.err(`warning (${role}): ${i.file ?? ''}${i.line ? `:${i.line}` : ''}: ${i.message}\n`);
    }
    if (run.issues.length > 10) io.err(`warning (${role}): … ${run.issues.length - 10} more issues\n`);
    if (run.model.size === 0) {
      const first = run.issues[0] ? ` (first problem: ${run.issues[0].message})` : '';
      throw new CliError(`${role} ${inputs.join(', ')}: no spans found${first}`);
    }
    return run;
  } catch (e) {
    if (onProgress) process.stderr.write('\r\x1b[K');
    if (e instanceof CliError) throw e;
    if (e instanceof TraceLoadError) throw new CliError(`${role}: ${e.message}`);
    const err = e as NodeJS.ErrnoException;
    if (err?.code === 'ENOENT') throw new CliError(`${role}: no such file or directory: ${err.path ?? inputs.join(', ')}`);
    throw new CliError(`${role}: ${err?.message ?? String(e)}`);
  }
}
