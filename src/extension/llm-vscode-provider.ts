import * as vscode from 'vscode';
import { type ChatMessage, type ChatRequest, type ChatResult, type LlmProvider, type ModelInfo, type ToolCall, LlmError, cancelledError, timeoutError } from '../llm/provider';

/**
 * VS Code's language-model API (vscode.lm) behind the common provider interface. Tool calling is used when the
 * model supports it; structured output is asked for in the prompt (the API has no JSON-schema mode) and validated
 * like every other answer. There is no system role: the system prompt goes first as a user message.
 */
export class VsCodeLmProvider implements LlmProvider {
  readonly id = 'vscode-lm';
  readonly endpoint = 'vscode-lm';

  /** `fixed`: use this model (e.g. the one a chat participant request came with) instead of selecting by id */
  constructor(private readonly fixed?: vscode.LanguageModelChat) {}

  static available(): boolean {
    return typeof (vscode as { lm?: { selectChatModels?: unknown } }).lm?.selectChatModels === 'function';
  }

  async listModels(): Promise<ModelInfo[]> {
    if (!VsCodeLmProvider.available()) return [];
    const models = await vscode.lm.selectChatModels();
    return models.map((m) => ({ id: m.id, label: `${m.name} (${m.vendor})` }));
  }

  private async pick(id: string): Promise<vscode.LanguageModelChat> {
    if (this.fixed) return this.fixed;
    if (!VsCodeLmProvider.available()) throw new LlmError('unreachable', "This VS Code has no language-model API (vscode.lm). Choose the Ollama or OpenAI provider in Trace Doctor's settings.");
    const byId = id ? await vscode.lm.selectChatModels({ id }) : [];
    const any = byId.length ? byId : await vscode.lm.selectChatModels(id ? { family: id } : undefined);
    const m = any[0];
    if (!m) throw new LlmError('unreachable', `No VS Code language model${id ? ` "${id}"` : ''} is available. Install and sign in to a chat extension (e.g. GitHub Copilot), or choose another provider.`);
    return m;
  }

  async chat(req: ChatRequest): Promise<ChatResult> {
    const model = await this.pick(req.model);
    const cts = new vscode.CancellationTokenSource();
    let timedOut = false;
    const onAbort = () => cts.cancel();
    req.signal?.addEventListener('abort', onAbort, { once: true });
    const timer = req.timeoutMs ? setTimeout(() => ((timedOut = true), cts.cancel()), req.timeoutMs) : undefined;
    try {
      if (req.signal?.aborted) throw cancelledError();
      const tools = req.tools?.length && req.toolChoice !== 'none' ? req.tools.map((t) => ({ name: t.name, description: t.description, inputSchema: t.parameters })) : undefined;
      // without tools declared, earlier tool calls/results are sent as plain text (models may reject tool parts)
      const messages = toLmMessages(req.messages, req.structured ? `\n\nAnswer with ONLY a JSON object matching this JSON schema:\n${JSON.stringify(req.structured.schema)}` : '', !tools);
      const res = await model.sendRequest(
        messages,
        { justification: 'Trace Doctor diagnoses the loaded traces.', ...(tools ? { tools, toolMode: vscode.LanguageModelChatToolMode.Auto } : {}), modelOptions: { ...(req.temperature !== undefined ? { temperature: req.temperature } : {}) } },
        cts.token,
      );
      let content = '';
      const toolCalls: ToolCall[] = [];
      for await (const part of res.stream) {
        if (part instanceof vscode.LanguageModelTextPart) {
          content += part.value;
          req.onDelta?.(part.value);
        } else if (part instanceof vscode.LanguageModelToolCallPart) {
          toolCalls.push({ id: part.callId, name: part.name, arguments: (part.input ?? {}) as Record<string, unknown> });
        }
      }
      if (cts.token.isCancellationRequested) throw timedOut ? timeoutError(this.endpoint, req.timeoutMs) : cancelledError();
      return { content, toolCalls, model: model.id, finishReason: toolCalls.length ? 'tool_calls' : 'stop', attempts: 1 };
    } catch (e) {
      if (e instanceof LlmError) throw e;
      if (timedOut) throw timeoutError(this.endpoint, req.timeoutMs);
      if (req.signal?.aborted || e instanceof vscode.CancellationError) throw cancelledError();
      if (e instanceof vscode.LanguageModelError) {
        const kind = e.code === 'NoPermissions' ? 'auth' : e.code === 'NotFound' ? 'unreachable' : 'client';
        throw new LlmError(kind, `VS Code's language model refused the request (${e.code}): ${e.message}`);
      }
      throw new LlmError('protocol', `VS Code's language model failed: ${(e as Error).message}`);
    } finally {
      if (timer) clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      cts.dispose();
    }
  }
}

function toLmMessages(messages: ChatMessage[], structuredHint: string, flatten: boolean): vscode.LanguageModelChatMessage[] {
  const out: vscode.LanguageModelChatMessage[] = [];
  messages.forEach((m, i) => {
    const hint = i === messages.length - 1 ? structuredHint : '';
    if (m.role === 'system' || m.role === 'user') out.push(vscode.LanguageModelChatMessage.User(m.content + hint));
    else if (flatten && m.role === 'assistant')
      out.push(vscode.LanguageModelChatMessage.Assistant([m.content, ...(m.toolCalls ?? []).map((c) => `(called ${c.name} with ${JSON.stringify(c.arguments)})`)].filter(Boolean).join('\n') || '(no text)'));
    else if (flatten && m.role === 'tool') out.push(vscode.LanguageModelChatMessage.User(m.content + hint));
    else if (m.role === 'assistant') {
      const parts: (vscode.LanguageModelTextPart | vscode.LanguageModelToolCallPart)[] = [];
      if (m.content) parts.push(new vscode.LanguageModelTextPart(m.content));
      for (const c of m.toolCalls ?? []) parts.push(new vscode.LanguageModelToolCallPart(c.id, c.name, c.arguments));
      out.push(vscode.LanguageModelChatMessage.Assistant(parts.length ? parts : ''));
    } else {
      out.push(vscode.LanguageModelChatMessage.User([new vscode.LanguageModelToolResultPart(m.toolCallId ?? '', [new vscode.LanguageModelTextPart(m.content)])]));
      if (hint) out.push(vscode.LanguageModelChatMessage.User(hint.trim()));
    }
  });
  return out;
}
