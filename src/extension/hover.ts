import * as vscode from 'vscode';
import { HOVER_COMMANDS, hoverMarkdown } from './hover-model';
import { toPosix } from './paths-model';
import type { OpSummary } from './ops-model';
import type { TraceSession } from './state';

/** Operations opened on a line of a document (empty when nothing is loaded or the file has no span-opening line). */
export function opsAt(session: TraceSession, doc: vscode.TextDocument, line: number): OpSummary[] {
  if (doc.uri.scheme !== 'file') return [];
  return session.snapshot.lineIndex.get(toPosix(doc.uri.fsPath))?.get(line) ?? [];
}

/**
 * A call formatted over several lines puts the span name below the opening line (`start_as_current_span(` then
 * `"preprocess-request",`): hovering the name's literal shows the same hint.
 */
export function nameContinuation(session: TraceSession, doc: vscode.TextDocument, line: number): OpSummary[] {
  const text = doc.lineAt(line).text;
  for (let up = 1; up <= 3 && line - up >= 0; up++) {
    const ops = opsAt(session, doc, line - up).filter((o) => text.includes(`"${o.name}"`) || text.includes(`'${o.name}'`) || text.includes(`\`${o.name}\``));
    if (ops.length) return ops;
  }
  return [];
}

/** Hover hints on span-opening lines: stats of both runs, delta, root-cause badge, command links. */
export class TraceHoverProvider implements vscode.HoverProvider {
  constructor(private readonly session: TraceSession) {}

  provideHover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const ops = opsAt(this.session, doc, pos.line).length ? opsAt(this.session, doc, pos.line) : nameContinuation(this.session, doc, pos.line);
    if (ops.length === 0) return undefined;
    const mode = this.session.snapshot.mode === 'diff' ? 'diff' : 'single';
    const md = new vscode.MarkdownString(hoverMarkdown(ops, mode), true);
    // Only our two commands may run from the hover; trace text is escaped in hoverMarkdown.
    md.isTrusted = { enabledCommands: [...HOVER_COMMANDS] };
    md.supportHtml = false;
    return new vscode.Hover(md, doc.lineAt(pos.line).range);
  }
}

export function registerHovers(session: TraceSession): vscode.Disposable {
  return vscode.languages.registerHoverProvider({ scheme: 'file' }, new TraceHoverProvider(session));
}
