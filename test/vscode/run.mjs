#!/usr/bin/env node
// Runs test/vscode/*.e2e.ts (engineer E's extension-surface checks) in code-server's extension host, driven by
// headless Chromium, reusing the shared e2e harness (test/e2e/lib.mjs) and its Mocha entry (test/e2e/suite/index.ts).
// Prereqs: npm run build; bash test/e2e/setup.sh.   Usage: node test/vscode/run.mjs
// Output: test-output/e2e/<timestamp>-vscode-surfaces/ (shots/live.png: side bar, CodeLens, gutter, status bar).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ROOT, checkBuilt, cleanConsole, cleanupStack, launchBrowser, makeRunDir, stageWorkspace, startCodeServer } from '../e2e/lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const BUDGET_MS = 5 * 60 * 1000;
const esbuild = await import('esbuild');
const cleanups = cleanupStack();
const runDir = makeRunDir('vscode-surfaces');
let code = null;
try {
  checkBuilt();
  const outDir = path.join(runDir, 'suite');
  // flat output: index.js (the shared Mocha entry) runs the *.e2e.js next to it
  const entries = { index: path.join(ROOT, 'test', 'e2e', 'suite', 'index.ts') };
  for (const f of fs.readdirSync(here).filter((n) => n.endsWith('.e2e.ts'))) entries[f.replace(/\.ts$/, '')] = path.join(here, f);
  await esbuild.build({ entryPoints: entries, outdir: outDir, bundle: true, platform: 'node', format: 'cjs', target: 'node20', external: ['vscode', 'mocha'], logLevel: 'warning' });
  const { ws } = stageWorkspace(runDir, {});
  const cs = await startCodeServer({ runDir, exts: path.join(runDir, 'exts'), folder: ws, cleanups, env: { TRACE_DOCTOR_E2E_RESULT: path.join(runDir, 'result.json') } });
  const browser = await launchBrowser(cleanups);
  const page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.on('console', (m) => {
    const c = cleanConsole(m.text());
    if (c.includes('SHOT now')) void page.screenshot({ path: path.join(runDir, 'shots', 'live.png') });
    if (process.env.VERBOSE || /^(INFO|\[Extension Host\])?\s*(✔|✘|\d+\) [A-Za-z]|\d+ passing|\d+ failing|exthost:|AssertionError|Error:)/.test(c)) console.log('   ', c.replace(/^(INFO|\[Extension Host\])\s*/, ''));
  });
  const done = new Promise((resolve) => page.exposeFunction('codeAutomationExit', (c) => { code = c; resolve(); }));
  await page.goto(cs.workbenchUrl([['extensionDevelopmentPath', cs.remote(ROOT)], ['extensionTestsPath', cs.remote(path.join(outDir, 'index.js'))]]));
  await Promise.race([done, new Promise((r) => setTimeout(r, BUDGET_MS).unref())]);
  if (code === null) console.log(`no result within ${BUDGET_MS / 1000}s`);
} catch (e) {
  console.error('[vscode surfaces] harness error:', e?.stack || e);
} finally {
  await cleanups.runAll();
}
console.log(`vscode surfaces: ${code === 0 ? 'PASS' : 'FAIL'} (${path.relative(ROOT, runDir)})`);
process.exit(code === 0 ? 0 : 1);
