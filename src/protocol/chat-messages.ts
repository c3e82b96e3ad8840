/**
 * Messages between the chat webview (webview/chat) and its host (src/extension/views/chat-view.ts).
 * Separate from the flame graph's protocol (./messages.ts). The host validates everything it receives.
 */
import { z } from 'zod';

export interface ChatCard {
  /** joins the log entries and the feedback */
  id: string;
  rootCause: { service: string; operation: string } | null;
  category: string;
  confidence: number;
  evidence: string[];
  mitigation: string[];
  sources: { file: string; line: number }[];
  summary: string;
  /**
   * the engine's measured effect of this root cause, with what it measures ("effect +81 ms per trace over 2 call
   * paths", core/format/figures.ts): only when the card names the engine's root cause
   */
  effect?: string;
  /** e.g. "llama3.2 via ollama (tools, 3 calls)" or "offline engine (the model timed out)" */
  label: string;
  origin: 'model' | 'offline';
  /** what went wrong with the model, in plain words */
  error?: string;
  /** the model's answer checked against the engine's measured evidence (model answers only) */
  agreement?: { verdict: 'agrees' | 'consistent' | 'evidence' | 'unchecked' | 'disagrees'; reason: string };
  /** when the model disagrees with the measured evidence: the engine's answer, shown beside the model's */
  engine?: { rootCause: { service: string; operation: string } | null; category: string; confidence: number; evidence: string[]; summary: string; sources: { file: string; line: number }[]; effect?: string };
}

/** Buttons under a chat turn: switch to the offline engine, open the provider or model setting, set the API key. */
export type ChatAction = 'useOffline' | 'chooseProvider' | 'setApiKey' | 'chooseModel';

export interface ModelOption {
  id: string;
  label: string;
}

export interface RunsInfo {
  /** e.g. "normal.json → spiked.json" */
  label: string;
  /** what identifies the load (full paths of both runs): two loads of same-named files in other folders differ */
  key?: string;
  traces: number;
  spans: number;
  rootCause?: string;
}

export type HostToChat =
  | { type: 'init'; provider: string; models: ModelOption[]; selected: string; runs: RunsInfo | null; modelsError?: string }
  | { type: 'runs'; runs: RunsInfo | null }
  | { type: 'models'; provider: string; models: ModelOption[]; selected: string; error?: string }
  | { type: 'turnStart'; id: string; question?: string }
  | { type: 'delta'; id: string; text: string }
  | { type: 'status'; id: string; text: string }
  | { type: 'tool'; id: string; name: string; ok?: boolean; ms?: number }
  | {
      type: 'turnEnd';
      id: string;
      text?: string;
      error?: string;
      /** what the turn's outcome was about: 'no-runs' turns are dropped by the view once traces are loaded */
      code?: 'no-runs' | 'unreachable' | 'offline' | 'auth' | 'model-not-found' | 'stopped';
      /** ways out the view offers as buttons (e.g. the model server is unreachable) */
      actions?: ChatAction[];
    }
  | { type: 'card'; id: string; card: ChatCard }
  | { type: 'prefill'; text: string }
  | { type: 'cleared' }
  | { type: 'busy'; busy: boolean }
  | { type: 'feedbackSaved'; id: string };

export const ChatToHost = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ready') }),
  z.object({ type: z.literal('ask'), text: z.string().min(1).max(8000) }),
  z.object({ type: z.literal('diagnose'), text: z.string().max(8000).optional() }),
  z.object({ type: z.literal('stop') }),
  z.object({ type: z.literal('selectModel'), id: z.string().max(300) }),
  z.object({ type: z.literal('refreshModels') }),
  z.object({ type: z.literal('openSource'), file: z.string().min(1).max(1000), line: z.number().int().min(1) }),
  z.object({ type: z.literal('action'), action: z.enum(['useOffline', 'chooseProvider', 'setApiKey', 'chooseModel']) }),
  z.object({ type: z.literal('feedback'), id: z.string().max(100), rating: z.enum(['up', 'down']), comment: z.string().max(4000).optional() }),
]);
export type ChatToHost = z.infer<typeof ChatToHost>;
