/**
 * Ctrl-C (SIGINT) and a cancelled CI job (SIGTERM) end a command with one line on stderr and exit 130 / 143, after
 * removing what it holds in temporary places (what registered with onInterrupt). With a handler installed the signal is taken between
 * two steps of the event loop, so a report being written (temporary file, then rename: ./output.ts) is never cut in
 * the middle: no partial file and no `.NAME.PID.tmp` is left. A command with a shutdown of its own (`serve` flushes and
 * exits 0) registers its own listener; this one then stands aside.
 */
import { EXIT } from './command';

const cleanups = new Set<() => void>();

/** Run `f` if the command is interrupted; the returned function unregisters it (call it once the thing is gone). */
export function onInterrupt(f: () => void): () => void {
  cleanups.add(f);
  return () => {
    cleanups.delete(f);
  };
}

const EXIT_BY_SIGNAL = { SIGINT: EXIT.interrupted, SIGTERM: EXIT.cancelled } as const;

/** The process entry point's handlers (not installed by `main()`, which tests call in-process). */
export function installInterruptHandlers(err: (s: string) => void): void {
  for (const sig of Object.keys(EXIT_BY_SIGNAL) as (keyof typeof EXIT_BY_SIGNAL)[]) {
    process.on(sig, () => {
      if (process.listeners(sig).length > 1) return; // serve's own graceful shutdown handles it
      for (const f of cleanups) {
        try {
          f();
        } catch {
          /* best effort: the process is ending */
        }
      }
      err(`trace-doctor: interrupted (${sig}); no partial output was written\n`);
      process.exit(EXIT_BY_SIGNAL[sig]);
    });
  }
}
