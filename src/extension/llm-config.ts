import * as vscode from 'vscode';
import type { AgentMode, AgentSettings } from '../llm/agent';
import { type LlmProvider, isLoopbackUrl } from '../llm/provider';
import { DEFAULT_OLLAMA_HOST, OllamaProvider } from '../llm/providers/ollama';
import { OpenAiProvider } from '../llm/providers/openai';
import { createRedactor, type Redactor } from '../llm/redact';
import { VsCodeLmProvider } from './llm-vscode-provider';
import { type Inspected, needsCredentialConfirmation, originOf } from './trust-model';

/** traceDoctor.llm.* settings, API keys (SecretStorage only) and the remote-provider consent. */
export type ProviderName = 'ollama' | 'openai' | 'vscode-lm' | 'offline';

export interface LlmConfig {
  provider: ProviderName;
  model: string;
  baseURL: string;
  ollamaHost: string;
  temperature: number;
  seed: number | undefined;
  maxToolRounds: number;
  timeoutMs: number;
  deadlineMs: number;
  mode: AgentMode;
  redactionEnabled: boolean;
  redactionPatterns: string[];
}

export const SECRET_KEY = 'traceDoctor.llm.apiKey';
const CONSENT_KEY = 'traceDoctor.llm.remoteConsent';

export function readConfig(): LlmConfig {
  const c = vscode.workspace.getConfiguration('traceDoctor.llm');
  const seed = c.get<number | null>('seed', null);
  return {
    provider: c.get<ProviderName>('provider', 'ollama'),
    model: c.get<string>('model', ''),
    baseURL: c.get<string>('baseURL', 'https://api.openai.com/v1'),
    ollamaHost: c.get<string>('ollamaHost', DEFAULT_OLLAMA_HOST),
    temperature: c.get<number>('temperature', 0.2),
    seed: typeof seed === 'number' ? seed : undefined,
    maxToolRounds: c.get<number>('maxToolRounds', 6),
    timeoutMs: c.get<number>('timeoutMs', 120_000),
    deadlineMs: Math.max(10, c.get<number>('deadlineSeconds', 180)) * 1000,
    mode: c.get<AgentMode>('mode', 'tools'),
    redactionEnabled: c.get<boolean>('redaction.enabled', true),
    redactionPatterns: c.get<string[]>('redaction.patterns', []),
  };
}

export function agentSettings(cfg: LlmConfig, model: string): AgentSettings {
  return { model, mode: cfg.mode, temperature: cfg.temperature, ...(cfg.seed !== undefined ? { seed: cfg.seed } : {}), maxToolRounds: cfg.maxToolRounds, timeoutMs: cfg.timeoutMs, deadlineMs: cfg.deadlineMs };
}

export function redactorFor(cfg: LlmConfig): Redactor {
  return createRedactor({ enabled: cfg.redactionEnabled, patterns: cfg.redactionPatterns });
}

/** where requests go ('' for offline / VS Code's own models) */
export function endpointOf(cfg: LlmConfig): string {
  return cfg.provider === 'openai' ? cfg.baseURL : cfg.provider === 'ollama' ? cfg.ollamaHost : '';
}

export async function createProvider(cfg: LlmConfig, secrets: vscode.SecretStorage, userState?: vscode.Memento): Promise<LlmProvider | undefined> {
  switch (cfg.provider) {
    case 'openai': {
      const apiKey = (await secrets.get(SECRET_KEY)) ?? process.env.OPENAI_API_KEY;
      if (apiKey && userState) {
        const inspected = vscode.workspace.getConfiguration('traceDoctor.llm').inspect<string>('baseURL');
        if (!(await confirmCredentialTarget(cfg.baseURL, inspected, 'your OpenAI API key', userState))) {
          throw new Error(`the API key was not sent to ${originOf(cfg.baseURL)}, which only this workspace's settings name (traceDoctor.llm.baseURL)`);
        }
      }
      return new OpenAiProvider({ baseURL: cfg.baseURL, apiKey });
    }
    case 'ollama':
      return new OllamaProvider({ host: cfg.ollamaHost });
    case 'vscode-lm':
      return new VsCodeLmProvider();
    default:
      return undefined;
  }
}

const CREDENTIAL_ORIGINS_KEY = 'traceDoctor.credentialOrigins';
const declinedOrigins = new Set<string>();

/**
 * Before a stored credential (API key, backend token) goes to `url`: when only the workspace settings name that URL's
 * origin (a cloned repository can set them), ask once — the answer is remembered for the user (globalState), not the
 * workspace. Returns false when the user declines.
 */
export async function confirmCredentialTarget(
  url: string,
  inspected: Inspected<string | string[]> | undefined,
  what: string,
  userState: vscode.Memento,
): Promise<boolean> {
  const approved = userState.get<string[]>(CREDENTIAL_ORIGINS_KEY, []);
  if (!needsCredentialConfirmation(url, inspected, approved)) return true;
  const origin = originOf(url);
  // declined once in this window: don't ask again on every model listing / request until VS Code restarts
  if (declinedOrigins.has(origin)) return false;
  const choice = await vscode.window.showWarningMessage(
    `Trace Doctor: this workspace's settings point at ${origin}. Send ${what} there?`,
    { modal: true, detail: 'The URL comes from the workspace settings (.vscode/settings.json), not from your user settings: a cloned repository can set it. Send only if you trust this server.' },
    'Send',
  );
  if (choice !== 'Send') {
    declinedOrigins.add(origin);
    return false;
  }
  await userState.update(CREDENTIAL_ORIGINS_KEY, [...approved, origin]);
  return true;
}

/**
 * Ask once per workspace before anything goes to a non-loopback endpoint. VS Code's own models ask through VS
 * Code's consent flow. Returns false when the user declines.
 */
export async function ensureConsent(cfg: LlmConfig, state: vscode.Memento): Promise<boolean> {
  const endpoint = endpointOf(cfg);
  if (!endpoint || isLoopbackUrl(endpoint)) return true;
  const granted = state.get<string[]>(CONSENT_KEY, []);
  if (granted.includes(endpoint)) return true;
  const choice = await vscode.window.showWarningMessage(
    `Trace Doctor is about to send a summary of the loaded traces (service and operation names, timings, redacted attributes) to ${endpoint}. Allow for this workspace?`,
    { modal: true, detail: 'Redaction is ' + (cfg.redactionEnabled ? 'on' : 'OFF') + '. Use "Trace Doctor: Preview What Will Be Sent" to see the exact payload.' },
    'Allow',
    'Preview What Will Be Sent',
  );
  if (choice === 'Preview What Will Be Sent') {
    await vscode.commands.executeCommand('traceDoctor.llm.preview');
    return false;
  }
  if (choice !== 'Allow') return false;
  await state.update(CONSENT_KEY, [...granted, endpoint]);
  return true;
}
