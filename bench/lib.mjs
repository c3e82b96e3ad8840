// Shared by the benchmarks: the repository root, `--name value` command-line options, the bundled `serve` command.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The word after `--name` on the command line, else `def`. */
export const arg = (name, def) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : def;
};

/**
 * `trace-doctor serve` bundled with esbuild exactly as dist/cli.js bundles it, into a new temporary folder.
 * Returns the script and its folder (remove it when done).
 */
export async function buildServe(prefix) {
  const { nodeBundle } = await import('../scripts/cli-build-options.mjs');
  const build = mkdtempSync(join(tmpdir(), prefix));
  const cli = join(build, 'serve.js');
  const esbuild = await import('esbuild');
  await esbuild.build({
    stdin: {
      contents: `import { runServe } from './src/cli/commands/serve';
      runServe(process.argv.slice(2), { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) })
        .then((c) => { process.exitCode = c; }, (e) => { process.stderr.write(String(e && e.stack || e) + '\\n'); process.exitCode = 2; });`,
      resolveDir: root,
      loader: 'ts',
    },
    ...nodeBundle,
    outfile: cli,
    logLevel: 'error',
  });
  return { build, cli };
}
