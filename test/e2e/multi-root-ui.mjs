// Scenario "mr" of run-ui.mjs: a multi-root workspace (a .code-workspace file with two folders, each with its own
// traces/spiked.json and traces/normal.json and its own sources): the example's ml-pipeline and
// test/fixtures/source-links/shop. In a workspace of its own (a second code-server, a second page of the same browser).
//   1. Diagnose Trace → the incident pick shows both spiked.json files, each with its folder; shop's is picked → the
//      baseline pick starts on shop's normal.json (the incident's folder, not the other root's) → the flame panel
//      names shop's root cause, its source as "shop/shop-api/src/checkout.ts:27" (the folder's name, not an absolute
//      path), and its "Go to source" opens that file at the line that opens the span;
//   2. the same for ml-pipeline through Compare Traces… (baseline first: its normal.json, then the incident pick starts
//      on its spiked.json), the pre-processor, preprocessor/preprocessor.py at its line;
//   3. the CodeLens on that line, in Light Modern.
import fs from 'node:fs';
import path from 'node:path';
import { EXAMPLE, ROOT, extensionHostErrors, sleep, waitFor, writeOfflineSettings } from './lib.mjs';
import { inOwnWorkspace, pickColorTheme } from './flame-ui.mjs';
import { unreadable } from './real-faults-ui.mjs';

const SHOP = path.join(ROOT, 'test', 'fixtures', 'source-links', 'shop');
const CASES = [
  { folder: 'shop', service: 'shop-api', op: 'charge stripe', file: 'checkout.ts', line: 27 },
  { folder: 'ml-pipeline', service: EXAMPLE.rootService, op: EXAMPLE.rootOp, file: 'preprocessor.py', line: 87 },
];

/** Two folders side by side and the .code-workspace file naming them; the settings in the workspace file. */
export function stageMultiRootWorkspace(dir) {
  const root = path.join(dir, 'two-roots');
  fs.cpSync(EXAMPLE.dir, path.join(root, 'ml-pipeline'), { recursive: true });
  fs.cpSync(SHOP, path.join(root, 'shop'), { recursive: true });
  // the offline chat and free receiver ports, as the other own-workspace scenarios have them (folder settings)
  for (const f of ['ml-pipeline', 'shop']) writeOfflineSettings(path.join(root, f));
  const file = path.join(root, 'two-roots.code-workspace');
  fs.writeFileSync(file, JSON.stringify({
    folders: [{ path: 'ml-pipeline' }, { path: 'shop' }],
    settings: { 'traceDoctor.llm.provider': 'offline', 'traceDoctor.receiver.port': 0, 'traceDoctor.receiver.grpcPort': 0 },
  }, null, 2) + '\n');
  return file;
}

/** `ctx` = { browser, runDir, pj, Ui, makeShot(page), watchPage(page), cleanups } (as realFaultsScenario). */
export async function multiRootScenario(ctx) {
  return inOwnWorkspace(ctx, { name: 'multi-root', id: 'mr', stage: stageMultiRootWorkspace }, ({ ui, dir }) => multiRoot(ui, dir));
}

const rowsText = (page) => page.locator('.quick-input-list .monaco-list-row').evaluateAll((els) => els.map((e) => e.innerText.replace(/\s+/g, ' ').trim()));

async function multiRoot(ui, dir) {
  const { page } = ui;
  const problems = [];
  const out = {};
  for (const [k, c] of CASES.entries()) {
    await ui.clearNotifications().catch(() => {});
    // the first through Diagnose Trace (incident, then baseline), the second through Compare Traces… (baseline first)
    const order = k === 0 ? [['spiked.json', 'incident'], ['normal.json', 'baseline']] : [['normal.json', 'baseline'], ['spiked.json', 'incident']];
    await ui.runCommand(k === 0 ? 'Trace Doctor: Diagnose Trace' : 'Trace Doctor: Compare Traces…');
    await page.locator('.quick-input-widget').waitFor({ state: 'visible' });
    await page.locator('.quick-input-widget .quick-input-box input').first().focus();
    const [[firstFile, firstRole], [secondFile, secondRole]] = order;
    await page.locator('.quick-input-widget .quick-input-title, .quick-input-widget .quick-input-header', { hasText: `${firstRole} run` }).first().waitFor();
    await page.keyboard.type(firstFile);
    // both roots' file, each said with its folder
    const both = await waitFor(async () => {
      const rows = (await rowsText(page)).filter((r) => r.startsWith(firstFile));
      return rows.length >= 2 ? rows : null;
    }, `two ${firstFile} rows in the ${firstRole} pick`, 20000).catch(async () => (await rowsText(page)));
    for (const f of ['ml-pipeline', 'shop']) if (!both.some((r) => r.includes(`${f}/traces`))) problems.push(`the ${firstRole} pick has no ${firstFile} of ${f}: ${both.join(' | ')}`);
    if (k === 0) {
      await sleep(300);
      await ui.shot('mr-dark-incident-pick');
    }
    // the two rows differ only by their folder (the pick also matches on it): this folder's, by a click
    await page.locator('.quick-input-list .monaco-list-row', { hasText: `${c.folder}/traces` }).filter({ hasText: firstFile }).first().click();
    // the second pick starts on the first one's folder's file
    await page.locator('.quick-input-widget .quick-input-title, .quick-input-widget .quick-input-header', { hasText: `${secondRole} run` }).first().waitFor();
    const first = await page.locator('.quick-input-list .monaco-list-row.focused').first().innerText().then((t) => t.replace(/\s+/g, ' ').trim(), () => '');
    if (!(first.startsWith(secondFile) && first.includes(`${c.folder}/traces`))) problems.push(`${c.folder}: the ${secondRole} pick starts on "${first}", not ${c.folder}/traces/${secondFile}`);
    await sleep(300);
    await ui.shot(k === 0 ? 'mr-dark-baseline-pick' : 'mr-dark-compare-incident-pick');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: `${c.folder}/traces` }).filter({ hasText: secondFile }).first().click();

    const frame = await ui.webviewFrame((svc) => {
      const s = document.querySelector('.fg-summary');
      return !!window.__flame && window.__flame.getDrawnRects().length > 0 && !!s && !s.hidden && s.textContent.includes(`root cause ${svc} ·`);
    }, `the flame panel naming ${c.service}`, 120000, c.service);
    const summary = await frame.evaluate(() => document.querySelector('.fg-summary').textContent.replace(/\s+/g, ' ').trim());
    if (!summary.includes(`${c.service} · ${c.op}`)) problems.push(`${c.folder}: the flame panel's summary: ${summary}`);
    problems.push(...unreadable(summary).map((p) => `${c.folder} summary: ${p}`));
    // the root cause is selected: its detail pane's "Go to source" opens the line in this folder's file
    // the link is named by its folder, as VS Code names a file of a multi-root workspace — not an absolute path
    const link = await frame.evaluate(() => document.querySelector('.fg-source')?.textContent?.trim() ?? '');
    if (!new RegExp(`^${c.folder}/.*${c.file.replace('.', '\\.')}:${c.line}$`).test(link)) problems.push(`${c.folder}: the detail pane's source is "${link}", not ${c.folder}/…/${c.file}:${c.line}`);
    await frame.locator('.fg-go-source').first().click();
    const opened = await waitFor(async () => ((await ui.activeTabTitle()).includes(c.file) ? ui.activeTabTitle() : null), `${c.file} opened by Go to source`, 15000).catch(async () => `(active tab: ${await ui.activeTabTitle()})`);
    if (!opened.includes(c.file)) problems.push(`${c.folder}: Go to source opened ${opened}, not ${c.file}`);
    const ln = await waitFor(async () => ((await ui.cursorLine()) === c.line ? c.line : null), `Ln ${c.line}`, 10000).catch(async () => ui.cursorLine());
    if (ln !== c.line) problems.push(`${c.folder}: Go to source put the cursor on Ln ${ln}, not ${c.line}`);
    // the editor's path (breadcrumbs) is inside this folder
    const crumbs = (await page.locator('.editor-group-container.active .breadcrumbs-control').first().innerText().catch(() => '')).replace(/\s+/g, ' ');
    out[c.folder] = { summary: summary.slice(0, 120), opened, line: ln, crumbs: crumbs.slice(0, 120), source: link };
    if (k === CASES.length - 1) {
      await pickColorTheme(ui, 'Light Modern');
      await page.locator('.monaco-workbench.vs').first().waitFor({ timeout: 10000 });
      // the CodeLens on the line, in this folder's file
      const lens = page.locator('.editor-group-container.active .codelens-decoration', { hasText: c.op }).first();
      const lensText = await lens.waitFor({ timeout: 20000 }).then(async () => (await lens.innerText()).trim(), () => '');
      if (!lensText) problems.push(`${c.folder}: no CodeLens naming ${c.op} in ${c.file}`);
      out[c.folder].lens = lensText.slice(0, 120);
      await page.mouse.move(5, 5);
      await sleep(300);
      await ui.shot('mr-light-source');
    } else {
      await page.mouse.move(5, 5);
      await sleep(300);
      await ui.shot('mr-dark-source');
    }
  }
  const errs = extensionHostErrors(dir, 20);
  if (errs.length) problems.push(`errors in this workspace's extension-host logs: ${errs.slice(0, 6).join(' | ')}`);
  if (problems.length) throw new Error(problems.join('\n      '));
  return out;
}
