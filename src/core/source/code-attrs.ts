/**
 * Source location from span attributes (OpenTelemetry semantic conventions, old and new names):
 *   file:     code.file.path (new) | code.filepath (old)
 *   line:     code.line.number (new) | code.lineno (old)
 *   function: code.function.name (new) | code.function (old), optionally prefixed by code.namespace
 */
import type { SpanTable } from '../model/span-table';
import type { SourceLink } from '../rca/diagnosis';
import type { CodeFunction } from './function-link';

const FILE_KEYS = ['code.file.path', 'code.filepath'];
const LINE_KEYS = ['code.line.number', 'code.lineno'];
const FUNC_KEYS = ['code.function.name', 'code.function'];
const NS_KEYS = ['code.namespace'];

function first(model: SpanTable, row: number, keys: readonly string[]): unknown {
  for (const k of keys) {
    const v = model.attribute(row, k);
    if (v !== undefined && v !== null && v !== '') return v;
  }
  return undefined;
}

/** The source link carried by span `row`'s attributes, or undefined when it has no file path. */
export function sourceFromAttributes(model: SpanTable, row: number): SourceLink | undefined {
  const file = first(model, row, FILE_KEYS);
  if (typeof file !== 'string' || file.length === 0) return undefined;
  const lineRaw = first(model, row, LINE_KEYS);
  const line = typeof lineRaw === 'number' ? lineRaw : typeof lineRaw === 'string' ? Number(lineRaw) : NaN;
  const fn = first(model, row, FUNC_KEYS);
  const ns = first(model, row, NS_KEYS);
  const link: SourceLink = { file, line: Number.isInteger(line) && line > 0 ? line : 1, origin: 'attribute' };
  if (typeof fn === 'string' && fn) link.function = typeof ns === 'string' && ns && !fn.includes('.') ? `${ns}.${fn}` : fn;
  return link;
}

export const opKey = (service: string, name: string) => service + '\u0000' + name;

/** The interned ids of those of `keys` that occur in the model (an empty set: no span can carry them). */
function keyIdsOf(model: SpanTable, keys: readonly string[]): Set<number> {
  const ids = new Set<number>();
  for (const k of keys) {
    const id = model.strings.lookup(k);
    if (id >= 0) ids.add(id);
  }
  return ids;
}

/** Whether span `row` has an attribute whose key is one of `ids`. */
function hasKey(model: SpanTable, row: number, ids: ReadonlySet<number>): boolean {
  for (let a = model.attrOffset[row]!, e = model.attrOffset[row + 1]!; a < e; a++) if (ids.has(model.attrKey[a]!)) return true;
  return false;
}

/** Per operation, the value its spans carry most often (the first seen among equally frequent ones). */
class MostFrequent<T> {
  private readonly counts = new Map<string, Map<string, { v: T; n: number }>>();
  add(op: string, key: string, v: T): void {
    let m = this.counts.get(op);
    if (!m) this.counts.set(op, (m = new Map()));
    const c = m.get(key);
    if (c) c.n++;
    else m.set(key, { v, n: 1 });
  }
  result(): Map<string, T> {
    const out = new Map<string, T>();
    for (const [op, m] of this.counts) {
      let best: { v: T; n: number } | undefined;
      for (const c of m.values()) if (!best || c.n > best.n) best = c;
      if (best) out.set(op, best.v);
    }
    return out;
  }
}

/**
 * Per operation (service + span name): the most frequent code.* location among its spans. Cheap when the model
 * carries no code attributes at all (the key ids are looked up once).
 */
export function codeAttrsByOperation(model: SpanTable): Map<string, SourceLink> {
  const keyIds = keyIdsOf(model, FILE_KEYS);
  const resHas = model.resources.some((r) => FILE_KEYS.some((k) => k in r.attributes));
  if (keyIds.size === 0 && !resHas) return new Map();
  const tally = new MostFrequent<SourceLink>();
  for (let i = 0; i < model.size; i++) {
    if (!resHas && !hasKey(model, i, keyIds)) continue;
    const link = sourceFromAttributes(model, i);
    if (!link) continue;
    tally.add(opKey(model.service(i), model.name(i)), `${link.file}:${link.line}`, link);
  }
  return tally.result();
}

/**
 * Per operation: the function its spans name (code.function.name / code.function, with code.namespace) when they
 * carry no file path — the Java agent's spans of controllers, @WithSpan methods, scheduled jobs. The most frequent.
 */
export function codeFunctionsByOperation(model: SpanTable): Map<string, CodeFunction> {
  const keyIds = keyIdsOf(model, FUNC_KEYS);
  if (keyIds.size === 0) return new Map();
  const tally = new MostFrequent<CodeFunction>();
  for (let i = 0; i < model.size; i++) {
    if (!hasKey(model, i, keyIds) || first(model, i, FILE_KEYS) !== undefined) continue;
    const name = first(model, i, FUNC_KEYS);
    if (typeof name !== 'string' || !name) continue;
    const ns = first(model, i, NS_KEYS);
    const fn: CodeFunction = typeof ns === 'string' && ns ? { name, namespace: ns } : { name };
    tally.add(opKey(model.service(i), model.name(i)), `${fn.namespace ?? ''}\u0000${name}`, fn);
  }
  return tally.result();
}
