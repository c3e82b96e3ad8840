// sniffBinary at the 64 KiB sample edge (issue 12 item 13): a multi-byte character cut by the sample is not binary,
// and a real invalid byte is reported at its own offset.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { firstInvalidUtf8, sniffBinary } from '../../../../src/core/parse/detect';
import { loadTraces } from '../../../../src/sources/file';
import { toOtlpJson } from '../../../helpers/encode';
import { table } from '../../../helpers/spans';

const enc = new TextEncoder();

/** a buffer of `len` ASCII bytes with the UTF-8 of `ch` starting at `at` */
function withCharAt(len: number, at: number, ch: string): Uint8Array {
  const b = new Uint8Array(len).fill(0x61);
  b.set(enc.encode(ch), at);
  return b;
}

test('a multi-byte character straddling byte 65,536 is text, for every split and width', () => {
  for (const ch of ['é', '€', '日', '😀']) {
    const w = enc.encode(ch).length;
    for (let k = 1; k < w; k++) {
      // the character starts k bytes before the 64 KiB edge; the file is longer than the sample
      const full = withCharAt(70000, 65536 - k, ch);
      assert.equal(sniffBinary(full), null, `${ch} split ${k}/${w - k} (whole buffer)`);
      assert.equal(sniffBinary(full.subarray(0, 65536), true), null, `${ch} split ${k}/${w - k} (64 KiB sample of a longer file)`);
    }
  }
});

test('a character cut at the end of the WHOLE input is invalid, at its own offset', () => {
  const b = withCharAt(101, 98, '€').subarray(0, 100); // 0xE2 0x82, then the end
  assert.equal(firstInvalidUtf8(b), 98);
  assert.match(sniffBinary(b) ?? '', /invalid UTF-8 at byte offset 98\b/);
});

test('the reported offset is the first invalid byte, not the first non-ASCII byte', () => {
  const b = new Uint8Array(200).fill(0x61);
  b.set(enc.encode('日本'), 10); // valid multi-byte text early on
  b[150] = 0xff; // the real problem
  assert.match(sniffBinary(b) ?? '', /invalid UTF-8 at byte offset 150\b/);
  // at the edge: an invalid lead byte just before 65,536 is still reported
  const e = new Uint8Array(70000).fill(0x61);
  e.set(enc.encode('ü'), 100);
  e[65535] = 0xc0; // never valid in UTF-8
  assert.match(sniffBinary(e) ?? '', /offset 65535\b/);
  // overlong and surrogate forms are invalid
  assert.equal(firstInvalidUtf8(Uint8Array.of(0x61, 0xe0, 0x80, 0x80)), 1);
  assert.equal(firstInvalidUtf8(Uint8Array.of(0xed, 0xa0, 0x80)), 0);
  assert.equal(firstInvalidUtf8(Uint8Array.of(0xf4, 0x90, 0x80, 0x80)), 0);
  assert.equal(firstInvalidUtf8(enc.encode('ok ✓ 😀 ñ')), -1);
});

test('loadTraces reads a valid UTF-8 trace file whose byte 65,536 falls inside a character', async () => {
  const tmp = mkdtempSync(join(tmpdir(), 'td-sniff-'));
  try {
    // a span attribute padded so that a 3-byte character sits across the 64 KiB edge
    const doc = (pad: number) => toOtlpJson(table([{ id: 's1', service: 'svc', name: 'op', start: 0, dur: 5, attrs: { note: 'a'.repeat(pad) + '日'.repeat(30000) } }]));
    let text = '';
    for (let pad = 0; pad < 3; pad++) {
      text = doc(pad);
      const bytes = enc.encode(text);
      if ((bytes[65536]! & 0xc0) === 0x80) break; // byte 65,536 is a continuation byte
    }
    const bytes = enc.encode(text);
    assert.equal(bytes[65536]! & 0xc0, 0x80, 'the fixture puts a character across the edge');
    const f = join(tmp, 'cjk.json');
    writeFileSync(f, bytes);
    const run = await loadTraces(f);
    assert.equal(run.model.size, 1);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
