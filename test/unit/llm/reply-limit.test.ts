/**
 * ReplyLimit (src/llm/providers/reply-limit.ts), the runaway-reply rule both providers apply, over random pieces and
 * budgets: what is kept is a prefix of what came, within the budget, never ends in half a surrogate pair, and `cut`
 * says exactly whether something was dropped. (Through the real clients: test/integration/llm/reply-limit.test.ts.)
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { ReplyLimit, parseToolArguments } from '../../../src/llm/providers/reply-limit';

const SEED = Number(process.env.TD_PROP_SEED ?? 20261207);
const RUNS = Number(process.env.TD_PROP_RUNS ?? 1);
const piece = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('😀😀', '\ud83d', '\ude00', 'é'));

describe('ReplyLimit (property)', () => {
  test('text and arguments: a prefix, within the budget, no split pair, cut iff something was dropped', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.boolean(), piece), { maxLength: 30 }), fc.integer({ min: 0, max: 200 }), (pieces, max) => {
        const l = new ReplyLimit(max);
        let text = '';
        let keptText = '';
        let args = '';
        let keptArgs = '';
        const starts: { text: number[]; args: number[] } = { text: [], args: [] };
        for (const [isText, p] of pieces) {
          (isText ? starts.text : starts.args).push((isText ? text : args).length);
          if (isText) {
            text += p;
            keptText += l.text(p);
          } else {
            args += p;
            keptArgs += l.args(p);
          }
        }
        assert.equal(l.content, keptText);
        for (const [whole, kept] of [[text, keptText], [args, keptArgs]] as const) {
          assert.ok(kept.length <= max, `${kept.length} > ${max}`);
          if (!l.cut) assert.equal(kept, whole);
        }
        // once cut, nothing more is kept: each kept text is a prefix of what came
        assert.ok(text.startsWith(keptText) && args.startsWith(keptArgs));
        const dropped = keptText.length < text.length || keptArgs.length < args.length;
        assert.equal(l.cut, dropped);
        // a cut does not split a pair that came whole in one piece (a pair split by the server's chunks is its own)
        for (const [whole, kept, st] of [[text, keptText, starts.text], [args, keptArgs, starts.args]] as const) {
          const samePiece = st.filter((x) => x <= kept.length - 1).at(-1) === st.filter((x) => x <= kept.length).at(-1);
          if (kept.length < whole.length && kept.length > 0 && samePiece) {
            const hi = kept.charCodeAt(kept.length - 1);
            const lo = whole.charCodeAt(kept.length);
            assert.ok(!(hi >= 0xd800 && hi <= 0xdbff && lo >= 0xdc00 && lo <= 0xdfff), 'a surrogate pair split by the cut');
          }
        }
      }),
      { seed: SEED, numRuns: Math.round(500 * RUNS) },
    );
  });

  test('toolArguments: an object within the budget is kept as it is; past it, its JSON text is cut and reported invalid', () => {
    fc.assert(
      fc.property(fc.array(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }), { minLength: 1, maxLength: 5 }), fc.integer({ min: 0, max: 400 }), (objs, max) => {
        const l = new ReplyLimit(max);
        let used = 0;
        for (const o of objs) {
          const before = l.cut;
          const json = JSON.stringify(o);
          const p = l.toolArguments(o);
          if (!before && used + json.length <= max) {
            assert.equal(p.args, o);
            assert.equal(p.invalid, undefined);
            used += json.length;
          } else if (!before) {
            assert.equal(l.cut, true);
            assert.deepEqual(p.args, {});
            assert.ok(json.startsWith(p.invalid ?? ''), 'the invalid text is the start of the JSON');
          }
        }
      }),
      { seed: SEED, numRuns: Math.round(300 * RUNS) },
    );
  });

  test('parseToolArguments: blank → {}, an object → itself, anything else → invalid with the raw text', () => {
    assert.deepEqual(parseToolArguments('  '), { args: {} });
    assert.deepEqual(parseToolArguments('{"a":1}'), { args: { a: 1 } });
    for (const t of ['[1,2]', '"top"', '{"a":', 'null', '3']) assert.deepEqual(parseToolArguments(t), { args: {}, invalid: t });
    // no budget: nothing is ever cut
    const l = new ReplyLimit();
    assert.equal(l.text('x'.repeat(100_000)).length, 100_000);
    assert.equal(l.cut, false);
  });
});
