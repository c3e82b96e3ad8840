import * as vscode from 'vscode';

/**
 * Seam between the extension's surfaces (hover links, flame graph, runs tree) and the chat view (engineer F).
 * F's module calls registerAskInChatHandler(...) once; until then "Ask in chat" focuses the chat view.
 */
export interface AskInChatRequest {
  service: string;
  name: string;
  /** a ready-made question the chat may put in its input box */
  prompt: string;
}

type Handler = (req: AskInChatRequest) => unknown;
let handler: Handler | undefined;

export function registerAskInChatHandler(h: Handler): vscode.Disposable {
  handler = h;
  return new vscode.Disposable(() => {
    if (handler === h) handler = undefined;
  });
}

export function askInChatPrompt(service: string, name: string): string {
  return `Why did "${name}" in ${service} get slower, and what in the code could cause it?`;
}

export async function askInChat(service: string, name: string): Promise<void> {
  const req = { service, name, prompt: askInChatPrompt(service, name) };
  // Show the view first so a handler that posts to it finds it resolved.
  await vscode.commands.executeCommand('traceDoctor.chat.focus').then(undefined, () => undefined);
  if (handler) await handler(req);
}
