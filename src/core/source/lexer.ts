/**
 * Where the comments and string literals of a source file are, so that a span-opening call written in a comment
 * (`// tracer.startSpan('x')`, commented-out code), a docstring's usage example or a log message
 * (`log.debug("start_as_current_span('x') …")`) is not taken for the line that opens the span.
 *
 * A small hand-written scanner per language family, linear in the file's length, no recursion on the input's depth.
 * It is not a parser: it knows comments, quotes, escapes, Python's prefixed and triple-quoted strings, JS template
 * literals with `${…}` (their code is code), Go raw strings, C# verbatim / raw strings, Rust lifetimes and raw strings.
 * An unterminated one-line string ends at the end of its line, so one odd character masks at most that line.
 */

export type Family = 'py' | 'hash' | 'c' | 'js' | 'go' | 'rust' | 'cs' | 'php';

export function familyOf(path: string): Family {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';
  if (ext === 'py' || ext === 'pyi') return 'py';
  if (ext === 'rb' || ext === 'ex' || ext === 'exs') return 'hash';
  if (['js', 'mjs', 'cjs', 'jsx', 'ts', 'mts', 'cts', 'tsx'].includes(ext)) return 'js';
  if (ext === 'go') return 'go';
  if (ext === 'rs') return 'rust';
  if (ext === 'cs') return 'cs';
  if (ext === 'php') return 'php';
  return 'c';
}

/**
 * Sorted, non-overlapping [start, end) offsets of the comments and string literals of `text` (flattened pairs).
 * For a string the range covers its quotes too.
 */
export function nonCodeRanges(path: string, text: string): number[] {
  const fam = familyOf(path);
  const out: number[] = [];
  const n = text.length;
  const push = (a: number, b: number) => {
    if (b > a) out.push(a, b);
  };
  const lineEnd = (i: number) => {
    const e = text.indexOf('\n', i);
    return e < 0 ? n : e;
  };
  /** end (exclusive) of a quoted string starting at `i` (the quote), `multi`: may span lines, `esc`: backslash escapes */
  const quoted = (i: number, q: string, multi: boolean, esc: boolean): number => {
    const ql = q.length;
    let j = i + ql;
    while (j < n) {
      const c = text[j]!;
      if (esc && c === '\\') {
        j += 2;
        continue;
      }
      if (!multi && c === '\n') return j;
      if (text.startsWith(q, j)) return j + ql;
      j++;
    }
    return n;
  };
  /** JS template literal: the `${…}` parts are code (scanned here, nested templates too) */
  const template = (i: number): number => {
    let j = i + 1;
    let start = i;
    while (j < n) {
      const c = text[j]!;
      if (c === '\\') {
        j += 2;
        continue;
      }
      if (c === '`') {
        push(start, j + 1);
        return j + 1;
      }
      if (c === '$' && text[j + 1] === '{') {
        push(start, j + 2);
        j = code(j + 2, '}');
        start = j;
        continue;
      }
      j++;
    }
    push(start, n);
    return n;
  };
  /**
   * Scan code from `i` until `close` (a '}' closing a template's `${`) at depth 0 or the end. Iterative over the
   * text; template nesting recurses once per nested template literal, which is bounded by a depth limit.
   */
  let depth = 0;
  const code = (i: number, close: string | null): number => {
    let braces = 0;
    let j = i;
    while (j < n) {
      const c = text[j]!;
      const d = text[j + 1];
      if (close && c === '{') braces++;
      else if (close && c === '}') {
        if (braces === 0) return j + 1;
        braces--;
      }
      // comments
      if ((fam !== 'py' && fam !== 'hash' && c === '/' && d === '/') || ((fam === 'py' || fam === 'hash' || fam === 'php') && c === '#' && !(fam === 'php' && d === '['))) {
        const e = lineEnd(j);
        push(j, e);
        j = e;
        continue;
      }
      if (fam !== 'py' && fam !== 'hash' && c === '/' && d === '*') {
        const e = text.indexOf('*/', j + 2);
        const end = e < 0 ? n : e + 2;
        push(j, end);
        j = end;
        continue;
      }
      // strings
      if (fam === 'py' && (c === '"' || c === "'" || /[rRbBuUfF]/.test(c))) {
        const m = /^[rRbBuUfF]{0,2}("""|'''|"|')/.exec(text.slice(j, j + 5));
        if (m && (j === 0 || !/[\w]/.test(text[j - 1]!))) {
          const q = m[1]!;
          const pre = m[0].length - q.length;
          const e = quoted(j + pre, q, q.length === 3, true);
          push(j, e);
          j = e;
          continue;
        }
      }
      if (c === '"' || c === "'" || c === '`') {
        let e: number;
        if (c === '`' && fam === 'js') {
          if (depth > 64) e = quoted(j, '`', true, true);
          else {
            depth++;
            e = template(j);
            depth--;
            j = e;
            continue;
          }
        } else if (c === '`') e = quoted(j, '`', true, fam !== 'go');
        else if (c === '"' && text.startsWith('"""', j) && fam !== 'js' && fam !== 'go' && fam !== 'rust') e = quoted(j, '"""', true, fam !== 'cs');
        else if (c === '"' && fam === 'cs' && (text[j - 1] === '@' || (text[j - 1] === '$' && text[j - 2] === '@'))) e = verbatim(j);
        else if (c === "'" && fam === 'rust') {
          const m = /^'(?:\\.[^'\n]{0,8}|[^\\'\n])'/.exec(text.slice(j, j + 12));
          if (!m) {
            j++; // a lifetime ('a), not a char
            continue;
          }
          e = j + m[0].length;
        } else if (c === '"' && fam === 'rust' && /(?:^|[^\w])r#*$/.test(text.slice(Math.max(0, j - 10), j))) {
          const endQ = '"' + /#*$/.exec(text.slice(Math.max(0, j - 10), j))![0];
          const k = text.indexOf(endQ, j + 1);
          e = k < 0 ? n : k + endQ.length;
        } else e = quoted(j, c, false, true);
        push(j, e);
        j = e;
        continue;
      }
      j++;
    }
    return n;
  };
  /** C# verbatim string @"…" ("" is a quote) */
  const verbatim = (i: number): number => {
    let j = i + 1;
    while (j < n) {
      if (text[j] === '"') {
        if (text[j + 1] === '"') {
          j += 2;
          continue;
        }
        return j + 1;
      }
      j++;
    }
    return n;
  };
  code(0, null);
  // ranges come out in order except that template pieces are pushed around nested code: sort and merge
  const pairs: [number, number][] = [];
  for (let k = 0; k < out.length; k += 2) pairs.push([out[k]!, out[k + 1]!]);
  pairs.sort((a, b) => a[0] - b[0]);
  const merged: number[] = [];
  for (const [a, b] of pairs) {
    const last = merged.length - 1;
    if (last > 0 && a <= merged[last]!) merged[last] = Math.max(merged[last]!, b);
    else merged.push(a, b);
  }
  return merged;
}

/** Whether `offset` lies outside every range of `ranges` (from nonCodeRanges). */
export function isCode(ranges: readonly number[], offset: number): boolean {
  let lo = 0;
  let hi = ranges.length / 2 - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const a = ranges[2 * mid]!;
    const b = ranges[2 * mid + 1]!;
    if (offset < a) hi = mid - 1;
    else if (offset >= b) lo = mid + 1;
    else return false;
  }
  return true;
}

/** The offset where each line of a text starts (line 0 at 0). */
export function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}

/** The 0-based line holding `offset`, by binary search over lineStarts. */
export function lineIndexOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
