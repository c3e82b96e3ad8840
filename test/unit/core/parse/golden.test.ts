// Canonical model dump of every loadable fixture against test/fixtures/golden/ (UPDATE_GOLDEN=1 to rewrite).
import { test } from 'node:test';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { parseTraceText } from '../../../../src/core/parse/index';
import { assertGolden, dumpModel } from '../../../helpers/golden';

const FIX = join(__dirname, '..', '..', '..', 'fixtures');
const NOT_TRACES = new Set(['empty.json', 'whitespace.json', 'binary.json', 'invalid-utf8.json', 'not-a-trace.json', 'truncated.json', 'syntax-error.json', 'empty-array.json', 'compressed.json']);

function traceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== 'dir' && name !== 'src') out.push(...traceFiles(p));
    } else if (/\.(json|jsonl)$/.test(name) && !NOT_TRACES.has(name)) out.push(p);
  }
  return out;
}

for (const file of [...traceFiles(join(FIX, 'public')), ...traceFiles(join(FIX, 'edge'))]) {
  const rel = relative(FIX, file);
  test(`golden model dump: ${rel}`, () => {
    const r = parseTraceText(readFileSync(file, 'utf8'), rel);
    assertGolden(rel.replace(/[\\/]/g, '__').replace(/\.(json|jsonl)$/, ''), {
      formats: r.formats,
      skipped: r.skipped,
      issues: r.issues.map((i) => ({ line: i.line, message: i.message, severity: i.severity })),
      spans: dumpModel(r.model),
    });
  });
}
