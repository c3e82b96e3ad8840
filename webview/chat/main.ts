/**
 * Trace Doctor chat webview: message list with streamed markdown (rendered to DOM nodes, never innerHTML),
 * source links, input, stop, model picker, "Diagnose", diagnosis cards with thumbs up/down. New Chat is in the view's title
 * bar (package.json view/title), not in the view: the side panel under the Runs view is short, so the chrome is compact.
 * State survives hide/reload via getState/setState. Talks to src/extension/views/chat-view.ts.
 */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import '@vscode-elements/elements/dist/vscode-textarea/index.js';
import type { ChatAction, ChatCard, ChatToHost, HostToChat, ModelOption, RunsInfo } from '../../src/protocol/chat-messages';
import { renderMarkdown, sourceLink } from './markdown';
import { categoryLabel } from '../../src/core/format';
import { FIGURES_LEGEND } from '../../src/core/format/figures';
import { blankUnsafe } from '../../src/core/format/inert';

declare function acquireVsCodeApi(): { postMessage(m: unknown): void; getState(): unknown; setState(s: unknown): void };
const vscode = acquireVsCodeApi();

interface Item {
  id: string;
  role: 'user' | 'assistant' | 'card' | 'notice';
  text: string;
  status?: string;
  tools?: string[];
  error?: string;
  card?: ChatCard;
  rated?: 'up' | 'down';
  done?: boolean;
  /** the turn's outcome kind ('no-runs' turns go away once traces are loaded) */
  code?: string;
  /** buttons under the turn (e.g. the model server is unreachable) */
  actions?: ChatAction[];
  /** when the turn started (Date.now()), for the elapsed time of a long wait */
  started?: number;
  /**
   * its error was resolved: a later request succeeded (the settings were fixed, the server came back). The error is
   * then shown collapsed and muted, its buttons gone; the host's log and feedback record keep it as it was.
   */
  resolved?: boolean;
}

const ACTION_LABELS: Record<ChatAction, string> = { useOffline: 'Use offline engine', chooseProvider: 'Choose provider', setApiKey: 'Set API Key', chooseModel: 'Choose model' };
interface State {
  items: Item[];
  draft: string;
  provider: string;
  models: ModelOption[];
  selected: string;
  runs: RunsInfo | null;
}

const saved = vscode.getState() as Partial<State> | undefined;
const state: State = { items: [], draft: '', provider: '', models: [], selected: '', runs: null, ...(saved ?? {}) };
// a turn that was streaming when the view was reloaded will never finish
for (const it of state.items) if (it.role === 'assistant' && !it.done) Object.assign(it, { done: true, error: it.error ?? 'interrupted' });
let busy = false;

const post = (m: ChatToHost) => vscode.postMessage(m);
const save = () => vscode.setState(state);
const hooks = { onSource: (file: string, line: number) => post({ type: 'openSource', file, line }) };

function el<K extends keyof HTMLElementTagNameMap>(tag: K, cls?: string, text?: string): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
}

// ---- layout
const app = document.getElementById('app')!;
const header = el('div', 'chat-header');
// one line, cut with "…" (the whole line in its tooltip); focusable, and shown whole while it has the focus
const runsLine = el('div', 'runs-line');
runsLine.tabIndex = 0;
const modelSelect = document.createElement('vscode-single-select') as HTMLElement & { value: string };
modelSelect.className = 'model-select';
modelSelect.setAttribute('aria-label', 'Model');
const diagnoseBtn = document.createElement('vscode-button') as HTMLElement & { disabled: boolean };
diagnoseBtn.textContent = 'Diagnose';
diagnoseBtn.setAttribute('icon', 'pulse');
const headerRow = el('div', 'header-row');
headerRow.append(modelSelect, diagnoseBtn);
header.append(runsLine, headerRow);
const list = el('div', 'messages');
list.setAttribute('role', 'log');
list.setAttribute('aria-live', 'polite');
const footer = el('div', 'chat-footer');
const input = document.createElement('vscode-textarea') as HTMLElement & { value: string };
input.className = 'input';
input.setAttribute('placeholder', 'Ask about the loaded traces… (Enter to send, Shift+Enter for a new line, /diagnose for a structured answer)');
input.setAttribute('rows', '3');
input.setAttribute('resize', 'vertical');
const sendBtn = document.createElement('vscode-button') as HTMLElement & { disabled: boolean };
sendBtn.textContent = 'Send';
const stopBtn = document.createElement('vscode-button') as HTMLElement & { disabled: boolean };
stopBtn.textContent = 'Stop';
stopBtn.setAttribute('secondary', '');
const footerRow = el('div', 'footer-row');
footerRow.append(sendBtn, stopBtn);
footer.append(input, footerRow);
app.append(header, list, footer);

// ---- rendering
function renderRuns(): void {
  const text = state.runs
    ? `Loaded: ${shownName(state.runs.label)} — ${state.runs.traces} traces, ${state.runs.spans} spans${state.runs.rootCause ? ` · engine: ${shownName(state.runs.rootCause)}` : ''}`
    : // short enough for one line of a narrow side bar (the Runs view above has the Diagnose Trace button)
      'No traces loaded. Run "Diagnose Trace" first.';
  runsLine.textContent = text;
  runsLine.title = text;
}

function renderModels(): void {
  modelSelect.replaceChildren();
  const opts = state.models.length ? state.models : [{ id: state.selected || '', label: state.selected || '(no model)' }];
  for (const m of opts) {
    const o = document.createElement('vscode-option') as HTMLElement & { value: string; selected: boolean };
    o.value = m.id;
    o.textContent = m.label;
    if (m.id === state.selected) o.selected = true;
    modelSelect.appendChild(o);
  }
  modelSelect.title = `Provider: ${state.provider || '?'}`;
}

/** a name from the traces shown as inert one-line text: control/bidi characters removed, long names cut */
function shownName(s: string): string {
  const t = blankUnsafe(s).replace(/\s+/g, ' ').trim();
  return t.length > 120 ? t.slice(0, 119) + '…' : t;
}

/** "effect +81 ms per trace over 2 call paths", its tooltip saying what per call / per trace / call path / effect mean */
function effectSpan(text: string): HTMLElement {
  const e = el('span', 'effect', text);
  e.title = FIGURES_LEGEND;
  return e;
}

function renderCard(it: Item): HTMLElement {
  const c = it.card!;
  const disagrees = c.agreement?.verdict === 'disagrees';
  const box = el('div', `card ${c.origin}${disagrees ? ' disagrees' : ''}`);
  box.dataset.id = it.id;
  const title = el('div', 'card-title');
  title.append(el('span', 'card-kicker', disagrees ? "Model's answer" : 'Root cause'), el('span', 'card-label', c.label));
  box.append(title);
  if (c.error && it.resolved) box.append(resolvedError(c.error));
  else if (c.error) box.append(el('div', 'card-error', c.error));
  if (disagrees) box.append(el('div', 'card-disagreement', `⚠ Disagrees with the measured evidence. ${c.agreement!.reason}`));
  const rootLine = (r: ChatCard['rootCause']) => {
    const e = el('div', 'card-root', r ? `${shownName(r.service)} · ${shownName(r.operation)}` : 'No regression beyond noise');
    if (r) e.title = `${shownName(r.service)} · ${shownName(r.operation)}`;
    return e;
  };
  box.append(rootLine(c.rootCause));
  const meta = el('div', 'card-meta');
  meta.append(el('span', 'badge', categoryLabel(c.category)), el('span', 'confidence', `confidence ${Math.round(c.confidence * 100)}%`));
  // the effect per trace beside the sentence's per-call figure: the legend says which is which
  if (c.effect) meta.append(effectSpan(c.effect));
  box.append(meta);
  if (c.agreement && !disagrees) box.append(el('div', 'card-agreement', `✓ Checked against the engine: ${c.agreement.reason}`));
  if (c.summary) {
    const p = el('div', 'card-summary');
    p.append(renderMarkdown(document, c.summary, hooks));
    box.append(p);
  }
  const section = (parent: HTMLElement, name: string, items: string[]) => {
    if (!items.length) return;
    parent.append(el('div', 'card-section', name));
    const ul = el('ul');
    for (const x of items) {
      const li = el('li');
      li.append(renderMarkdown(document, x, hooks));
      ul.append(li);
    }
    parent.append(ul);
  };
  section(box, 'Evidence', c.evidence);
  section(box, 'Mitigation', c.mitigation);
  const sources = (parent: HTMLElement, list: ChatCard['sources']) => {
    if (!list.length) return;
    parent.append(el('div', 'card-section', 'Source'));
    const p = el('div', 'card-sources');
    for (const s of list) p.append(sourceLink(document, `${s.file}:${s.line}`, s.file, s.line, hooks), document.createTextNode(' '));
    parent.append(p);
  };
  sources(box, c.sources);
  if (c.engine) {
    // the engine's measured answer, beside the model's
    const eng = el('div', 'card-engine');
    const t = el('div', 'card-title');
    t.append(el('span', 'card-kicker', 'Offline engine (measured)'), el('span', 'card-label', `confidence ${Math.round(c.engine.confidence * 100)}% · ${categoryLabel(c.engine.category)}`));
    eng.append(t, rootLine(c.engine.rootCause));
    if (c.engine.effect) {
      const m = el('div', 'card-meta');
      m.append(effectSpan(c.engine.effect));
      eng.append(m);
    }
    if (c.engine.summary) eng.append(el('p', 'card-summary', c.engine.summary));
    section(eng, 'Evidence', c.engine.evidence);
    sources(eng, c.engine.sources);
    box.append(eng);
  }
  // feedback
  const fb = el('div', 'feedback');
  const up = el('button', 'thumb', '▲ Helpful');
  up.title = 'Helpful';
  up.setAttribute('aria-label', 'Helpful');
  const down = el('button', 'thumb', '▼ Not helpful');
  down.title = 'Not helpful';
  down.setAttribute('aria-label', 'Not helpful');
  const comment = el('input', 'comment') as HTMLInputElement;
  comment.placeholder = 'Optional comment, then Helpful / Not helpful';
  comment.maxLength = 4000;
  if (it.rated) {
    (it.rated === 'up' ? up : down).classList.add('chosen');
    up.disabled = down.disabled = true;
    comment.disabled = true;
    comment.placeholder = 'Thanks for the feedback.';
  }
  const rate = (rating: 'up' | 'down') => {
    it.rated = rating;
    post({ type: 'feedback', id: c.id, rating, ...(comment.value.trim() ? { comment: comment.value.trim() } : {}) });
    save();
    render();
  };
  up.addEventListener('click', () => rate('up'));
  down.addEventListener('click', () => rate('down'));
  fb.append(up, down, comment);
  box.append(fb);
  return box;
}

/** An error a later request resolved: one muted line, the message behind a disclosure (no red line in a long session). */
function resolvedError(text: string): HTMLElement {
  const d = el('details', 'resolved-error');
  d.append(el('summary', undefined, 'Error, resolved by a later answer'), el('div', 'resolved-text', text));
  return d;
}

/**
 * A request succeeded: earlier error turns (and an error on a card) are resolved — collapsed, their buttons gone.
 * Stop is no error; a turn still running is left alone.
 */
function resolveErrors(upTo: string): void {
  let changed = false;
  for (const x of state.items) {
    if (x.id === upTo) break;
    if (x.resolved) continue;
    const failed = (x.role === 'assistant' && x.done && !!x.error && x.code !== 'stopped') || (x.role === 'card' && !!x.card?.error);
    if (failed) changed = x.resolved = true;
  }
  if (changed) render();
}

function renderItem(it: Item): HTMLElement {
  if (it.role === 'card') return renderCard(it);
  const box = el('div', `msg ${it.role}`);
  box.dataset.id = it.id;
  if (it.role === 'user') box.append(el('div', 'msg-text', it.text));
  else if (it.role === 'notice') box.append(el('div', 'notice-text', it.text));
  else {
    if (it.tools?.length) box.append(el('div', 'tools', `Tools: ${it.tools.join(', ')}`));
    const body = el('div', 'msg-text markdown');
    body.append(renderMarkdown(document, it.text, hooks));
    box.append(body);
    if (!it.done && it.status) box.append(el('div', 'status', statusText(it)));
    // Stop is the user's choice, not a failure: said in the muted colour
    if (it.error && it.resolved) box.append(resolvedError(it.error));
    else if (it.error) box.append(el('div', it.code === 'stopped' ? 'stopped' : 'error', it.error));
    if (it.actions?.length && !it.resolved) {
      const row = el('div', 'actions');
      for (const a of it.actions) {
        const b = document.createElement('vscode-button') as HTMLElement;
        b.textContent = ACTION_LABELS[a] ?? a;
        b.dataset.action = a;
        if (a !== it.actions[0]) b.setAttribute('secondary', '');
        b.addEventListener('click', () => post({ type: 'action', action: a }));
        row.append(b);
      }
      box.append(row);
    }
  }
  return box;
}

/** a turn's status line; past a few seconds it says how long the wait has been (a local model can take minutes) */
function statusText(it: Item): string {
  const s = it.started ? Math.floor((Date.now() - it.started) / 1000) : 0;
  return s >= 3 ? `${it.status} (${s} s)` : (it.status ?? '');
}

// the elapsed time of a running turn, once a second (its status line only: no re-render, no scrolling)
setInterval(() => {
  for (const it of state.items) {
    if (it.role !== 'assistant' || it.done || !it.status) continue;
    const line = list.querySelector(`[data-id="${CSS.escape(it.id)}"] > .status`);
    if (line) line.textContent = statusText(it);
  }
}, 1000);

/**
 * Show the start of what just arrived: a diagnosis card is long, and the side panel is short. Scrolled to the bottom,
 * only its mitigation and source showed — and after a failure, the error line above the (fallback) card was out of
 * view. The turn's error (or the card itself) goes to the top of the list.
 */
function revealStart(turnId: string, cardId: string): void {
  const turn = state.items.find((x) => x.id === turnId);
  const target = (turn?.error ? list.querySelector(`[data-id="${CSS.escape(turnId)}"]`) : null) ?? list.querySelector(`[data-id="${CSS.escape(cardId)}"]`);
  if (!(target instanceof HTMLElement)) return;
  list.scrollTop = Math.max(0, target.getBoundingClientRect().top - list.getBoundingClientRect().top + list.scrollTop - 4);
}

function render(): void {
  const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
  list.replaceChildren(...state.items.map(renderItem));
  // a first-time user with no model server installed sees "(no model)" above: Diagnose still answers (walkthrough 2026-12-07 pm)
  if (!state.items.length) list.append(el('div', 'empty', 'Ask why the incident run is slower, or press Diagnose for a structured answer — from the model chosen above, or from the offline engine when no model server answers.'));
  if (atBottom) list.scrollTop = list.scrollHeight;
}

/** re-render one streaming message only (cheap during deltas) */
function renderOne(it: Item): void {
  const old = list.querySelector(`[data-id="${CSS.escape(it.id)}"]`);
  const next = renderItem(it);
  if (old && old.parentElement === list && it.role !== 'card') old.replaceWith(next);
  else render();
  list.scrollTop = list.scrollHeight;
}

function setBusy(b: boolean): void {
  busy = b;
  sendBtn.disabled = b;
  diagnoseBtn.disabled = b;
  stopBtn.disabled = !b;
}

// ---- actions
function send(): void {
  const text = (input.value ?? '').trim();
  if (!text || busy) return;
  input.value = '';
  state.draft = '';
  post({ type: 'ask', text });
}
sendBtn.addEventListener('click', send);
input.addEventListener('keydown', (e: Event) => {
  const k = e as KeyboardEvent;
  if (k.key === 'Enter' && !k.shiftKey && !k.isComposing) {
    k.preventDefault();
    send();
  }
});
input.addEventListener('input', () => {
  state.draft = input.value ?? '';
  save();
});
stopBtn.addEventListener('click', () => post({ type: 'stop' }));
diagnoseBtn.addEventListener('click', () => {
  if (!busy) post({ type: 'diagnose' });
});
modelSelect.addEventListener('change', () => {
  state.selected = modelSelect.value;
  save();
  post({ type: 'selectModel', id: modelSelect.value });
});

/** "No traces are loaded" turns (and the question that got them) are stale once traces are loaded: drop them. */
function dropStale(): void {
  const stale = new Set(state.items.filter((x) => x.role === 'assistant' && x.code === 'no-runs').map((x) => x.id));
  if (!stale.size) return;
  state.items = state.items.filter((x) => !stale.has(x.id) && !(x.role === 'user' && stale.has(x.id.slice(1))));
  render();
}

/**
 * Other runs were loaded under a conversation about earlier ones: a line says so, so the answers above are not read as
 * about the new runs (the header names the new runs; an earlier card could name another root cause). Nothing when the
 * conversation is empty or the same runs were reloaded.
 */
function noteNewLoad(prev: RunsInfo | null, next: RunsInfo | null): void {
  if (!prev || !next || (prev.key ?? prev.label) === (next.key ?? next.label)) return;
  if (!state.items.some((x) => x.role === 'assistant' || x.role === 'card')) return;
  // same-named files from another folder: the label alone would read "about" the new runs
  const earlier = prev.label === next.label ? 'the earlier load' : prev.label;
  state.items.push({ id: `n${Date.now()}`, role: 'notice', text: `New traces loaded: ${next.label} (${next.traces.toLocaleString('en-US')} traces). The answers above are about ${earlier}.` });
  render();
}

const find = (id: string) => state.items.find((x) => x.id === id && x.role === 'assistant');

window.addEventListener('message', (ev: MessageEvent) => {
  const m = ev.data as HostToChat;
  if (!m || typeof m !== 'object' || typeof (m as { type?: unknown }).type !== 'string') return;
  switch (m.type) {
    case 'init':
      state.provider = m.provider;
      state.models = m.models;
      state.selected = m.selected;
      noteNewLoad(state.runs, m.runs);
      state.runs = m.runs;
      if (m.runs) dropStale();
      renderRuns();
      renderModels();
      render();
      state.items = state.items.filter((x) => x.code !== 'models-error');
      if (m.modelsError) state.items.push({ id: `n${Date.now()}`, role: 'notice', text: m.modelsError, code: 'models-error' });
      break;
    case 'runs':
      noteNewLoad(state.runs, m.runs);
      state.runs = m.runs;
      renderRuns();
      if (m.runs) dropStale();
      break;
    case 'models':
      state.provider = m.provider;
      state.models = m.models;
      state.selected = m.selected;
      renderModels();
      // an earlier "Could not list the models" is stale once a listing worked (the settings were fixed)
      state.items = state.items.filter((x) => x.code !== 'models-error');
      if (m.error) state.items.push({ id: `n${Date.now()}`, role: 'notice', text: m.error, code: 'models-error' });
      render();
      break;
    case 'turnStart':
      if (m.question) state.items.push({ id: `u${m.id}`, role: 'user', text: m.question });
      state.items.push({ id: m.id, role: 'assistant', text: '', status: 'Thinking…', tools: [], started: Date.now() });
      render();
      break;
    case 'delta': {
      const it = find(m.id);
      if (it) {
        it.text += m.text;
        renderOne(it);
      }
      break;
    }
    case 'status': {
      const it = find(m.id);
      if (it) {
        it.status = m.text;
        renderOne(it);
      }
      break;
    }
    case 'tool': {
      const it = find(m.id);
      if (it && m.ok === undefined) {
        it.tools = [...(it.tools ?? []), m.name];
        it.status = `Calling ${m.name}…`;
        renderOne(it);
      } else if (it && !it.done) {
        // the tool answered: the wait from here on is the model's, not the tool's
        it.status = m.ok ? 'Waiting for the model…' : `${m.name} failed; waiting for the model…`;
        renderOne(it);
      }
      break;
    }
    case 'turnEnd': {
      const it = find(m.id);
      if (it) {
        if (m.text !== undefined) it.text = m.text;
        if (m.error) it.error = m.error;
        if (m.code) it.code = m.code;
        if (m.actions?.length) it.actions = m.actions;
        it.done = true;
        if (!it.text && !it.error && !(it.tools ?? []).length) state.items = state.items.filter((x) => x !== it);
        render();
        // this request worked: the errors above it are history now (collapsed, not a wall of red lines)
        if (!m.error) resolveErrors(m.id);
      }
      break;
    }
    case 'card':
      state.items.push({ id: m.card.id, role: 'card', text: '', card: m.card });
      render();
      // a model's answer (not the offline fallback under a failed turn) resolves the errors before its turn
      if (m.card.origin === 'model' && !m.card.error) resolveErrors(m.id);
      revealStart(m.id, m.card.id);
      break;
    case 'prefill':
      input.value = m.text;
      state.draft = m.text;
      (input as HTMLElement).focus();
      break;
    case 'cleared':
      state.items = [];
      render();
      break;
    case 'busy':
      setBusy(m.busy);
      break;
    case 'feedbackSaved':
      break;
  }
  save();
});

// ---- start
input.value = state.draft;
renderRuns();
renderModels();
render();
setBusy(false);
post({ type: 'ready' });
