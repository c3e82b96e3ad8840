// Scenario ce of run-ui.mjs (h22 walkthrough): the chat when the model server refuses the key and when the user
// presses Stop mid-answer, in the real side panel. A second scripted LLM server (its script: a 401 with OpenAI's body,
// then a slow streamed answer) replaces the chat's baseURL in the workspace settings, as a user edits them; the
// first server's URL is put back at the end.
//   1. a question → the error line names the refused key and offers "Set API Key"; the error line is in view (the
//      fallback card under it is long: the view shows the start of the turn, not the card's end)
//   2. "Set API Key" → the key's input box opens (Escape closes it)
//   3. another question → Stop after the first words → "Stopped — the answer above is incomplete.", the words stay,
//      no diagnosis card is added
//   4. (h24) a third question is answered → the 401 error above collapses to one muted line ("Error, resolved by a
//      later answer"), its "Set API Key" button gone; the Stop line stays (screenshots in light and dark)
import fs from 'node:fs';
import path from 'node:path';
import { startScriptedLlm, waitFor } from './lib.mjs';
import { pickColorTheme } from './flame-ui.mjs';

const LONG = 'The pre-processor queues requests behind its single worker. Every request waits for the one before it. '
  + 'Adding a second worker halves the wait. Watch the queue length while you do it.';

/**
 * The workspace settings file edited as a user edits it: `set(extra)` writes the original settings with `extra` over
 * them, `restore()` puts the file back as it was.
 */
export function workspaceSettings(ws) {
  const file = path.join(ws, '.vscode', 'settings.json');
  const before = fs.readFileSync(file, 'utf8');
  const settings = JSON.parse(before);
  return {
    set: (extra) => fs.writeFileSync(file, JSON.stringify({ ...settings, ...extra }, null, 2) + '\n'),
    restore: () => fs.writeFileSync(file, before),
  };
}

/**
 * The chat side view opened as a person does (the Trace Doctor activity bar, the Chat section expanded), after the
 * workspace settings file was edited (VS Code applies it through a file watcher: 2 s); `ask(q)` types a question and
 * sends it.
 */
export async function openChat(ui) {
  const { page } = ui;
  await ui.escape(1);
  await ui.openTraceDoctorContainer();
  const header = page.locator('.pane-header', { hasText: /^\s*chat\s*$/i }).first();
  if ((await header.getAttribute('aria-expanded')) === 'false') await header.click();
  const frame = await ui.webviewFrame(() => !!document.querySelector('vscode-textarea'), 'chat view input', 30000);
  await page.waitForTimeout(2000);
  const ask = async (q) => {
    await frame.locator('vscode-textarea').first().click();
    await page.keyboard.type(q);
    await page.keyboard.press('Enter');
  };
  return { frame, ask };
}

export async function chatErrorsScenario({ ui, facts, runDir, cleanups }) {
  const { page } = ui;
  const script = path.join(runDir, 'chat-errors-script.json');
  fs.writeFileSync(script, JSON.stringify([
    { status: 401, body: { error: { message: 'Incorrect API key provided: sk-e2e***key.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } } },
    { text: LONG, chunks: 8, chunkDelayMs: 700 },
    { text: 'Add a second worker to the pre-processor.', chunks: 2, chunkDelayMs: 50 },
  ]));
  const llm2 = await startScriptedLlm(runDir, cleanups, { script, name: 'scripted-llm-errors' });
  const settings = workspaceSettings(facts.ws);
  settings.set({ 'traceDoctor.llm.baseURL': llm2.baseUrl });
  try {
    const { frame, ask } = await openChat(ui);

    // 1. the refused key
    await ask('why is the pre-processor slow?');
    const err = frame.locator('.msg.assistant .error', { hasText: 'refused the credentials (HTTP 401)' }).last();
    await err.waitFor({ timeout: 30000 });
    await frame.locator('.card', { hasText: 'offline engine (the model server refused the API key)' }).last().waitFor({ timeout: 15000 });
    await page.waitForTimeout(300);
    await ui.shot('chat-401-set-api-key');
    const inView = await err.evaluate((e) => {
      const list = document.querySelector('.messages').getBoundingClientRect();
      const r = e.getBoundingClientRect();
      return r.top >= list.top - 1 && r.top < list.bottom - 8;
    });
    if (!inView) throw new Error('the error line of the failed turn is scrolled out of view (the fallback card\'s end is shown)');
    const button = frame.locator('.msg.assistant vscode-button', { hasText: 'Set API Key' }).last();
    await button.waitFor({ timeout: 5000 }).catch(() => { throw new Error('no "Set API Key" button under the refused-key error'); });

    // 2. the button opens the key's input box
    await button.click();
    const box = page.locator('.quick-input-widget', { hasText: 'API key' });
    await box.waitFor({ state: 'visible', timeout: 10000 }).catch(() => { throw new Error('"Set API Key" did not open the API key input box'); });
    await ui.shot('chat-set-api-key-input');
    await ui.escape(1);

    // 3. Stop mid-answer
    const cardsBefore = await frame.locator('.card').count();
    await ask('what should I do?');
    const turn = frame.locator('.msg.assistant').last();
    await waitFor(async () => /The pre-processor/.test(await turn.innerText()), 'the first streamed words', 20000);
    await frame.locator('vscode-button', { hasText: 'Stop' }).first().click();
    const stopped = frame.locator('.msg.assistant .stopped', { hasText: 'Stopped — the answer above is incomplete.' }).last();
    await stopped.waitFor({ timeout: 10000 });
    await page.waitForTimeout(800);
    await ui.shot('chat-stopped');
    const text = await turn.innerText();
    if (text.includes('Watch the queue length')) throw new Error('the whole answer arrived: Stop did not stop the stream');
    const cardsAfter = await frame.locator('.card').count();
    if (cardsAfter !== cardsBefore) throw new Error(`Stop added ${cardsAfter - cardsBefore} diagnosis card(s)`);

    // 4. (h24) the next request is answered: the 401 line above collapses to one muted line, its button gone; Stop stays
    await ask('and now?');
    await frame.locator('.msg.assistant', { hasText: 'Add a second worker to the pre-processor.' }).last().waitFor({ timeout: 20000 });
    const resolved = frame.locator('.msg.assistant .resolved-error', { hasText: 'Error, resolved by a later answer' });
    await resolved.first().waitFor({ timeout: 5000 }).catch(() => { throw new Error('the refused-key error is still shown as an error after a request succeeded'); });
    const left = await frame.evaluate(() => ({
      red: [...document.querySelectorAll('.msg.assistant .error')].map((e) => e.textContent),
      setKey: [...document.querySelectorAll('.msg.assistant vscode-button')].filter((b) => b.textContent === 'Set API Key').length,
      stopped: document.querySelectorAll('.msg.assistant .stopped').length,
    }));
    if (left.red.length || left.setKey || left.stopped !== 1) throw new Error(`after a request succeeded: ${JSON.stringify(left)}`);
    await resolved.first().evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(300);
    await ui.shot('chat-error-resolved-light');
    await pickColorTheme(ui, 'Dark Modern');
    await ui.webviewFrame(() => document.body.classList.contains('vscode-dark') && !!document.querySelector('.resolved-error'), 'the chat in Dark Modern', 20000);
    await page.waitForTimeout(500);
    await ui.shot('chat-error-resolved-dark');
    await pickColorTheme(ui, 'Light Modern');
    return { stoppedAfter: text.replace(/\s+/g, ' ').slice(0, 80), resolved: await resolved.count() };
  } finally {
    settings.restore();
    await llm2.kill();
  }
}
