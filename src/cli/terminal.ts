/**
 * Terminal safety for everything the CLI prints. Trace data is attacker-controlled: a span name or attribute holding
 * ESC sequences (colours, cursor moves, OSC 52 clipboard writes, OSC 8 links), BEL, a lone CR (overwrites the line),
 * C1 controls (U+0080–U+009F, e.g. U+009B = CSI) or bidirectional overrides (text that reads differently than it is)
 * must reach the terminal as visible text, never as control.
 */

/** C0 controls except TAB and LF, DEL, C1, bidi embedding/override/isolate marks, line/paragraph separators. */
const UNSAFE = /\r\n|[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const UNSAFE_ONE_LINE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const esc = (c: string) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0');

/**
 * The one escaping function of CLI output (main.ts applies it to every byte written to stdout and stderr): each
 * unsafe character becomes `\uXXXX`. Layout survives — LF, TAB and CRLF pairs are kept — and JSON output stays valid
 * JSON with the same value: JSON.stringify already escapes C0, and what is left (C1, bidi marks) can only occur inside
 * strings, where `\uXXXX` is the JSON escape of the same character.
 */
export function escapeTerminal(s: string): string {
  return s.replace(UNSAFE, (m) => (m === '\r\n' ? m : esc(m)));
}

/** For one cell or field of trace data inside human output: like escapeTerminal, and LF, TAB and CR escaped too. */
export function oneLine(s: string): string {
  return s.replace(UNSAFE_ONE_LINE, esc);
}
