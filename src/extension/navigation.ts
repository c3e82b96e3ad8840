import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { OpSummary } from './ops-model';
import { findOp } from './ops-model';
import { resolveSourcePath, toPosix } from './paths-model';
import type { TraceSnapshot } from './state';

/** Absolute path of an operation's source line, from the line index (already resolved) or by resolving again. */
export function sourceLocation(snap: TraceSnapshot, op: OpSummary): { path: string; line: number } | undefined {
  for (const [path, lines] of snap.lineIndex) {
    for (const [line, ops] of lines) if (ops.some((o) => o.key === op.key)) return { path, line };
  }
  if (!op.source) return undefined;
  const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => toPosix(f.uri.fsPath));
  const path = resolveSourcePath(op.source.file, { folders, exists: (p) => fs.existsSync(p) });
  return path ? { path, line: op.source.line - 1 } : undefined;
}

/** Open a file at a 0-based line. `file` may be relative to a workspace folder. */
export async function openAt(file: string, line: number, column = vscode.ViewColumn.One): Promise<boolean> {
  let path = file;
  if (!/^([/\\]|[A-Za-z]:)/.test(file)) {
    const folders = (vscode.workspace.workspaceFolders ?? []).map((f) => toPosix(f.uri.fsPath));
    const abs = resolveSourcePath(file, { folders, exists: (p) => fs.existsSync(p) });
    if (!abs) return false;
    path = abs;
  }
  const pos = new vscode.Position(Math.max(0, line), 0);
  await vscode.window.showTextDocument(vscode.Uri.file(path), { selection: new vscode.Range(pos, pos), viewColumn: column, preview: true });
  return true;
}

/** Go to the code that opens an operation's spans; tells the user when no link is known. */
export async function revealOperationSource(snap: TraceSnapshot, service: string, name: string, hint?: { file?: string; line?: number }): Promise<boolean> {
  if (hint?.file && hint.line) {
    if (await openAt(hint.file, hint.line - 1)) return true;
  }
  const op = findOp(snap.ops, service, name);
  const loc = op && sourceLocation(snap, op);
  if (loc) return openAt(loc.path, loc.line);
  void vscode.window.showInformationMessage(
    `Trace Doctor: no source line is known for "${name}" (${service}). Source links come from span names found in the workspace code and from code.filepath/code.lineno span attributes.`,
  );
  return false;
}
