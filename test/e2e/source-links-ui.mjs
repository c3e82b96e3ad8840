// Scenario "sl" of run-ui.mjs: source links on a user's own code (walkthrough 2026-12-07, source links). The workspace is
// test/fixtures/source-links/shop: a TypeScript service whose traces come from its own code run under the real
// OpenTelemetry JS SDK, and Python / Go / Java / .NET services with hand-made traces (code.* attributes from a
// container, from a Windows build agent, from an older build of the file). Through the palette:
// Diagnose Trace → spiked.json, normal.json, then in each file the CodeLens must sit right above the line that opens
// the span — not above a comment, a JSDoc example or a log message that mentions the call — and the root cause's hover
// says its name is built at run time. Screenshots in Dark Modern and Light Modern.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, extensionHostErrors, sleep, writeOfflineSettings } from './lib.mjs';
import { inOwnWorkspace, pickColorTheme } from './flame-ui.mjs';

const SHOP = path.join(ROOT, 'test', 'fixtures', 'source-links', 'shop');

export function stageSourceLinksWorkspace(dir) {
  const ws = path.join(dir, 'shop');
  fs.cpSync(SHOP, ws, { recursive: true });
  writeOfflineSettings(ws);
  return ws;
}

/** Where each lens must be: file, the lens's operation, the 1-based line that opens its spans, and lines it must not be on. */
const EXPECT = [
  { file: 'shop-api/src/checkout.ts', op: 'charge stripe', line: 27, root: true },
  { file: 'shop-api/src/checkout.ts', op: 'checkout', line: 12 },
  { file: 'shop-api/src/checkout.ts', op: 'reserve-stock', line: 21, not: [13] }, // 13: commented-out code
  { file: 'shop-api/src/users.ts', op: 'load-user', line: 10, not: [7] }, // 7: the JSDoc's example
  { file: 'shop-api/src/server.ts', op: 'POST /api/checkout', line: 13 }, // the HTTP server span: its route's declaration
  // a route of a router served under a prefix: server.ts mounts it with app.use('/api/orders', ordersRouter)
  { file: 'shop-api/src/routes/orders.ts', op: 'GET /api/orders/:id', line: 7, not: [4] }, // 4: the JSDoc naming the mount
  { file: 'services/recommend/app/recommend.py', op: 'fetch-features', line: 21, not: [20] }, // 20: a log message
  { file: 'services/recommend/app/recommend.py', op: 'recommend', line: 37, not: [5, 35] }, // 5: docstring; 35: the trace's stale code.lineno
  { file: 'services/orders/src/main/java/com/shop/orders/OrderService.java', op: 'place-order', line: 18 }, // C:\build\… attribute
  { file: 'services/orders/src/main/java/com/shop/orders/OrderService.java', op: 'OrderService.reserve', line: 33 }, // bare @WithSpan
  // a scheduled job's span: code.namespace + code.function, no file, no line opens it — the method's declaration
  { file: 'services/orders/src/main/java/com/shop/orders/OrderService.java', op: 'OrderService.expireReservations', line: 47, not: [45] },
];

/** `ctx` = { browser, runDir, pj, Ui, makeShot(page), watchPage(page), cleanups } (as thinShareScenario). */
export async function sourceLinksScenario(ctx) {
  return inOwnWorkspace(ctx, { name: 'source-links', id: 'sl', stage: stageSourceLinksWorkspace }, ({ ui, dir, ws }) => sourceLinks(ui, dir, ws));
}

/** The CodeLens naming `op` in the active editor and the 1-based line right below it (the line it annotates). */
async function lensLine(ui, op, lines) {
  const { page } = ui;
  const lens = page.locator('.editor-group-container.active .codelens-decoration', { hasText: new RegExp(`^\\s*${op.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} ·`) }).first();
  await lens.waitFor({ timeout: 20000 });
  // a CodeLens being re-rendered (the editor scrolled or a provider refreshed) has no box for a moment: ask again
  // (CI once read null here)
  let lb = null;
  for (let k = 0; k < 50 && !lb; k++) {
    lb = await lens.boundingBox().catch(() => null);
    if (!lb) await sleep(200);
  }
  if (!lb) throw new Error(`the CodeLens of ${op} stayed without a box for 10 s`);
  // the view line whose top is the lens zone's bottom: compare with each rendered line's text
  const rows = await page.locator('.editor-group-container.active .monaco-editor .view-line').evaluateAll((els) =>
    els.map((e) => ({ top: e.getBoundingClientRect().top, text: e.textContent.replace(/\u00a0/g, ' ') })),
  );
  const below = rows.filter((r) => r.top >= lb.y + lb.height - 2).sort((a, b) => a.top - b.top)[0];
  if (!below) return { line: null, title: (await lens.innerText()).trim() };
  const line = lines.findIndex((l) => l.trimEnd() === below.text.trimEnd()) + 1;
  return { line, text: below.text.trim(), title: (await lens.innerText()).trim() };
}

async function sourceLinks(ui, dir, ws) {
  const { page } = ui;
  await ui.clearNotifications();
  await ui.runCommand('Trace Doctor: Diagnose Trace');
  await ui.pick('spiked.json', { filter: 'spiked', title: 'incident run' });
  await ui.pick('normal.json', { filter: 'normal', title: 'baseline run' });
  await ui.webviewFrame(() => !!window.__flame && window.__flame.nodeCount() > 0, 'the flame panel', 120000);
  await ui.clearNotifications();
  const problems = [];
  const found = [];
  let opened = '';
  for (const e of EXPECT) {
    const lines = fs.readFileSync(path.join(ws, e.file), 'utf8').split('\n');
    if (opened !== e.file) {
      await ui.openFile(e.file);
      opened = e.file;
    }
    await ui.gotoLine(e.line);
    await sleep(300);
    const got = await lensLine(ui, e.op, lines).catch((err) => ({ line: null, title: '', err: String(err.message || err).split('\n')[0] }));
    found.push(`${e.op}@${got.line}`);
    if (got.line !== e.line) problems.push(`${e.file}: the "${e.op}" lens is above line ${got.line} (${got.text ?? got.err ?? '?'}), not line ${e.line} (${lines[e.line - 1].trim()})`);
    if (e.root && !/ROOT CAUSE/.test(got.title)) problems.push(`${e.file}:${e.line}: the lens does not say ROOT CAUSE: ${got.title}`);
    if (e.op === 'charge stripe') await ui.shot('sl-dark-codelens-checkout');
    if (e.op === 'POST /api/checkout') await ui.shot('sl-dark-codelens-route');
    if (e.op === 'recommend') await ui.shot('sl-dark-codelens-recommend');
    if (e.op === 'GET /api/orders/:id') await ui.shot('sl-dark-codelens-prefixed-route');
  }
  // edits above the call (unsaved): the lens and the gutter follow the call; reverted, they are back on line 27
  await ui.openFile('shop-api/src/checkout.ts');
  const disk = fs.readFileSync(path.join(ws, 'shop-api/src/checkout.ts'), 'utf8').split('\n');
  const rootText = disk[26].trim();
  await ui.gotoLine(27);
  await ui.escape(1);
  for (let k = 0; k < 3; k++) await page.keyboard.press('Enter');
  const edited = [...disk.slice(0, 26), '', '', '', ...disk.slice(26)];
  let moved = null;
  for (let t = 0; t < 20 && moved?.line !== 30; t++) {
    await sleep(300);
    moved = await lensLine(ui, 'charge stripe', edited).catch(() => null);
  }
  found.push(`edited:charge stripe@${moved?.line}`);
  if (moved?.line !== 30) problems.push(`after 3 lines typed above checkout.ts:27 the "charge stripe" lens is above line ${moved?.line} (${moved?.text}), not 30`);
  const gutter = await page.locator('.editor-group-container.active .margin-view-overlays .cgmr').count().catch(() => 0);
  await ui.shot('sl-dark-codelens-after-edit');
  // undo (code-server saves after a second by default, as VS Code for the web does: File: Revert File is no help)
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click({ position: { x: 5, y: 5 } }).catch(() => {});
  const undone = async () => {
    const shown = await page.locator('.editor-group-container.active .monaco-editor .view-line').evaluateAll((els) =>
      els.map((e) => ({ top: e.getBoundingClientRect().top, t: e.textContent.replace(/\u00a0/g, ' ').trim() })).sort((x, y) => x.top - y.top).map((x) => x.t));
    const i = shown.findIndex((t) => t.startsWith('async function charge('));
    return i >= 0 && shown[i + 1] === rootText;
  };
  for (let k = 0; k < 6 && !(await undone()); k++) {
    await page.keyboard.press('Control+Z');
    await sleep(400);
  }
  let back = null;
  for (let t = 0; t < 20 && back?.line !== 27; t++) {
    await sleep(300);
    back = await lensLine(ui, 'charge stripe', disk).catch(() => null);
  }
  found.push(`reverted:charge stripe@${back?.line}`);
  if (back?.line !== 27) problems.push(`after undoing the edits the "charge stripe" lens is above line ${back?.line}, not 27`);
  void gutter;

  // the root cause's hover: the figures, and that its name is built at run time on that line
  await ui.openFile('shop-api/src/checkout.ts');
  const rootLine = fs.readFileSync(path.join(ws, 'shop-api/src/checkout.ts'), 'utf8').split('\n')[26];
  const hover = await ui.hoverOn(27, rootLine.trim(), 'startSpan', 'charge stripe');
  if (!hover) problems.push('no hover on checkout.ts:27');
  else {
    for (const want of ['ROOT CAUSE', 'p95', 'built at run time', 'charge ${provider}']) if (!hover.text.includes(want)) problems.push(`the hover lacks "${want}": ${hover.text.slice(0, 300)}`);
  }
  await sleep(300);
  await ui.shot('sl-dark-hover-runtime-name');
  await page.mouse.move(5, 5);
  // the scheduled job's link is its function's declaration (from code.function): the hover says so, in both themes
  const JAVA = 'services/orders/src/main/java/com/shop/orders/OrderService.java';
  const jobLine = fs.readFileSync(path.join(ws, JAVA), 'utf8').split('\n')[46];
  const jobHover = async (theme) => {
    await ui.openFile(JAVA);
    // the theme as asked (a quick open right after the theme pick once showed the previous theme)
    const cls = theme === 'light' ? '.monaco-workbench.vs' : '.monaco-workbench.vs-dark';
    if (!(await page.locator(cls).count())) {
      await pickColorTheme(ui, theme === 'light' ? 'Light Modern' : 'Dark Modern');
      await page.locator(cls).first().waitFor({ timeout: 10000 });
      await ui.openFile(JAVA);
    }
    const h = await ui.hoverOn(47, jobLine.trim(), 'expireReservations', 'OrderService.expireReservations');
    if (!h) problems.push(`no hover on OrderService.java:47 (${theme})`);
    else for (const want of ['OrderService.expireReservations', 'name its function, not its file', 'declares code.function']) if (!h.text.includes(want)) problems.push(`the ${theme} job hover lacks "${want}": ${h.text.slice(0, 300)}`);
    await sleep(300);
    await ui.shot(`sl-${theme}-hover-function-link`);
    await page.mouse.move(5, 5);
    return h;
  };
  await jobHover('dark');
  await pickColorTheme(ui, 'Light Modern');
  await page.locator('.monaco-workbench.vs').first().waitFor({ timeout: 10000 });
  await ui.openFile('shop-api/src/checkout.ts');
  const light = await ui.hoverOn(27, rootLine.trim(), 'startSpan', 'charge stripe');
  if (!light) problems.push('no hover on checkout.ts:27 in Light Modern');
  await sleep(300);
  await ui.shot('sl-light-hover-runtime-name');
  await page.mouse.move(5, 5);
  const jobLight = await jobHover('light');
  const errs = extensionHostErrors(dir, 20);
  if (errs.length) problems.push(`errors in this workspace's extension-host logs: ${errs.slice(0, 6).join(' | ')}`);
  if (problems.length) throw new Error(problems.join('\n      '));
  return { lenses: found.join(', '), hover: hover?.text.replace(/\s+/g, ' ').slice(0, 160), functionHover: jobLight?.text.replace(/\s+/g, ' ').slice(0, 200) };
}
