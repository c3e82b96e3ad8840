// The esbuild settings of the Node bundles (dist/cli.js, dist/extension.js), in one place: esbuild.mjs builds with
// them, and the tests and benchmarks that bundle the CLI from source use the same ones, so they measure and test
// exactly what ships.
export const nodeBundle = Object.freeze({
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
});

/** The dist/cli.js build: the Node bundle plus the shebang that makes `bin.trace-doctor` executable. */
export const cliBundle = Object.freeze({
  ...nodeBundle,
  banner: { js: '#!/usr/bin/env node' },
});
