/**
 * Hostile sources stay fast: minified lines holding thousands of calls, constants or route declarations, unterminated
 * strings and comments, deep nesting. Each of the first three was quadratic in the line's length before (the index
 * looked back to the line's start, or for the enclosing function, once per match): 4–10 s for one 400 kB line.
 * The budgets are loose (a busy machine), the quadratic versions missed them by 3× or more.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SourceIndex } from '../../../../src/core/source/resolve';

const timed = <T>(f: () => T): [T, number] => {
  const t = performance.now();
  const r = f();
  return [r, performance.now() - t];
};

test('a minified line with 40,000 span-opening calls is indexed in linear time, every call found', () => {
  const text = Array.from({ length: 40000 }, (_, i) => `t.startSpan("s${i}");`).join('') + '\n';
  const [idx, ms] = timed(() => SourceIndex.build([{ path: 'dist/app.min.js', text }]));
  assert.equal(idx.best('s39999')?.line, 1);
  assert.equal(idx.matches, 40000);
  assert.ok(ms < 1500, `${ms.toFixed(0)} ms for a 0.9 MB line`);
});

test('a minified line with 20,000 route declarations is indexed in linear time, and one in a comment or a string is refused', () => {
  const text = Array.from({ length: 20000 }, (_, i) => `app.get('/r${i}',h);`).join('') + "/* app.get('/hidden',h) */\nconst doc = \"app.get('/quoted', h)\";\n";
  const [idx, ms] = timed(() => SourceIndex.build([{ path: 'server.min.js', text }]));
  assert.deepEqual(idx.best('GET /r19999'), { file: 'server.min.js', line: 1, origin: 'search', route: 'GET /r19999' });
  assert.equal(idx.best('GET /hidden'), undefined, 'in a comment');
  assert.equal(idx.best('GET /quoted'), undefined, 'in a string');
  assert.ok(ms < 1500, `${ms.toFixed(0)} ms`);
});

test('a minified module of span names with 100,000 members is read in linear time, its constants found', () => {
  const text = 'var SPANS={' + Array.from({ length: 100000 }, (_, i) => `k${i}:"span-${i}"`).join(',') + '};\nexport const SPAN_LAST = "last-span";\n';
  const caller = { path: 'app.ts', text: 'tracer.startSpan(SPAN_LAST);\n' };
  const [idx, ms] = timed(() => SourceIndex.build([{ path: 'spans.min.js', text }, caller]));
  assert.equal(idx.best('last-span')?.file, 'app.ts');
  assert.ok(ms < 1500, `${ms.toFixed(0)} ms`);
});

test('unterminated strings and comments, deep nesting and nested templates: fast, and no call inside them counts', () => {
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
    const [idx, ms] = timed(() => SourceIndex.build([{ path, text }]));
    assert.ok(ms < 2000, `${path}: ${ms.toFixed(0)} ms`);
    if (!text.startsWith('(') && !text.startsWith('`')) assert.equal(idx.best('c'), undefined, path);
  }
});
