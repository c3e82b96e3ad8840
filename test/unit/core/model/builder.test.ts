import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SpanTableBuilder } from '../../../../src/core/model/builder';
import { AttrType, SpanKind, StatusCode } from '../../../../src/core/model/span-table';
import { normalizeId, spanIdHalves, halvesToSpanId } from '../../../../src/core/model/ids';
import { fixed64ToSecNs, microsToSecNs } from '../../../../src/core/model/time';

function span(b: SpanTableBuilder, res: number, id: string, parent: string, name: string, startNs: string, endNs: string) {
  return b.addSpan({
    traceId: 'aa'.repeat(16),
    spanId: id,
    parentSpanId: parent,
    name,
    kind: SpanKind.Server,
    statusCode: StatusCode.Unset,
    start: fixed64ToSecNs(startNs),
    end: fixed64ToSecNs(endNs),
    resource: res,
    scope: b.addScope('s'),
  });
}

test('builder resolves parents, keeps ns precision beyond 2^53 and stores attributes columnar', () => {
  const b = new SpanTableBuilder();
  const r = b.addResource('svc', { 'service.name': 'svc' });
  span(b, r, '0000000000000001', '', 'root', '1700000000000000001', '1700000000100000001');
  b.attr('http.status_code', 200);
  b.attr('ok', true);
  b.attr('list', ['a', 1]);
  span(b, r, '0000000000000002', '0000000000000001', 'child', '1700000000000000501', '1700000000050000501');
  b.attr('k', 'v');
  span(b, r, '0000000000000003', '00000000000000ff', 'orphan', '1700000000000000001', '1700000000000000002');
  const m = b.build();
  assert.equal(m.size, 3);
  assert.equal(m.parent[0], -1);
  assert.equal(m.parent[1], 0);
  assert.equal(m.parent[2], -1);
  assert.equal(m.orphan[2], 1);
  assert.equal(m.duration[0], 100_000_000);
  assert.equal(m.start[1]! - m.start[0]!, 500); // exact ns offset
  assert.equal(m.duration[2], 1);
  assert.deepEqual(m.attributes(0), { 'http.status_code': 200, ok: true, list: ['a', 1] });
  assert.deepEqual(m.attributes(1), { k: 'v' });
  assert.deepEqual(m.attributes(2), {});
  assert.equal(m.attribute(1, 'service.name'), 'svc'); // falls back to the resource
  assert.equal(m.attrType[0], AttrType.Int);
  assert.equal(m.service(1), 'svc');
  assert.equal(m.toIso(m.start[0]!), '2023-11-14T22:13:20.000Z');
});

test('builder breaks parent cycles so walks terminate', () => {
  const b = new SpanTableBuilder();
  const r = b.addResource('svc', {});
  span(b, r, '0000000000000001', '0000000000000002', 'a', '1', '2');
  span(b, r, '0000000000000002', '0000000000000001', 'b', '1', '2');
  const m = b.build();
  for (let i = 0; i < m.size; i++) {
    let j = i;
    let steps = 0;
    while (j >= 0 && steps++ < 10) j = m.parent[j]!;
    assert.ok(steps < 10, 'cycle not broken');
  }
});

test('ids: hex of any case, base64, bytes and empty normalise to lower-case hex', () => {
  assert.equal(normalizeId('5B8EFFF798038103D269B633813FC60C', 16), '5b8efff798038103d269b633813fc60c');
  assert.equal(normalizeId('W47/95gDgQPSabYzgT/GDA==', 16), '5b8efff798038103d269b633813fc60c');
  assert.equal(normalizeId('', 8), '');
  assert.equal(normalizeId('0000000000000000', 8), '');
  assert.equal(normalizeId([0xee, 0xe1, 0x9b, 0x7e, 0xc3, 0xc1, 0xb1, 0x74], 8), 'eee19b7ec3c1b174');
  assert.equal(normalizeId('abc', 8), '0000000000000abc');
  const [hi, lo] = spanIdHalves('eee19b7ec3c1b174');
  assert.equal(halvesToSpanId(hi, lo), 'eee19b7ec3c1b174');
});

test('time: fixed64 strings, numbers and {low,high} agree', () => {
  assert.deepEqual(fixed64ToSecNs('1544712660300000000'), [1544712660, 300000000]);
  assert.deepEqual(fixed64ToSecNs({ low: 1544712660300000000 % 2 ** 32, high: Math.floor(1544712660300000000 / 2 ** 32) }), [1544712660, 300000000]);
  assert.deepEqual(fixed64ToSecNs(1544712660300000000n), [1544712660, 300000000]);
  assert.equal(fixed64ToSecNs(''), null);
  // present but not a number: [NaN, NaN], so the builder can report it (absent stays null)
  assert.deepEqual(fixed64ToSecNs('abc'), [NaN, NaN]);
  assert.deepEqual(microsToSecNs(1544712660300001), [1544712660, 300001000]);
});
