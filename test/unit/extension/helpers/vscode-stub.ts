/**
 * A minimal stand-in for the `vscode` module, enough for src/extension/state.ts (EventEmitter, Disposable,
 * workspace folders, findFiles) so TraceSession's logic runs under node's test runner. Installed by hooking
 * require('vscode') before state.ts is loaded; the real API is exercised by test/vscode and test/e2e.
 */
import Module from 'node:module';

type Listener<T> = (e: T) => unknown;

export class EventEmitter<T> {
  private listeners = new Set<Listener<T>>();
  event = (l: Listener<T>) => {
    this.listeners.add(l);
    return { dispose: () => this.listeners.delete(l) };
  };
  fire(e: T): void {
    for (const l of [...this.listeners]) l(e);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

export class CancellationTokenSource {
  private readonly em = new EventEmitter<void>();
  isCancellationRequested = false;
  token = {
    isCancellationRequested: false,
    onCancellationRequested: this.em.event,
  };
  cancel(): void {
    this.token.isCancellationRequested = true;
    this.em.fire();
  }
}

export const stub = {
  EventEmitter,
  Disposable: class {
    constructor(private readonly fn: () => void) {}
    static from(...d: { dispose(): unknown }[]) {
      return { dispose: () => d.forEach((x) => x.dispose()) };
    }
    dispose() {
      this.fn();
    }
  },
  Uri: {
    joinPath: (base: { fsPath: string }, ...parts: string[]) => {
      const fsPath = [base.fsPath.replace(/\/+$/, ''), ...parts].join('/');
      return { fsPath, scheme: 'file', toString: () => `file://${fsPath}` };
    },
  },
  workspace: {
    workspaceFolders: undefined as undefined | { uri: { scheme: string; fsPath: string } }[],
    findFiles: async () => [] as { fsPath: string }[],
  },
};

let installed = false;
export function installVscodeStub(): typeof stub {
  if (installed) return stub;
  installed = true;
  const M = Module as unknown as { _load: (req: string, parent: unknown, isMain: boolean) => unknown };
  const orig = M._load;
  M._load = function (req: string, parent: unknown, isMain: boolean) {
    if (req === 'vscode') return stub;
    return orig.call(this, req, parent, isMain);
  };
  return stub;
}

export function fakeLog() {
  const lines: string[] = [];
  const add = (lvl: string) => (m: unknown) => void lines.push(`${lvl} ${String(m)}`);
  return { lines, info: add('info'), warn: add('warn'), error: add('error'), debug: add('debug'), trace: add('trace') };
}
