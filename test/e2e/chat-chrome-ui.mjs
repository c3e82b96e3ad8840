// Scenario cc of run-ui.mjs (h37, notes/llm.md "Chat view chrome"): the chat in the side panel with the Runs view
// expanded, as a user first meets it. The chrome above and below the messages is compact: the "Loaded: …" line is one
// line (cut with "…", the whole line in its tooltip, and shown whole while it has the keyboard focus), and there is no
// "New chat" button in the view — the view's title bar has New Chat, which clears the conversation. Measured: the
// heights of the header, the message area and the footer (in result.json); checked: the tab order of the header
// (the Loaded line, the model, Diagnose). Screenshots in Dark Modern and Light Modern.
import path from 'node:path';
import { openChat } from './chat-errors-ui.mjs';
import { pickColorTheme } from './flame-ui.mjs';
import { waitFor } from './lib.mjs';

/** Heights (px) of the chat's parts and what its header holds. */
function measure(frame) {
  return frame.evaluate(() => {
    const box = (s) => document.querySelector(s)?.getBoundingClientRect();
    const h = (s) => Math.round(box(s)?.height ?? -1);
    const line = document.querySelector('.runs-line');
    const fontPx = parseFloat(getComputedStyle(line).fontSize);
    return {
      view: innerHeight,
      width: innerWidth,
      header: h('.chat-header'),
      messages: h('.messages'),
      footer: h('.chat-footer'),
      runsLine: h('.runs-line'),
      runsLineLines: Math.round(line.getBoundingClientRect().height / (fontPx * 1.4)),
      truncated: line.scrollWidth > line.clientWidth + 1,
      text: line.textContent,
      title: line.getAttribute('title'),
      buttons: [...document.querySelectorAll('.chat-header vscode-button, .chat-footer vscode-button')].map((b) => b.textContent.trim()),
    };
  });
}

export async function chatChromeScenario({ ui, runDir }) {
  const { page } = ui;
  // the side bar alone, at full size (the whole-window shot shows it small)
  const sideShot = async (name) => {
    const b = await page.locator('.part.sidebar').first().boundingBox();
    if (b) await page.screenshot({ path: path.join(runDir, 'shots', `${name}-sidebar.png`), clip: { x: b.x, y: b.y, width: b.width, height: b.height } });
  };
  const problems = [];
  await pickColorTheme(ui, 'Dark Modern');
  await page.locator('.monaco-workbench.vs-dark').first().waitFor({ timeout: 10000 });
  const { frame, ask } = await openChat(ui);
  // the Runs view expanded above the chat, as it is by default
  const runsHeader = page.locator('.pane-header', { hasText: /^\s*runs\s*$/i }).first();
  if ((await runsHeader.getAttribute('aria-expanded')) === 'false') await runsHeader.click();
  await page.waitForTimeout(800);

  // New Chat is in the chat view's title bar (its actions show on hover or keyboard focus of the header)
  const chatHeader = page.locator('.pane-header', { hasText: /^\s*chat\s*$/i }).first();
  const newChat = chatHeader.locator('.action-label[aria-label="New Chat"]').first();
  await chatHeader.hover();
  if (!(await newChat.count())) problems.push('no "New Chat" action in the chat view\'s title bar');
  else {
    await newChat.click();
    await waitFor(() => frame.evaluate(() => document.querySelectorAll('.msg, .card').length === 0), 'an empty conversation after New Chat (title bar)', 10000)
      .catch(() => problems.push('New Chat in the title bar did not clear the conversation'));
  }

  await ask('why is it slow?');
  await frame.locator('.msg.assistant .msg-text', { hasText: 'pre-processor' }).last().waitFor({ timeout: 30000 })
    .catch(() => problems.push('no answer to "why is it slow?"'));
  await page.mouse.move(200, 420); // the empty part of the Runs view: no tooltip
  await page.waitForTimeout(400);
  const dark = await measure(frame);
  await ui.shot('cc-dark-runs-expanded');
  await sideShot('cc-dark-runs-expanded');

  if (dark.buttons.some((b) => /new chat/i.test(b))) problems.push(`a "New chat" button in the view besides the title bar's: ${dark.buttons.join(', ')}`);
  if (dark.runsLineLines !== 1) problems.push(`the Loaded line takes ${dark.runsLineLines} lines (${dark.runsLine} px): "${dark.text}"`);
  // before h37: 119 px (the Loaded line on 3 lines, "New chat" on a row of its own in a 300 px side bar)
  if (dark.header > 60) problems.push(`the header takes ${dark.header} px of a ${dark.view} px view`);
  if (!/^Loaded: /.test(dark.text ?? '')) problems.push(`the header line reads "${dark.text}"`);
  if (dark.truncated && dark.title !== dark.text) problems.push(`the Loaded line is cut but its tooltip is "${dark.title}", not the whole line`);

  // the keyboard: Tab from the top of the view reaches the Loaded line (shown whole while focused), the model, Diagnose
  await frame.locator('.messages').click({ position: { x: 3, y: 3 } });
  await frame.evaluate(() => {
    document.activeElement?.blur?.();
    document.body.tabIndex = -1;
    document.body.focus();
  });
  const order = [];
  let focusedLine = null;
  for (let i = 0; i < 3; i++) {
    await page.keyboard.press('Tab');
    const f = await frame.evaluate(() => {
      const a = document.activeElement;
      const line = document.querySelector('.runs-line');
      return { what: a?.classList.contains('runs-line') ? 'Loaded line' : a?.tagName === 'VSCODE-SINGLE-SELECT' ? 'model' : (a?.textContent ?? '').trim() || a?.tagName, lineHeight: Math.round(line.getBoundingClientRect().height), cut: line.scrollWidth > line.clientWidth + 1 };
    });
    order.push(f.what);
    if (f.what === 'Loaded line') {
      focusedLine = f;
      await ui.shot('cc-dark-loaded-line-focused');
      await sideShot('cc-dark-loaded-line-focused');
    }
  }
  if (order.join(' → ') !== 'Loaded line → model → Diagnose') problems.push(`tab order of the header: ${order.join(' → ')}`);
  if (focusedLine && dark.truncated && (focusedLine.cut || focusedLine.lineHeight <= dark.runsLine)) problems.push(`the focused Loaded line is not shown whole (${focusedLine.lineHeight} px, cut ${focusedLine.cut})`);

  await pickColorTheme(ui, 'Light Modern');
  await page.locator('.monaco-workbench.vs').first().waitFor({ timeout: 10000 });
  await ui.webviewFrame(() => document.body.classList.contains('vscode-light') && !!document.querySelector('vscode-textarea'), 'the chat in Light Modern', 20000);
  await page.mouse.move(200, 420); // the empty part of the Runs view: no tooltip
  await page.waitForTimeout(500);
  const light = await measure(frame);
  await ui.shot('cc-light-runs-expanded');
  await sideShot('cc-light-runs-expanded');
  await pickColorTheme(ui, 'Dark Modern');

  const figures = { dark: { ...dark, text: undefined, title: undefined }, light: { ...light, text: undefined, title: undefined }, order, focusedLine, text: dark.text };
  if (problems.length) throw new Error(problems.join('\n      ') + `\n      figures: ${JSON.stringify(figures)}`);
  return figures;
}
