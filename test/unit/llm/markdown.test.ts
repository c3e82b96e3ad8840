import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseInline, parseMarkdown } from '../../../webview/chat/markdown';

describe('chat markdown parser (no HTML ever)', () => {
  it('parses blocks', () => {
    const b = parseMarkdown('# Root cause\n\nThe **pre-processor** is *slow*.\n\n- one\n- two `x`\n\n1. a\n2. b\n\n```py\nprint(1)\n```');
    assert.deepEqual(b.map((x) => x.t), ['h', 'p', 'ul', 'ol', 'pre']);
    assert.equal((b[2] as any).items.length, 2);
    assert.equal((b[4] as any).v, 'print(1)');
  });
  it('turns file:line references into source links', () => {
    const r = parseInline('see `preprocessor/preprocessor.py:87` and app.ts:12, not 1.2.3:4');
    const src = r.filter((x) => x.t === 'source') as any[];
    assert.deepEqual(src.map((s) => [s.file, s.line]), [['preprocessor/preprocessor.py', 87], ['app.ts', 12]]);
  });
  it('keeps HTML as text', () => {
    const r = parseInline('<img src=x onerror=alert(1)> **<b>x</b>**');
    assert.equal(r[0]!.t, 'text');
    assert.equal((r[0] as any).v, '<img src=x onerror=alert(1)> ');
    assert.equal(r[1]!.t, 'strong');
  });
  it('links are data, not navigation', () => {
    const r = parseInline('[click](javascript:alert(1)) [src](lib/a.py:3)');
    assert.equal(r[0]!.t, 'link');
    assert.equal(r[2]!.t, 'source');
  });
});
