#!/usr/bin/env node
// Extension-host integration suite (test/e2e/suite, Mocha tdd) run INSIDE code-server's extension host the way
// @vscode/test-electron runs it: the workbench URL payload carries extensionDevelopmentPath (the repo root: its
// package.json + dist/) and extensionTestsPath (the built suite); the workbench reports the suite's result through
// window.codeAutomationExit(code), caught with page.exposeFunction. Builds only the suite (esbuild), not the
// extension: run `npm run build` and `bash test/e2e/setup.sh` first.
// Usage: node test/e2e/run-exthost.mjs        Output: test-output/e2e/<timestamp>-exthost/
import fs from 'node:fs';
import path from 'node:path';
import {
  ROOT, buildSuite, checkBuilt, cleanConsole, cleanupStack, extensionHostErrors, launchBrowser, log, makeRunDir, stageWorkspace,
  startCodeServer, startScriptedLlm,
} from './lib.mjs';

/** workbench start-up chatter that is not the suite's output */
const NOISE = /Resolving connection token|Resolved connection token|Creating a socket|Updating additional builtin|ChatSessionStore|\[Service Worker\]|Started local extension host|Extension host \(|^INFO\s*$/;
const BUDGET_MS = Number(process.env.E2E_EXTHOST_BUDGET_MS || 5 * 60 * 1000);

async function main() {
  const cleanups = cleanupStack();
  const runDir = makeRunDir('exthost');
  const t0 = Date.now();
  let exitCode = null, summary = null, page;
  try {
    checkBuilt();
    const suiteIndex = await buildSuite(path.join(runDir, 'suite'));
    const llm = await startScriptedLlm(runDir, cleanups);
    const { ws, source, settings } = stageWorkspace(runDir, { llmBaseUrl: llm?.baseUrl });
    log('run dir', path.relative(ROOT, runDir), '| workspace from', source, '| llm', llm?.baseUrl ?? 'none');
    const resultFile = path.join(runDir, 'exthost-result.json');
    const cs = await startCodeServer({
      runDir, exts: path.join(runDir, 'exts'), folder: ws, cleanups,
      // env given to code-server reaches the extension host
      env: { TRACE_DOCTOR_E2E: '1', TRACE_DOCTOR_E2E_RESULT: resultFile, TRACE_DOCTOR_E2E_LLM_URL: llm?.baseUrl ?? '', TRACE_DOCTOR_E2E_SETTINGS: JSON.stringify(settings),
        TRACE_DOCTOR_E2E_LOGS: path.join(runDir, 'data', 'logs') },
    });
    const browser = await launchBrowser(cleanups);
    page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
    const out = fs.createWriteStream(path.join(runDir, 'exthost-console.log'));
    cleanups.push(() => out.end());
    page.on('console', (m) => {
      const t = m.text();
      if (/open-vsx\.org|Failed to load resource|ERR_NAME_NOT_RESOLVED/.test(t)) return;
      const c = cleanConsole(t);
      out.write(c + '\n');
      // the suite's own output (mocha spec reporter) comes as INFO lines while extensionTestsPath runs
      if (/^(INFO|\[Extension Host\])/.test(c) && !NOISE.test(c)) console.log('   ', c.replace(/^(INFO|\[Extension Host\])\s*/, ''));
    });
    const done = new Promise((resolve) => page.exposeFunction('codeAutomationExit', (code) => { exitCode = code; resolve(); }));
    const payload = [['extensionDevelopmentPath', cs.remote(ROOT)], ['extensionTestsPath', cs.remote(suiteIndex)]];
    await page.goto(cs.workbenchUrl(payload));
    const timedOut = await Promise.race([done.then(() => false), new Promise((r) => setTimeout(() => r(true), BUDGET_MS).unref())]);
    await page.screenshot({ path: path.join(runDir, 'shots', timedOut || exitCode ? 'FAIL-exthost.png' : 'exthost-end.png') }).catch(() => {});
    if (timedOut) log(`no result from the extension host within ${BUDGET_MS / 1000}s`);
    try { summary = JSON.parse(fs.readFileSync(resultFile, 'utf8')); } catch { /* suite did not get to write it */ }
  } catch (e) {
    console.error('[e2e] exthost harness error:', e?.stack || e);
    if (page) await page.screenshot({ path: path.join(runDir, 'shots', 'FAIL-harness.png') }).catch(() => {});
  } finally {
    await cleanups.runAll();
  }
  const ok = exitCode === 0 && summary && summary.failed === 0 && summary.passed > 0;
  if (summary) for (const r of summary.results) console.log(`  ${r.state === 'passed' ? '✔' : '✘'} ${r.title}${r.error ? '\n      ' + r.error.split('\n')[0] : ''}`);
  console.log(`[e2e] extension-host suite: exit code ${exitCode ?? 'none'} in ${((Date.now() - t0) / 1000).toFixed(1)}s; logs ${path.relative(ROOT, runDir)}/`);
  if (!ok) {
    const errs = extensionHostErrors(runDir);
    if (errs.length) console.log('[e2e] errors in the extension-host logs:\n  ' + errs.join('\n  '));
  }
  const passed = summary?.passed ?? 0, failed = summary ? summary.failed : 1;
  console.log(`exthost: ${passed} passed, ${ok ? 0 : Math.max(failed, 1)} failed`);
  process.exit(ok ? 0 : 1);
}

main().catch((e) => { console.error(e); process.exit(1); });
