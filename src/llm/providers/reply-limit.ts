/**
 * The one rule every provider applies to a reply as it streams in (ChatRequest.maxReplyChars): a small model that runs
 * away (the same line until its context is full, or a tool call whose arguments never end) is cut instead of waited
 * for, and what it said so far is kept. Text and tool-call arguments each get the budget: at most `max` characters
 * of text, and at most `max` characters of argument text over all the reply's tool calls (an argument object that a
 * server sends parsed, as Ollama does, counts as its JSON text). A cut never splits a surrogate pair.
 *
 * The first cut ends the reply: nothing after it is kept. The provider closes the stream once `cut` is set (the server
 * stops generating) and reports `cut: true` with finishReason "length".
 */
export class ReplyLimit {
  /** the text kept so far */
  content = '';
  /** some text or argument text was dropped */
  cut = false;
  private argChars = 0;

  constructor(private readonly max: number = Infinity) {}

  /** A piece of streamed text: returns the part kept (what to show), and marks the reply cut when some was dropped. */
  text(piece: string): string {
    const kept = this.cut ? '' : keep(piece, this.max - this.content.length);
    this.content += kept;
    if (kept.length < piece.length) this.cut = true;
    return kept;
  }

  /** A piece of tool-call argument text (fragments of every call of the reply count together): the part kept. */
  args(piece: string): string {
    const kept = this.cut ? '' : keep(piece, this.max - this.argChars);
    this.argChars += kept.length;
    if (kept.length < piece.length) this.cut = true;
    return kept;
  }

  /**
   * One whole tool call's arguments as the server sent them: a parsed object (Ollama) or text (OpenAI's non-streamed
   * body, servers that send a string). Within the budget an object is kept as it is; anything else is read as text.
   */
  toolArguments(raw: unknown): ParsedArguments {
    if (isPlainObject(raw)) {
      const json = JSON.stringify(raw);
      if (!this.cut && this.argChars + json.length <= this.max) {
        this.argChars += json.length;
        return { args: raw };
      }
      return parseToolArguments(this.args(json));
    }
    const text = typeof raw === 'string' ? raw : raw === undefined || raw === null ? '' : (JSON.stringify(raw) ?? '');
    return parseToolArguments(this.args(text));
  }
}

export interface ParsedArguments {
  args: Record<string, unknown>;
  /** the raw text, when it is not a JSON object (truncated, malformed, an array, a cut runaway) */
  invalid?: string;
}

/** Parse accumulated tool-call argument text; keeps the raw text when it is not a JSON object. */
export function parseToolArguments(text: string): ParsedArguments {
  if (!text.trim()) return { args: {} };
  try {
    const v = JSON.parse(text) as unknown;
    if (isPlainObject(v)) return { args: v };
  } catch {
    /* fall through */
  }
  return { args: {}, invalid: text };
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** The first `room` UTF-16 units of s (all of it when it fits), one fewer when the cut would split a surrogate pair. */
function keep(s: string, room: number): string {
  if (s.length <= room) return s;
  let end = Math.max(0, room);
  const c = s.charCodeAt(end - 1);
  if (end > 0 && c >= 0xd800 && c <= 0xdbff) end--;
  return s.slice(0, end);
}
