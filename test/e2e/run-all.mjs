#!/usr/bin/env node
// Runs both e2e layers one after the other (the second runs even when the first failed) and prints one total:
//   1. run-exthost.mjs — Mocha suite inside code-server's extension host (vscode API level)
//   2. run-ui.mjs      — the workbench driven through chromium like a person
// Expects `npm run build` and `bash test/e2e/setup.sh` done (`npm run test:e2e` does the setup).
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
let passed = 0, failed = 0, bad = false;
for (const script of ['run-exthost.mjs', 'run-ui.mjs']) {
  const t0 = Date.now();
  const out = [];
  const code = await new Promise((resolve) => {
    const p = spawn(process.execPath, [path.join(here, script), ...process.argv.slice(2)], { stdio: ['ignore', 'pipe', 'inherit'] });
    p.stdout.on('data', (d) => { process.stdout.write(d); out.push(d); });
    p.on('exit', (c, sig) => resolve(c ?? (sig ? 1 : 0)));
  });
  const m = /(\d+) passed, (\d+) failed\s*$/m.exec(Buffer.concat(out).toString().trimEnd().split('\n').pop() ?? '');
  if (m) { passed += Number(m[1]); failed += Number(m[2]); } else failed += 1;
  if (code !== 0) bad = true;
  console.log(`[e2e] ${script} exit ${code} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
}
if (bad && failed === 0) failed = 1;
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(bad ? 1 : 0);
