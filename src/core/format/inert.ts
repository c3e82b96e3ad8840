/**
 * Text from traces (or a model) that reads other than it is: C0 and C1 control characters, zero-width characters,
 * bidirectional embeddings / overrides / isolates and marks (Trojan-source style: `pre\u202e>tpircs<` shows as
 * `pre<script>`), line and paragraph separators, the BOM. One character class for every surface:
 *  - blankUnsafe: replaced by a space (one-line names in markdown, the chat, a model's prompt);
 *  - visibleUnsafe: shown as its `\uXXXX` escape, as the terminal does (the flame graph, the HTML report): the reader
 *    sees that the name holds such a character instead of text reordered by it. TAB, LF and CR are left alone there
 *    (whitespace in the DOM and on a canvas, they reorder nothing).
 */
// eslint-disable-next-line no-control-regex
export const UNSAFE_TEXT = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;
// eslint-disable-next-line no-control-regex
const UNSAFE_SHOWN = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/;
const UNSAFE_SHOWN_G = new RegExp(UNSAFE_SHOWN.source, 'g');

export function blankUnsafe(s: string): string {
  return s.replace(UNSAFE_TEXT, ' ');
}

export function visibleUnsafe(s: string): string {
  return s.replace(UNSAFE_SHOWN_G, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * Every string of a JSON-like message (a webview's data, a report's payload) with visibleUnsafe applied. The value is
 * returned as it is when no string needs it (the common case: one walk, no copy); otherwise a copy is changed.
 * `reverse` (optional) learns shown → original for each changed string, so a name the webview sends back can be
 * looked up. Iterative (no recursion on the data's depth); typed arrays are skipped (numbers only).
 */
export function visibleUnsafeDeep<T>(value: T, reverse?: Map<string, string>): T {
  if (!someString(value, (v) => UNSAFE_SHOWN.test(v))) return value;
  return mapStrings(value, (v) => {
    if (!UNSAFE_SHOWN.test(v)) return v;
    const shown = visibleUnsafe(v);
    reverse?.set(shown, v);
    return shown;
  });
}

/** A copy of a JSON-like value with `f` applied to every string (object keys kept); iterative; typed arrays shared. */
function mapStrings<T>(value: T, f: (s: string) => string): T {
  const out: Record<string | number, unknown> = {};
  const stack: [unknown, Record<string | number, unknown>, string | number][] = [[value, out, 'v']];
  while (stack.length) {
    const [v, dst, key] = stack.pop()!;
    if (typeof v === 'string') dst[key] = f(v);
    else if (Array.isArray(v)) {
      const a: unknown[] = new Array(v.length);
      dst[key] = a;
      for (let k = 0; k < v.length; k++) stack.push([v[k], a as unknown as Record<number, unknown>, k]);
    } else if (v && typeof v === 'object' && !ArrayBuffer.isView(v)) {
      const o: Record<string, unknown> = {};
      dst[key] = o;
      const keys = Object.keys(v);
      for (const k of keys) o[k] = undefined; // the keys in their order (filled as the stack unwinds)
      for (const k of keys) stack.push([(v as Record<string, unknown>)[k], o, k]);
    } else dst[key] = v;
  }
  return out.v as T;
}

/** Does some string of the value satisfy `test`? Iterative; typed arrays skipped. */
function someString(value: unknown, test: (s: string) => boolean): boolean {
  const stack: unknown[] = [value];
  while (stack.length) {
    const v = stack.pop();
    if (typeof v === 'string') {
      if (test(v)) return true;
    } else if (Array.isArray(v)) {
      for (let k = 0; k < v.length; k++) stack.push(v[k]);
    } else if (v && typeof v === 'object' && !ArrayBuffer.isView(v)) {
      for (const k of Object.keys(v)) stack.push((v as Record<string, unknown>)[k]);
    }
  }
  return false;
}

/** A message from a webview with the names it got from visibleUnsafeDeep turned back into the originals. */
export function originalStrings<T>(value: T, reverse: ReadonlyMap<string, string>): T {
  if (reverse.size === 0 || !someString(value, (s) => reverse.has(s))) return value;
  return mapStrings(value, (s) => reverse.get(s) ?? s);
}
