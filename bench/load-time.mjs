#!/usr/bin/env node
// How long loading a shipped bundle takes before any of its code is used: `require('dist/extension.js')` with the
// `vscode` module stubbed (what VS Code pays before activate() runs, on every window that activates Trace Doctor),
// and dist/cli.js's modules (what every `trace-doctor` command pays). Each in a fresh node process, alternating.
// Floor, same run: the same bytes wrapped in a function that is never called — reading and pre-parsing the file, no
// module evaluated. The ratio is what module evaluation at load costs on top of that (1.0 = nothing runs at load).
// Usage: npm run build && node bench/load-time.mjs [--runs 7]
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { arg, root } from './lib.mjs';

const runs = Number(arg('runs', '7'));
const tmp = mkdtempSync(join(tmpdir(), 'td-load-'));
// the stub answers any property, call or construction, so top-level `vscode.X.Y(...)` in the bundle runs
const probe = join(tmp, 'probe.cjs');
writeFileSync(probe, `const Module = require('module'); const orig = Module._load;
const stub = () => new Proxy(function () {}, { get: (t, k) => (k === Symbol.toPrimitive ? () => '' : k === 'then' ? undefined : stub()), apply: () => stub(), construct: () => stub() });
Module._load = function (r, ...a) { return r === 'vscode' ? stub() : orig.call(this, r, ...a); };
const file = process.argv[2];
if (file.endsWith('cli.js')) process.argv = [process.argv[0], file, '--version'];
const t = process.hrtime.bigint();
if (file.endsWith('cli.js')) { process.exit = () => {}; process.stdout.write = () => true; }
require(file);
process.stderr.write(String(Number(process.hrtime.bigint() - t) / 1e6));
`);
const median = (xs) => [...xs].sort((x, y) => x - y)[xs.length >> 1];
const measure = (file) => {
  const r = spawnSync(process.execPath, [probe, file], { encoding: 'utf8' });
  const ms = Number(r.stderr.trim().split('\n').pop());
  if (!Number.isFinite(ms)) throw new Error(`loading ${file} failed:\n${r.stderr}`);
  return ms;
};
console.log('bundle               size      load (median)   floor (median)   ratio');
for (const name of ['extension.js', 'cli.js']) {
  const file = join(root, 'dist', name);
  const src = readFileSync(file, 'utf8').replace(/^#!.*\n/, '');
  const floor = join(tmp, `floor-${name}`);
  writeFileSync(floor, `function neverCalled(exports, require, module, __filename, __dirname) {\n${src}\n}\n`);
  const load = [], base = [];
  for (let i = 0; i < runs; i++) { load.push(measure(file)); base.push(measure(floor)); }
  console.log(`${name.padEnd(16)} ${(src.length / 1024 / 1024).toFixed(2).padStart(6)} MB   ${median(load).toFixed(0).padStart(8)} ms   ${median(base).toFixed(0).padStart(10)} ms   ${(median(load) / median(base)).toFixed(2).padStart(6)}`);
}
rmSync(tmp, { recursive: true, force: true });
console.log(`(${runs} fresh processes each, alternating; the ratio is load / floor on this machine, in this run)`);
