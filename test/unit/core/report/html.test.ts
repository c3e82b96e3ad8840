import { test } from 'node:test';
import assert from 'node:assert/strict';
import { toFlameData } from '../../../../src/core/diff/flame-data';
import { escapeInlineScript, escapeJsonForHtml, renderFlameReport, reportCsp } from '../../../../src/core/report/html';
import { EVIL_NAME, knownDiagnosis, knownDiffTree } from '../../../fixtures/flame/known-tree';

const NONCE = 'AAAAAAAAAAAAAAAAAAAAAA==';

test('escapeJsonForHtml: no markup or line separators survive, JSON.parse gives the same value', () => {
  const v = { a: '</script><script>alert(1)</script>', b: '<!-- x -->', c: 'a\u2028b\u2029c', d: 'x & y > z' };
  const s = escapeJsonForHtml(JSON.stringify(v));
  assert.doesNotMatch(s, /[<>&\u2028\u2029]/);
  assert.deepEqual(JSON.parse(s), v);
});

test('escapeInlineScript neutralises </script and <!-- in the bundle text', () => {
  const js = 'const a = "</script>"; const b = "<!--"; const c = "</SCRIPT";';
  const e = escapeInlineScript(js);
  assert.doesNotMatch(e, /<\/script|<!--/i);
  // still the same JS values
  assert.equal(new Function(`${e}; return a + b + c;`)(), '</script><!--</SCRIPT');
  assert.equal(escapeInlineScript('x();\n//# sourceMappingURL=flame.js.map\n'), 'x();\n\n');
});

test('renderFlameReport: one inline script with the nonce, embedded data and summary escaped, strict CSP', () => {
  const d = knownDiagnosis();
  d.rootCause!.summary = 'slow </script><b>x</b>';
  const html = renderFlameReport({ js: 'window.x = 1;', css: 'body{}', nonce: NONCE, data: toFlameData(knownDiffTree(), d), diagnosis: d, title: 'T <i>' });
  assert.ok(html.startsWith('<!DOCTYPE html>'));
  assert.equal((html.match(/<script/g) ?? []).length, 2); // data + bundle
  assert.equal((html.match(new RegExp(`nonce="${NONCE}"`, 'g')) ?? []).length, 2); // style + script
  assert.ok(html.includes(`content="${reportCsp(NONCE).replace(/'/g, '&#39;')}"`));
  assert.doesNotMatch(reportCsp(NONCE), /unsafe|\*/);
  assert.ok(!html.includes(EVIL_NAME) && !html.includes('<b>x</b>') && !html.includes('<i>'));
  assert.ok(html.includes('slow &#60;/script&#62;&#60;b&#62;x&#60;/b&#62;'));
  const m = /<script type="application\/json" id="flame-data">([\s\S]*?)<\/script>/.exec(html);
  assert.ok(m);
  const payload = JSON.parse(m[1]!);
  assert.equal(payload.tree.n, 8);
  assert.ok(payload.tree.strings.includes(EVIL_NAME));
  assert.equal(payload.diagnosis.rootCause.service, 'payments');
  assert.throws(() => renderFlameReport({ js: '', css: '', nonce: 'short', data: null }), /nonce/);
});

test('h22: the engine\'s notes sit under a "Notes" heading of their own, not as more items after "Other candidates"', () => {
  const d = knownDiagnosis();
  d.notes = ['per entry point: entry point ts-gateway-service / /* → ts-travel-service / trips/left changed on its 14 of 60 incident traces'];
  const html = renderFlameReport({ js: '', css: '', nonce: NONCE, data: toFlameData(knownDiffTree(), d), diagnosis: d, title: 'T' });
  const notes = /<div class="fg-report-meta fg-report-notes"><strong>Notes<\/strong><ul><li>([^<]*)<\/li><\/ul><\/div>/.exec(html);
  assert.ok(notes, html.slice(0, 2000));
  assert.match(notes[1]!, /^per entry point: /);
});

test('kinds read as words in the report (own time, call delay), a caller\'s wait says whose, the end-to-end p once', () => {
  const d = knownDiagnosis();
  d.latency = { baselineMs: 100, incidentMs: 200, pValue: 0.00019, test: 'Mann-Whitney U one-sided p=1.9e-4 (Cliff\'s delta 0.40), n=40/40' };
  d.candidates = [...d.candidates, { service: 'front', name: 'HTTP GET', kind: 'self_time', impactMs: 80, confidence: 0.7, evidence: [], summary: 'waits', waitsOn: 'payments' }];
  // the markup the reader sees (the embedded data keeps the contract's values)
  const html = renderFlameReport({ js: '', css: '', nonce: NONCE, data: toFlameData(knownDiffTree(), d), diagnosis: d, title: 'T' }).replace(/<script[\s\S]*?<\/script>/g, '');
  assert.match(html, /<strong>payments · charge<\/strong> \(own time, effect \+/);
  assert.match(html, /<strong>front · HTTP GET<\/strong> \(own time, the wait for payments, effect \+80 ms per trace\)/);
  assert.doesNotMatch(html, /self_time/);
  assert.doesNotMatch(html, /p = 0\.00019/);
  assert.match(html, /p=1\.9e-4/);
});
