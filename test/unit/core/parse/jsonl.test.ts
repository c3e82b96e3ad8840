// The streaming JSON Lines reader: any chunking gives the same model; bad lines are skipped with positions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { JsonlReader, ParseContext, parseTraceText } from '../../../../src/core/parse/index';
import { SpanTableBuilder } from '../../../../src/core/model/builder';
import { dumpModel } from '../../../helpers/golden';

const FIX = join(__dirname, '..', '..', '..', 'fixtures');
const specLines = () => readFileSync(join(FIX, 'public', 'otel-spec', 'file-exporter.md'), 'utf8').split('\n').slice(92, 96).join('\n') + '\n';

function readChunks(chunks: string[], maxLine?: number) {
  const b = new SpanTableBuilder();
  const ctx = new ParseContext(b, 'chunks.jsonl');
  const r = new JsonlReader(ctx, maxLine);
  for (const c of chunks) r.push(c);
  r.end();
  ctx.finish();
  return { r, model: b.build(), issues: ctx.issues };
}

test('OTel spec JSON Lines example read in one chunk equals the whole-text parse', () => {
  const text = specLines();
  const one = readChunks([text]);
  assert.equal(one.r.goodLines, 4);
  assert.equal(one.r.spans, 8);
  assert.equal(one.model.size, 8);
  assert.deepEqual(dumpModel(one.model), dumpModel(parseTraceText(text, 'x').model));
});

test('property: any split of the text into chunks gives the same model and the same skipped lines', () => {
  const text = specLines() + '{"broken":\n\n' + readFileSync(join(FIX, 'edge', 'bad-lines.jsonl'), 'utf8');
  const whole = readChunks([text]);
  assert.equal(whole.r.skipped, 4);
  const expected = dumpModel(whole.model);
  fc.assert(
    fc.property(fc.uniqueArray(fc.integer({ min: 1, max: text.length - 1 }), { maxLength: 12 }), (cuts) => {
      cuts.sort((a, b) => a - b);
      const chunks: string[] = [];
      let prev = 0;
      for (const c of cuts) {
        chunks.push(text.slice(prev, c));
        prev = c;
      }
      chunks.push(text.slice(prev));
      const got = readChunks(chunks);
      assert.deepEqual(dumpModel(got.model), expected);
      assert.equal(got.r.skipped, whole.r.skipped);
      assert.deepEqual(
        got.issues.map((i) => [i.line, i.offset, i.message]),
        whole.issues.map((i) => [i.line, i.offset, i.message]),
      );
    }),
    { numRuns: 150 },
  );
});

test('line numbers count blank lines; CRLF endings are fine', () => {
  const line = specLines().split('\n')[0]!;
  const { r, issues } = readChunks([`\r\n${line}\r\n\r\nnope\r\n${line}`]);
  assert.equal(r.goodLines, 2);
  assert.equal(r.skipped, 1);
  assert.equal(issues[0]!.line, 4);
  assert.equal(r.lines, 5);
});

test('a line longer than the limit is skipped without being held in memory; following lines still load', () => {
  const line = specLines().split('\n')[0]!;
  const long = '{"x":"' + 'a'.repeat(5000) + '"}';
  const { r, issues } = readChunks([line + '\n', long.slice(0, 2000), long.slice(2000), '\n' + line + '\n'], 1000);
  assert.equal(r.goodLines, 2);
  assert.equal(r.skipped, 1);
  assert.equal(issues[0]!.line, 2);
  assert.match(issues[0]!.message, /longer than/);
});

test('push after end is refused', () => {
  const b = new SpanTableBuilder();
  const r = new JsonlReader(new ParseContext(b, 'x'));
  r.end();
  assert.throws(() => r.push('{}'), /after end/);
});

test('lines of other shapes (Jaeger, Zipkin) are read too and their formats reported', () => {
  const jaeger = readFileSync(join(FIX, 'public', 'sys4bigml', 'normal-traces-minified-1.json'), 'utf8').trim();
  const zipkin = JSON.stringify(JSON.parse(readFileSync(join(FIX, 'public', 'zipkin', 'skew.json'), 'utf8')));
  const { r, model } = readChunks([jaeger + '\n' + zipkin + '\n']);
  assert.deepEqual([...r.formats].sort(), ['jaeger-query', 'zipkin-v2']);
  assert.equal(model.size, 7);
});
