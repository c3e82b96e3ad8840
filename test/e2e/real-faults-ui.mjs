// Scenario rf of run-ui.mjs: a new user's walkthrough of two REAL fault cases (test/fixtures/real-faults, Nezha
// dataset, MIT) in VS Code. These exports differ from the ml-pipeline example the other scenarios use: gzipped OTLP
// JSON Lines, no span kind, no status, no attributes. The scenario runs in a workspace of its own (a second
// code-server on another free port, a second page of the same browser), laid out like the fixture folder:
//   cases/<id>/incident.jsonl.gz, baselines/<day>.jsonl.gz, README.md, LICENSE
// and does what a person does: F1 → "Trace Doctor: Diagnose Trace" → the incident among the workspace's trace files
// (typed filter: the case's folder) → its baseline → reads the flame panel's answer and evidence, the Runs view and the
// chat's offline answer (provider "offline": no LLM). Screenshots of every surface.
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, extensionHostErrors, sleep, waitFor, writeOfflineSettings } from './lib.mjs';
import { inOwnWorkspace, pickColorTheme } from './flame-ui.mjs';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'real-faults');

/** The two cases and what a reader must see (from the engine's answer on them; see notes/e2e-real-faults.md). */
export const REAL_FAULT_CASES = [
  {
    id: 'ob-exception-frontend-0823-1227',
    baseline: 'onlineboutique-2022-08-23-1700.jsonl.gz',
    rootService: 'frontend',
    // the mean trace is NOT slower (219 → 226 ms, p = 0.19): only the checkout requests changed
    evidence: [/stops right after calling checkoutservice/],
    // the answer line says the run is not slower overall, and which requests changed
    summary: [/not significantly slower overall/],
    changed: /checkoutservice \/ hipstershop\.CheckoutService\/PlaceOrder — 18 incident traces/,
    narrowRoot: false, // frontend's entry span is the whole graph's width
    // the checkout requests that stop early share their call paths with the other requests: no box of the merged graph
    // is gone, and the answer says so instead of pointing at a baseline that shows nothing else (h26)
    noneGone: /^No box of this graph is gone: the calls it no longer makes are still made, on the same call paths, by the requests that did not change/,
  },
  {
    // a fail-fast (h26): frontend returns early and stops calling its dependencies; one call path is gone entirely in
    // the incident — adservice's getAdsByCategory — and Diff mode draws it hatched at its baseline width
    id: 'ob-return-frontend-0822-0402',
    baseline: 'onlineboutique-2022-08-22-0353.jsonl.gz',
    rootService: 'frontend',
    evidence: [/stopped calling its dependencies/],
    narrowRoot: false,
    gone: { service: 'adservice', name: 'hipstershop.AdService/getAdsByCategory', detail: /^Gone in the incident: 0\.\d\d calls per trace in the baseline \(\d+ calls\), 0 now — adservice · hipstershop\.AdServiceImpl\/getAds no longer makes this call; [\d.]+ ms per trace of baseline time, drawn hatched at that width\.$/ },
  },
  {
    // CPU contention (h24): three figures for one root cause on one screen — the sentence per call over all call paths,
    // the effect per trace, the detail pane one call path — each labelled, and the pane relates them
    id: 'tt-cpu-contention-ts-travel-service-0130-1306',
    baseline: 'trainticket-2023-01-30-1139.jsonl.gz',
    rootService: 'ts-travel-service',
    evidence: [/over all 2 call paths of the operation: self time per call [\d.]+ ms → [\d.]+ ms/],
    summary: [/effect \+\d+ ms per trace over 2 call paths · end-to-end \d+ ms → \d+ ms$/],
    narrowRoot: false,
    figures: {
      scope: 'this call path',
      detail: [/self \/ call/, /Δ self \+\d+ ms per trace/, /All 2 call paths of HTTP POST: self \/ call [\d.]+ ms → \d+ ms, self \/ trace [\d.]+ ms → \d+ ms \(\+\d+ ms\)/, /The diagnosis' effect, \+\d+ ms per trace, is the whole operation's \(2 call paths\), end to end; this call path: \+\d+ ms per trace of own time\./],
    },
  },
  {
    id: 'tt-network-delay-ts-security-service-0130-1400',
    baseline: 'trainticket-2023-01-30-1139.jsonl.gz',
    rootService: 'ts-security-service',
    // the gap per caller, before → after
    evidence: [/ts-preserve-other-service [\d.]+ ms → [\d.]+ s/, /ts-preserve-service [\d.]+ ms → [\d.]+ s/],
    // the effect is the callee operation's over the 2 call paths its callers reach it through
    summary: [/effect \+\d+ ms per trace over 2 call paths · end-to-end \d+ ms → \d+ ms$/],
    // its own spans are short (the delay is felt by its callers): a sliver at full width, found by "Zoom to the root cause"
    narrowRoot: true,
    // the gateway's WebFlux handler span is a childless sibling of the HTTP POST it awaits (a wrapping twin): it waits,
    // so its box must not be the loudest red of the diff, and its numbers say why its own time is ~0
    waiter: { service: 'ts-gateway-service', name: 'FilteringWebHandler.handle' },
    // its own time did not grow: the detail pane and the Runs row say where the +406 ms per trace is (h21 walkthrough)
    rootDetail: /Diagnosis: \+\d+ ms per trace, in the wait before its spans start \(its callers' time\), not in its own time\./,
    rootRow: /^ts-security-service ?\+\d+ ms\/trace waiting before its spans · root cause · own /,
    // the reddest boxes are the callers' HTTP GETs (kind-less export: the wait lands in their own time): their numbers
    // say why, with the gap before → after, and link to the security service's box (h26)
    waits: { service: 'ts-preserve-other-service', name: 'HTTP GET', callee: 'ts-security-service', text: /^Its own time \([\d.]+ ms → [\d.]+ ms per call\) grew because it waits for ts-security-service: the time between its span and ts-security-service's span grew [\d.]+ ms → [\d.]+ s per call \(median over ts-preserve-other-service's calls to ts-security-service\) — the engine's finding on ts-security-service, not work of its own\./ },
  },
];

/** A truncated copy of a case's incident (h21 walkthrough): it loads in part, and the notification says so. */
const TRUNCATED = { dir: 'truncated-copy', of: 'tt-network-delay-ts-security-service-0130-1400', baseline: 'trainticket-2023-01-30-1139.jsonl.gz' };

/** The workspace: both cases and their baselines in the fixture folder's layout, chat set to the offline engine. */
export function stageRealFaultWorkspace(dir) {
  const ws = path.join(dir, 'real-faults');
  for (const c of REAL_FAULT_CASES) {
    fs.mkdirSync(path.join(ws, 'cases', c.id), { recursive: true });
    fs.copyFileSync(path.join(FIXTURES, 'cases', c.id, 'incident.jsonl.gz'), path.join(ws, 'cases', c.id, 'incident.jsonl.gz'));
    fs.mkdirSync(path.join(ws, 'baselines'), { recursive: true });
    fs.copyFileSync(path.join(FIXTURES, 'baselines', c.baseline), path.join(ws, 'baselines', c.baseline));
  }
  for (const f of ['README.md', 'LICENSE']) fs.copyFileSync(path.join(FIXTURES, f), path.join(ws, f));
  // a copy taken while the file was still being written: the TrainTicket incident cut at 60 % of its bytes
  const cut = fs.readFileSync(path.join(FIXTURES, 'cases', TRUNCATED.of, 'incident.jsonl.gz'));
  fs.mkdirSync(path.join(ws, 'cases', TRUNCATED.dir), { recursive: true });
  fs.writeFileSync(path.join(ws, 'cases', TRUNCATED.dir, 'incident.jsonl.gz'), cut.subarray(0, Math.floor(cut.length * 0.6)));
  writeOfflineSettings(ws);
  return ws;
}

/** Text that must never reach a reader: control characters, escaped ones, and values that were never formatted. */
export function unreadable(text) {
  const bad = [];
  // eslint-disable-next-line no-control-regex
  const ctl = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/.exec(text);
  if (ctl) bad.push(`control character U+${ctl[0].charCodeAt(0).toString(16).padStart(4, '0')} near ${JSON.stringify(text.slice(Math.max(0, ctl.index - 30), ctl.index + 30))}`);
  for (const re of [/\\u00[0-9a-f]{2}/i, /\bundefined\b/, /\bNaN\b/, /\[object Object\]/, /&nbsp;|&amp;|&lt;/]) {
    const m = re.exec(text);
    if (m) bad.push(`"${m[0]}" near ${JSON.stringify(text.slice(Math.max(0, m.index - 40), m.index + 40))}`);
  }
  return bad;
}

/**
 * rf: both cases diagnosed through the palette, each read off the flame panel; then the Runs view and the chat.
 * `ctx` = { browser, runDir, pj, Ui, makeShot(page), watchPage(page), cleanups }.
 */
export async function realFaultsScenario(ctx) {
  return inOwnWorkspace(ctx, { name: 'rf', id: 'rf', stage: stageRealFaultWorkspace, dark: false }, async ({ ui, dir }) => {
    const out = { cases: {} };
    for (const c of REAL_FAULT_CASES) out.cases[c.id] = await diagnoseCase(ui, c);
    out.runs = await runsView(ui, REAL_FAULT_CASES[REAL_FAULT_CASES.length - 1]);
    out.chat = await offlineChat(ui, REAL_FAULT_CASES[REAL_FAULT_CASES.length - 1]);
    out.truncated = await truncatedCase(ui);
    const errs = extensionHostErrors(dir, 20);
    if (errs.length) throw new Error(`errors in this workspace's extension-host logs:\n      ${errs.slice(0, 6).join('\n      ')}`);
    return out;
  });
}

/** Type `filter` into the open quick pick, wait until the FOCUSED row holds every one of `texts`, Enter. */
async function pickRow(ui, title, filter, texts) {
  const { page } = ui;
  await page.locator('.quick-input-widget .quick-input-title, .quick-input-widget .quick-input-header', { hasText: title }).first().waitFor();
  await page.locator('.quick-input-widget .quick-input-box input').first().focus(); // see UI.pick in run-ui.mjs
  await page.keyboard.press('Control+A');
  await page.keyboard.type(filter);
  let row = page.locator('.quick-input-list .monaco-list-row.focused');
  for (const t of texts) row = row.filter({ hasText: t });
  await row.first().waitFor({ timeout: 15000 }).catch(async (e) => {
    const rows = await page.locator('.quick-input-list .monaco-list-row').allInnerTexts().catch(() => []);
    throw new Error(`no focused row with ${texts.join(' + ')} after typing "${filter}" (rows: ${rows.map((r) => r.replace(/\s+/g, ' ')).join(' | ').slice(0, 400)}): ${e.message}`);
  });
  return row.first();
}

async function diagnoseCase(ui, c) {
  const { page } = ui;
  const short = c.id.split('-').slice(0, 2).join('-'); // ob-exception, tt-network
  await ui.clearNotifications();
  await ui.runCommand('Trace Doctor: Diagnose Trace');
  // the incident: incident.jsonl.gz is in both cases' folders; the folder (the row's description) tells them apart
  const inc = await pickRow(ui, 'incident run', c.id, ['incident.jsonl.gz', c.id]);
  const incRow = (await inc.innerText()).replace(/\s+/g, ' ').trim();
  await ui.shot(`rf-${short}-incident-pick`);
  if (!/gzip/.test(incRow)) throw new Error(`the incident row does not say the file is gzipped: ${incRow}`);
  await page.keyboard.press('Enter');
  await pickRow(ui, 'baseline run', c.baseline.replace(/\.jsonl\.gz$/, ''), [c.baseline]);
  await ui.shot(`rf-${short}-baseline-pick`);
  await page.keyboard.press('Enter');

  // the flame panel with THIS case's answer (the panel is reused by the second case)
  // (two cases share a root service: the panel shows THIS case once its first evidence line is there too)
  const frame = await ui.webviewFrame(({ svc, ev }) => {
    const f = window.__flame;
    const s = document.querySelector('.fg-summary');
    const evidence = [...document.querySelectorAll('.fg-evidence li')].some((li) => new RegExp(ev).test(li.textContent));
    return !!f && f.nodeCount() > 0 && f.getDrawnRects().length > 0 && !!s && !s.hidden && s.textContent.includes(`${svc} ·`) && evidence;
  }, `the flame panel answering ${c.rootService}`, 120000, { svc: c.rootService, ev: c.evidence[0].source });
  await frame.evaluate(() => window.__flame.nextPaint?.());
  await page.mouse.move(5, 5);
  await sleep(300);
  await ui.shot(`rf-${short}-flame`);
  const toast = (await ui.toasts()).map((t) => t.replace(/\s+/g, ' ').trim()).find((t) => t.includes('Trace Doctor') || t.includes(c.rootService)) ?? '';

  const got = await frame.evaluate((svc) => {
    const f = window.__flame;
    const visible = (e) => { const r = e.getBoundingClientRect(); const cs = getComputedStyle(e); return r.width > 0 && r.height > 0 && cs.visibility !== 'hidden' && cs.display !== 'none'; };
    const summary = document.querySelector('.fg-summary');
    const diag = document.querySelector('.fg-diagnosis');
    const items = [...document.querySelectorAll('.fg-evidence li')];
    const changed = [...document.querySelectorAll('.fg-changed li')].map((li) => li.textContent);
    const roots = f.rootCauses();
    const rects = f.getDrawnRects();
    const doc = document.scrollingElement ?? document.documentElement;
    return {
      summary: summary.textContent.replace(/\s+/g, ' ').trim(),
      summaryOverflows: summary.scrollWidth > summary.clientWidth + 1 && getComputedStyle(summary).textOverflow !== 'ellipsis',
      diagText: diag?.innerText ?? '',
      changed,
      evidence: items.map((li) => ({ text: li.textContent, visible: visible(li), overflows: li.scrollWidth > li.clientWidth + 1, lines: Math.round(li.getBoundingClientRect().height / parseFloat(getComputedStyle(li).lineHeight || '16')) })),
      rootServices: roots.map((id) => rects.find((r) => r.id === id)?.service ?? null),
      rootDrawn: rects.filter((r) => r.rootCause).map((r) => ({ service: r.service, name: r.name, w: Math.round(r.w) })),
      services: [...new Set(rects.map((r) => r.service))],
      nodes: f.nodeCount(),
      drawn: rects.length,
      pageOverflow: doc.scrollWidth > doc.clientWidth + 1,
      zoomToRoot: !!document.querySelector('.fg-breadcrumb .fg-crumb-root'),
      bodyText: document.body.innerText,
      detail: document.querySelector('.fg-detail')?.textContent ?? '',
      svc,
    };
  }, c.rootService);
  // "all traces" selected: the end-to-end change and the engine's verdict, not a self-time test's "confidence 0%"
  const allTraces = await frame.evaluate(() => {
    const f = window.__flame;
    const before = f.state().selected;
    f.select(0);
    const t = document.querySelector('.fg-detail')?.textContent ?? '';
    const src = document.querySelector('.fg-go-source')?.disabled;
    f.select(before);
    return { text: t, sourceDisabled: src };
  });
  const problems = [];
  if (!got.summary.includes(`${c.rootService} ·`)) problems.push(`the answer line does not name ${c.rootService}: ${got.summary}`);
  if (!got.rootDrawn.length || got.rootDrawn.some((r) => r.service !== c.rootService)) problems.push(`the root-cause boxes drawn are ${JSON.stringify(got.rootDrawn)}, not ${c.rootService}'s`);
  if (got.nodes < 10 || got.services.length < 3) problems.push(`the flame graph has ${got.nodes} nodes over ${got.services.length} services: not the aggregated tree of the run`);
  for (const re of c.summary ?? []) if (!re.test(got.summary)) problems.push(`the answer line does not match ${re}: ${got.summary}`);
  // a failure that costs no time is not headlined "±0 ms per trace"
  if (/±0 ms/.test(got.summary) || /±0 ms per trace/.test(got.diagText)) problems.push(`"±0 ms" in the answer: ${got.summary}`);
  if (c.changed && !got.changed.some((t) => c.changed.test(t))) problems.push(`"Requests that changed" lacks ${c.changed}: ${JSON.stringify(got.changed)}`);
  for (const re of c.evidence) {
    const e = got.evidence.find((x) => re.test(x.text));
    if (!e) problems.push(`no evidence line matching ${re} (evidence: ${JSON.stringify(got.evidence.map((x) => x.text))})`);
    else if (!e.visible) problems.push(`the evidence line "${e.text.slice(0, 80)}…" is not visible`);
  }
  if (c.rootDetail && !c.rootDetail.test(got.detail)) problems.push(`the root cause's detail pane does not say where its effect is (${c.rootDetail}): ${got.detail.slice(0, 300)}`);
  if (/confidence 0%/.test(allTraces.text) || !/the engine: (slower|not slower)/.test(allTraces.text)) problems.push(`"all traces" selected: ${allTraces.text.slice(0, 300)}`);
  if (!allTraces.sourceDisabled) problems.push('"all traces" selected: "Go to source" is enabled for a box that is no span');
  if (got.zoomToRoot !== c.narrowRoot) problems.push(`"Zoom to the root cause" is ${got.zoomToRoot ? 'offered' : 'missing'}; the root-cause boxes are ${JSON.stringify(got.rootDrawn)}`);
  for (const e of got.evidence) if (e.overflows) problems.push(`an evidence line overflows its box (cut off): ${e.text.slice(0, 120)}`);
  if (got.pageOverflow) problems.push('the flame panel scrolls sideways (something is wider than the panel)');
  problems.push(...unreadable(got.bodyText).map((p) => `flame panel text: ${p}`));
  problems.push(...unreadable(toast).map((p) => `notification: ${p}`));
  // the answer without the notification over it, the other candidates scrolled into view
  await ui.clearNotifications();
  await frame.evaluate(() => document.querySelector('.fg-diagnosis')?.scrollIntoView({ block: 'start' }));
  await page.mouse.move(5, 5);
  await sleep(300);
  await ui.shot(`rf-${short}-diagnosis`);
  let zoomed = null;
  if (got.zoomToRoot && !problems.length) {
    // what a person does when the answer's box cannot be seen: the breadcrumb's "Zoom to the root cause"
    await frame.evaluate(() => document.querySelector('.fg-main')?.scrollIntoView());
    await frame.locator('.fg-breadcrumb .fg-crumb-root').click();
    zoomed = await waitFor(() => frame.evaluate(() => {
      const r = window.__flame.getDrawnRects().filter((x) => x.rootCause);
      return r.length && r[0].w >= 96 ? { service: r[0].service, w: Math.round(r[0].w) } : null;
    }), 'the root cause zoomed to a readable width', 10000).catch((e) => { problems.push(e.message); return null; });
    await page.mouse.move(5, 5);
    await sleep(300);
    await ui.shot(`rf-${short}-zoomed-root`);
  }
  /** a screenshot in the light theme, then the same in Dark Modern (`ready` checks the panel repainted), back to light */
  // (the palette's Escape reaches the graph when it has the focus and resets its zoom: `again` restores the view)
  const bothThemes = async (name, ready, again = async () => {}) => {
    await page.mouse.move(5, 5);
    await sleep(300);
    await ui.shot(`${name}-light`);
    await pickColorTheme(ui, 'Dark Modern');
    await ui.webviewFrame((r) => document.body.classList.contains('vscode-dark') && !!document.querySelector(r), `the flame panel in Dark Modern (${ready})`, 20000, ready);
    await again();
    await page.mouse.move(5, 5);
    await sleep(500);
    await ui.shot(`${name}-dark`);
    await pickColorTheme(ui, 'Light Modern');
    await ui.webviewFrame(() => document.body.classList.contains('vscode-light') && !!document.querySelector('.fg-summary'), 'the flame panel in Light Modern', 20000);
  };
  let noneGone = null;
  if (c.noneGone && !problems.length) {
    noneGone = await frame.evaluate(() => ({
      hint: document.querySelector('.fg-stopped-hint')?.textContent ?? '',
      showBaseline: !!document.querySelector('.fg-show-baseline'),
      goneDrawn: window.__flame.getDrawnRects().filter((r) => r.gone).length,
    }));
    if (!c.noneGone.test(noneGone.hint)) problems.push(`the stopped-work hint does not say why no box is gone (${c.noneGone}): ${noneGone.hint}`);
    if (noneGone.showBaseline) problems.push('"Show the baseline" is offered although the baseline draws nothing the diff does not');
  }
  let gone = null;
  if (c.gone && !problems.length) {
    // the answer names the gone call; its link selects it and brings it into view (Diff mode, zoomed when narrow)
    const before = await frame.evaluate(() => ({
      hint: document.querySelector('.fg-stopped-hint')?.textContent ?? '',
      legend: document.querySelector('.fg-legend')?.textContent ?? '',
      swatch: !!document.querySelector('.fg-legend .fg-swatch-gone'),
      aria: document.querySelector('canvas.fg-canvas')?.getAttribute('aria-label') ?? '',
      crumb: !!document.querySelector('.fg-breadcrumb .fg-crumb-gone'),
    }));
    await frame.evaluate(() => document.querySelector('.fg-main')?.scrollIntoView());
    await page.mouse.move(5, 5);
    await sleep(300);
    await ui.shot(`rf-${short}-gone-whole`);
    const link = frame.locator('.fg-stopped-hint .fg-gone-link').filter({ hasText: c.gone.name }).first();
    await link.click();
    gone = await waitFor(() => frame.evaluate(({ service, name }) => {
      const f = window.__flame;
      const sel = f.state().selected;
      const r = f.getDrawnRects().find((x) => x.id === sel);
      return r && r.service === service && r.name === name && r.w >= 24 ? { id: r.id, w: Math.round(r.w), gone: r.gone, detail: document.querySelector('.fg-detail .fg-gone')?.textContent ?? '' } : null;
    }, c.gone), `the link selects ${c.gone.service} · ${c.gone.name} and brings it into view (≥ 24 px)`, 10000).catch((e) => { problems.push(e.message); return null; });
    gone = { ...before, ...(gone ?? {}) };
    if (!/width = incident time \(gone: baseline time\)/.test(before.legend) || !before.swatch) problems.push(`the legend does not explain gone work: ${before.legend}`);
    if (!/drawn hatched after their callers' other calls, as wide as their baseline time/.test(before.aria)) problems.push(`the canvas' accessible text does not say how gone work is drawn: ${before.aria}`);
    if (!before.hint.includes(c.gone.name)) problems.push(`the stopped-work hint does not name ${c.gone.name}: ${before.hint}`);
    if (gone.w !== undefined) {
      if (!gone.gone) problems.push(`${c.gone.name} is not drawn as gone: ${JSON.stringify(gone)}`);
      if (!(gone.w >= 24)) problems.push(`${c.gone.name} is not brought into view (${gone.w} px)`);
      if (!c.gone.detail.test(gone.detail)) problems.push(`the gone box's detail pane: ${gone.detail}`);
    }
    await frame.evaluate(() => document.querySelector('.fg-main')?.scrollIntoView());
    const id = gone.id;
    await bothThemes(`rf-${short}-gone`, '.fg-detail .fg-gone', async () => {
      await frame.evaluate((g) => window.__flame.reveal(g), id);
      await frame.evaluate(() => window.__flame.nextPaint?.());
    });
  }
  let waiter = null;
  if (c.waiter && !problems.length) {
    await frame.evaluate(() => window.__flame.reset());
    await frame.evaluate(() => window.__flame.nextPaint?.());
    waiter = await frame.evaluate(({ service, name }) => {
      const f = window.__flame;
      const rects = f.getDrawnRects();
      const box = rects.find((r) => r.service === service && r.name === name);
      if (!box) return { error: `no drawn box for ${service} · ${name}` };
      // how red a fill is: red channel over the others (grey = 0)
      const red = ([r, g, b]) => r - (g + b) / 2;
      const loudest = rects.reduce((a, r) => (red(r.fill) > red(a.fill) ? r : a), rects[0]);
      f.select(box.id);
      const note = document.querySelector('.fg-twin-note')?.textContent ?? '';
      const self = [...document.querySelectorAll('.fg-stats tr')].find((tr) => tr.firstChild?.textContent === 'self / trace')?.textContent ?? '';
      return { red: red(box.fill), fill: box.fill, w: Math.round(box.w), loudest: `${loudest.service} · ${loudest.name}`, loudestRed: red(loudest.fill), note, self };
    }, c.waiter);
    await frame.evaluate(() => document.querySelector('.fg-stats')?.scrollIntoView({ block: 'center' }));
    await page.mouse.move(5, 5);
    await sleep(300);
    await ui.shot(`rf-${short}-waiter`);
    if (waiter.error) problems.push(waiter.error);
    else {
      if (!(waiter.red < 0.5 * waiter.loudestRed)) problems.push(`the waiting handler's box is as red as the loudest (${waiter.loudest}): ${JSON.stringify(waiter)}`);
      if (!/not counted as its own/.test(waiter.note)) problems.push(`the handler's numbers do not say it waits on its sibling: ${JSON.stringify(waiter)}`);
    }
    await frame.evaluate((id) => window.__flame.select(id), (await frame.evaluate(() => window.__flame.rootCauses()))[0]);
  }
  let waits = null;
  if (c.waits && !problems.length) {
    await frame.evaluate(() => window.__flame.reset());
    await frame.evaluate(() => window.__flame.nextPaint?.());
    // the caller's widest box of that operation that calls the callee: its detail pane says why it is red
    waits = await frame.evaluate(({ service, name }) => {
      const f = window.__flame;
      const boxes = f.getDrawnRects().filter((r) => r.service === service && r.name === name).sort((a, b) => b.w - a.w);
      for (const b of boxes) {
        f.select(b.id);
        const line = document.querySelector('.fg-detail .fg-waits');
        if (line) return { id: b.id, fill: b.fill, w: Math.round(b.w), text: line.textContent ?? '', link: document.querySelector('.fg-detail .fg-waits-link')?.textContent ?? '' };
      }
      return { error: `no box of ${service} · ${name} says what it waits for (${boxes.length} drawn)` };
    }, c.waits);
    if (waits.error) problems.push(waits.error);
    else {
      if (!c.waits.text.test(waits.text)) problems.push(`the waiting caller's line: ${waits.text}`);
      if (!(waits.fill[0] > waits.fill[2] + 40)) problems.push(`the waiting caller's box is not red: ${JSON.stringify(waits)}`);
      await frame.evaluate(() => document.querySelector('.fg-detail .fg-waits')?.scrollIntoView({ block: 'center' }));
      await bothThemes(`rf-${short}-waits`, '.fg-detail .fg-waits');
      await frame.locator('.fg-detail .fg-waits-link').click();
      const sel = await waitFor(() => frame.evaluate((callee) => {
        const f = window.__flame;
        const id = f.state().selected;
        const r = f.getDrawnRects().find((x) => x.id === id);
        return r && r.service === callee ? { service: r.service, name: r.name, w: Math.round(r.w) } : null;
      }, c.waits.callee), `the link selects ${c.waits.callee}'s box`, 10000).catch((e) => { problems.push(e.message); return null; });
      waits.selected = sel;
      await frame.evaluate(() => document.querySelector('.fg-main')?.scrollIntoView());
      await page.mouse.move(5, 5);
      await sleep(300);
      await ui.shot(`rf-${short}-waits-callee`);
    }
    await frame.evaluate((id) => window.__flame.select(id), (await frame.evaluate(() => window.__flame.rootCauses()))[0]);
  }
  let figures = null;
  if (c.figures && !problems.length) {
    // the widest root-cause box (the call path most of the effect goes through), its detail pane in view
    figures = await frame.evaluate(() => {
      const f = window.__flame;
      const rects = f.getDrawnRects().filter((r) => r.rootCause).sort((a, b) => b.w - a.w);
      if (!rects.length) return { error: 'no root-cause box drawn' };
      f.select(rects[0].id);
      document.querySelector('.fg-detail')?.scrollIntoView({ block: 'start' });
      return { scope: document.querySelector('.fg-stats th.fg-scope')?.textContent ?? '', detail: (document.querySelector('.fg-detail')?.textContent ?? '').replace(/\s+/g, ' ') };
    });
    if (figures.error) problems.push(figures.error);
    else {
      if (figures.scope !== c.figures.scope) problems.push(`the detail table's corner says "${figures.scope}", not "${c.figures.scope}"`);
      for (const re of c.figures.detail) if (!re.test(figures.detail)) problems.push(`the detail pane lacks ${re}: ${figures.detail.slice(0, 600)}`);
    }
    await page.mouse.move(5, 5);
    await sleep(300);
    await ui.shot(`rf-${short}-figures-light`);
    // the same in a dark theme, then back to the light one the other scenarios expect
    await pickColorTheme(ui, 'Dark Modern');
    await ui.webviewFrame(() => document.body.classList.contains('vscode-dark') && !!document.querySelector('.fg-effect-rel'), 'the flame panel in Dark Modern', 20000);
    await page.mouse.move(5, 5);
    await sleep(500);
    await ui.shot(`rf-${short}-figures-dark`);
    await pickColorTheme(ui, 'Light Modern');
    await ui.webviewFrame(() => document.body.classList.contains('vscode-light') && !!document.querySelector('.fg-summary'), 'the flame panel in Light Modern', 20000);
  }
  if (problems.length) throw new Error(`${c.id}:\n      ${problems.join('\n      ')}`);
  return {
    ...(figures ? { figures } : {}),
    ...(noneGone ? { noneGone } : {}),
    ...(gone ? { gone } : {}),
    ...(waits ? { waits } : {}),
    ...(waiter ? { waiter } : {}),
    answer: got.summary.slice(0, 200),
    evidence: got.evidence.map((e) => e.text.slice(0, 200)),
    changed: got.changed.map((t) => t.slice(0, 200)),
    nodes: got.nodes, services: got.services.length, zoomed,
    notification: toast.slice(0, 300),
  };
}

/**
 * A gzip file cut short (copied while the Collector was writing it): it is diagnosed on its complete lines, and the
 * notification says, as a warning, that the incident was read only in part and why — not a plain "Root cause: …".
 */
async function truncatedCase(ui) {
  const { page } = ui;
  await ui.clearNotifications();
  await ui.runCommand('Trace Doctor: Diagnose Trace');
  await pickRow(ui, 'incident run', TRUNCATED.dir, ['incident.jsonl.gz', TRUNCATED.dir]);
  await page.keyboard.press('Enter');
  await pickRow(ui, 'baseline run', TRUNCATED.baseline.replace(/\.jsonl\.gz$/, ''), [TRUNCATED.baseline]);
  await page.keyboard.press('Enter');
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'was read with problems' }).first();
  await toast.waitFor({ timeout: 60000 }).catch(async (e) => {
    throw new Error(`no notification says the truncated incident was read in part (toasts: ${JSON.stringify(await ui.toasts())}): ${e.message}`);
  });
  await sleep(300);
  await ui.shot('rf-truncated-notification');
  const text = (await toast.innerText()).replace(/\s+/g, ' ').trim();
  const problems = [];
  if (!/The incident \(incident\.jsonl\.gz\) was read with problems: 1 line skipped, \d+ problems? — first: .*gzip data is corrupt or truncated/.test(text)) problems.push(`the notification does not say what was wrong: ${text.slice(0, 400)}`);
  if (!(await toast.locator('.codicon-warning, .codicon-notifications-warning').count())) problems.push('the notification is not a warning');
  if (!(await toast.locator('a.monaco-button, .monaco-button', { hasText: 'Show Output' }).count())) problems.push('no "Show Output" button');
  problems.push(...unreadable(text));
  // the chat still shows the previous answer (ts-security-service): a line under it says new runs were loaded
  const chat = await ui.webviewFrame(() => !!document.querySelector('vscode-textarea'), 'the chat view', 30000);
  const notice = await waitFor(() => chat.evaluate(() => {
    const n = [...document.querySelectorAll('.notice-text')].pop();
    if (!n) return null;
    n.scrollIntoView({ block: 'end' });
    return n.textContent;
  }), 'the chat\'s new-load line', 10000).catch(() => '');
  await sleep(300);
  await ui.shot('rf-truncated-chat-notice');
  // both loads are called trainticket-…jsonl.gz → incident.jsonl.gz (another folder): "the earlier load"
  if (!/^New traces loaded: trainticket-2023-01-30-1139\.jsonl\.gz → incident\.jsonl\.gz \(\d+ traces\)\. The answers above are about the earlier load\.$/.test(notice ?? '')) {
    problems.push(`the chat does not say that new runs were loaded under its earlier answer: "${notice}"`);
  }
  if (problems.length) throw new Error(`truncated gzip: ${problems.join('; ')}`);
  return { notification: text.slice(0, 400) };
}

/** The Trace Doctor side bar: the Runs view lists both runs of the last diagnosis and names its root cause. */
async function runsView(ui, c) {
  const { page } = ui;
  await ui.escape(1);
  await ui.openTraceDoctorContainer();
  const pane = page.locator('.pane', { has: page.locator('.pane-header', { hasText: /^\s*runs\s*$/i }) }).first();
  await pane.locator('.monaco-list-row', { hasText: 'incident.jsonl.gz' }).first().waitFor({ timeout: 20000 });
  await pane.locator('.monaco-list-row', { hasText: c.baseline }).first().waitFor({ timeout: 10000 });
  await sleep(300);
  await ui.shot('rf-runs-view');
  const rows = (await pane.locator('.monaco-list-row').allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
  const text = rows.join(' | ');
  const problems = [];
  if (!text.includes(c.rootService)) problems.push(`the Runs view does not name ${c.rootService}: ${text.slice(0, 400)}`);
  if (c.rootRow && !rows.some((r) => c.rootRow.test(r))) problems.push(`no Runs row says where the root cause's effect is (${c.rootRow}): ${text.slice(0, 600)}`);
  // its message names the service first (a long route is cut at the side bar's edge, not the service)
  const message = (await pane.innerText()).split('\n').find((l) => l.startsWith('Root cause:')) ?? '';
  if (!message.startsWith(`Root cause: ${c.rootService} ·`)) problems.push(`the Runs view's message is "${message}"`);
  problems.push(...unreadable(text));
  if (problems.length) throw new Error(`Runs view: ${problems.join('; ')}`);
  return { rows: rows.slice(0, 8) };
}

/** The chat view with provider "offline": its Diagnose button gives the engine's answer as a card, no LLM involved. */
async function offlineChat(ui, c) {
  const { page } = ui;
  await ui.openTraceDoctorContainer();
  const header = page.locator('.pane-header', { hasText: /^\s*chat\s*$/i }).first();
  await header.waitFor({ timeout: 15000 });
  if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  // room for the answer: collapse the Runs section above it, as a person would on a short side bar
  const runsHeader = page.locator('.pane-header', { hasText: /^\s*runs\s*$/i }).first();
  // (on its title: the header's middle holds the view's action buttons)
  if ((await runsHeader.getAttribute('aria-expanded')) === 'true') await runsHeader.click({ position: { x: 24, y: 10 } });
  await waitFor(async () => (await runsHeader.getAttribute('aria-expanded')) === 'false', 'the Runs section collapsed', 5000);
  const frame = await ui.webviewFrame(() => !!document.querySelector('vscode-textarea'), 'the chat view', 30000);
  await frame.locator('vscode-button', { hasText: 'Diagnose' }).first().click();
  const card = frame.locator('.card').last();
  await card.waitFor({ timeout: 60000 });
  await card.evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await sleep(300);
  await ui.shot('rf-chat-offline');
  const text = (await card.innerText()).replace(/[ \t]+/g, ' ');
  const problems = [];
  if (!text.includes(c.rootService)) problems.push(`the offline answer does not name ${c.rootService}: ${text.slice(0, 300)}`);
  // the engine's effect, with what it measures (h24), beside the sentence's per-call figures
  if (!/effect \+\d+ ms per trace/.test(text)) problems.push(`the offline card does not give the effect per trace: ${text.slice(0, 300)}`);
  // a network delay (callers wait before its spans start) is not advised "add workers to the saturated component"
  if (c.rootDetail && (!/Check the network path from the callers to ts-security-service/.test(text) || /Add workers\/replicas/.test(text))) problems.push(`the offline answer's mitigation does not fit a network delay: ${text.slice(text.indexOf('Mitigation'), text.indexOf('Mitigation') + 300)}`);
  problems.push(...unreadable(text));
  const overflow = await frame.evaluate(() => {
    const d = document.scrollingElement ?? document.documentElement;
    if (d.scrollWidth <= d.clientWidth + 1) return null;
    const wide = [...document.querySelectorAll('body *')].filter((e) => e.getBoundingClientRect().right > d.clientWidth + 1).map((e) => `${e.tagName.toLowerCase()}.${e.className}`);
    return `${d.scrollWidth} > ${d.clientWidth} px: ${wide.slice(0, 5).join(', ')}`;
  });
  if (overflow) problems.push(`the chat view scrolls sideways (${overflow})`);
  if (problems.length) throw new Error(`chat: ${problems.join('; ')}`);
  return { card: text.replace(/\s+/g, ' ').slice(0, 300) };
}
