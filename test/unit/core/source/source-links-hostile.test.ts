/**
 * Hostile sources: minified lines holding thousands of calls, constants or route declarations, unterminated strings and
 * comments, deep nesting — everything is found (or refused) as in a tidy file. Each of the first three was quadratic in
 * the line's length before (the index looked back to the line's start, or for the enclosing function, once per match):
 * 4–10 s for one 400 kB line. How the time grows is measured by bench/source-hostile.mjs (n vs 4n, a same-run ratio),
 * not timed here: 1.5–2 s bounds failed fresh-clone CI under load.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SourceIndex } from '../../../../src/core/source/resolve';

import { minifiedCalls, minifiedConstants, minifiedRoutes } from '../../../helpers/hostile-sources';

test('a minified line with 40,000 span-opening calls is indexed, every call found', () => {
  const idx = SourceIndex.build(minifiedCalls(40000));
  assert.equal(idx.best('s39999')?.line, 1);
  assert.equal(idx.matches, 40000);
});

test('a minified line with 20,000 route declarations is indexed, and one in a comment or a string is refused', () => {
  const idx = SourceIndex.build(minifiedRoutes(20000));
  assert.deepEqual(idx.best('GET /r19999'), { file: 'server.min.js', line: 1, origin: 'search', route: 'GET /r19999', how: 'route' });
  assert.equal(idx.best('GET /hidden'), undefined, 'in a comment');
  assert.equal(idx.best('GET /quoted'), undefined, 'in a string');
});

test('a minified module of span names with 100,000 members is read, its constants found', () => {
  const idx = SourceIndex.build(minifiedConstants(100000));
  assert.equal(idx.best('last-span')?.file, 'app.ts');
});

test('unterminated strings and comments, deep nesting and nested templates: no call inside them counts', () => {
  const cases: [string, string][] = [
    ['a.ts', 'tracer.startSpan("' + 'a'.repeat(2_000_000) + '\n/* ' + "tracer.startSpan('c');".repeat(50000) + '\n'],
    ['a.py', 'x = """' + "tracer.start_as_current_span('c')\n".repeat(50000)],
    ['a.go', 'var s = `' + 'tracer.Start(ctx, "c")\n'.repeat(50000)],
    ['a.ts', '('.repeat(200000) + "tracer.startSpan('c')" + ')'.repeat(200000) + '\n'],
    ['a.ts', '`${'.repeat(20000) + "tracer.startSpan('c')" + '}`'.repeat(20000) + '\n'],
    ['a.cs', '@"' + 'source.StartActivity(""c"");\n'.repeat(50000)], // "" is a quote inside a verbatim string
    ['a.rs', 'let s = r#"' + 'info_span!("c");\n'.repeat(50000)],
  ];
  for (const [path, text] of cases) {
    const idx = SourceIndex.build([{ path, text }]);
    if (!text.startsWith('(') && !text.startsWith('`')) assert.equal(idx.best('c'), undefined, path);
  }
});
