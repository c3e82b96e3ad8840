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

/**
 * Per operation (service + span name): the most frequent code.* location among its spans. Cheap when the model
 * carries no code attributes at all (the key ids are looked up once).
 */
export function codeAttrsByOperation(model: SpanTable): Map<string, SourceLink> {
  const out = new Map<string, SourceLink>();
  const keyIds = new Set<number>();
  for (const k of FILE_KEYS) {
    const id = model.strings.lookup(k);
    if (id >= 0) keyIds.add(id);
  }
  const resHas = model.resources.some((r) => FILE_KEYS.some((k) => k in r.attributes));
  if (keyIds.size === 0 && !resHas) return out;
  const counts = new Map<string, Map<string, { link: SourceLink; n: number }>>();
  for (let i = 0; i < model.size; i++) {
    let has = resHas;
    if (!has) {
      for (let a = model.attrOffset[i]!, e = model.attrOffset[i + 1]!; a < e; a++) {
        if (keyIds.has(model.attrKey[a]!)) {
          has = true;
          break;
        }
      }
    }
    if (!has) continue;
    const link = sourceFromAttributes(model, i);
    if (!link) continue;
    const op = opKey(model.service(i), model.name(i));
    let m = counts.get(op);
    if (!m) counts.set(op, (m = new Map()));
    const lk = `${link.file}:${link.line}`;
    const c = m.get(lk);
    if (c) c.n++;
    else m.set(lk, { link, n: 1 });
  }
  for (const [op, m] of counts) {
    let best: { link: SourceLink; n: number } | undefined;
    for (const c of m.values()) if (!best || c.n > best.n) best = c;
    if (best) out.set(op, best.link);
  }
  return out;
}

/**
 * Per operation: the function its spans name (code.function.name / code.function, with code.namespace) when they
 * carry no file path — the Java agent's spans of controllers, @WithSpan methods, scheduled jobs. The most frequent.
 */
export function codeFunctionsByOperation(model: SpanTable): Map<string, CodeFunction> {
  const out = new Map<string, CodeFunction>();
  const keyIds = new Set<number>();
  for (const k of FUNC_KEYS) {
    const id = model.strings.lookup(k);
    if (id >= 0) keyIds.add(id);
  }
  if (keyIds.size === 0) return out;
  const counts = new Map<string, Map<string, { fn: CodeFunction; n: number }>>();
  for (let i = 0; i < model.size; i++) {
    let has = false;
    for (let a = model.attrOffset[i]!, e = model.attrOffset[i + 1]!; a < e; a++) {
      if (keyIds.has(model.attrKey[a]!)) {
        has = true;
        break;
      }
    }
    if (!has || first(model, i, FILE_KEYS) !== undefined) continue;
    const name = first(model, i, FUNC_KEYS);
    if (typeof name !== 'string' || !name) continue;
    const ns = first(model, i, NS_KEYS);
    const fn: CodeFunction = typeof ns === 'string' && ns ? { name, namespace: ns } : { name };
    const op = opKey(model.service(i), model.name(i));
    let m = counts.get(op);
    if (!m) counts.set(op, (m = new Map()));
    const k = `${fn.namespace ?? ''}\u0000${name}`;
    const c = m.get(k);
    if (c) c.n++;
    else m.set(k, { fn, n: 1 });
  }
  for (const [op, m] of counts) {
    let best: { fn: CodeFunction; n: number } | undefined;
    for (const c of m.values()) if (!best || c.n > best.n) best = c;
    if (best) out.set(op, best.fn);
  }
  return out;
}
