import * as fs from 'node:fs';
import * as vscode from 'vscode';
import type { OpSummary } from './ops-model';
import { findOp } from './ops-model';
import { outsideWorkspace, resolveSourcePath, toPosix, type PathEnv } from './paths-model';
import type { TraceSnapshot } from './state';

/** Absolute path of an operation's source line, from the line index (already resolved) or by resolving again. */
export function sourceLocation(snap: TraceSnapshot, op: OpSummary): { path: string; line: number } | undefined {
  for (const [path, lines] of snap.lineIndex) {
    for (const [line, ops] of lines) if (ops.some((o) => o.key === op.key)) return { path, line };
  }
  if (!op.source) return undefined;
  const path = resolveSourcePath(op.source.file, workspaceEnv());
  return path ? { path, line: op.source.line - 1 } : undefined;
}

/** The open workspace for resolving source links: its folders, and the real file system (symlinks resolved). */
export function workspaceEnv(): PathEnv {
  const folders = (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file').map((f) => toPosix(f.uri.fsPath));
  return {
    folders,
    exists: (p) => {
      try {
        return fs.statSync(p).isFile();
      } catch {
        return false;
      }
    },
    realpath: (p) => {
      try {
        return toPosix(fs.realpathSync.native(p));
      } catch {
        return undefined;
      }
    },
  };
}

/**
 * Open a file at a 0-based line. `file` comes from trace data (a source link): it is opened only when it resolves to a
 * file inside a workspace folder after resolving symlinks; a file outside (an absolute path, a file:// URL, a symlink
 * out of the workspace) is opened only if the user says so.
 */
export async function openAt(file: string, line: number, column = vscode.ViewColumn.One): Promise<boolean> {
  const env = workspaceEnv();
  let path = resolveSourcePath(file, env);
  if (!path) {
    const outside = outsideWorkspace(file, env);
    if (!outside) return false;
    const choice = await vscode.window.showWarningMessage(
      `Trace Doctor: the trace links this span to ${outside}, which is outside the workspace. Open it?`,
      { modal: true, detail: 'Source links come from the trace data (code.filepath attributes), which anyone who can send spans controls.' },
      'Open',
    );
    if (choice !== 'Open') return false;
    path = outside;
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
