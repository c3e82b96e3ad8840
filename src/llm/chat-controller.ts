import { randomUUID } from 'node:crypto';
import type { ChatAction, ChatCard, ChatToHost, HostToChat, ModelOption, RunsInfo } from '../protocol/chat-messages';
import { type AgentOutcome, type AgentSettings, chatWithModel, diagnoseWithModel, offlineAnswer } from './agent';
import type { LlmLogSink } from './log';
import type { ChatMessage, LlmProvider } from './provider';
import type { Redactor } from './redact';
import { sanitize } from './sanitize';
import type { LlmRuns } from './runs';
import { engineEffectFor } from '../core/format/figures';

/**
 * The chat view's logic without `vscode`: handles the webview's messages, runs the agent, streams to the
 * webview, keeps the conversation, logs feedback. The extension wires it to a WebviewView (views/chat-view.ts).
 */
export interface ChatEnv {
  post(m: HostToChat): void;
  /** the loaded runs, or undefined when nothing is loaded */
  runs(): LlmRuns | undefined;
  runsInfo(): RunsInfo | null;
  /** current provider (undefined = offline) and settings for a model */
  provider(): Promise<LlmProvider | undefined>;
  providerName(): string;
  settings(model: string): AgentSettings;
  selectedModel(): string;
  setModel(id: string): Promise<void>;
  redactor(): Redactor;
  log: LlmLogSink;
  /** ask the user before sending to a remote endpoint; false = declined */
  consent(): Promise<boolean>;
  openSource(file: string, line: number): Promise<void>;
  /** offer to load traces (the extension's "Diagnose Trace" flow); true when runs are loaded afterwards */
  loadRuns?(): Promise<boolean>;
  /** a button under a turn: 'useOffline' switches the provider to the offline engine, 'chooseProvider' / 'chooseModel' open the setting, 'setApiKey' runs "Set API Key" */
  runAction?(action: ChatAction): Promise<void>;
}

/** A name from the traces as the user sees it: inert one-line text, control/bidi characters removed, long names cut. */
export function displayName(s: string): string {
  return sanitize(s, 120);
}

/** Buttons offered when the model could not be reached (nothing is listening, DNS, no VS Code model…). */
const UNREACHABLE_ACTIONS: ChatAction[] = ['useOffline', 'chooseProvider'];

/** "<the provider's message> Showing …": the server's text often has no full stop of its own ("try pulling it first"). */
export function thenSentence(message: string, next: string): string {
  const m = message.trim();
  return `${m}${/[.!?…)]$/.test(m) ? '' : '.'} ${next}`;
}

/** What identifies the loaded runs for the conversation's history (the load's full paths when known). */
function loadKey(info: RunsInfo | null): string | undefined {
  return info ? (info.key ?? info.label) : undefined;
}

/** The card of an outcome. `withError` = false when the turn's own message already says what went wrong (said once). */
export function cardOf(o: AgentOutcome, withError = true, runs?: Pick<LlmRuns, 'diagnosis' | 'diff'>): ChatCard {
  const d = o.diagnosis;
  // the engine's measured effect, with what it measures, on the answer that names its root cause
  const effect = runs ? engineEffectFor(runs.diagnosis, d.rootCause, runs.diff) : null;
  const engineEffect = runs && o.engine ? engineEffectFor(runs.diagnosis, o.engine.rootCause, runs.diff) : null;
  const rc = (r: typeof d.rootCause) => (r ? { service: displayName(r.service), operation: displayName(r.operation) } : null);
  const agreement = o.agreement && o.agreement.verdict !== 'contradicts' ? { verdict: o.agreement.verdict, reason: o.agreement.reason } : undefined;
  return {
    id: o.id,
    rootCause: rc(d.rootCause),
    category: d.category,
    confidence: d.confidence,
    evidence: d.evidence,
    mitigation: d.mitigation,
    sources: d.sources,
    summary: d.summary,
    ...(effect ? { effect } : {}),
    label: o.label,
    origin: o.origin.kind,
    ...(o.error && withError ? { error: o.error.message } : {}),
    ...(agreement ? { agreement } : {}),
    ...(o.engine ? { engine: { rootCause: rc(o.engine.rootCause), category: o.engine.category, confidence: o.engine.confidence, evidence: o.engine.evidence, summary: o.engine.summary, sources: o.engine.sources, ...(engineEffect ? { effect: engineEffect } : {}) } } : {}),
  };
}

export class ChatController {
  private history: ChatMessage[] = [];
  /** the load the last history entries are about (a new load is said to the model, as the view says it to the user) */
  private historyLoad: { key: string; label: string } | undefined;
  private running: AbortController | undefined;

  constructor(private readonly env: ChatEnv) {}

  get busy(): boolean {
    return !!this.running;
  }

  async models(): Promise<{ models: ModelOption[]; error?: string }> {
    const selected = this.env.selectedModel();
    try {
      const p = await this.env.provider();
      if (!p) return { models: [{ id: '', label: 'Offline engine (no model)' }] };
      if (!p.listModels) return { models: selected ? [{ id: selected, label: selected }] : [] };
      const list = await p.listModels(AbortSignal.timeout(5000));
      const models = list.map((m) => ({ id: m.id, label: m.label ?? m.id }));
      if (selected && !models.some((m) => m.id === selected)) models.unshift({ id: selected, label: `${selected} (not listed by the server)` });
      return { models };
    } catch (e) {
      return { models: selected ? [{ id: selected, label: selected }] : [], error: `Could not list the models: ${(e as Error).message}` };
    }
  }

  async postInit(): Promise<void> {
    const m = await this.models();
    this.env.post({ type: 'init', provider: this.env.providerName(), models: m.models, selected: this.env.selectedModel(), runs: this.env.runsInfo(), ...(m.error ? { modelsError: m.error } : {}) });
  }

  async refreshModels(): Promise<void> {
    const m = await this.models();
    this.env.post({ type: 'models', provider: this.env.providerName(), models: m.models, selected: this.env.selectedModel(), ...(m.error ? { error: m.error } : {}) });
  }

  stop(): void {
    this.running?.abort();
  }

  newChat(): void {
    this.stop();
    this.history = [];
    this.historyLoad = undefined;
    this.env.post({ type: 'cleared' });
  }

  prefill(text: string): void {
    this.env.post({ type: 'prefill', text });
  }

  async handle(msg: ChatToHost): Promise<void> {
    switch (msg.type) {
      case 'ready':
        return this.postInit();
      case 'ask': {
        // "/diagnose [note]" in the input box = the Diagnose action
        const slash = /^\/diagnose\b\s*([\s\S]*)$/i.exec(msg.text.trim());
        return slash ? this.diagnose(slash[1] || undefined) : this.ask(msg.text);
      }
      case 'diagnose':
        return this.diagnose(msg.text);
      case 'stop':
        return this.stop();
      case 'selectModel':
        await this.env.setModel(msg.id);
        return;
      case 'refreshModels':
        return this.refreshModels();
      case 'openSource':
        return this.env.openSource(msg.file, msg.line);
      case 'action':
        return this.env.runAction?.(msg.action);
      case 'feedback':
        this.env.log.write({ type: 'feedback', id: msg.id, rating: msg.rating, ...(msg.comment ? { comment: msg.comment } : {}) });
        this.env.post({ type: 'feedbackSaved', id: msg.id });
        return;
    }
  }

  /** the chosen model, or the first one the server lists when none is set */
  private async modelFor(p: LlmProvider, turnId: string): Promise<string> {
    const chosen = this.env.selectedModel();
    if (chosen || !p.listModels) return chosen;
    const list = await p.listModels(AbortSignal.timeout(5000)).catch(() => []);
    if (list[0]) {
      this.env.post({ type: 'status', id: turnId, text: `No model chosen; using ${list[0].id}.` });
      return list[0].id;
    }
    return chosen;
  }

  private async begin(question?: string, offerLoad = false): Promise<{ id: string; runs: LlmRuns; provider: LlmProvider | undefined; signal: AbortSignal } | undefined> {
    const id = randomUUID();
    if (this.running) {
      this.env.post({ type: 'turnStart', id, question });
      this.env.post({ type: 'turnEnd', id, error: 'Still working on the previous request — press Stop first.' });
      return undefined;
    }
    let runs = this.env.runs();
    // "Diagnose" with nothing loaded: run the extension's own "Diagnose Trace" flow first
    if (!runs && offerLoad && this.env.loadRuns && (await this.env.loadRuns())) runs = this.env.runs();
    this.env.post({ type: 'turnStart', id, question });
    if (!runs) {
      this.env.post({ type: 'turnEnd', id, error: 'No traces are loaded. Run "Trace Doctor: Diagnose Trace" (or open a trace file) first.', code: 'no-runs' });
      return undefined;
    }
    let provider: LlmProvider | undefined;
    try {
      provider = await this.env.provider();
      this.env.redactor(); // invalid redaction patterns: say so before anything is sent
    } catch (e) {
      this.env.post({ type: 'turnEnd', id, error: (e as Error).message });
      this.offlineCard(id, runs, 'the model settings are invalid', (e as Error).message);
      return undefined;
    }
    if (provider && !(await this.env.consent())) {
      this.env.post({ type: 'turnEnd', id, error: 'Not sent: sending traces to the remote model was not allowed. Here is the offline engine\'s answer.' });
      this.offlineCard(id, runs, 'remote model not allowed');
      return undefined;
    }
    this.running = new AbortController();
    this.env.post({ type: 'busy', busy: true });
    return { id, runs, provider, signal: this.running.signal };
  }

  private end(): void {
    this.running = undefined;
    this.env.post({ type: 'busy', busy: false });
  }

  private offlineCard(id: string, runs: LlmRuns, reason: string, error?: string): void {
    const label = `offline engine (${reason})`;
    const diagnosis = offlineAnswer(runs.diagnosis, runs);
    const cardId = randomUUID();
    this.env.log.write({ type: 'result', id: cardId, origin: { kind: 'offline', reason }, label, diagnosis, ms: 0 });
    const effect = engineEffectFor(runs.diagnosis, diagnosis.rootCause, runs.diff);
    this.env.post({ type: 'card', id, card: { id: cardId, ...diagnosis, ...(effect ? { effect } : {}), label, origin: 'offline', ...(error ? { error } : {}) } });
  }

  private events(id: string) {
    return {
      onDelta: (text: string) => this.env.post({ type: 'delta', id, text }),
      onStatus: (text: string) => this.env.post({ type: 'status', id, text }),
      onToolCall: (name: string) => this.env.post({ type: 'tool', id, name }),
      onToolResult: (name: string, ok: boolean, ms: number) => this.env.post({ type: 'tool', id, name, ok, ms }),
    };
  }

  /** the offline engine answers because the user chose provider "offline" — said as a choice, not as a missing setting */
  private offlineText(what: 'diagnose' | 'ask'): string {
    const chosen = this.env.providerName() === 'offline';
    if (what === 'diagnose') return chosen ? 'The offline engine\'s diagnosis (provider "offline"):' : 'No model is configured; this is the offline engine\'s diagnosis.';
    return chosen
      ? 'The provider is "offline", so no model answers free questions; here is the offline engine\'s diagnosis. Choose a model provider to ask questions.'
      : 'No model is configured (set `traceDoctor.llm.provider` to ollama, openai or vscode-lm). Here is the offline engine\'s diagnosis.';
  }

  private offlineReason(): string {
    return this.env.providerName() === 'offline' ? 'provider "offline"' : 'no model configured';
  }

  /**
   * Buttons for what the user can fix: an unreachable model server → "Use offline engine" / "Choose provider"; a key
   * the server refuses → "Set API Key"; a model the server does not know (404) → "Choose model".
   */
  private errorExtras(err: { kind: string; status?: number }): Partial<Extract<HostToChat, { type: 'turnEnd' }>> {
    if (err.kind === 'unreachable') return { code: 'unreachable', actions: UNREACHABLE_ACTIONS };
    if (err.kind === 'auth') return { code: 'auth', actions: ['setApiKey'] };
    if (err.kind === 'client' && err.status === 404) return { code: 'model-not-found', actions: ['chooseModel'] };
    return {};
  }

  /** The history to send with a question; when other runs were loaded since it was written, the model is told so. */
  private historyFor(): ChatMessage[] {
    const info = this.env.runsInfo();
    const key = loadKey(info);
    const prev = this.historyLoad;
    if (this.history.length && prev && key !== undefined && key !== prev.key) {
      this.history.push({
        role: 'user',
        content: `(Note: other traces were loaded since the messages above: ${info!.label}. The questions and answers above are about ${prev.label === info!.label ? 'an earlier load' : prev.label}; answer only about the traces loaded now, and do not reuse names or numbers from above without checking them.)`,
      });
    }
    if (key !== undefined) this.historyLoad = { key, label: info!.label };
    return this.history;
  }

  async diagnose(userText?: string): Promise<void> {
    const t = await this.begin(userText ? `Diagnose: ${userText}` : 'Diagnose the loaded runs', true);
    if (!t) return;
    try {
      if (!t.provider) {
        this.env.post({ type: 'turnEnd', id: t.id, text: this.offlineText('diagnose'), code: 'offline' });
        this.offlineCard(t.id, t.runs, this.offlineReason());
        return;
      }
      const model = await this.modelFor(t.provider, t.id);
      const out = await diagnoseWithModel({ provider: t.provider, runs: t.runs, redactor: this.env.redactor(), log: this.env.log, signal: t.signal, events: this.events(t.id) }, this.env.settings(model));
      // the error is said once, in the turn; the card under it is the offline engine's answer
      this.env.post({ type: 'turnEnd', id: t.id, ...(out.error ? { error: thenSentence(out.error.message, "Showing the offline engine's diagnosis."), ...this.errorExtras(out.error) } : {}) });
      this.env.post({ type: 'card', id: t.id, card: cardOf(out, !out.error, t.runs) });
      const d = out.diagnosis;
      const e = out.engine;
      this.historyFor();
      this.history.push(
        { role: 'user', content: 'Diagnose the loaded runs.' },
        {
          role: 'assistant',
          content: `Diagnosis (${out.label}): ${d.rootCause ? `${d.rootCause.service} / ${d.rootCause.operation}, ${d.category}` : 'no regression'}. ${d.summary}${e ? ` The offline engine disagrees: ${e.rootCause ? `${e.rootCause.service} / ${e.rootCause.operation}` : 'no regression'} (${out.agreement?.reason ?? ''}).` : ''}`,
        },
      );
    } finally {
      this.end();
    }
  }

  async ask(question: string): Promise<void> {
    const t = await this.begin(question);
    if (!t) return;
    try {
      if (!t.provider) {
        this.env.post({ type: 'turnEnd', id: t.id, text: this.offlineText('ask'), code: 'offline', actions: ['chooseProvider'] });
        this.offlineCard(t.id, t.runs, this.offlineReason());
        return;
      }
      const model = await this.modelFor(t.provider, t.id);
      const events = this.events(t.id);
      let streamed = false;
      const out = await chatWithModel({ provider: t.provider, runs: t.runs, redactor: this.env.redactor(), log: this.env.log, signal: t.signal, events: { ...events, onDelta: (text: string) => { streamed ||= text.length > 0; events.onDelta(text); } } }, this.env.settings(model), this.historyFor(), question);
      if (out.error?.kind === 'cancelled') {
        // the user pressed Stop: what was streamed stays, marked; no diagnosis card they did not ask for
        this.env.post({ type: 'turnEnd', id: t.id, error: streamed ? 'Stopped — the answer above is incomplete.' : 'Stopped.', code: 'stopped' });
        return;
      }
      if (out.error) {
        this.env.post({ type: 'turnEnd', id: t.id, error: thenSentence(out.error.message, "Showing the offline engine's diagnosis instead."), ...this.errorExtras(out.error) });
        if (out.fallback) this.env.post({ type: 'card', id: t.id, card: cardOf(out.fallback, false, t.runs) });
        return;
      }
      this.env.post({ type: 'turnEnd', id: t.id, text: out.text });
      this.history.push({ role: 'user', content: question }, { role: 'assistant', content: out.text });
    } finally {
      this.end();
    }
  }
}
