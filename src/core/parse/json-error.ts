/** Turn V8's JSON.parse error into "line:col: expected …" using the position in its message. */

export interface JsonErrorPosition {
  line: number;
  column: number;
  offset: number;
  message: string;
}

export function lineColOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(offset, text.length);
  for (let i = text.indexOf('\n'); i >= 0 && i < end; i = text.indexOf('\n', i + 1)) {
    line++;
    lineStart = i + 1;
  }
  return { line, column: end - lineStart + 1 };
}

/** V8 context width around the error in "Unexpected token" messages. */
const CONTEXT = 10;

/**
 * V8 (Node 20) reports unexpected tokens without a position: `Unexpected token 'x', ..."context"... is not valid JSON`,
 * the context being 10 characters either side of the error (or the whole text when short). Recover the position.
 */
function unexpectedTokenOffset(raw: string, text: string): number | undefined {
  const m = /^Unexpected token '([\s\S]+?)', (\.\.\.)?"([\s\S]*)"(\.\.\.)? is not valid JSON$/.exec(raw);
  if (!m) return undefined;
  const [, token, pre, core, post] = m as unknown as [string, string, string | undefined, string, string | undefined];
  let pos: number;
  if (pre && post) {
    pos = text.indexOf(core) + CONTEXT;
    if (pos < CONTEXT) return undefined;
  } else if (post) pos = core.length - CONTEXT;
  else if (pre) pos = text.length - core.length + CONTEXT;
  else pos = text.indexOf(token);
  return pos >= 0 && pos <= text.length ? pos : undefined;
}

export function describeJsonError(e: unknown, text: string): JsonErrorPosition {
  const raw = e instanceof Error ? e.message : String(e);
  let offset: number;
  const m = /at position (\d+)/.exec(raw);
  if (m) offset = Number(m[1]);
  else offset = unexpectedTokenOffset(raw, text) ?? text.length; // "Unexpected end of JSON input"
  let msg = raw
    .replace(/\s*\(line \d+ column \d+\)/, '')
    .replace(/\s+in JSON at position \d+/, '')
    .replace(/, (\.\.\.)?"[\s\S]*"(\.\.\.)? is not valid JSON$/, '');
  if (/Unexpected end of JSON input/i.test(raw)) msg = 'unexpected end of input: the JSON is truncated (expected more values or a closing bracket)';
  else if (/^Unexpected token/.test(msg)) msg = `${msg.charAt(0).toLowerCase()}${msg.slice(1)}; expected a JSON value, ',' or a closing bracket`;
  else msg = msg.charAt(0).toLowerCase() + msg.slice(1);
  // an error at the very end means the text stops early
  let k = text.length;
  while (k > 0 && text.charCodeAt(k - 1) <= 0x20) k--;
  if (offset >= k && !/truncated/.test(msg)) msg += ' (the text ends there: truncated file?)';
  const { line, column } = lineColOf(text, offset);
  return { line, column, offset, message: msg };
}
