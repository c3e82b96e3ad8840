import * as vscode from 'vscode';
import { chatWithModel, diagnoseWithModel, protectNames } from '../llm/agent';
import type { LlmLog } from '../llm/log';
import type { ChatMessage } from '../llm/provider';
import type { LlmRuns } from '../llm/runs';
import { runTool, TOOLS } from '../llm/tools/index';
import { agentSettings, readConfig, redactorFor } from './llm-config';
import { workspaceEnv } from './navigation';
import { resolveSourcePath } from './paths-model';
import { VsCodeLmProvider } from './llm-vscode-provider';

/**
 * Where VS Code has the chat APIs: an `@trace` chat participant (answers with the user's chat model, our tools and
 * guards) and the engine's read-only tools as language-model tools other chat participants can call.
 */
export function registerChatIntegrations(getRuns: () => LlmRuns | undefined, llmLog: LlmLog): vscode.Disposable[] {
  const out: vscode.Disposable[] = [];
  const api = vscode as unknown as { chat?: { createChatParticipant?: unknown }; lm?: { registerTool?: unknown } };
  if (typeof api.chat?.createChatParticipant === 'function') {
    const participant = vscode.chat.createChatParticipant('traceDoctor.trace', async (request, context, stream, token) => {
      const runs = getRuns();
      if (!runs) {
        stream.markdown('No traces are loaded. Run **Trace Doctor: Diagnose Trace** first; `@trace` answers about the loaded runs.');
        return {};
      }
      const ac = new AbortController();
      token.onCancellationRequested(() => ac.abort());
      const cfg = readConfig();
      const deps = {
        provider: new VsCodeLmProvider(request.model),
        runs,
        redactor: redactorFor(cfg),
        log: llmLog,
        signal: ac.signal,
        events: { onDelta: (t: string) => stream.markdown(t), onToolCall: (n: string) => stream.progress(`Calling ${n}…`), onStatus: (t: string) => stream.progress(t) },
      };
      const settings = { ...agentSettings(cfg, request.model.id), mode: 'tools' as const };
      if (request.command === 'diagnose') {
        const o = await diagnoseWithModel({ ...deps, events: { ...deps.events, onDelta: undefined } }, settings, request.prompt || undefined);
        const d = o.diagnosis;
        if (o.error) stream.markdown(`_${o.error.message}_\n\n`);
        stream.markdown(`**Root cause:** ${d.rootCause ? `\`${d.rootCause.service}\` · \`${d.rootCause.operation}\`` : 'no regression beyond noise'} — ${d.category}, confidence ${Math.round(d.confidence * 100)}% _(${o.label})_\n\n${d.summary}\n\n`);
        if (d.evidence.length) stream.markdown(`**Evidence**\n${d.evidence.map((e) => `- ${e}`).join('\n')}\n\n`);
        if (d.mitigation.length) stream.markdown(`**Mitigation**\n${d.mitigation.map((e) => `- ${e}`).join('\n')}\n\n`);
        for (const s of d.sources) {
          // the model's file, resolved as every source link is (inside the workspace, any of its folders); else text
          const path = resolveSourcePath(s.file, workspaceEnv());
          if (path) stream.anchor(new vscode.Location(vscode.Uri.file(path), new vscode.Position(Math.max(0, s.line - 1), 0)), `${s.file}:${s.line}`);
          else stream.markdown(`- \`${s.file.replace(/[\u0000-\u001f\u007f-\u009f`]/g, ' ').slice(0, 200)}:${s.line}\` (not found in the workspace)\n`);
        }
        return {};
      }
      const history: ChatMessage[] = [];
      for (const h of context.history) {
        if (h instanceof vscode.ChatRequestTurn) history.push({ role: 'user', content: h.prompt });
        else if (h instanceof vscode.ChatResponseTurn)
          history.push({ role: 'assistant', content: h.response.map((p) => (p instanceof vscode.ChatResponseMarkdownPart ? p.value.value : '')).join('') });
      }
      const o = await chatWithModel(deps, settings, history, request.prompt);
      if (o.error) {
        const d = o.fallback?.diagnosis;
        stream.markdown(`\n\n_${o.error.message}_\n\nThe offline engine says: ${d?.rootCause ? `**${d.rootCause.service}** · \`${d.rootCause.operation}\` (${d.category}). ${d.summary}` : (d?.summary ?? 'no diagnosis')}`);
      }
      return {};
    });
    participant.iconPath = new vscode.ThemeIcon('pulse');
    out.push(participant);
  }
  if (typeof api.lm?.registerTool === 'function') {
    out.push(
      vscode.lm.registerTool<{ tool: string; arguments?: Record<string, unknown> }>('traceDoctor_traceQuery', {
        invoke: (options) => {
          const runs = getRuns();
          if (!runs) return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart('No traces are loaded in Trace Doctor.')]);
          // the result leaves through another extension's model: redact it like everything else we send
          const red = redactorFor(readConfig());
          protectNames(red, runs);
          const r = runTool(options.input.tool, options.input.arguments ?? {}, runs, 4000, undefined, undefined, { redactValue: (k, v) => red.redactValue?.(k, v) ?? v });
          return new vscode.LanguageModelToolResult([new vscode.LanguageModelTextPart(red.redact(r.text))]);
        },
        prepareInvocation: (options) => ({ invocationMessage: `Trace Doctor: ${options.input.tool}` }),
      }),
    );
  }
  return out;
}

export const TRACE_QUERY_TOOLS = TOOLS.map((t) => t.name);
