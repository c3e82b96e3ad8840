import { join } from 'node:path';
import * as vscode from 'vscode';
import { ChatController, type ChatEnv } from '../../llm/chat-controller';
import { LlmLog } from '../../llm/log';
import type { LlmRuns } from '../../llm/runs';
import { previewPayload } from '../../llm/preview';
import { ChatToHost, type HostToChat, type RunsInfo } from '../../protocol/chat-messages';
import { registerAskInChatHandler } from '../chat-bridge';
import { registerChatIntegrations } from '../llm-participant';
import { agentSettings, createProvider, endpointOf, ensureConsent, readConfig, redactorFor, SECRET_KEY } from '../llm-config';
import { openAt } from '../navigation';
import { findOp } from '../ops-model';
import type { TraceSession, TraceSnapshot } from '../state';
import { buildWebviewHtml, webviewOptions } from '../webview-html';

/** What the chat needs from the rest of the extension. */
export interface ChatDeps {
  session: TraceSession;
  log: vscode.LogOutputChannel;
}

/** The loaded runs as the LLM layer reads them. */
export function runsFromSnapshot(s: TraceSnapshot): LlmRuns | undefined {
  if (s.mode === 'none' || !s.incident) return undefined;
  const name = (paths: string[]) => paths.map((p) => p.split(/[\\/]/).pop()).join(', ');
  return {
    ...(s.baseline ? { baseline: s.baseline.run.model } : {}),
    incident: s.incident.run.model,
    ...(s.diff ? { diff: s.diff } : {}),
    diagnosis: s.diagnosis ?? null,
    source: (service, op) => findOp(s.ops, service, op)?.source,
    labels: { ...(s.baseline ? { baseline: name(s.baseline.paths) } : {}), incident: name(s.incident.paths) },
  };
}

export function runsInfo(s: TraceSnapshot): RunsInfo | null {
  if (s.mode === 'none' || !s.incident) return null;
  const name = (paths: string[]) => paths.map((p) => p.split(/[\\/]/).pop()).join(', ');
  const rc = s.diagnosis?.rootCause;
  return {
    label: s.baseline ? `${name(s.baseline.paths)} → ${name(s.incident.paths)}` : `${name(s.incident.paths)}${s.autoSplit ? ' (split automatically)' : ''}`,
    key: `${s.mode}\u0000${(s.baseline?.paths ?? []).join('\u0001')}\u0000${s.incident.paths.join('\u0001')}`,
    traces: s.incident.stats.traces,
    spans: s.incident.stats.spans,
    ...(rc ? { rootCause: `${rc.service} / ${rc.name}` } : {}),
  };
}

class ChatViewProvider implements vscode.WebviewViewProvider {
  static readonly viewType = 'traceDoctor.chat';
  view: vscode.WebviewView | undefined;
  /** messages posted while the view was not resolved are dropped; prefill waits for it */
  private pendingPrefill: string | undefined;
  readonly posted: HostToChat[] = [];
  readonly controller: ChatController;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly deps: ChatDeps,
    readonly llmLog: LlmLog,
  ) {
    const env: ChatEnv = {
      post: (m) => this.post(m),
      runs: () => runsFromSnapshot(deps.session.snapshot),
      runsInfo: () => runsInfo(deps.session.snapshot),
      provider: () => createProvider(readConfig(), context.secrets, context.globalState),
      providerName: () => readConfig().provider,
      settings: (model) => agentSettings(readConfig(), model),
      selectedModel: () => readConfig().model,
      setModel: async (id) => {
        await vscode.workspace.getConfiguration('traceDoctor.llm').update('model', id, vscode.ConfigurationTarget.Global);
      },
      redactor: () => redactorFor(readConfig()),
      log: llmLog,
      consent: () => ensureConsent(readConfig(), context.workspaceState),
      loadRuns: async () => {
        await vscode.commands.executeCommand('traceDoctor.diagnose');
        await new Promise<void>((resolve) => {
          if (!deps.session.loading) return resolve();
          const d = deps.session.onDidChangeLoading((l) => {
            if (!l) {
              d.dispose();
              resolve();
            }
          });
        });
        return !!runsFromSnapshot(deps.session.snapshot);
      },
      runAction: async (action) => {
        if (action === 'chooseProvider') {
          await vscode.commands.executeCommand('workbench.action.openSettings', 'traceDoctor.llm.provider');
          return;
        }
        if (action === 'chooseModel') {
          await vscode.commands.executeCommand('workbench.action.openSettings', 'traceDoctor.llm.model');
          return;
        }
        if (action === 'setApiKey') {
          await vscode.commands.executeCommand('traceDoctor.llm.setApiKey');
          await this.controller.refreshModels();
          return;
        }
        // use the offline engine: where the provider is set (workspace or user), so it takes effect
        const c = vscode.workspace.getConfiguration('traceDoctor.llm');
        const where = c.inspect('provider')?.workspaceValue !== undefined ? vscode.ConfigurationTarget.Workspace : vscode.ConfigurationTarget.Global;
        await c.update('provider', 'offline', where);
        await this.controller.refreshModels();
      },
      openSource: async (file, line) => {
        try {
          if (!(await openAt(file, line - 1))) void vscode.window.showInformationMessage(`Trace Doctor: ${file} was not found in the workspace.`);
        } catch (e) {
          void vscode.window.showWarningMessage(`Trace Doctor: could not open ${file}:${line} — ${(e as Error).message}`);
        }
      },
    };
    this.controller = new ChatController(env);
  }

  post(m: HostToChat): void {
    this.posted.push(m);
    if (this.posted.length > 500) this.posted.splice(0, this.posted.length - 500);
    void this.view?.webview.postMessage(m);
  }

  prefill(text: string): void {
    if (this.view) this.controller.prefill(text);
    else this.pendingPrefill = text;
  }

  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    view.webview.options = webviewOptions(this.context.extensionUri);
    view.webview.html = buildWebviewHtml(view.webview, this.context.extensionUri, { title: 'Trace Doctor Chat', script: 'dist/webview/chat.js', styles: ['media/chat.css'], codicons: true, bodyAttributes: { 'data-view': 'chat' } });
    const subs = [
      view.webview.onDidReceiveMessage(async (raw: unknown) => {
        const parsed = ChatToHost.safeParse(raw);
        if (!parsed.success) {
          this.deps.log.warn(`chat view: ignored a malformed message (${parsed.error.issues[0]?.message ?? 'invalid'})`);
          return;
        }
        try {
          await this.controller.handle(parsed.data);
          if (parsed.data.type === 'ready' && this.pendingPrefill) {
            this.controller.prefill(this.pendingPrefill);
            this.pendingPrefill = undefined;
          }
        } catch (e) {
          this.deps.log.error(`chat view: ${(e as Error).message}`);
        }
      }),
    ];
    subs.push(
      view.onDidDispose(() => {
        this.controller.stop();
        this.view = undefined;
        for (const d of subs) d.dispose();
      }),
    );
  }
}

/** The payload of the first request, exactly as it would be sent (redacted), for "Preview What Will Be Sent". */
export function previewFor(s: TraceSnapshot): string {
  const cfg = readConfig();
  return previewPayload(runsFromSnapshot(s), {
    provider: cfg.provider,
    endpoint: endpointOf(cfg) || (cfg.provider === 'vscode-lm' ? "VS Code's language-model API" : 'nothing (offline)'),
    model: cfg.model,
    mode: cfg.mode,
    temperature: cfg.temperature,
    redactor: redactorFor(cfg),
  });
}

/** The optional chat APIs must never break activation (e.g. a VS Code build with chat disabled). */
function safeIntegrations(f: () => vscode.Disposable[], log: vscode.LogOutputChannel): vscode.Disposable[] {
  try {
    return f();
  } catch (e) {
    log.warn(`chat: @trace participant / language-model tool not registered: ${(e as Error).message}`);
    return [];
  }
}

/** Register the chat view, its commands and the "Ask in chat" handler. Called once from extension.ts. */
export function registerChat(context: vscode.ExtensionContext, deps: ChatDeps): vscode.Disposable {
  const llmLog = new LlmLog(join(context.globalStorageUri.fsPath, 'llm-log.jsonl'), undefined, (e) => deps.log.warn(`LLM log: ${e.message}`));
  const provider = new ChatViewProvider(context, deps, llmLog);
  const disposables: vscode.Disposable[] = [
    vscode.window.registerWebviewViewProvider(ChatViewProvider.viewType, provider, { webviewOptions: { retainContextWhenHidden: true } }),
    registerAskInChatHandler((req) => provider.prefill(req.prompt)),
    deps.session.onDidChange((s) => provider.post({ type: 'runs', runs: runsInfo(s) })),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('traceDoctor.llm')) void provider.controller.refreshModels();
    }),
    vscode.commands.registerCommand('traceDoctor.llm.setApiKey', async () => {
      const key = await vscode.window.showInputBox({
        title: 'Trace Doctor: API key for the OpenAI-compatible server',
        prompt: 'Stored in VS Code\'s SecretStorage (never in settings). Leave empty to remove the stored key.',
        password: true,
        ignoreFocusOut: true,
      });
      if (key === undefined) return;
      if (key.trim()) await context.secrets.store(SECRET_KEY, key.trim());
      else await context.secrets.delete(SECRET_KEY);
      void vscode.window.showInformationMessage(key.trim() ? 'Trace Doctor: API key saved.' : 'Trace Doctor: API key removed.');
    }),
    vscode.commands.registerCommand('traceDoctor.llm.preview', async () => {
      try {
        const doc = await vscode.workspace.openTextDocument({ language: 'json', content: previewFor(deps.session.snapshot) });
        await vscode.window.showTextDocument(doc, { preview: true });
      } catch (e) {
        void vscode.window.showErrorMessage(`Trace Doctor: ${(e as Error).message}`);
      }
    }),
    vscode.commands.registerCommand('traceDoctor.llm.exportLog', async () => {
      const dest = await vscode.window.showSaveDialog({ title: 'Export the LLM log (JSON Lines)', defaultUri: vscode.Uri.file(join(vscode.workspace.workspaceFolders?.[0]?.uri.fsPath ?? context.globalStorageUri.fsPath, 'trace-doctor-llm-log.jsonl')), filters: { 'JSON Lines': ['jsonl'] } });
      if (!dest) return;
      try {
        const n = await llmLog.exportTo(dest.fsPath);
        void vscode.window.showInformationMessage(`Trace Doctor: exported ${n} log entries to ${dest.fsPath}.`);
      } catch (e) {
        void vscode.window.showWarningMessage(`Trace Doctor: ${(e as Error).message}`);
      }
    }),
    vscode.commands.registerCommand('traceDoctor.chat.newChat', () => provider.controller.newChat()),
    ...safeIntegrations(() => registerChatIntegrations(() => runsFromSnapshot(deps.session.snapshot), llmLog), deps.log),
    vscode.commands.registerCommand('traceDoctor.chat.diagnose', async () => {
      await vscode.commands.executeCommand('traceDoctor.chat.focus').then(undefined, () => undefined);
      await provider.controller.diagnose();
    }),
  ];
  chatApi = { posted: () => provider.posted, controller: provider.controller, log: llmLog };
  return vscode.Disposable.from(...disposables);
}

/** For the in-VS-Code tests (engineer H): what the chat host posted, and its controller. */
export let chatApi: { posted(): readonly HostToChat[]; controller: ChatController; log: LlmLog } | undefined;
