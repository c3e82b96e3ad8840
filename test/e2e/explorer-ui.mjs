// Scenario "ex" of run-ui.mjs: the Explorer's context menus and the run pick on files that are not plain JSON — the
// example's spiked run as the Collector file exporter writes it with `format: proto` and `compression: gzip`
// (`traces/spiked.binpb.gz`, made at set-up by test/helpers/protobuf-file.ts), beside the plain `traces/normal.json`,
// in a workspace of its own (a second code-server, a second page of the same browser).
//   1. F1 → "Trace Doctor: Diagnose Trace" → the incident pick lists spiked.binpb.gz as "OTLP protobuf, gzip";
//   2. Explorer: normal.json and spiked.binpb.gz selected together → right-click → "Compare Traces…" is offered (and
//      "Diagnose Trace" is not: two files) → the flame panel and the notification name the pre-processor;
//   3. spiked.binpb.gz alone → right-click → "Diagnose Trace" and "Open Trace File…" are offered, "Compare Traces…"
//      is not (Light Modern); its "Open With…" → "Trace Doctor Flame Graph" shows the file's run in an editor.
// Before, no Explorer entry showed on a `.gz` file (the menus matched resourceExtname, which is `.gz`) and protobuf
// files were never listed in the pick.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, EXAMPLE, extensionHostErrors, sleep, waitFor, writeOfflineSettings } from './lib.mjs';
import { inOwnWorkspace, pickColorTheme } from './flame-ui.mjs';
import { unreadable } from './real-faults-ui.mjs';

const PROTO = 'spiked.binpb.gz';
const PLAIN = 'normal.json';

/** The example's sources, traces/normal.json as it is and traces/spiked.binpb.gz in place of spiked.json. */
export function stageExplorerWorkspace(dir) {
  const ws = path.join(dir, 'protobuf-traces');
  fs.cpSync(EXAMPLE.dir, ws, { recursive: true });
  const spiked = path.join(ws, 'traces', 'spiked.json');
  execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test', 'helpers', 'protobuf-file.ts'), spiked, path.join(ws, 'traces', PROTO), '--framed'], { cwd: ROOT, stdio: 'pipe', timeout: 60000 });
  fs.rmSync(spiked);
  writeOfflineSettings(ws);
  return ws;
}

/** `ctx` = { browser, runDir, pj, Ui, makeShot(page), watchPage(page), cleanups } (as realFaultsScenario). */
export async function explorerScenario(ctx) {
  return inOwnWorkspace(ctx, { name: 'explorer', id: 'ex', stage: stageExplorerWorkspace }, ({ ui, dir }) => explorerMenus(ui, dir));
}

/** the labels of the open context menu (code-server draws it in the page) */
async function menuLabels(page) {
  const menu = page.locator('.context-view .monaco-menu').first();
  await menu.waitFor({ state: 'visible', timeout: 10000 });
  return (await menu.locator('.action-label').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim()).filter(Boolean);
}

async function explorerMenus(ui, dir) {
  const { page } = ui;
  const problems = [];

  // 1. the run pick lists the protobuf file, and says what it is
  await ui.runCommand('Trace Doctor: Diagnose Trace');
  const widget = page.locator('.quick-input-widget');
  await widget.waitFor({ state: 'visible' });
  await page.locator('.quick-input-widget .quick-input-box input').first().focus();
  await page.keyboard.type('spiked');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: PROTO }).first();
  const rowText = await row.waitFor({ timeout: 20000 }).then(async () => (await row.innerText()).replace(/\s+/g, ' ').trim(), () => '');
  if (!rowText) problems.push(`the incident pick does not list ${PROTO}`);
  else if (!/OTLP protobuf, gzip/.test(rowText)) problems.push(`the pick's row does not say "OTLP protobuf, gzip": ${rowText}`);
  await sleep(300);
  await ui.shot('ex-dark-pick-protobuf');
  await ui.escape(2);

  // 2. Explorer: both files selected → the context menu offers Compare Traces…, not Diagnose Trace
  await page.keyboard.press('Control+Shift+E');
  const tree = page.locator('.explorer-folders-view');
  await tree.waitFor({ state: 'visible' });
  const item = (name) => tree.locator('.monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${name.replace(/\./g, '\\.')}$`) }) }).first();
  if (!(await item(PLAIN).isVisible().catch(() => false))) await item('traces').click();
  await item(PLAIN).waitFor({ state: 'visible' });
  await item(PLAIN).click();
  // the click opens normal.json, and the Explorer then reveals (selects) the active editor's file: a Ctrl+click before
  // that is undone — wait for the editor, then add the second file
  await page.locator('.tabs-container .tab.active', { hasText: PLAIN }).waitFor({ timeout: 20000 });
  await sleep(500);
  const bothSelected = async () => (await item(PLAIN).getAttribute('class')).includes('selected') && (await item(PROTO).getAttribute('class')).includes('selected');
  for (let attempt = 0; !(await bothSelected()); attempt++) {
    if (attempt >= 3) throw new Error('could not select normal.json and spiked.binpb.gz together in the Explorer');
    if (attempt) {
      await item(PLAIN).click();
      await sleep(800);
    }
    await item(PROTO).click({ modifiers: ['Control'] });
    await sleep(500);
  }
  await item(PROTO).click({ button: 'right' });
  const two = await menuLabels(page);
  if (!two.includes('Compare Traces…')) problems.push(`two trace files selected: no "Compare Traces…" in the menu (${two.join(' | ')})`);
  if (two.includes('Diagnose Trace')) problems.push('two trace files selected: "Diagnose Trace" is offered (it takes one)');
  await sleep(300);
  await ui.shot('ex-dark-menu-compare');
  await page.locator('.context-view .monaco-menu .action-label', { hasText: 'Compare Traces…' }).first().click();

  // the protobuf run is the incident (its name), normal.json the baseline: the pre-processor, as with the JSON pair
  const frame = await ui.webviewFrame(() => {
    const s = document.querySelector('.fg-summary');
    return !!window.__flame && window.__flame.getDrawnRects().length > 0 && !!s && !s.hidden && /pre-processor/.test(s.textContent);
  }, 'the flame panel naming the pre-processor', 120000);
  await frame.evaluate(() => window.__flame.nextPaint?.());
  const summary = await frame.evaluate(() => document.querySelector('.fg-summary').textContent.replace(/\s+/g, ' ').trim());
  if (!/root cause pre-processor · preprocess-request/.test(summary)) problems.push(`the flame panel's summary: ${summary}`);
  problems.push(...unreadable(summary).map((p) => `summary: ${p}`));
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'Root cause' }).first();
  const toastText = await toast.waitFor({ timeout: 20000 }).then(async () => (await toast.innerText()).replace(/\s+/g, ' ').trim(), () => '');
  if (!/pre-processor/.test(toastText)) problems.push(`the notification after Compare Traces…: ${toastText || 'none'}`);
  await page.mouse.move(5, 5);
  await sleep(300);
  await ui.shot('ex-dark-compared');

  // 3. one file: Diagnose Trace and Open Trace File…, not Compare Traces… (Light Modern)
  await ui.clearNotifications().catch(() => {});
  // the compared run's panel closed: the only webview left will be the Open With editor's
  await ui.runCommand('View: Close All Editors');
  await pickColorTheme(ui, 'Light Modern');
  await page.locator('.monaco-workbench.vs').first().waitFor({ timeout: 10000 });
  await page.keyboard.press('Control+Shift+E');
  await item(PROTO).click();
  await waitFor(async () => (await tree.locator('.monaco-list-row.selected').count()) === 1, 'one file selected in the Explorer', 10000);
  await item(PROTO).click({ button: 'right' });
  const one = await menuLabels(page);
  for (const want of ['Diagnose Trace', 'Open Trace File…']) if (!one.includes(want)) problems.push(`${PROTO} alone: no "${want}" in the menu (${one.join(' | ')})`);
  if (one.includes('Compare Traces…')) problems.push(`${PROTO} alone: "Compare Traces…" is offered`);
  await sleep(300);
  await ui.shot('ex-light-menu-single');
  // "Open With…" → "Trace Doctor Flame Graph": the file's run in an editor of its own (split automatically)
  let openWith = null;
  if (one.includes('Open With...') || one.includes('Open With…')) {
    await page.locator('.context-view .monaco-menu .action-label', { hasText: /^Open With/ }).first().click();
    await ui.pick('Trace Doctor Flame Graph', { filter: 'Trace Doctor' });
    // one file, one run: the flame graph of that run (width = time, colour = service), no diagnosis
    const editor = await ui.webviewFrame(() => document.body.classList.contains('vscode-light') && !!window.__flame && window.__flame.getDrawnRects().length > 0 && /width = time, colour = service/.test(document.body.innerText) && /pre-processor/.test(document.body.innerText), `${PROTO} in the Trace Doctor Flame Graph editor`, 120000);
    if (await page.locator('.tabs-container .tab', { hasText: 'Diff Flame Graph' }).count()) problems.push('the compared run\'s flame panel is still open: the frame read may be that one');
    await editor.evaluate(() => window.__flame.nextPaint?.());
    openWith = await editor.evaluate(() => document.body.innerText.replace(/\s+/g, ' ').trim());
    if (!/width = time, colour = service/.test(openWith)) problems.push(`the Open With editor does not show one run's flame graph: ${openWith.slice(0, 300)}`);
    const status = await page.locator('.statusbar', { hasText: 'Trace Doctor: 1 run' }).count();
    if (!status) problems.push('the status bar does not say "Trace Doctor: 1 run" after Open With');
    problems.push(...unreadable(openWith).map((p) => `Open With editor: ${p}`));
    await page.locator('.tabs-container .tab.active', { hasText: PROTO }).waitFor({ timeout: 10000 }).catch(() => problems.push(`the Open With editor's tab is not "${PROTO}"`));
    await page.mouse.move(5, 5);
    await sleep(300);
    await ui.shot('ex-light-open-with');
  } else {
    problems.push(`${PROTO} alone: no "Open With…" in the menu (${one.join(' | ')})`);
    await ui.escape(1);
  }

  const errs = extensionHostErrors(dir, 20);
  if (errs.length) problems.push(`errors in this workspace's extension-host logs: ${errs.slice(0, 6).join(' | ')}`);
  if (problems.length) throw new Error(problems.join('\n      '));
  return { pick: rowText.slice(0, 120), openWith: openWith?.slice(0, 200), twoSelected: two.filter((l) => /Trace/.test(l)), oneSelected: one.filter((l) => /Trace/.test(l)), summary: summary.slice(0, 160) };
}
