// Scenario sm of run-ui.mjs (h35, notes/llm-properties.md): the chat with a model that makes a small model's mistakes,
// in the real side panel. A second scripted LLM server replaces the chat's baseURL in the workspace settings (as in
// scenario ce); the first server's URL is put back at the end. Its script:
//   1. /diagnose → a tool call to a tool that does not exist, then a diagnosis naming "redis-cache" (not in the
//      traces), and the same again after the repair request → the turn says what was wrong with the model's answer
//      and shows the offline engine's diagnosis card (labelled offline)
//   2. a question → a runaway answer (the same sentence for 30,000 characters) → cut at 24,000 with a note under it
// Screenshots of both in Light Modern and Dark Modern.
import fs from 'node:fs';
import path from 'node:path';
import { startScriptedLlm, waitFor } from './lib.mjs';
import { openChat, workspaceSettings } from './chat-errors-ui.mjs';
import { pickColorTheme } from './flame-ui.mjs';

const BAD = {
  rootCause: { service: 'redis-cache', operation: 'GET' },
  category: 'queueing',
  confidence: 0.9,
  evidence: ['redis-cache GET is slow'],
  mitigation: ['scale redis'],
  sources: [],
  summary: 'The cache is the bottleneck.',
};
const RUNAWAY = 'The pre-processor is slow because its queue is long. '.repeat(580);

export async function chatSmallModelScenario({ ui, facts, runDir, cleanups }) {
  const { page } = ui;
  const script = path.join(runDir, 'chat-small-model-script.json');
  fs.writeFileSync(script, JSON.stringify([
    { toolCalls: [{ name: 'get_root_cause', args: {} }] },
    { json: BAD },
    { json: BAD },
    { text: RUNAWAY, chunks: 40, chunkDelayMs: 30 },
  ]));
  const llm2 = await startScriptedLlm(runDir, cleanups, { script, name: 'scripted-llm-small' });
  const settings = workspaceSettings(facts.ws);
  settings.set({ 'traceDoctor.llm.baseURL': llm2.baseUrl, 'traceDoctor.llm.mode': 'tools' });
  const out = {};
  try {
    const { frame, ask } = await openChat(ui);

    // 1. the invalid diagnosis, twice → the engine's card, and the turn says why
    await ask('/diagnose');
    const err = frame.locator('.msg.assistant .error', { hasText: 'redis-cache' }).last();
    await err.waitFor({ timeout: 30000 }).catch(() => { throw new Error('no error line naming the invalid answer (redis-cache)'); });
    const card = frame.locator('.card', { hasText: "offline engine (the model's answer was invalid)" }).last();
    await card.waitFor({ timeout: 15000 });
    out.error = (await err.innerText()).replace(/\s+/g, ' ').trim();
    out.card = (await card.innerText()).replace(/\s+/g, ' ').trim().slice(0, 300);
    if (!/pre-processor/.test(out.card)) throw new Error(`the offline card does not name the pre-processor: ${out.card}`);
    await err.evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(400);
    await ui.shot('chat-small-invalid-light');
    if (/rootCause\.service|services:/.test(out.error)) throw new Error(`the error is written for the model, not for a person: ${out.error}`);
    await pickColorTheme(ui, 'Dark Modern');
    await ui.webviewFrame(() => document.body.classList.contains('vscode-dark') && !!document.querySelector('.msg.assistant .error'), 'the chat in Dark Modern', 20000);
    await page.waitForTimeout(500);
    await ui.shot('chat-small-invalid-dark');
    await pickColorTheme(ui, 'Light Modern');
    await ui.webviewFrame(() => document.body.classList.contains('vscode-light'), 'the chat in Light Modern', 20000);

    // 2. a runaway answer is cut, with a note
    await ask('why is it slow?');
    const note = frame.locator('.msg.assistant', { hasText: "The model's answer was cut here" }).last();
    await note.waitFor({ timeout: 30000 }).catch(() => { throw new Error('no note under the cut runaway answer'); });
    const len = await note.evaluate((e) => e.textContent.length);
    out.cutTurnChars = len;
    if (len > 24_500) throw new Error(`the runaway answer shows ${len} characters`);
    await note.evaluate((e) => e.scrollIntoView({ block: 'end' }));
    await page.waitForTimeout(400);
    await ui.shot('chat-small-cut-light');

    await pickColorTheme(ui, 'Dark Modern');
    // the answer resolved the error above (one muted line now); the cut note is what is shown
    await ui.webviewFrame(() => document.body.classList.contains('vscode-dark') && !!document.querySelector('.messages'), 'the chat in Dark Modern', 20000);
    await page.waitForTimeout(500);
    await ui.shot('chat-small-cut-dark');
    await pickColorTheme(ui, 'Light Modern');
    return out;
  } finally {
    settings.restore();
    await llm2.kill();
  }
}
