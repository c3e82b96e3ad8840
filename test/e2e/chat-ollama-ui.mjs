// Scenario "ol" of run-ui.mjs: the chat on Ollama, the default provider — what most users meet first.
//   1. Ollama not running (ollamaHost on a port where nothing listens): a question → the error line says it could not
//      connect to Ollama at that address and asks whether it is running, with "Use offline engine" and "Choose
//      provider"; the offline engine's answer is still there (dark);
//   2. Ollama running (the scripted server speaking Ollama's /api/chat, NDJSON with tool calls, through the real
//      `ollama` client): "diagnose" → the structured answer names the pre-processor and links its source line; the
//      link opens preprocessor.py at that line (light).
// The workspace settings are edited as a user edits them and put back at the end (as scenario ce does).
import fs from 'node:fs';
import path from 'node:path';
import { freePort, startScriptedLlm, waitFor } from './lib.mjs';
import { pickColorTheme } from './flame-ui.mjs';
import { openChat, workspaceSettings } from './chat-errors-ui.mjs';
import { unreadable } from './real-faults-ui.mjs';

export async function chatOllamaScenario({ ui, facts, runDir, cleanups }) {
  const { page } = ui;
  const settings = workspaceSettings(facts.ws);
  const write = (extra) => settings.set({ 'traceDoctor.llm.provider': 'ollama', 'traceDoctor.llm.model': 'llama3.2:3b', ...extra });
  const closed = await freePort(); // nothing listens there
  const nobody = `http://127.0.0.1:${closed}`;
  write({ 'traceDoctor.llm.ollamaHost': nobody });
  const ollama = await startScriptedLlm(runDir, cleanups, { name: 'scripted-ollama' });
  const problems = [];
  try {
    await pickColorTheme(ui, 'Dark Modern');
    await page.locator('.monaco-workbench.vs-dark').first().waitFor({ timeout: 10000 });
    const { frame, ask } = await openChat(ui);

    // 1. nothing listening
    await ask('why is it slow?');
    const err = frame.locator('.msg.assistant .error', { hasText: 'Could not connect to Ollama' }).last();
    const errText = await err.waitFor({ timeout: 30000 }).then(async () => (await err.innerText()).replace(/\s+/g, ' ').trim(), () => '');
    if (!errText) problems.push(`no "Could not connect to Ollama" error line: ${(await frame.locator('.msg.assistant').last().innerText().catch(() => '')).slice(0, 300)}`);
    else {
      if (!errText.includes(nobody)) problems.push(`the error does not name the address it tried (${nobody}): ${errText}`);
      if (!/Is Ollama running\?/.test(errText)) problems.push(`the error does not ask whether Ollama is running: ${errText}`);
    }
    const turn = frame.locator('.msg.assistant').last();
    for (const b of ['Use offline engine', 'Choose provider']) {
      if (!(await turn.locator('vscode-button', { hasText: b }).count())) problems.push(`no "${b}" button under the unreachable-Ollama error`);
    }
    // "Showing the offline engine's diagnosis instead": its card follows the error
    const card = frame.locator('.card', { hasText: 'offline engine' }).last();
    const cardText = await card.waitFor({ timeout: 15000 }).then(async () => (await card.innerText()).replace(/\s+/g, ' ').trim(), () => '');
    if (!cardText) problems.push('no offline answer (card) after the unreachable-Ollama error');
    else if (!/pre-processor/.test(cardText)) problems.push(`the offline card does not name the pre-processor: ${cardText.slice(0, 200)}`);
    problems.push(...unreadable(await turn.innerText()).map((p) => `unreachable turn: ${p}`));
    await err.evaluate((e) => e.scrollIntoView({ block: 'start' })).catch(() => {});
    await page.waitForTimeout(300);
    await ui.shot('ol-dark-unreachable');

    // 2. Ollama answers
    write({ 'traceDoctor.llm.ollamaHost': ollama.url });
    await page.waitForTimeout(2000);
    await pickColorTheme(ui, 'Light Modern');
    await page.locator('.monaco-workbench.vs').first().waitFor({ timeout: 10000 });
    await ui.webviewFrame(() => document.body.classList.contains('vscode-light') && !!document.querySelector('vscode-textarea'), 'the chat in Light Modern', 20000);
    await ask('diagnose');
    const base = path.basename(facts.rootFile);
    const link = frame.locator('.msg.assistant').last().locator('a.source-link').filter({ hasText: base }).first();
    await link.waitFor({ timeout: 60000 }).catch(async () => {
      throw new Error(`no source link to ${base} in the Ollama answer: ${(await frame.locator('.msg.assistant').last().innerText().catch(() => '')).slice(0, 400)}`);
    });
    const answer = (await frame.locator('.msg.assistant').last().innerText()).replace(/\s+/g, ' ').trim();
    if (!/pre-processor/.test(answer)) problems.push(`the Ollama answer does not name the pre-processor: ${answer.slice(0, 300)}`);
    if (/offline engine/i.test(answer) && !/llama3\.2/i.test(answer)) problems.push(`the answer came from the offline engine, not the model: ${answer.slice(0, 300)}`);
    problems.push(...unreadable(answer).map((p) => `Ollama answer: ${p}`));
    const log = fs.readFileSync(path.join(runDir, 'scripted-ollama.log'), 'utf8');
    if (!/\/api\/chat/.test(log)) problems.push('the scripted Ollama server saw no /api/chat request');
    await page.waitForTimeout(300);
    await ui.shot('ol-light-answer');
    const linkText = (await link.innerText()).trim();
    const linkLine = Number(/:(\d+)\s*$/.exec(linkText)?.[1]);
    await link.click();
    await waitFor(async () => (await ui.activeTabTitle()).includes(base), `${base} opened by the answer's link`, 15000);
    const ln = await waitFor(async () => ((await ui.cursorLine()) === linkLine ? linkLine : null), `Ln ${linkLine}`, 5000).catch(async () => ui.cursorLine());
    if (ln !== linkLine) problems.push(`the link ${linkText} opened ${base} at Ln ${ln}`);
    if (problems.length) throw new Error(problems.join('\n      '));
    return { unreachable: errText.slice(0, 200), answer: answer.slice(0, 200), link: linkText };
  } finally {
    settings.restore();
    await ollama?.kill();
    await pickColorTheme(ui, 'Light Modern').catch(() => {});
  }
}
