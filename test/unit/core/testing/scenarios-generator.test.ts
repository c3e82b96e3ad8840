import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FAULT_KINDS, makeScenario } from '../../../../src/core/testing/scenarios';

test('makeScenario makes a scenario for every fault and seed (a queueing fault on a topology without a remote call took the next topology instead of crashing)', () => {
  // seeds 161 and 238 drew a topology whose root calls nothing remote: makeScenario('queueing', …) threw a TypeError
  // (found by the engine's property tests, test/unit/core/rca/properties-metamorphic.test.ts)
  for (const seed of [161, 238, 428]) {
    const sc = makeScenario('queueing', seed, { traces: 3 });
    assert.ok(sc.expected.service, `seed ${seed}`);
    assert.ok(sc.incident.some((s) => s.service === sc.expected.service && s.name === sc.expected.name && s.kind === 'server'), `seed ${seed}: the queueing target is a server span of the run`);
  }
  for (const fault of FAULT_KINDS) for (let seed = 1; seed <= 300; seed++) makeScenario(fault, seed, { traces: 2 });
});
