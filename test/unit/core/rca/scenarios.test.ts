import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { diagnose } from '../../../../src/core/rca/analyze';
import { Diagnosis } from '../../../../src/core/rca/diagnosis';
import { ENCODINGS, FAULT_KINDS, encode, makeScenario, toSpanTable, type Scenario } from '../../../../src/core/testing/scenarios';
import { parseTraceText } from '../../../../src/core/parse/index';

function check(sc: Scenario, d: Diagnosis): string | null {
  const rc = d.rootCause;
  if (sc.expected.service === null) return rc === null ? null : `expected no root cause, got ${rc.service}/${rc.name} ${rc.kind}`;
  if (!rc) return `expected ${sc.expected.service}/${sc.expected.name}, got null (${d.notes.join('; ')})`;
  if (rc.service !== sc.expected.service || rc.name !== sc.expected.name) return `expected ${sc.expected.service}/${sc.expected.name}, got ${rc.service}/${rc.name} ${rc.kind}`;
  if (!sc.expected.kinds.includes(rc.kind)) return `expected kind ${sc.expected.kinds.join('|')}, got ${rc.kind}`;
  if (sc.expected.attribute && (rc.attribute?.key !== sc.expected.attribute.key || rc.attribute?.value !== sc.expected.attribute.value))
    return `expected attribute ${sc.expected.attribute.key}=${sc.expected.attribute.value}, got ${JSON.stringify(rc.attribute)}`;
  return null;
}

describe('generated scenarios with known answers (our own data)', () => {
  for (const fault of FAULT_KINDS) {
    test(`${fault}: the injected component is the root cause with the right kind`, () => {
      const misses: string[] = [];
      const seeds = 8;
      for (let seed = 1; seed <= seeds; seed++) {
        const sc = makeScenario(fault, seed);
        const d = diagnose(toSpanTable(sc.baseline), toSpanTable(sc.incident), { seed });
        Diagnosis.parse(d);
        const miss = check(sc, d);
        if (miss) misses.push(`seed ${seed} (${sc.description}): ${miss}`);
      }
      assert.ok(misses.length <= 1, `${misses.length}/${seeds} wrong:\n${misses.join('\n')}`);
    });
  }

  test('no-regression pairs: rootCause is null (false-positive rate over many seeds is low)', () => {
    const seeds = 60;
    const fp: string[] = [];
    for (let seed = 1; seed <= seeds; seed++) {
      const sc = makeScenario('none', seed);
      const d = diagnose(toSpanTable(sc.baseline), toSpanTable(sc.incident), { seed });
      if (d.rootCause) fp.push(`seed ${seed}: ${d.rootCause.service}/${d.rootCause.name} ${d.rootCause.kind}`);
    }
    assert.ok(fp.length / seeds <= 0.05, `false positives ${fp.length}/${seeds}: ${fp.join('; ')}`);
  });

  test('the same scenario gives the same root cause in every encoding (parsed from text)', () => {
    for (const [fault, seed] of [['self_time', 3], ['fan_out', 2], ['retries', 4], ['attribute', 5], ['queueing', 6]] as const) {
      const sc = makeScenario(fault, seed, { traces: 40 });
      const direct = diagnose(toSpanTable(sc.baseline), toSpanTable(sc.incident), { seed });
      assert.equal(check(sc, direct), null, `${fault} direct`);
      for (const enc of ENCODINGS) {
        const b = parseTraceText(encode(sc.baseline, enc), `baseline.${enc}`);
        const i = parseTraceText(encode(sc.incident, enc), `incident.${enc}`);
        assert.equal(b.model.size, sc.baseline.length, `${enc}: all spans read`);
        const d = diagnose(b.model, i.model, { seed });
        const miss = check(sc, d);
        assert.equal(miss, null, `${fault} via ${enc}: ${miss}`);
      }
    }
  });

  test('damaged data: per-service clock skew and lost spans (orphans) still give the injected answer', () => {
    const misses: string[] = [];
    let n = 0;
    for (const fault of FAULT_KINDS) {
      for (let seed = 1; seed <= 3; seed++) {
        const sc = makeScenario(fault, seed, { skewMs: 20, dropRate: 0.03 });
        const d = diagnose(toSpanTable(sc.baseline), toSpanTable(sc.incident), { seed });
        n++;
        const miss = check(sc, d);
        if (miss) misses.push(`${fault} seed ${seed}: ${miss}`);
      }
    }
    assert.ok(misses.length <= 2, `${misses.length}/${n} wrong:\n${misses.join('\n')}`);
  });

  test('deterministic: same input and seed → identical diagnosis', () => {
    const sc = makeScenario('serialization', 9);
    const a = diagnose(toSpanTable(sc.baseline), toSpanTable(sc.incident), { seed: 1 });
    const b = diagnose(toSpanTable(sc.baseline), toSpanTable(sc.incident), { seed: 1 });
    assert.deepEqual(a, b);
  });
});
