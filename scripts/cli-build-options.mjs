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

/**
 * The tokenizer's BPE ranks (gpt-tokenizer cl100k, ~1.7 MB of JavaScript) go to a file of their own, dist/tokenizer.js:
 * src/llm/tokens.ts requires them on the first token count, so a bundle that never counts tokens (most CLI commands, an
 * extension host whose chat is never opened) does not read and pre-parse them at load (bench/load-time.mjs). Used by
 * esbuild.mjs for the shipped bundles; a bundle built elsewhere without it keeps the ranks inside (same behaviour).
 */
export const TOKENIZER_MODULE = 'gpt-tokenizer/encoding/cl100k_base';
export const tokenizerOutside = Object.freeze({
  name: 'tokenizer-outside',
  setup(build) {
    build.onResolve({ filter: /^gpt-tokenizer\/encoding\/cl100k_base$/ }, (a) => {
      if (a.kind !== 'require-call') throw new Error(`${a.importer} imports ${a.path} statically: require it on first use (src/llm/tokens.ts)`);
      return { path: './tokenizer.js', external: true };
    });
  },
});
/** dist/tokenizer.js: the module above as one CommonJS file. */
export const tokenizerBundle = Object.freeze({
  ...nodeBundle,
  stdin: { contents: `module.exports = require(${JSON.stringify(TOKENIZER_MODULE)});`, resolveDir: '.', loader: 'js' },
  outfile: 'dist/tokenizer.js',
});
