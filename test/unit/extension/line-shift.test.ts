import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shiftLines, type LineEdit } from '../../../src/extension/line-shift';

const edit = (startLine: number, startCharacter: number, endLine: number, endCharacter: number, text: string, prefixBlank = startCharacter === 0): LineEdit => ({ startLine, startCharacter, endLine, endCharacter, text, prefixBlank });
const show = (m: Map<number, string> | undefined) => (m ? Object.fromEntries([...m].sort((a, b) => a[0] - b[0])) : undefined);

test('the line index follows lines added and removed above a span-opening call', () => {
  const lines = new Map([[5, 'a'], [26, 'root']]);
  // typing within a line: nothing moves
  assert.equal(shiftLines(lines, [edit(10, 4, 10, 4, 'x')]), undefined);
  // Enter at the end of line 10 (above both? above 26 only)
  assert.deepEqual(show(shiftLines(lines, [edit(10, 20, 10, 20, '\n    ')])), { 5: 'a', 27: 'root' });
  // three lines pasted at the start of line 26: the call moves down with its text
  assert.deepEqual(show(shiftLines(lines, [edit(26, 0, 26, 0, 'x\ny\nz\n')])), { 5: 'a', 29: 'root' });
  // Enter after the indentation of line 26 (only blanks before the cursor)
  assert.deepEqual(show(shiftLines(lines, [edit(26, 2, 26, 2, '\n  ', true)])), { 5: 'a', 27: 'root' });
  // Enter at column 0 as VS Code sends it: the indentation replaced by a newline and the indentation (seen in code-server)
  assert.deepEqual(show(shiftLines(lines, [edit(26, 0, 26, 2, '\n  ')])), { 5: 'a', 27: 'root' });
  // Enter in the middle of line 26's code: the call's start stays on 26
  assert.deepEqual(show(shiftLines(lines, [edit(26, 30, 26, 30, '\n', false)])), { 5: 'a', 26: 'root' });
  // lines 7–9 deleted (range 7:0 → 10:0)
  assert.deepEqual(show(shiftLines(lines, [edit(7, 0, 10, 0, '')])), { 5: 'a', 23: 'root' });
  // a range replaced over the call's line: the call is gone
  assert.deepEqual(show(shiftLines(lines, [edit(20, 0, 28, 0, '')])), { 5: 'a' });
  // several cursors in one event (document order, coordinates before the event)
  assert.deepEqual(show(shiftLines(lines, [edit(1, 0, 1, 0, '\n'), edit(10, 0, 10, 0, '\n\n')])), { 6: 'a', 29: 'root' });
});
