// Builds the extension host bundle, the CLI and the webview bundles.
// Usage: node esbuild.mjs [--watch] [--production]
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { nodeBundle, cliBundle, tokenizerBundle, tokenizerOutside } from './scripts/cli-build-options.mjs';

const watch = process.argv.includes('--watch');
const production = process.argv.includes('--production');

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'info',
  legalComments: 'none',
};

/** @type {esbuild.BuildOptions[]} */
const builds = [
  {
    ...common,
    ...nodeBundle,
    // the engine worker (worker_threads) runs loading + analysis off the extension host's thread
    entryPoints: { extension: 'src/extension/extension.ts', 'engine-worker': 'src/extension/engine-worker.ts' },
    outdir: 'dist',
    external: ['vscode'],
    plugins: [tokenizerOutside],
  },
  {
    ...common,
    ...cliBundle,
    entryPoints: { cli: 'src/cli/main.ts' },
    outdir: 'dist',
    plugins: [tokenizerOutside],
  },
  // required by the two builds above on the first token count (scripts/cli-build-options.mjs)
  { ...common, ...tokenizerBundle },
];

// Webview bundles (browser, IIFE). Each entry is optional until its issue lands.
for (const [name, entry] of [
  ['flame', 'webview/flame/main.ts'],
  ['chat', 'webview/chat/main.ts'],
]) {
  if (!existsSync(entry)) continue;
  builds.push({
    ...common,
    entryPoints: { [name]: entry },
    outdir: 'dist/webview',
    // minified always (source maps beside): ~40% less for the webview to load and parse before its first paint
    minify: true,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    loader: { '.css': 'text' },
  });
}

// The codicon font for the webviews' <vscode-button icon="…"> (vscode-elements looks for a stylesheet with the id
// "vscode-codicon-stylesheet"): copied from @vscode/codicons into dist/webview/codicons/ (shipped in the .vsix).
mkdirSync('dist/webview/codicons', { recursive: true });
for (const f of ['codicon.css', 'codicon.ttf']) copyFileSync(`node_modules/@vscode/codicons/dist/${f}`, `dist/webview/codicons/${f}`);

// The example workspace "Trace Doctor: Open Example Workspace…" creates (dist/example/, shipped in the .vsix): the
// ml-pipeline example's Python sources and its two runs, gzipped (2.2 MB → 0.2 MB; Trace Doctor reads .json.gz), with
// a README written for someone who has only the extension. One source: examples/ml-pipeline.
rmSync('dist/example', { recursive: true, force: true });
mkdirSync('dist/example/traces', { recursive: true });
for (const dir of readdirSync('examples/ml-pipeline', { withFileTypes: true })) {
  if (!dir.isDirectory() || dir.name === 'traces') continue;
  for (const f of readdirSync(`examples/ml-pipeline/${dir.name}`).filter((n) => n.endsWith('.py'))) {
    mkdirSync(`dist/example/${dir.name}`, { recursive: true });
    copyFileSync(`examples/ml-pipeline/${dir.name}/${f}`, `dist/example/${dir.name}/${f}`);
  }
}
for (const run of ['normal', 'spiked']) writeFileSync(`dist/example/traces/${run}.json.gz`, gzipSync(readFileSync(`examples/ml-pipeline/traces/${run}.json`), { level: 9 }));
copyFileSync('media/example-workspace.md', 'dist/example/README.md');

if (watch) {
  const ctxs = await Promise.all(builds.map((b) => esbuild.context(b)));
  await Promise.all(ctxs.map((c) => c.watch()));
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
