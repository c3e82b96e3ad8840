// Loaded on first use, not with the extension: the BPE ranks are ~1 MB of the bundle and building them took about half
// of the extension's load time (~300 ms of ~580 ms measured requiring dist/extension.js), spent even by a user who
// never opens the chat.
type Cl100k = typeof import('gpt-tokenizer/encoding/cl100k_base');
let cl100k: Cl100k | undefined;
const tokenizer = (): Cl100k => (cl100k ??= require('gpt-tokenizer/encoding/cl100k_base') as Cl100k);

/**
 * Token counts for the prompt budget, measured with a real BPE tokenizer (cl100k_base from `gpt-tokenizer`: pure
 * JS, ranks bundled, nothing downloaded at run time) plus a safety margin for other vocabularies:
 *  - ×1.2 for English/JSON (Llama 2/Mistral/Phi-3 32k vocabularies split code and JSON finer than cl100k),
 *  - +0.7 per ASCII digit (Llama-family tokenizers give every digit its own token; cl100k groups up to three),
 *  - +2 per character of three or more UTF-8 bytes (CJK, emoji: byte-fallback vocabularies need up to one token per
 *    byte where cl100k often needs one or two per character).
 * The result is an upper bound for the tokenizers of the models Trace Doctor targets, not an exact count.
 */
const NO_SPECIAL = { disallowedSpecial: new Set<string>() };

export function cl100kTokens(text: string): number {
  return text ? tokenizer().countTokens(text, NO_SPECIAL) : 0;
}

export function safeTokens(text: string): number {
  if (!text) return 0;
  let digits = 0;
  let wide = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c >= 0x800) {
      wide++;
      if (c >= 0xd800 && c <= 0xdbff) i++; // a surrogate pair is one (4-byte) character
    }
  }
  return Math.ceil(1.2 * cl100kTokens(text) + 0.7 * digits + 2 * wide);
}

/** Per-message framing of chat templates (role markers, separators). */
export const MESSAGE_OVERHEAD_TOKENS = 8;
