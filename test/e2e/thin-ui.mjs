// Scenario "thin" of run-ui.mjs: an answer that accounts for little of a significant slowdown (Diagnosis.explained),
// read in VS Code the way a person would. The pair is generated at set-up from a seeded generator
// (test/helpers/thin-pair.ts: every remote call waits 0.6 ms longer — under the per-call finding floor — and one
// operation, orders / POST /orders/op24, does 0.25 ms more own work per trace: about 5 % of the +4.5 ms end to end),
// written as OTLP JSON Lines into a workspace of its own (a second code-server, a second page of the same browser).
//
// F1 → "Trace Doctor: Diagnose Trace" → thin-incident.jsonl, thin-baseline.jsonl, then checks
//   - the flame panel's summary line: "root cause orders · POST /orders/op24 — effect +0.24 ms per trace, only N % of
//     the added time · end-to-end 87 ms → 92 ms";
//   - the notification says the same share;
//   - the engine's note ("the root cause accounts for about X of the Y added per trace … (N %) … spread thinly over
//     many spans …"): in the flame panel's Diagnosis section ("Notes (N)", folded: opened by a click), the
//     notification's "Show Report" (the "Show Diagnosis Report" markdown preview, section Notes) and the Trace Doctor
//     output channel;
// with screenshots of the flame panel and the report in Dark Modern and Light Modern.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, extensionHostErrors, sleep, traceDoctorLog, waitFor, writeOfflineSettings } from './lib.mjs';
import { inOwnWorkspace, pickColorTheme } from './flame-ui.mjs';
import { unreadable } from './real-faults-ui.mjs';

const PAIR = { baseline: 'thin-baseline.jsonl', incident: 'thin-incident.jsonl', rootService: 'orders', rootOp: 'POST /orders/op24' };

/** The workspace: the generated pair under traces/, the chat on the offline engine, the receiver on free ports. */
export function stageThinWorkspace(dir) {
  const ws = path.join(dir, 'thin-share');
  // the generator is TypeScript (src/core/testing): run through tsx as the scripted LLM server is
  execFileSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test', 'helpers', 'thin-pair.ts'), path.join(ws, 'traces')], { cwd: ROOT, stdio: 'pipe', timeout: 60000 });
  for (const f of [PAIR.baseline, PAIR.incident]) if (!fs.statSync(path.join(ws, 'traces', f)).size) throw new Error(`the generator wrote an empty ${f}`);
  writeOfflineSettings(ws);
  return ws;
}


const SUMMARY_RE = new RegExp(`root cause ${PAIR.rootService} · ${PAIR.rootOp.replace(/\//g, '\\/')} — effect \\+[\\d.]+ ms per trace, only (\\d+) % of the added time · end-to-end \\d+ ms → \\d+ ms`);
const NOTE_RE = /the root cause accounts for about [\d.]+ ms of the [\d.]+ ms added per trace end to end \((\d+) %\), all findings together for about [\d.]+ ms \(\d+ %\): most of the slowdown is spread thinly over many spans/;

/** `ctx` = { browser, runDir, pj, Ui, makeShot(page), watchPage(page), cleanups } (as realFaultsScenario). */
export async function thinShareScenario(ctx) {
  return inOwnWorkspace(ctx, { name: 'thin', id: 'thin', stage: stageThinWorkspace }, ({ ui, dir }) => thinShare(ui, dir));
}

async function thinShare(ui, dir) {
  const { page } = ui;
  await ui.clearNotifications();
  await ui.runCommand('Trace Doctor: Diagnose Trace');
  await ui.pick(PAIR.incident, { filter: PAIR.incident, title: 'incident run' });
  await ui.pick(PAIR.baseline, { filter: PAIR.baseline, title: 'baseline run' });

  // (a) the flame panel's summary line, right after the root cause's effect
  const frame = await ui.webviewFrame((svc) => {
    const f = window.__flame;
    const s = document.querySelector('.fg-summary');
    return !!f && f.nodeCount() > 0 && f.getDrawnRects().length > 0 && !!s && !s.hidden && s.textContent.includes(`${svc} ·`) && document.body.classList.contains('vscode-dark');
  }, 'the flame panel answering orders (Dark Modern)', 120000, PAIR.rootService);
  await frame.evaluate(() => window.__flame.nextPaint?.());
  const got = await frame.evaluate(() => ({
    summary: document.querySelector('.fg-summary').textContent.replace(/\s+/g, ' ').trim(),
    diagnosis: (document.querySelector('.fg-diagnosis')?.innerText ?? '').replace(/\s+/g, ' ').trim(),
    body: document.body.innerText,
  }));
  const problems = [];
  const share = SUMMARY_RE.exec(got.summary)?.[1];
  if (!share) problems.push(`the summary line does not say the root cause's share (${SUMMARY_RE}): ${got.summary}`);
  else if (!(Number(share) >= 1 && Number(share) < 10)) problems.push(`the share on the summary line is ${share} %, not a few per cent: ${got.summary}`);
  problems.push(...unreadable(got.body).map((p) => `flame panel text: ${p}`));
  // the notification after Diagnose says the same share
  const toast = page.locator('.notifications-toasts .notification-toast', { hasText: 'Root cause' }).first();
  const toastText = await toast.waitFor({ timeout: 20000 }).then(async () => (await toast.innerText()).replace(/\s+/g, ' ').trim()).catch(() => '');
  if (!toastText) problems.push('no notification "Root cause: …" after Diagnose');
  else if (share ? !toastText.includes(`only ${share} % of the added time`) : !/only \d+ % of the added time/.test(toastText)) problems.push(`the notification does not say "only ${share ?? 'N'} % of the added time": ${toastText}`);
  await page.mouse.move(5, 5);
  await sleep(300);
  await ui.shot('thin-dark-flame');
  // the flame panel's Diagnosis section: its folded "Notes (N)" opened by a click has the engine's note
  const notesOpen = await frame.evaluate(() => {
    const s = document.querySelector('.fg-notes > summary');
    if (!s) return null;
    s.click();
    s.parentElement.scrollIntoView({ block: 'center' });
    return s.parentElement.open ? s.parentElement.innerText.replace(/\s+/g, ' ').trim() : '';
  });
  const flameShowsNote = !!notesOpen && NOTE_RE.test(notesOpen);
  if (notesOpen === null) problems.push('the flame panel\'s Diagnosis section has no "Notes"');
  else if (!flameShowsNote) problems.push(`the flame panel's Notes do not have the thin-share note (${NOTE_RE}): ${notesOpen.slice(0, 400)}`);
  else if (share && NOTE_RE.exec(notesOpen)?.[1] !== share) problems.push(`the flame panel's note says ${NOTE_RE.exec(notesOpen)?.[1]} %, the summary line ${share} %`);
  await sleep(300);
  await ui.shot('thin-dark-flame-notes');

  // (b) the note, where VS Code shows it: the notification's "Show Report" → the markdown preview's Notes section
  const button = toast.locator('a.monaco-button, .monaco-button', { hasText: 'Show Report' }).first();
  const opened = toastText ? await button.click({ timeout: 5000 }).then(() => 'the notification\'s "Show Report"', () => null) : null;
  const how = opened ?? (await ui.runCommand('Trace Doctor: Show Diagnosis Report'), 'the palette (the notification had gone)');
  const report = await ui.webviewFrame(() => /\bNotes\b/.test(document.body?.innerText ?? '') && /spread thinly/.test(document.body.innerText), 'the diagnosis report preview with its Notes', 30000);
  const reportText = await report.evaluate(() => document.body.innerText.replace(/[ \t]+/g, ' '));
  const noteShare = NOTE_RE.exec(reportText)?.[1];
  if (!noteShare) problems.push(`the report's Notes do not have the thin-share note (${NOTE_RE}): ${reportText.slice(reportText.indexOf('Notes'), reportText.indexOf('Notes') + 600)}`);
  else if (share && noteShare !== share) problems.push(`the note says ${noteShare} %, the summary line ${share} %`);
  problems.push(...unreadable(reportText).map((p) => `report text: ${p}`));
  // the Notes heading in view for the screenshot
  await report.evaluate(() => [...document.querySelectorAll('h2')].find((h) => /Notes/.test(h.textContent))?.scrollIntoView({ block: 'start' }));
  await ui.clearNotifications();
  await page.mouse.move(5, 5);
  await sleep(300);
  await ui.shot('thin-dark-report-notes');
  // and the output channel (the same markdown, plain) has it too
  const logNote = await waitFor(() => traceDoctorLog(dir).find((l) => NOTE_RE.test(l)) ?? null, 'the note in the Trace Doctor output channel', 10000).catch(() => null);
  if (!logNote) problems.push('the Trace Doctor output channel does not have the note');

  // Light Modern: the report (active), then the flame panel
  await pickColorTheme(ui, 'Light Modern');
  await ui.webviewFrame(() => document.body.classList.contains('vscode-light') && /spread thinly/.test(document.body.innerText), 'the report preview in Light Modern', 20000);
  await page.mouse.move(5, 5);
  await sleep(400);
  await ui.shot('thin-light-report-notes');
  await ui.runCommand('Trace Doctor: Show Flame Graph');
  const light = await ui.webviewFrame(() => document.body.classList.contains('vscode-light') && !!document.querySelector('.fg-summary:not([hidden])') && !!window.__flame?.getDrawnRects().length, 'the flame panel in Light Modern', 20000);
  await light.evaluate(() => window.__flame.nextPaint?.());
  const lightSummary = await light.evaluate(() => document.querySelector('.fg-summary').textContent.replace(/\s+/g, ' ').trim());
  if (lightSummary !== got.summary) problems.push(`the summary line changed with the theme: ${lightSummary}`);
  await page.mouse.move(5, 5);
  await sleep(300);
  await ui.shot('thin-light-flame');
  const errs = extensionHostErrors(dir, 20);
  if (errs.length) problems.push(`errors in this workspace's extension-host logs: ${errs.slice(0, 6).join(' | ')}`);
  if (problems.length) throw new Error(problems.join('\n      '));
  return { summary: got.summary, share: Number(share), notification: toastText.slice(0, 200), reportOpenedFrom: how, note: reportText.match(NOTE_RE)?.[0], flameShowsNote };
}
