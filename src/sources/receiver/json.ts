/**
 * OTLP/JSON request bodies for the receiver: parse, check the structure, count and vet spans, and produce the single
 * JSON Lines line to store — the raw body itself whenever every span is accepted (no re-serialisation).
 */
import { isUtf8 } from 'node:buffer';
import { badIds } from './proto';
import { idToHex } from '../id-hex';
import { jsonDepthFor, tooMany, type ReceiverLimits } from './limits';
import { scanJson } from './json-scan';

export class BadRequest extends Error {}

export interface JsonIngest {
  /** the parsed request (rejected spans removed) */
  request: { resourceSpans?: unknown[] };
  /** the line to write (no '\n' inside) */
  line: Buffer;
  accepted: number;
  rejected: number;
  firstError: string;
  /** the body was not valid UTF-8: it was decoded with U+FFFD replacement characters before storing */
  repairedUtf8: boolean;
}

function describeSyntaxError(e: Error, body: Buffer): string {
  const m = /position (\d+)/.exec(e.message);
  if (m) {
    const pos = Number(m[1]);
    const text = body.toString('utf8', 0, Math.min(body.length, pos));
    const line = text.split('\n').length;
    return `invalid JSON at character ${pos} (line ${line}) of a ${body.length}-byte body: ${e.message}`;
  }
  const hint = /end of JSON input/.test(e.message) ? ' (the body ends early: truncated?)' : '';
  return `invalid JSON in a ${body.length}-byte body: ${e.message}${hint}`;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Nodes (objects, arrays, separators) a JSON request may hold for the given limits: ~4 per attribute, ~16 per span. */
export function jsonNodeBudget(limits: ReceiverLimits): number {
  return 4 * limits.maxAttributes + 16 * limits.maxSpans;
}

function listLength(v: unknown): number {
  return Array.isArray(v) ? v.length : 0;
}

/**
 * @param body the (decompressed) request body; it is modified in place (newline bytes → spaces) to make it one line.
 * Throws BadRequest (400) for bad JSON and LimitError (413/400) over a limit — the latter before JSON.parse runs.
 */
export function ingestJson(body: Buffer, limits: ReceiverLimits): JsonIngest {
  let start = 0;
  if (body.length >= 3 && body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) start = 3; // UTF-8 BOM
  let view = start ? body.subarray(start) : body;
  // depth and size of the structure, before JSON.parse builds it (no recursion, no allocation)
  scanJson(view, { maxDepth: jsonDepthFor(limits.maxDepth), maxNodes: jsonNodeBudget(limits), depthHint: `attribute values may nest ${limits.maxDepth} levels; limit maxDepth` });
  // invalid UTF-8 is decoded with U+FFFD replacement characters and the repaired text is what gets stored, so a
  // stored line is always valid UTF-8 (a raw Latin-1 byte would make the whole output file unreadable)
  const repairedUtf8 = !isUtf8(view);
  const text = view.toString('utf8');
  if (repairedUtf8) view = Buffer.from(text, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new BadRequest(describeSyntaxError(e as Error, view));
  }
  if (!isObj(parsed)) throw new BadRequest('expected an OTLP/JSON ExportTraceServiceRequest object ({"resourceSpans":[…]})');
  if ('resource_spans' in parsed && !('resourceSpans' in parsed)) {
    throw new BadRequest('OTLP/JSON field names are lowerCamelCase: expected "resourceSpans", got "resource_spans"');
  }
  const rsList = parsed.resourceSpans;
  if (rsList === undefined || rsList === null) return { request: parsed, line: Buffer.alloc(0), accepted: 0, rejected: 0, firstError: '', repairedUtf8 };
  if (!Array.isArray(rsList)) throw new BadRequest('"resourceSpans" must be an array');

  let accepted = 0;
  let rejected = 0;
  let firstError = '';
  let rewritten = false;
  let spanCount = 0;
  let items = 0;
  const perList = limits.maxAttributesPerSpan;
  const overList = (what: string) => tooMany(`number of ${what}`, perList, 'maxAttributesPerSpan');
  for (let r = 0; r < rsList.length; r++) {
    const rs = rsList[r];
    if (!isObj(rs)) throw new BadRequest(`resourceSpans[${r}] must be an object`);
    items++;
    if (isObj(rs.resource)) {
      const n = listLength(rs.resource.attributes);
      if (n > perList) throw overList(`attributes of resourceSpans[${r}].resource`);
      items += n;
    }
    const ssList = rs.scopeSpans;
    if (ssList === undefined || ssList === null) continue;
    if (!Array.isArray(ssList)) throw new BadRequest(`resourceSpans[${r}].scopeSpans must be an array`);
    for (let s = 0; s < ssList.length; s++) {
      const ss = ssList[s];
      if (!isObj(ss)) throw new BadRequest(`resourceSpans[${r}].scopeSpans[${s}] must be an object`);
      items++;
      if (isObj(ss.scope)) {
        const n = listLength(ss.scope.attributes);
        if (n > perList) throw overList(`attributes of resourceSpans[${r}].scopeSpans[${s}].scope`);
        items += n;
      }
      const spans = ss.spans;
      if (spans === undefined || spans === null) continue;
      if (!Array.isArray(spans)) throw new BadRequest(`resourceSpans[${r}].scopeSpans[${s}].spans must be an array`);
      spanCount += spans.length;
      if (spanCount > limits.maxSpans) throw tooMany('number of spans in the request', limits.maxSpans, 'maxSpans');
      for (let i = 0; i < spans.length; i++) {
        const sp = spans[i];
        if (!isObj(sp)) throw new BadRequest(`resourceSpans[${r}].scopeSpans[${s}].spans[${i}] must be an object`);
        // attribute, event and link counts (messages are only built for a request over a limit)
        const where = () => `resourceSpans[${r}].scopeSpans[${s}].spans[${i}]`;
        let n = listLength(sp.attributes);
        if (n > perList) throw overList(`attributes of ${where()}`);
        items += n;
        const evs = sp.events;
        if (Array.isArray(evs)) {
          if (evs.length > perList) throw overList(`events of ${where()}`);
          items += evs.length;
          for (let k = 0; k < evs.length; k++) {
            const ev = evs[k];
            if (!isObj(ev)) continue;
            n = listLength(ev.attributes);
            if (n > perList) throw overList(`attributes of an event of ${where()}`);
            items += n;
          }
        }
        const lks = sp.links;
        if (Array.isArray(lks)) {
          if (lks.length > perList) throw overList(`links of ${where()}`);
          items += lks.length;
          for (let k = 0; k < lks.length; k++) {
            const l = lks[k];
            if (!isObj(l)) continue;
            n = listLength(l.attributes);
            if (n > perList) throw overList(`attributes of a link of ${where()}`);
            items += n;
          }
        }
        if (items > limits.maxAttributes) {
          throw tooMany('number of attributes, events and links in the request', limits.maxAttributes, 'maxAttributes');
        }
        let why = badIds(sp.traceId, sp.spanId);
        if (why) {
          // lenient: base64 ids (proto3-JSON libraries that ignore the OTLP/JSON hex rule) are turned into hex
          const t = idToHex(sp.traceId, 16);
          const sid = idToHex(sp.spanId, 8);
          if ((t !== sp.traceId || sid !== sp.spanId) && !badIds(t, sid)) {
            sp.traceId = t;
            sp.spanId = sid;
            if (typeof sp.parentSpanId === 'string' && sp.parentSpanId) sp.parentSpanId = idToHex(sp.parentSpanId, 8);
            for (const l of Array.isArray(sp.links) ? (sp.links as Record<string, unknown>[]) : []) {
              if (l && typeof l === 'object') {
                l.traceId = idToHex(l.traceId, 16);
                l.spanId = idToHex(l.spanId, 8);
              }
            }
            rewritten = true;
            why = '';
          }
        }
        if (why) {
          rejected++;
          if (!firstError) firstError = `span '${typeof sp.name === 'string' ? sp.name : ''}': ${why}`;
        } else accepted++;
      }
    }
  }

  if (rejected === 0 && rewritten) {
    return { request: parsed, line: Buffer.from(JSON.stringify(parsed)), accepted, rejected, firstError, repairedUtf8 };
  }
  if (rejected === 0) {
    // One line: inside valid JSON, CR/LF can only be insignificant whitespace (strings escape them).
    for (let i = view.indexOf(10); i !== -1; i = view.indexOf(10, i + 1)) view[i] = 32;
    for (let i = view.indexOf(13); i !== -1; i = view.indexOf(13, i + 1)) view[i] = 32;
    return { request: parsed, line: view, accepted, rejected, firstError, repairedUtf8 };
  }

  // Slow path: drop rejected spans (and containers left empty) and re-serialise.
  const keptRs: unknown[] = [];
  for (const rs of rsList as Record<string, unknown>[]) {
    const keptSs: unknown[] = [];
    for (const ss of (rs.scopeSpans as Record<string, unknown>[] | undefined) ?? []) {
      const spans = ((ss.spans as Record<string, unknown>[] | undefined) ?? []).filter((sp) => !badIds(sp.traceId, sp.spanId));
      if (spans.length > 0) keptSs.push({ ...ss, spans });
    }
    if (keptSs.length > 0) keptRs.push({ ...rs, scopeSpans: keptSs });
  }
  const request = { ...parsed, resourceSpans: keptRs };
  return { request, line: accepted > 0 ? Buffer.from(JSON.stringify(request)) : Buffer.alloc(0), accepted, rejected, firstError, repairedUtf8 };
}
