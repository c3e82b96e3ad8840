/**
 * The persisted "last load request" (workspaceState), read back when the flame panel is restored after a reload.
 * Pure: no `vscode` import. Validated because workspaceState may hold data written by another version.
 */
export interface LoadRequestLike {
  kind: 'single' | 'diagnose' | 'live';
  incident: string[];
  baseline?: string[];
  windows?: { incident: string; baseline?: string };
}

/** Key in workspaceState where the last load request is kept. */
export const LAST_REQUEST_KEY = 'traceDoctor.lastRequest';

const strs = (a: unknown): a is string[] => Array.isArray(a) && a.length > 0 && a.every((x) => typeof x === 'string' && x.length > 0);

/** A request that can be replayed: files/URLs only (a live window is gone after a reload). */
export function isReplayableRequest(v: unknown): v is LoadRequestLike {
  if (!v || typeof v !== 'object') return false;
  const o = v as Record<string, unknown>;
  if (o.kind !== 'single' && o.kind !== 'diagnose') return false;
  if (!strs(o.incident) || (o.baseline !== undefined && !strs(o.baseline))) return false;
  if (o.windows !== undefined) {
    const w = o.windows as Record<string, unknown> | null;
    if (!w || typeof w !== 'object' || typeof w.incident !== 'string' || (w.baseline !== undefined && typeof w.baseline !== 'string')) return false;
  }
  return true;
}
