import { test } from 'node:test';
import assert from 'node:assert/strict';
import { unrelatedRunsNote } from '../../../../src/core/stats/run-overlap';

test('unrelatedRunsNote: only when the runs share no service; names a few of each side', () => {
  assert.equal(unrelatedRunsNote(['a', 'b'], ['b', 'c']), null);
  assert.equal(unrelatedRunsNote([], ['c']), null);
  assert.equal(
    unrelatedRunsNote(['ingestion', 'load-generator', 'inference', 'pre-processor'], ['frontend', 'cartservice']),
    'the baseline and the incident share no service (baseline: inference, ingestion, load-generator and 1 more; incident: cartservice, frontend): ' +
      'they look like traces of two different systems, and the comparison says nothing about a regression — give a baseline of the same system',
  );
  assert.match(unrelatedRunsNote([''], ['x'])!, /baseline: \(no service\)/);
});
