import * as vscode from 'vscode';
import type { TraceSession } from '../state';
import { buildRunsTree, type TreeNode } from '../tree-model';

/** "Runs" tree in the Trace Doctor side bar: loaded runs → services → operations sorted by change. */
export class RunsTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  static readonly viewId = 'traceDoctor.runs';
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private roots: TreeNode[] = [];
  private readonly parents = new Map<string, TreeNode>();
  private readonly sub: vscode.Disposable;

  constructor(private readonly session: TraceSession) {
    this.rebuild();
    this.sub = session.onDidChange(() => {
      this.rebuild();
      this.changed.fire(undefined);
    });
  }

  private rebuild(): void {
    const snap = this.session.snapshot;
    this.roots = snap.mode === 'none' ? [] : buildRunsTree(this.session.runDescriptors(), snap.ops, snap.mode === 'diff');
    this.parents.clear();
    const walk = (n: TreeNode) => n.children?.forEach((c) => (this.parents.set(c.id, n), walk(c)));
    this.roots.forEach(walk);
  }

  /** The current tree as plain data (test hook). */
  get nodes(): readonly TreeNode[] {
    return this.roots;
  }

  getChildren(el?: TreeNode): TreeNode[] {
    return el ? (el.children ?? []) : this.roots;
  }

  getParent(el: TreeNode): TreeNode | undefined {
    return this.parents.get(el.id);
  }

  getTreeItem(n: TreeNode): vscode.TreeItem {
    const expandable = !!n.children?.length;
    const expanded = n.contextValue === 'traceDoctor.run' && n.id !== 'run:baseline';
    const item = new vscode.TreeItem(
      // a notable slow-down is highlighted; noise keeps a plain label and a dimmed icon (tree-model marks both)
      n.emphasis ? { label: n.label, highlights: [[0, n.label.length]] } : n.label,
      !expandable ? vscode.TreeItemCollapsibleState.None : expanded || n.color ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.Collapsed,
    );
    item.id = n.id;
    item.description = n.description;
    item.tooltip = n.tooltip;
    item.contextValue = n.contextValue;
    if (n.icon) item.iconPath = new vscode.ThemeIcon(n.icon, n.color ? new vscode.ThemeColor(n.color) : undefined);
    if (n.op) {
      item.command = {
        command: 'traceDoctor.showInFlameGraph',
        title: 'Show in Flame Graph',
        arguments: [n.op.service, n.op.name],
      };
    } else if (n.contextValue === 'traceDoctor.file' && n.files?.[0] && !/^https?:/.test(n.files[0])) {
      item.resourceUri = vscode.Uri.file(n.files[0]);
      item.command = { command: 'vscode.open', title: 'Open File', arguments: [vscode.Uri.file(n.files[0])] };
    }
    return item;
  }

  dispose(): void {
    this.sub.dispose();
    this.changed.dispose();
  }
}
