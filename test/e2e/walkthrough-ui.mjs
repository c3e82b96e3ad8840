// Scenario "wt" of run-ui.mjs: a new user who installed Trace Doctor and opened nothing. In a code-server of its own,
// started on an empty window (`?ew=true`):
//   0. Diagnose Trace with no trace file to pick from: the pick offers "Open Example Workspace…" beside Browse…;
//   1. Welcome: Open Walkthrough… → "Get Started with Trace Doctor" lists its steps (dark screenshot);
//   2. the first step's "Open Example Workspace…" → the folder dialog → "trace-doctor-example" is created in the chosen
//      folder and opened in this window (the explorer shows its traces/ and preprocessor/);
//   3. Diagnose Trace: the incident pick starts on spiked.json.gz, the baseline pick on normal.json.gz → the flame panel
//      names the pre-processor;
//   4. the walkthrough again: "Open the example" and "Diagnose the slow run" are checked; the step "See the numbers on
//      your code" → its button opens preprocessor/preprocessor.py at line 87, the line that opens the root cause's span
//      (Light Modern screenshots).
import fs from 'node:fs';
import path from 'node:path';
import { EXAMPLE, dialogStartFolder, extensionHostErrors, openOwnWorkspace, sleep, waitFor } from './lib.mjs';
import { pickColorTheme } from './flame-ui.mjs';

const TITLE = 'Get Started with Trace Doctor';

/** `ctx` = { browser, runDir, pj, Ui, makeShot(page), watchPage(page), cleanups } (as the other own-workspace scenarios). */
export async function walkthroughScenario(ctx) {
  const { dir, cs, ui, close } = await openOwnWorkspace(ctx, 'walkthrough', (d) => {
    const home = path.join(d, 'home');
    fs.mkdirSync(home, { recursive: true });
    return home;
  });
  try {
    return await walkthrough(ui, cs, path.join(dir, 'home'), dir);
  } catch (e) {
    await ui.shot('FAIL-wt');
    throw e;
  } finally {
    await close();
  }
}

async function openWalkthrough(ui) {
  const { page } = ui;
  await ui.escape(1);
  await ui.runCommand('Welcome: Open Walkthrough...');
  await ui.pick(TITLE, { filter: 'Trace Doctor' });
  await page.locator('.gettingStartedContainer .getting-started-step', { hasText: 'Open the example' }).first().waitFor({ timeout: 20000 });
  await sleep(500);
}

/** The steps as shown: title and whether VS Code shows it done. */
const steps = (page) => page.locator('.gettingStartedContainer .getting-started-step').evaluateAll((els) => els
  .filter((e) => e.offsetParent !== null)
  .map((e) => ({ title: (e.querySelector('.step-title')?.textContent ?? e.textContent).replace(/\s+/g, ' ').trim(), done: e.getAttribute('aria-checked') === 'true' })));
/** The action button inside the expanded step (the step itself is a <button> holding the same text). */
const stepButton = (page, text) => page.locator('.gettingStartedContainer .getting-started-step.expanded .monaco-button', { hasText: text }).first();

async function walkthrough(ui, cs, home, dir) {
  const { page } = ui;
  const problems = [];
  const out = {};
  // an empty window: nothing open, as after installing the extension
  await page.goto(`${cs.base}/?ew=true`);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  await ui.waitPaletteHas('Trace Doctor:');
  await ui.escape(1);
  await pickColorTheme(ui, 'Dark Modern');
  await page.locator('.monaco-workbench.vs-dark').first().waitFor({ timeout: 10000 });

  // 0. Diagnose Trace with nothing to pick from offers the example too
  await ui.runCommand('Trace Doctor: Diagnose Trace');
  await page.locator('.quick-input-widget .quick-input-title, .quick-input-widget .quick-input-header', { hasText: 'incident run' }).first().waitFor({ timeout: 20000 });
  const emptyRows = await waitFor(async () => {
    const rows = await page.locator('.quick-input-list .monaco-list-row').evaluateAll((els) => els.map((e) => e.innerText.replace(/\s+/g, ' ').trim()));
    return rows.some((r) => r.includes('Open Example Workspace')) ? rows : null;
  }, 'an "Open Example Workspace…" row in the empty incident pick', 15000).catch(() => null);
  out.emptyPick = { placeholder: await page.locator('.quick-input-widget .quick-input-box input').first().getAttribute('placeholder'), rows: emptyRows };
  if (!emptyRows) problems.push('Diagnose Trace with no trace files offers no example');
  if (!/No trace files found/.test(out.emptyPick.placeholder ?? '')) problems.push(`the empty pick's placeholder: ${out.emptyPick.placeholder}`);
  await sleep(300);
  await ui.shot('wt-dark-empty-pick');
  await ui.escape(2);

  // 1. the walkthrough
  await openWalkthrough(ui);
  out.steps = await steps(page);
  const want = ['Open the example', 'Diagnose the slow run', 'Ask in the chat', 'Diagnose your own traces'];
  for (const t of want) if (!out.steps.some((s) => s.title.startsWith(t))) problems.push(`the walkthrough has no step "${t}": ${JSON.stringify(out.steps)}`);
  // the two steps that need loaded traces are hidden until then
  if (out.steps.some((s) => s.title.startsWith('Read the flame graph'))) problems.push('"Read the flame graph" shown before anything is loaded');
  await ui.shot('wt-dark-walkthrough');
  // every step's media (markdown beside the steps), looked at in the screenshots
  for (const st of out.steps.slice(1)) {
    await page.locator('.gettingStartedContainer .getting-started-step', { hasText: st.title }).first().click();
    await sleep(800);
    await ui.shot(`wt-dark-step-${st.title.toLowerCase().replace(/[^a-z]+/g, '-')}`);
  }

  // 2. Open Example Workspace… from the step's button → the folder dialog (code-server's: a quick input with a path)
  await page.locator('.gettingStartedContainer .getting-started-step', { hasText: 'Open the example' }).first().click();
  const button = stepButton(page, 'Open Example Workspace');
  await button.waitFor({ state: 'visible', timeout: 10000 });
  await sleep(300);
  await ui.shot('wt-dark-example-step');
  await button.click();
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15000 });
  const title = (await page.locator('.quick-input-widget .quick-input-title').first().innerText().catch(() => '')).trim();
  if (!title.includes('trace-doctor-example')) problems.push(`the folder dialog's title does not say what is made: "${title}"`);
  out.dialogStart = await dialogStartFolder(page, 'the folder dialog start folder');
  const target = home + '/';
  const widget = page.locator('.quick-input-widget');
  for (let attempt = 0; ; attempt++) {
    await input.fill(target);
    await sleep(700);
    if ((await input.inputValue()) !== target) { if (attempt < 3) continue; throw new Error(`the folder dialog path is ${await input.inputValue()}`); }
    if (attempt === 0) await ui.shot('wt-dark-folder-dialog');
    await page.keyboard.press('Enter');
    try { await widget.waitFor({ state: 'hidden', timeout: 4000 }); break; } catch { if (attempt >= 3) throw new Error(`the folder dialog stayed open at ${await input.inputValue()}`); }
  }
  const dest = path.join(home, 'trace-doctor-example');
  // created, then opened in this window (nothing was open)
  await waitFor(() => fs.existsSync(path.join(dest, 'traces', 'spiked.json.gz')), `${dest} created`, 20000);
  await waitFor(() => decodeURIComponent(page.url()).includes(dest), `the window opening ${dest} (url ${page.url()})`, 30000);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: 'preprocessor' }).first().waitFor({ timeout: 30000 });
  out.created = fs.readdirSync(dest).sort();
  await ui.waitPaletteHas('Trace Doctor:');
  await ui.escape(1);

  // 3. Diagnose Trace: each pick starts on the example's file for its role
  await ui.runCommand('Trace Doctor: Diagnose Trace');
  const focused = async (role) => {
    await page.locator('.quick-input-widget .quick-input-title, .quick-input-widget .quick-input-header', { hasText: `${role} run` }).first().waitFor({ timeout: 20000 });
    await sleep(300);
    return (await page.locator('.quick-input-list .monaco-list-row.focused').first().innerText().catch(() => '')).replace(/\s+/g, ' ').trim();
  };
  out.incidentPick = await focused('incident');
  if (!out.incidentPick.startsWith('spiked.json.gz')) problems.push(`the incident pick starts on "${out.incidentPick}", not spiked.json.gz`);
  await ui.shot('wt-dark-incident-pick');
  await ui.pick('spiked.json.gz', { filter: 'spiked' });
  out.baselinePick = await focused('baseline');
  if (!out.baselinePick.startsWith('normal.json.gz')) problems.push(`the baseline pick starts on "${out.baselinePick}", not normal.json.gz`);
  await ui.pick('normal.json.gz', { filter: 'normal' });
  const frame = await ui.webviewFrame((svc) => {
    const s = document.querySelector('.fg-summary');
    return !!window.__flame && window.__flame.getDrawnRects().length > 0 && !!s && !s.hidden && s.textContent.includes(`root cause ${svc} ·`);
  }, 'the flame panel naming the pre-processor', 120000, EXAMPLE.rootService);
  out.summary = (await frame.evaluate(() => document.querySelector('.fg-summary').textContent.replace(/\s+/g, ' ').trim())).slice(0, 160);
  await ui.clearNotifications().catch(() => {});
  await sleep(300);
  await ui.shot('wt-dark-flame');

  // 4. the walkthrough again, in Light Modern: the first two steps done; the source step's button opens the line
  await pickColorTheme(ui, 'Light Modern');
  await page.locator('.monaco-workbench.vs').first().waitFor({ timeout: 10000 });
  await openWalkthrough(ui);
  out.after = await steps(page);
  for (const t of ['Open the example', 'Diagnose the slow run']) {
    const s = out.after.find((x) => x.title.startsWith(t));
    if (!s?.done) problems.push(`"${t}" is not checked after doing it: ${JSON.stringify(out.after)}`);
  }
  for (const t of ['Read the flame graph', 'See the numbers on your code']) if (!out.after.some((s) => s.title.startsWith(t))) problems.push(`"${t}" not shown once traces are loaded`);
  await ui.shot('wt-light-walkthrough-done');
  await page.locator('.gettingStartedContainer .getting-started-step', { hasText: 'Read the flame graph' }).first().click();
  await sleep(800);
  await ui.shot('wt-light-step-flame');
  await page.locator('.gettingStartedContainer .getting-started-step', { hasText: 'See the numbers on your code' }).first().click();
  const go = stepButton(page, "Go to the Root Cause's Line");
  await go.waitFor({ state: 'visible', timeout: 10000 });
  await sleep(300);
  await ui.shot('wt-light-source-step');
  await go.click();
  const opened = await waitFor(async () => ((await ui.activeTabTitle()).includes('preprocessor.py') ? ui.activeTabTitle() : null), 'preprocessor.py opened', 15000).catch(async () => `(active tab: ${await ui.activeTabTitle()})`);
  if (!opened.includes('preprocessor.py')) problems.push(`the source step's button opened ${opened}`);
  const ln = await waitFor(async () => ((await ui.cursorLine()) === 87 ? 87 : null), 'Ln 87', 10000).catch(async () => ui.cursorLine());
  if (ln !== 87) problems.push(`the source step's button put the cursor on Ln ${ln}, not 87`);
  out.sourceLine = ln;
  await page.mouse.move(5, 5);
  await sleep(500);
  await ui.shot('wt-light-source');

  const errs = extensionHostErrors(dir, 20);
  if (errs.length) problems.push(`errors in this workspace's extension-host logs: ${errs.slice(0, 6).join(' | ')}`);
  if (problems.length) throw new Error(problems.join('\n      '));
  return out;
}
