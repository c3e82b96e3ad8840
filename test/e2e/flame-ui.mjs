// Flame panel scenarios of issue 13 (items 3, 4, 5, 12, 13), run by run-ui.mjs after the pair is loaded (scenario a).
// Each drives the workbench like a person (palette, file dialog, mouse, keys) and reads the flame webview through
// its test hook window.__flame. Screenshots: shots/NN-<step>.png of the run, incl. the light and high-contrast themes.
import path from 'node:path';
import { EXAMPLE, dialogStartFolder, openOwnWorkspace, sleep, waitFor } from './lib.mjs';

/** ids and titles, in run order; `--only` accepts these ids (they imply a) */
export const FLAME_SCENARIOS = [
  ['s3', 's3 a new load resets the flame graph: Open Trace File… (Incident, zoomed) then Diagnose → Diff, no zoom, root cause selected'],
  ['s4', 's4 double-click in a narrow flame panel opens the clicked box\'s source line; the graph does not move'],
  ['s5', 's5 "/" focuses the search from the canvas; Escape in the search box clears it'],
  ['s13', 's13 sandwich view (callers above, callees below) and the minimap while zoomed'],
  ['th', 'th flame graph in the light and high-contrast themes: service palette, legend, theme colours (screenshots)'],
  ['kb', 'kb sandwich and minimap by keyboard: arrows across callers and callees, Enter, Escape; Tab to the minimap, keys pan and zoom (dark, light, high-contrast screenshots)'],
];

const flameFrame = (ui, pred = () => !!(window.__flame && window.__flame.nodeCount() > 0), what = 'flame graph webview with a tree', arg) =>
  ui.webviewFrame(pred, what, 30000, arg);

/** #rgb / #rrggbb / rgb(r, g, b) → [r, g, b] */
function parseCss(c) {
  const t = String(c).trim();
  let m = /^#([0-9a-f]{6})/i.exec(t);
  if (m) return [0, 2, 4].map((i) => parseInt(m[1].slice(i, i + 2), 16));
  m = /^#([0-9a-f]{3})$/i.exec(t);
  if (m) return [0, 1, 2].map((i) => parseInt(m[1][i] + m[1][i], 16));
  m = /rgba?\(\s*(\d+)[\s,]+(\d+)[\s,]+(\d+)/i.exec(t);
  return m ? [+m[1], +m[2], +m[3]] : null;
}

const flameState = (frame) => frame.evaluate(() => window.__flame.state());

/** Page coordinates of a drawn flame box (the frame's canvas is nested in two iframes; boundingBox() is page-relative). */
async function boxCenter(frame, rect, dx) {
  const c = await frame.locator('canvas.fg-canvas').boundingBox();
  return { x: c.x + rect.x + (dx ?? rect.w / 2), y: c.y + rect.y + rect.h / 2, canvasTop: c.y };
}

async function rectOf(frame, service, name) {
  return waitFor(() => frame.evaluate(({ service, name }) => window.__flame.getDrawnRects().find((r) => r.service === service && r.name === name) ?? null, { service, name }), `${service} / ${name} drawn`, 10000);
}

/** s3: Open Trace File… spiked.json (one run: Incident mode), zoom and select, then Diagnose the pair. */
async function stateResetScenario(ui, facts) {
  const { page } = ui;
  await ui.clearNotifications();
  await ui.runCommand('Trace Doctor: Open Trace File');
  const input = page.locator('.quick-input-widget input');
  await dialogStartFolder(page);
  const target = path.join(facts.ws, 'traces', EXAMPLE.incident);
  for (let attempt = 0; ; attempt++) {
    await input.fill(target);
    await page.locator('.quick-input-list .monaco-list-row', { hasText: EXAMPLE.incident }).first().waitFor({ timeout: 5000 }).catch(() => {});
    if ((await input.inputValue()) === target) break;
    if (attempt >= 3) throw new Error(`the file dialog path is ${await input.inputValue()}`);
  }
  await page.keyboard.press('Enter');
  // the flame graph of the single run: Incident mode, no diagnosis of a pair
  const frame = await flameFrame(ui, () => !!(window.__flame && window.__flame.nodeCount() > 0 && window.__flame.state().mode === 'incident'), 'the flame graph of the single run (incident mode)');
  // a person zooms into a box (click) and leaves it there
  const r = await rectOf(frame, EXAMPLE.rootService, EXAMPLE.otherOp);
  const at = await boxCenter(frame, r);
  await page.mouse.click(at.x, at.y);
  await waitFor(() => frame.evaluate(() => window.__flame.state().zoomNode > 0), 'zoomed into the box', 5000);
  await sleep(300); // the view state is saved (debounced)
  await page.mouse.move(5, 5);
  await ui.shot('s3-single-run-zoomed');
  const before = await flameState(frame);
  // Diagnose the pair
  await ui.runCommand('Trace Doctor: Diagnose Trace');
  await ui.pick(EXAMPLE.incident, { filter: EXAMPLE.incident, title: 'incident run' });
  await ui.pick(EXAMPLE.baseline, { filter: EXAMPLE.baseline, title: 'baseline run' });
  const f2 = await flameFrame(ui, () => !!(window.__flame && window.__flame.rootCauses().length > 0 && document.querySelector('.fg-summary .fg-badge-root')), 'the flame graph of the pair (root cause shown)', 60000);
  await sleep(200);
  await page.locator('.tabs-container .tab', { hasText: /Diff Flame Graph/ }).first().waitFor({ timeout: 20000 });
  // the pair's data is in (its diagnosis names the root cause, the tree is the pair's: baseline-only nodes exist)
  await waitFor(() => f2.evaluate(() => window.__flame.rootCauses().length > 0), 'the pair loaded in the webview', 20000);
  await sleep(300);
  const after = await f2.evaluate(() => ({ ...window.__flame.state(), rootCauses: window.__flame.rootCauses() }));
  await ui.shot('s3-pair-after-single');
  const problems = [];
  if (after.mode !== 'diff') problems.push(`mode ${after.mode} (expected diff; the single run's was ${before.mode})`);
  if (after.zoomNode !== 0 || after.view.v0 !== 0 || after.view.v1 !== 1) problems.push(`zoom carried over: node ${after.zoomNode}, view ${JSON.stringify(after.view)}`);
  if (!after.rootCauses.includes(after.selected)) problems.push(`selected node ${after.selected} is not the root cause ${after.rootCauses}`);
  if (after.search) problems.push(`search "${after.search}" carried over`);
  if (problems.length) throw new Error(problems.join('; '));
  return { before: { mode: before.mode, zoomNode: before.zoomNode }, after: { mode: after.mode, zoomNode: after.zoomNode, selected: after.selected } };
}

/** s4: the flame panel beside an editor (narrow), zoom out, double-click the root-cause box. */
async function doubleClickScenario(ui, facts) {
  const { page } = ui;
  await ui.runCommand('View: Close All Editors');
  await waitFor(async () => (await page.locator('.tabs-container .tab').count()) === 0, 'all editors closed', 10000);
  await ui.openFile(path.relative(facts.ws, facts.rootFile));
  await ui.gotoLine(1);
  await ui.runCommand('Trace Doctor: Show Flame Graph');
  const frame = await flameFrame(ui);
  await frame.evaluate(() => window.__flame.reset());
  await sleep(200);
  const width = await frame.evaluate(() => document.querySelector('canvas.fg-canvas').clientWidth);
  const r = await rectOf(frame, EXAMPLE.rootService, EXAMPLE.rootOp);
  const at = await boxCenter(frame, r, Math.min(30, r.w / 2));
  const crumbsBefore = await frame.locator('.fg-breadcrumb').boundingBox();
  await page.mouse.dblclick(at.x, at.y);
  // the root cause's line opens: the cursor moves from line 1 to one of the span-opening lines
  const spanLines = facts.candidates.map((l) => l + 1);
  const ln = await waitFor(async () => { const l = await ui.cursorLine(); return l && l !== 1 ? l : null; }, 'the cursor to move to the double-clicked operation', 10000)
    .catch(async () => { throw new Error(`nothing opened at a new line (status bar Ln ${await ui.cursorLine()}, active ${await ui.activeTabTitle()}; toasts: ${(await ui.toasts()).join(' | ').slice(0, 200)})`); });
  const canvasTop = (await frame.locator('canvas.fg-canvas').boundingBox()).y;
  const crumbsAfter = await frame.locator('.fg-breadcrumb').boundingBox();
  const st = await flameState(frame);
  await page.mouse.move(5, 5);
  await ui.shot('s4-narrow-double-click');
  const tab = await ui.activeTabTitle();
  if (!tab.includes(path.basename(facts.rootFile))) throw new Error(`active tab ${tab}, expected ${path.basename(facts.rootFile)}`);
  if (!spanLines.includes(ln)) throw new Error(`opened line ${ln}; ${EXAMPLE.rootOp} opens at ${spanLines.join(' or ')}`);
  if (Math.abs(canvasTop - at.canvasTop) > 0.5) throw new Error(`the canvas moved ${canvasTop - at.canvasTop} px under the pointer`);
  if (Math.abs(crumbsAfter.height - crumbsBefore.height) > 0.5) throw new Error(`the breadcrumb grew ${crumbsBefore.height} → ${crumbsAfter.height} px`);
  return { panelWidth: width, line: ln, zoomNode: st.zoomNode };
}

/** s5: focus the canvas with a click, "/" → search box, type, Escape → empty. */
async function searchKeysScenario(ui) {
  const { page } = ui;
  await ui.runCommand('Trace Doctor: Show Flame Graph');
  const frame = await flameFrame(ui);
  await frame.evaluate(() => window.__flame.reset());
  const r = await rectOf(frame, EXAMPLE.rootService, EXAMPLE.rootOp);
  const at = await boxCenter(frame, r);
  await page.mouse.click(at.x, at.y);
  await waitFor(() => frame.evaluate(() => document.activeElement?.classList.contains('fg-canvas')), 'the canvas focused by the click', 5000);
  await page.keyboard.press('/');
  await waitFor(() => frame.evaluate(() => document.activeElement?.tagName === 'VSCODE-TEXTFIELD'), '"/" to focus the search box', 5000);
  await page.keyboard.type('preprocess');
  await waitFor(() => frame.evaluate(() => window.__flame.state().search === 'preprocess'), 'the search to run', 5000);
  const matches = (await frame.locator('.fg-match-info').textContent()).trim();
  await ui.shot('s5-search');
  await page.keyboard.press('Escape');
  const cleared = await waitFor(() => frame.evaluate(() => {
    const f = document.querySelector('vscode-textfield');
    return window.__flame.state().search === '' && f.value === '' && f.shadowRoot.querySelector('input').value === '' ? { ok: true } : null;
  }), 'Escape to clear the search box', 5000)
    .catch(async () => { throw new Error(`after Escape the box holds "${await frame.evaluate(() => document.querySelector('vscode-textfield').value)}"`); });
  return { matches, cleared: !!cleared };
}

/** s13: S on the selected root cause → sandwich; Escape; zoom → minimap. */
async function sandwichScenario(ui) {
  const { page } = ui;
  await ui.runCommand('Trace Doctor: Show Flame Graph');
  const frame = await flameFrame(ui);
  await frame.evaluate(() => { window.__flame.reset(); window.__flame.select(window.__flame.rootCauses()[0]); });
  // the toolbar button, as a person would find it
  await frame.locator('vscode-button.fg-sandwich-toggle').click();
  const info = await waitFor(() => frame.evaluate(() => window.__flame.sandwichInfo()), 'the sandwich view', 5000);
  await frame.evaluate(() => window.__flame.nextPaint());
  const rects = await frame.evaluate(() => window.__flame.sandwichRects());
  const crumb = (await frame.locator('.fg-breadcrumb').textContent()).replace(/\s+/g, ' ').trim();
  await ui.shot('s13-sandwich');
  const middle = rects.filter((r) => r.y === info.middle * 18);
  if (!middle.some((r) => r.name === EXAMPLE.rootOp)) throw new Error(`the middle row is not ${EXAMPLE.rootOp}: ${JSON.stringify(middle.map((r) => r.name))}`);
  const callers = rects.filter((r) => r.half === 'callers' && r.y < info.middle * 18).map((r) => r.name);
  const callees = rects.filter((r) => r.half === 'callees' && r.y > info.middle * 18).map((r) => r.name);
  if (!callers.length || !callees.length) throw new Error(`callers ${callers} / callees ${callees}`);
  if (!crumb.includes(`Sandwich of ${EXAMPLE.rootService} · ${EXAMPLE.rootOp}`)) throw new Error(`breadcrumb: ${crumb}`);
  // Escape (canvas focused) goes back
  await frame.locator('canvas.fg-canvas').focus();
  await page.keyboard.press('Escape');
  await waitFor(() => frame.evaluate(() => window.__flame.state().sandwich === -1), 'back to the flame graph', 5000);
  // zoom with a click on a narrow box → the minimap appears below the graph
  const r = await rectOf(frame, EXAMPLE.rootService, EXAMPLE.otherOp);
  const at = await boxCenter(frame, r);
  await page.mouse.click(at.x, at.y);
  const mm = await waitFor(() => frame.evaluate(() => (window.__flame.minimap().shown ? window.__flame.minimap() : null)), 'the minimap while zoomed', 5000);
  await page.mouse.move(5, 5);
  await sleep(200);
  await ui.shot('s13-minimap');
  await frame.evaluate(() => window.__flame.reset());
  return { middle: EXAMPLE.rootOp, callers, callees, sandwichMs: Math.round(info.buildMs * 10) / 10, minimapMs: Math.round(mm.baseMs * 10) / 10 };
}

/**
 * A scenario's own workbench: open it, wait for the Trace Doctor commands in the palette, close the palette; `dark`:
 * switch to Dark Modern and wait for it (the scenarios that screenshot dark then light).
 */
/**
 * A scenario in a workspace of its own (a second code-server, a second page of the same browser): `stage(dir)` makes
 * the workspace, the workbench opens (Dark Modern unless `dark` is false), then `fn({ dir, ws, ui })`; a failure is
 * screenshotted as FAIL-<id> while the page is still open; the page and the code-server are closed in every case.
 * `ctx` = { browser, runDir, pj, Ui, makeShot(page), watchPage(page), cleanups }.
 */
export async function inOwnWorkspace(ctx, { name, id, stage, dark = true }, fn) {
  const { dir, ws, cs, page, ui, close } = await openOwnWorkspace(ctx, name, stage);
  try {
    await openWorkbench(page, ui, cs, { dark });
    return await fn({ dir, ws, ui });
  } catch (e) {
    await ui.shot(`FAIL-${id}`);
    throw e;
  } finally {
    await close();
  }
}

export async function openWorkbench(page, ui, cs, { dark = false } = {}) {
  await page.goto(cs.workbenchUrl());
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  await ui.waitPaletteHas('Trace Doctor:');
  await ui.escape(1);
  if (!dark) return;
  await pickColorTheme(ui, 'Dark Modern');
  await page.locator('.monaco-workbench.vs-dark').first().waitFor({ timeout: 10000 });
}

/**
 * "Preferences: Color Theme" → `theme` (the palette's first row may be "Browse Color Themes in Marketplace"). The
 * palette is reopened when its row does not show: a webview taking the focus back can close the palette as it opens
 * (seen once in CI: the row never appeared in 20 s).
 */
export async function pickColorTheme(ui, theme) {
  const { page } = ui;
  const row = page.locator('.quick-input-list .monaco-list-row').filter({ hasText: /^\s*Preferences: Color Theme/ }).first();
  for (let attempt = 0; ; attempt++) {
    await ui.escape(1);
    await page.keyboard.press('F1');
    const input = page.locator('.quick-input-widget .quick-input-box input').first();
    try {
      // F1 pressed while a webview (the report preview) holds the focus can be lost: the palette never opens and the
      // quick input stays hidden with the last pick's placeholder — press it again
      await input.waitFor({ state: 'visible', timeout: 5000 });
      await input.focus();
      await page.keyboard.press('Control+A');
      await page.keyboard.type('>Preferences: Color Theme');
      await row.click({ timeout: 5000 });
      break;
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
  await ui.pick(theme, { filter: theme });
}

/**
 * kb: the sandwich and the minimap driven by keys only (after the frame's canvas has the focus): S opens the sandwich
 * of the selected root cause, ↑ goes to its widest caller, ↓ ↓ through the middle row to its widest callee, Enter
 * makes that the middle row, Escape goes back; zoomed in, Tab reaches the minimap, → pans, + zooms, 0 shows all and
 * hands the keyboard back to the graph. Screenshots of the focused boxes in Dark Modern, Light Modern and Dark High
 * Contrast.
 */
async function keyboardScenario(ui) {
  const { page } = ui;
  const out = {};
  await ui.runCommand('Trace Doctor: Show Flame Graph');
  // the workbench starts light; Light Modern last, so later scenarios see the theme they would without this one
  for (const [theme, cls, key] of [['Dark Modern', 'vscode-dark', 'dark'], ['Dark High Contrast', 'vscode-high-contrast', 'hc-dark'], ['Light Modern', 'vscode-light', 'light']]) {
    await pickColorTheme(ui, theme);
    const frame = await flameFrame(ui, (c) => !!(window.__flame && window.__flame.nodeCount() > 0 && document.body.classList.contains(c)), `the flame webview in ${theme}`, cls);
    await frame.evaluate(() => { window.__flame.sandwich(-1); window.__flame.reset(); window.__flame.setMode('diff'); window.__flame.select(window.__flame.rootCauses()[0]); });
    await page.mouse.move(5, 5);
    const canvas = frame.locator('canvas.fg-canvas');
    await canvas.focus();
    const focusOf = () => frame.evaluate(() => window.__flame.state().sandwichFocus);
    await page.keyboard.press('s');
    await waitFor(() => frame.evaluate(() => window.__flame.sandwichInfo()), 'S to open the sandwich', 5000);
    const mid = await focusOf();
    if (mid?.label !== `${EXAMPLE.rootService}/${EXAMPLE.rootOp}`) throw new Error(`the keyboard starts on ${JSON.stringify(mid)}, not the middle row`);
    await page.keyboard.press('ArrowUp');
    const caller = await waitFor(async () => { const f = await focusOf(); return f && f.half === 'callers' ? f : null; }, '↑ to move to a caller', 5000);
    const callerDetail = (await frame.locator('.fg-detail').textContent()).replace(/\s+/g, ' ');
    if (!/caller: the times are those of/.test(callerDetail)) throw new Error(`the detail pane does not describe the caller: ${callerDetail.slice(0, 200)}`);
    await frame.evaluate(() => window.__flame.nextPaint());
    await ui.shot(`kb-${key}-sandwich-caller-focused`);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    const callee = await focusOf();
    let entered = null;
    if (callee?.half === 'callees' && callee.id > 0) {
      await frame.evaluate(() => window.__flame.nextPaint());
      await ui.shot(`kb-${key}-sandwich-callee-focused`);
      const [svc, ...rest] = callee.label.split('/');
      await page.keyboard.press('Enter');
      entered = await waitFor(() => frame.evaluate(({ svc, name }) => (window.__flame.state().sandwich === window.__flame.find(svc, name) ? name : null), { svc, name: rest.join('/') }), 'Enter to make the callee the middle row', 5000);
    }
    await page.keyboard.press('Escape');
    await waitFor(() => frame.evaluate(() => window.__flame.state().sandwich === -1), 'Escape back to the flame graph', 5000);
    // zoom in with the keyboard: the root cause's box (selected) → Enter; then Tab to the minimap
    await frame.evaluate(() => window.__flame.select(window.__flame.rootCauses()[0]));
    await canvas.focus();
    await page.keyboard.press('Enter');
    await waitFor(() => frame.evaluate(() => window.__flame.minimap().shown), 'the minimap while zoomed', 5000);
    await page.keyboard.press('Tab');
    await waitFor(() => frame.evaluate(() => document.activeElement?.classList.contains('fg-minimap')), 'Tab to reach the minimap', 5000);
    const v0 = (await flameState(frame)).view;
    await page.keyboard.press('Home');
    await page.keyboard.press('+');
    await page.keyboard.press('ArrowRight');
    const v1 = (await flameState(frame)).view;
    if (!(Math.abs(v1.v1 - v1.v0 - (v0.v1 - v0.v0) / 2) < 1e-9 && v1.v0 > 0)) throw new Error(`minimap keys: ${JSON.stringify(v0)} → ${JSON.stringify(v1)} (expected Home, 2× zoom, a pan right)`);
    await frame.evaluate(() => window.__flame.nextPaint());
    const valueText = await frame.locator('canvas.fg-minimap').getAttribute('aria-valuetext');
    if (!/^\d+ % to \d+ % of the width, rows \d+ to \d+ of \d+$/.test(valueText ?? '')) throw new Error(`the minimap's value text: ${valueText}`);
    await ui.shot(`kb-${key}-minimap-focused`);
    await page.keyboard.press('0');
    await waitFor(() => frame.evaluate(() => !window.__flame.minimap().shown && document.activeElement?.classList.contains('fg-canvas')), '0 to show the whole width and hand the keyboard back to the graph', 5000);
    out[key] = { caller: caller.label, callee: callee?.label ?? null, entered, minimap: valueText };
  }
  return out;
}

/** th: light and high-contrast themes through "Preferences: Color Theme"; screenshots in Diff and Baseline mode. */
async function themesScenario(ui) {
  const { page } = ui;
  const out = {};
  await ui.runCommand('Trace Doctor: Show Flame Graph');
  for (const [theme, cls, key] of [['Light Modern', 'vscode-light', 'light'], ['Dark High Contrast', 'vscode-high-contrast', 'hc-dark'], ['Light High Contrast', 'vscode-high-contrast-light', 'hc-light'], ['Dark Modern', 'vscode-dark', 'dark']]) {
    await pickColorTheme(ui, theme);
    const frame = await flameFrame(ui, (c) => !!(window.__flame && window.__flame.nodeCount() > 0 && document.body.classList.contains(c)), `the flame webview in ${theme}`, cls);
    await frame.evaluate(() => { window.__flame.reset(); window.__flame.setMode('diff'); });
    await sleep(300);
    // the canvas follows the theme: the pixel right of the root box's end is the editor background
    const got = await frame.evaluate(async () => {
      await window.__flame.nextPaint();
      const c = document.querySelector('canvas.fg-canvas');
      const bg = getComputedStyle(document.documentElement).getPropertyValue('--fg-bg').trim();
      const px = [...c.getContext('2d').getImageData(c.width - 3, c.height - 3, 1, 1).data].slice(0, 3);
      return { bg, px };
    });
    const want = parseCss(got.bg);
    if (!want || got.px.some((v, k) => Math.abs(v - want[k]) > 6)) throw new Error(`${theme}: the canvas background ${got.px} is not the theme's editor background ${got.bg}`);
    if (key === 'dark') { out[key] = got; continue; }
    await page.mouse.move(5, 5);
    await ui.shot(`th-${key}-diff`);
    await frame.evaluate(() => window.__flame.setMode('baseline'));
    await sleep(300);
    const legend = (await frame.locator('.fg-legend').textContent()).replace(/\s+/g, ' ').trim();
    await ui.shot(`th-${key}-baseline`);
    if (!legend.includes(EXAMPLE.rootService)) throw new Error(`${theme}: the baseline legend does not name the services: ${legend}`);
    await frame.evaluate(() => window.__flame.setMode('diff'));
    out[key] = { ...got, legend: legend.slice(0, 120) };
  }
  return out;
}

export const flameScenarioFns = { s3: stateResetScenario, s4: doubleClickScenario, s5: searchKeysScenario, s13: sandwichScenario, th: themesScenario, kb: keyboardScenario };
