/**
 * One source link per operation from its two origins — code.* span attributes (recorded when the trace was taken) and
 * the workspace search (the code as it is now) — and the words every surface uses to say how sure a link is.
 */
import type { SourceLink } from '../rca/diagnosis';
import { scoreMatch, type SourceIndex } from './resolve';

const baseName = (p: string) => p.replace(/\\/g, '/').split('/').pop() ?? '';
const segments = (p: string) => p.replace(/\\/g, '/').split('/').filter((s) => s && s !== '.');

/**
 * Whether two paths name the same file: one is a tail of the other, or they share the file name and its folder
 * (`/app/app/recommend.py` and `services/recommend/app/recommend.py`; `C:\build\orders\…\OrderService.java`).
 */
export function sameFile(a: string, b: string): boolean {
  const x = segments(a);
  const y = segments(b);
  let k = 0;
  while (k < x.length && k < y.length && x[x.length - 1 - k] === y[y.length - 1 - k]) k++;
  return k >= 2 || (k >= 1 && (k === x.length || k === y.length));
}

/**
 * The link of an operation: the attribute's when there is one — but when the search finds the span-opening call in
 * that same file, its line (the code as it is now: the file changed after the trace was taken, or the attribute gives
 * the function's first line rather than the call's). With no attribute, the search's.
 */
export function combineLinks(attr: SourceLink | undefined, search: SourceLink | undefined): SourceLink | undefined {
  if (!attr) return search;
  if (!search) return attr;
  const sites = [search, ...(search.also ?? [])];
  const hit = sites.find((s) => sameFile(attr.file, s.file));
  if (!hit) {
    // a path from another layout (/usr/src/app/handlers.py, two handlers.py in the workspace): the call found in a
    // file of that name is where the span is opened — the attribute's path may resolve nowhere
    const base = baseName(attr.file);
    const named = sites.filter((s) => baseName(s.file) === base);
    if (named.length !== 1) return attr;
    const n = named[0]!;
    return { file: n.file, line: n.line, ...(attr.function ? { function: attr.function } : n.function ? { function: n.function } : {}), origin: 'search' };
  }
  if (hit.line === attr.line) return attr;
  return { file: attr.file, line: hit.line, ...(attr.function ? { function: attr.function } : hit.function ? { function: hit.function } : {}), origin: 'search' };
}

/**
 * The best link among several indexes (the folders of a multi-root workspace), by the search's own score: a folder
 * listed first does not win over a better match in another. `rename` maps an index's file to the path to report,
 * `label` (the folder's name) is scored with the path.
 */
export function bestAcross(
  indexes: readonly { index: SourceIndex | undefined; rename?: (file: string) => string; label?: string }[],
  service: string,
  name: string,
): SourceLink | undefined {
  let best: { link: SourceLink; score: number } | undefined;
  const tied: { file: string; line: number; function?: string }[] = [];
  for (const { index, rename, label } of indexes) {
    if (!index) continue;
    const top = index.lookup(name, service)[0];
    const link = top && index.best(name, service);
    if (!top || !link) continue;
    // the folder's own name counts too (a folder per service: payments/main.go)
    if (label) top.score += scoreMatch(`${label}/${top.file}`, service) - scoreMatch(top.file, service);
    const named: SourceLink = rename ? { ...link, file: rename(link.file), ...(link.also ? { also: link.also.map((a) => ({ ...a, file: rename(a.file) })) } : {}) } : link;
    if (!best || top.score > best.score) {
      if (best && top.score > best.score) tied.length = 0;
      best = { link: named, score: top.score };
    } else if (top.score === best.score) tied.push({ file: named.file, line: named.line, ...(named.function ? { function: named.function } : {}) }, ...(named.also ?? []));
  }
  if (!best) return undefined;
  if (tied.length === 0) return best.link;
  return { ...best.link, also: [...(best.link.also ?? []), ...tied].slice(0, 4) };
}

/**
 * What a reader should know about a link beyond file:line, '' when nothing: the name is built at run time (the line
 * builds it from a template), or other lines open spans of the same name and the name alone cannot tell which.
 */
export function sourceCaveat(s: SourceLink | undefined): string {
  if (!s) return '';
  const parts: string[] = [];
  if (s.template !== undefined) parts.push(`its name is built at run time there, from "${s.template}"`);
  if (s.route !== undefined) parts.push(`an HTTP server span, opened by the framework's instrumentation: this line declares its route "${s.route}"`);
  // a link from the span's code.function (function-link.ts: the function's declaration, not a span-opening line)
  const fn = s.how === 'function' || (s.also?.length && s.origin === 'attribute');
  if (fn) parts.push(`the span's attributes name its function, not its file: this line declares code.function "${s.function ?? ''}"`);
  if (fn && s.also?.length)
    parts.push(`it is also defined at ${s.also.map((a) => `${a.file}:${a.line}`).join(', ')} — the attribute alone cannot tell which`);
  else if (s.also?.length) parts.push(`also opened at ${s.also.map((a) => `${a.file}:${a.line}`).join(', ')} — the span name alone cannot tell which`);
  return parts.join('; ');
}
