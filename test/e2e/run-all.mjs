#!/usr/bin/env node
// Runs both e2e layers one after the other (the second runs even when the first failed) and prints one total:
//   1. run-exthost.mjs — Mocha suite inside code-server's extension host (vscode API level)
//   2. run-ui.mjs      — the workbench driven through chromium like a person
//   3. ../vscode/run.mjs     — surfaces the other layers don't reach (receiver, watcher, Open With, close, menus)
//   4. ../vscode/restore.mjs — the flame panel comes back after a window reload (serializer)
// Expects `npm run build` and `bash test/e2e/setup.sh` done (`npm run test:e2e` does the setup).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectLatest } from './latest.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const startedAt = Date.now();
let passed = 0, failed = 0, bad = false;
for (const script of ['run-exthost.mjs', 'run-ui.mjs', '../vscode/run.mjs', '../vscode/restore.mjs']) {
  const t0 = Date.now();
  const out = [];
  const code = await new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(here, script), ...process.argv.slice(2)], { stdio: ['ignore', 'pipe', 'inherit'] });
    p.stdout.on('data', (d) => { process.stdout.write(d); out.push(d); });
    p.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
  });
  // the last "N passed, N failed" line of the layer; a layer without counts is one check decided by its exit code
  const counts = [...Buffer.concat(out).toString().matchAll(/(\d+) passed, (\d+) failed\s*$/gm)].pop();
  if (counts) { passed += Number(counts[1]); failed += Number(counts[2]); } else if (code === 0) passed += 1; else failed += 1;
  if (code !== 0) bad = true;
  console.log(`[e2e] ${script} exit ${code} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}
if (bad && failed === 0) failed = 1;
// this run's screenshots and results, where CI keeps them as artifacts (documented in notes/e2e.md)
const latest = collectLatest(path.join(here, '..', '..', 'test-output', 'e2e'), startedAt, `${passed} passed, ${failed} failed`);
console.log(`[e2e] screenshots of this run: ${path.relative(process.cwd(), latest)}/ (INDEX.md lists them)`);
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(bad ? 1 : 0);
