/**
 * A structural pass over a JSON body before JSON.parse: nesting depth and the number of values (objects, arrays and
 * members/elements, counted by `{`, `[` and `,` outside strings). It allocates nothing and does not recurse, so a
 * 5,000-deep attribute or 20 million `{}` are refused before they become objects.
 *
 * It does not validate the JSON (JSON.parse does that next); on malformed input its counts are still an upper bound
 * of what JSON.parse could build before failing, which is all it has to guarantee.
 */
import { LimitError, tooMany } from './limits';

export interface JsonScanLimits {
  /** deepest nesting of objects/arrays */
  maxDepth: number;
  /** objects + arrays + separators (',') */
  maxNodes: number;
  /** which option to name in the depth error */
  depthHint: string;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

export function scanJson(buf: Uint8Array, limits: JsonScanLimits): { depth: number; nodes: number } {
  const len = buf.length;
  const { maxDepth, maxNodes } = limits;
  let depth = 0;
  let maxSeen = 0;
  let nodes = 0;
  let i = 0;
  while (i < len) {
    const c = buf[i]!;
    if (c === QUOTE) {
      // skip the string: find the closing quote not escaped by an odd number of backslashes
      let j = i + 1;
      for (;;) {
        j = buf.indexOf(QUOTE, j);
        if (j < 0) return { depth: maxSeen, nodes }; // unterminated: JSON.parse reports it
        let k = j - 1;
        while (buf[k] === BACKSLASH) k--;
        if ((j - 1 - k) % 2 === 0) break;
        j++;
      }
      i = j + 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) {
      // { [
      if (++depth > maxDepth) {
        throw new LimitError(400, `JSON nested more than ${maxDepth} levels deep at byte ${i} (${limits.depthHint})`);
      }
      if (depth > maxSeen) maxSeen = depth;
      if (++nodes > maxNodes) throw tooMany('number of JSON values in the request', maxNodes, 'maxAttributes');
    } else if (c === 0x7d || c === 0x5d) {
      depth--;
    } else if (c === 0x2c) {
      if (++nodes > maxNodes) throw tooMany('number of JSON values in the request', maxNodes, 'maxAttributes');
    }
    i++;
  }
  return { depth: maxSeen, nodes };
}
