/**
 * Keeping the line index on the code while a file is edited (pure: no `vscode`). The index maps a file's 0-based lines
 * to the operations opened there, as found when the traces were loaded; typing lines above a span-opening call moves
 * the call, and the CodeLens / hover / gutter must move with it until the next load re-scans the saved file.
 */

/** One edit, in the coordinates of the document before it (VS Code's TextDocumentContentChangeEvent, reduced). */
export interface LineEdit {
  startLine: number;
  startCharacter: number;
  endLine: number;
  endCharacter: number;
  /** the inserted text */
  text: string;
  /** whether the start line holds only blanks before the edit's start (Enter after the indentation pushes the code down) */
  prefixBlank: boolean;
}

const newlines = (s: string) => {
  let n = 0;
  for (let i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) n++;
  return n;
};

/**
 * The entries of `lines` (0-based line → value) after `edits`. A line below an edit moves by the lines it added or
 * removed; a line whose text the edit replaced (inside a multi-line range) is dropped — its call may be gone; a line
 * an insertion before its code (only blanks before the edit) pushes down moves with its code. Edits are applied last first (VS Code reports
 * the changes of one event in document order, each in the coordinates before the event).
 * Returns undefined when nothing moved (the caller keeps its map).
 */
export function shiftLines<T>(lines: ReadonlyMap<number, T>, edits: readonly LineEdit[]): Map<number, T> | undefined {
  if (edits.every((e) => e.startLine === e.endLine && newlines(e.text) === 0)) return undefined; // typing within a line
  let cur = new Map(lines);
  const sorted = [...edits].sort((a, b) => b.startLine - a.startLine || b.startCharacter - a.startCharacter);
  for (const e of sorted) {
    const delta = newlines(e.text) - (e.endLine - e.startLine);
    if (delta === 0 && e.startLine === e.endLine) continue;
    const next = new Map<number, T>();
    for (const [l, v] of cur) {
      if (l < e.startLine) next.set(l, v);
      else if (l === e.startLine) {
        // an edit within the blanks before the line's code (Enter after or over the indentation) pushes the code down
        const pushed = e.prefixBlank && e.endLine === e.startLine;
        next.set(pushed ? l + delta : l, v);
      } else if (l > e.endLine) next.set(l + delta, v);
      else if (l === e.endLine) next.set(e.startLine + newlines(e.text), v); // the tail of the replaced range keeps its text
    }
    cur = next;
  }
  return cur;
}
