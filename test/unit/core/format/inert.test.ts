// Text that reads other than it is (src/core/format/inert.ts): one character class for every surface; the flame graph
// and the HTML report show such characters as escapes (a span named `pay\u202egnp.exe` must not read `payexe.png`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blankUnsafe, originalStrings, visibleUnsafe, visibleUnsafeDeep } from '../../../../src/core/format/inert';
import { toFlameData } from '../../../../src/core/diff/flame-data';
import { renderFlameReport } from '../../../../src/core/report/html';
import { fromPage, toPage } from '../../../../src/extension/panels/flame-protocol';
import { knownDiagnosis, knownDiffTree } from '../../../fixtures/flame/known-tree';

const EVIL = 'pre\u202e>tpircs<\u200b\u2066x\u0007\u009b';

test('visibleUnsafe / blankUnsafe: bidi, zero-width, C0/C1 shown as escapes or blanked; TAB/LF kept where shown', () => {
  assert.equal(visibleUnsafe(EVIL), 'pre\\u202e>tpircs<\\u200b\\u2066x\\u0007\\u009b');
  assert.equal(visibleUnsafe('a\tb\nc'), 'a\tb\nc');
  assert.equal(blankUnsafe(EVIL), 'pre >tpircs<  x  ');
  assert.equal(visibleUnsafe('checkout / PlaceOrder'), 'checkout / PlaceOrder');
});

test('visibleUnsafeDeep: no copy when clean; a changed copy (the input untouched) and the way back otherwise; no recursion', () => {
  const clean = { a: ['x', { b: 'y' }], n: 3, t: new Float64Array([1, 2]) };
  assert.equal(visibleUnsafeDeep(clean), clean);
  const dirty = { tree: { names: ['ok', EVIL] }, diagnosis: { rootCause: { service: EVIL } }, t: new Float64Array([1]) };
  const shown = new Map<string, string>();
  const out = visibleUnsafeDeep(dirty, shown);
  assert.notEqual(out, dirty);
  assert.equal(dirty.tree.names[1], EVIL, 'the input is not changed');
  assert.equal(out.tree.names[1], visibleUnsafe(EVIL));
  assert.equal(out.diagnosis.rootCause.service, visibleUnsafe(EVIL));
  assert.ok(out.t instanceof Float64Array);
  // what the page sends back (go to source) names the original
  assert.deepEqual(originalStrings({ type: 'openSource', service: visibleUnsafe(EVIL), name: 'x' }, shown), { type: 'openSource', service: EVIL, name: 'x' });
  // 200,000 levels of nesting: iterative walks
  let deep: unknown = EVIL;
  for (let k = 0; k < 200_000; k++) deep = [deep];
  let v = visibleUnsafeDeep(deep) as unknown;
  for (let k = 0; k < 200_000; k++) v = (v as unknown[])[0];
  assert.equal(v, visibleUnsafe(EVIL));
});

test('the flame panel host: setData for the page shows the escapes; the page\'s openSource comes back with the original name', () => {
  const tree = knownDiffTree();
  tree.nodes[3]!.service = EVIL;
  const d = knownDiagnosis();
  d.rootCause = { ...d.rootCause!, service: EVIL };
  const shown = new Map<string, string>();
  const msg = toPage({ type: 'setData' as const, tree: toFlameData(tree, d), diagnosis: d, mode: 'diff' as const, title: 't' }, shown);
  const text = JSON.stringify(msg);
  assert.ok(!/[\u202e\u200b\u2066\u0007\u009b]/.test(text), 'no raw bidi/zero-width/control character reaches the page');
  assert.ok(text.includes('pre\\\\u202e'), 'shown as its escape');
  assert.deepEqual(fromPage({ type: 'askInChat', service: visibleUnsafe(EVIL), name: 'charge' }, shown), { type: 'askInChat', service: EVIL, name: 'charge' });
});

test('the HTML report: headline, candidates and the embedded flame data show bidi overrides as escapes', () => {
  const tree = knownDiffTree();
  tree.nodes[3]!.service = EVIL;
  const d = knownDiagnosis();
  d.rootCause = { ...d.rootCause!, service: EVIL };
  const html = renderFlameReport({ js: '', css: '', nonce: 'abcdefghijklmnopqrstuv', data: toFlameData(tree, d), diagnosis: d, title: 'T' });
  assert.ok(!/[\u202e\u200b\u2066\u0007\u009b]/.test(html), 'no raw bidi/zero-width/control character in the page');
  assert.match(html, /pre\\u202e&#62;tpircs&#60;\\u200b\\u2066x\\u0007\\u009b/);
  assert.ok(html.includes('pre\\\\u202e'), 'the flame data holds the escape');
});
