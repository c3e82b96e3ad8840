#!/usr/bin/env node
// The flame panel survives a window reload: diagnose from the palette (quick picks), wait for the drawn flame graph,
// reload the page, and check that the WebviewPanelSerializer restored the panel and re-loaded the same runs
// (the webview draws a tree again with the root cause marked). Installed extension (no dev payload).
// Prereqs: npm run build; bash test/e2e/setup.sh.   Usage: node test/vscode/restore.mjs
import path from 'node:path';
import { EXAMPLE, checkBuilt, cleanupStack, launchBrowser, makeRunDir, sleep, stageExtension, stageWorkspace, startCodeServer, waitFor } from '../e2e/lib.mjs';

const cleanups = cleanupStack();
const runDir = makeRunDir('vscode-restore');
let ok = false;
let page;
const shot = (n) => page?.screenshot({ path: path.join(runDir, 'shots', n + '.png') }).catch(() => {});

async function flameFrame(what, timeout = 60000) {
  return waitFor(async () => {
    for (const f of page.frames()) {
      if (f === page.mainFrame()) continue;
      const st = await f.evaluate(({ service, name }) => {
        const fl = window.__flame;
        if (!fl || !(fl.nodeCount() > 0)) return null;
        const id = fl.find(service, name);
        return { nodes: fl.nodeCount(), target: id, rootCauses: fl.rootCauses() };
      }, { service: EXAMPLE.rootService, name: EXAMPLE.rootOp }).catch(() => null);
      if (st) return st;
    }
    return null;
  }, what, timeout, 300);
}

async function runCommand(title) {
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  await page.locator('.quick-input-widget input').waitFor({ state: 'visible' });
  await page.keyboard.type(title);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: title }).waitFor();
  await page.keyboard.press('Enter');
}

/** In the Diagnose pick's step whose title holds `title` (one quick input, steps 1/2 and 2/2): filter, Enter. */
async function pick(text, title) {
  await page.locator('.quick-input-widget').waitFor({ state: 'visible' });
  await page.locator('.quick-input-widget .quick-input-title, .quick-input-widget .quick-input-header', { hasText: title }).first().waitFor();
  await page.locator('.quick-input-widget .quick-input-box input').first().focus();
  await page.keyboard.press('Control+A');
  await page.keyboard.type(text);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: text }).waitFor();
  await page.keyboard.press('Enter');
}

try {
  const pj = checkBuilt();
  const { exts } = stageExtension(runDir, pj);
  const { ws } = stageWorkspace(runDir, {});
  const cs = await startCodeServer({ runDir, exts, folder: ws, cleanups });
  const browser = await launchBrowser(cleanups);
  page = await (await browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage();
  page.setDefaultTimeout(20000);
  await page.goto(cs.workbenchUrl());
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  await waitFor(async () => {
    await page.keyboard.press('Escape');
    await page.keyboard.press('F1');
    await page.keyboard.type('Trace Doctor: Diagnose Trace');
    return page.locator('.quick-input-list .monaco-list-row', { hasText: 'Trace Doctor: Diagnose Trace' }).first().isVisible();
  }, 'Trace Doctor commands in the palette', 45000, 500);
  await runCommand('Trace Doctor: Diagnose Trace');
  await pick(EXAMPLE.incident, 'incident run');
  await pick(EXAMPLE.baseline, 'baseline run');
  const before = await flameFrame('flame graph before reload');
  console.log('before reload:', JSON.stringify(before));
  await shot('1-before-reload');
  await sleep(1000);
  // "Developer: Reload Window" runs the workbench's shutdown lifecycle, which persists editor and webview state
  // (a bare page reload may not flush it to IndexedDB)
  await runCommand('Developer: Reload Window');
  await sleep(3000);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  const after = await flameFrame('flame graph restored after reload', 90000);
  console.log('after reload:', JSON.stringify(after));
  await shot('2-after-reload');
  if (after.nodes !== before.nodes) throw new Error(`restored tree has ${after.nodes} nodes, expected ${before.nodes}`);
  if (!after.rootCauses.includes(after.target)) throw new Error('restored flame graph lost the root-cause mark');
  ok = true;
} catch (e) {
  console.error('[vscode restore] FAIL:', e?.stack || e);
  await shot('FAIL');
} finally {
  await cleanups.runAll();
}
console.log(`vscode restore: ${ok ? 'PASS' : 'FAIL'} (${path.relative(process.cwd(), runDir)})`);
process.exit(ok ? 0 : 1);
