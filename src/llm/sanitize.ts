/**
 * Trace text is data. Everything taken from traces is sanitised (control characters stripped, whitespace
 * collapsed, length capped) and sent only inside a data fence with a random marker the model is told about.
 */

import { blankUnsafe } from '../core/format/inert';

export function sanitize(s: unknown, maxLen = 160): string {
  let t = typeof s === 'string' ? s : s === undefined || s === null ? '' : String(s);
  // C0/C1 controls, zero-width and bidi controls (Trojan-source style tricks)
  t = blankUnsafe(t).replace(/\s+/g, ' ').trim();
  // fence look-alikes inside data can't close our fence, but strip them anyway
  t = t.replace(/`{3,}|~{3,}/g, '');
  if (t.length > maxLen) {
    // never cut between the two halves of a surrogate pair (a lone surrogate is not text: JSON shows it as \udXXX)
    let end = Math.max(0, maxLen - 1);
    const c = t.charCodeAt(end - 1);
    if (c >= 0xd800 && c <= 0xdbff) end--;
    t = t.slice(0, end) + '…';
  }
  return t;
}

/** Recursively sanitise every string (keys too) of a JSON-able value. */
export function sanitizeDeep(v: unknown, maxLen = 160): unknown {
  if (typeof v === 'string') return sanitize(v, maxLen);
  if (Array.isArray(v)) return v.map((x) => sanitizeDeep(x, maxLen));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[sanitize(k, 80)] = sanitizeDeep(x, maxLen);
    return out;
  }
  return v;
}

export interface Fence {
  marker: string;
  open: string;
  close: string;
  wrap(json: unknown): string;
}

/** A fence with a random marker (letters+digits, 10 chars: never redacted, never guessable by trace text). */
export function makeFence(random: () => number = Math.random): Fence {
  const abc = 'abcdefghijkmnpqrstuvwxyz23456789';
  let marker = '';
  for (let i = 0; i < 10; i++) marker += abc[Math.floor(random() * abc.length)];
  const open = '```data-' + marker;
  const close = '```end-' + marker;
  return {
    marker,
    open,
    close,
    // JSON.stringify keeps every string on one line, so nothing inside can start a line that closes the fence
    wrap: (v) => `${open}\n${typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v)}\n${close}`,
  };
}

/** `s` cut to about `n` characters with "…", never between the halves of a surrogate pair. */
function cutText(s: string, n: number): string {
  let end = Math.max(0, n);
  const c = s.charCodeAt(end - 1);
  if (c >= 0xd800 && c <= 0xdbff) end--;
  return s.slice(0, end) + '…';
}

/**
 * Serialise a tool result within `maxChars`: repeatedly halve the longest array (recording what was cut) until it
 * fits, then halve the longest strings (an error message keeps its start and stays an error), then hard-cut as a
 * last resort. Returns valid JSON of at most `maxChars` characters (the last resort says what it did).
 */
export function capJson(value: unknown, maxChars: number): { text: string; truncated: boolean } {
  let text = JSON.stringify(value) ?? 'null';
  if (text.length <= maxChars) return { text, truncated: false };
  const v = JSON.parse(text) as unknown;
  const notes: string[] = [];
  const wrap = () => (v && typeof v === 'object' && !Array.isArray(v) ? { ...(v as object), truncated: notes.slice(-5) } : { items: v, truncated: notes.slice(-5) });
  for (let guard = 0; guard < 60 && text.length > maxChars; guard++) {
    let best: { arr: unknown[]; path: string } | undefined;
    const walk = (x: unknown, path: string) => {
      if (Array.isArray(x)) {
        if (x.length > 1 && (!best || x.length > best.arr.length)) best = { arr: x, path };
        x.forEach((y, i) => walk(y, `${path}[${i}]`));
      } else if (x && typeof x === 'object') for (const [k, y] of Object.entries(x)) walk(y, path ? `${path}.${k}` : k);
    };
    walk(v, '');
    if (!best) break;
    const before = best.arr.length;
    best.arr.length = Math.max(1, Math.floor(before / 2));
    notes.push(`${best.path || 'result'}: showing ${best.arr.length} of ${before}`);
    text = JSON.stringify(wrap());
  }
  // no array left to halve: the longest strings (values, not keys) lose their second half, one at a time
  for (let guard = 0; guard < 200 && text.length > maxChars && v && typeof v === 'object'; guard++) {
    let best: { holder: Record<string, unknown>; key: string; len: number } | undefined;
    const walk = (x: unknown) => {
      if (!x || typeof x !== 'object') return;
      for (const [k, y] of Object.entries(x)) {
        if (typeof y === 'string') {
          if (y.length > 24 && (!best || y.length > best.len)) best = { holder: x as Record<string, unknown>, key: k, len: y.length };
        } else walk(y);
      }
    };
    walk(v);
    if (!best) break;
    const { holder, key, len } = best as { holder: Record<string, unknown>; key: string; len: number };
    holder[key] = cutText(holder[key] as string, Math.floor(len / 2));
    if (!notes.includes('long texts cut')) notes.push('long texts cut');
    text = JSON.stringify(wrap());
  }
  if (text.length > maxChars) {
    // JSON escapes can make the quoted part longer than the slice: shrink until it fits
    for (let keep = Math.max(0, Math.floor((maxChars - 100) * 0.6)); ; keep = Math.floor(keep / 2)) {
      const out = JSON.stringify({ truncated: `result too large; its first ${keep} characters follow`, partial: keep ? cutText(text, keep).slice(0, -1) : '' });
      if (out.length <= maxChars || keep === 0) return { text: out.length <= maxChars ? out : '{}', truncated: true };
    }
  }
  return { text, truncated: true };
}
