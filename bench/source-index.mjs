#!/usr/bin/env node
// Workspace source index benchmark (core/source/resolve.ts SourceIndex: span-opening calls, constants, templates, route
// declarations): the files of a big library tree — by default the repository's own node_modules, about 19,500 source
// files and 110 MB — are read into memory once, then indexed --rounds times, alternating with a floor measured in the
// same run: one pass over the same texts that touches every byte (a line count and one fixed-string search per file).
// Prints the medians and the ratio index / floor, which does not depend on how fast or busy the machine is.
//
// Usage: node --import tsx bench/source-index.mjs [--dir node_modules] [--files 20000] [--rounds 5] [--max-ratio R]
// Exit code 1 when --max-ratio is given and the ratio is above it. Figures: notes/walkthrough-source-links-2026-12-07.md.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { performance } from 'node:perf_hooks';
import { root, arg } from './lib.mjs';
import { SourceIndex } from '../src/core/source/resolve.ts';
import { SOURCE_EXTENSIONS } from '../src/sources/workspace-scan.ts';

const DIR = resolve(root, arg('dir', 'node_modules'));
const MAX_FILES = Number(arg('files', 20000));
const ROUNDS = Number(arg('rounds', 5));
const MAX_RATIO = arg('max-ratio', undefined);

/** Source files under DIR, sorted, as the scan would read them (≤ 2 MiB, no NUL in the first 8 KiB). */
function collect() {
  const out = [];
  const walk = (d) => {
    let ents;
    try {
      ents = readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch {
      return;
    }
    for (const e of ents) {
      if (out.length >= MAX_FILES) return;
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) {
        const ext = /\.([A-Za-z0-9]+)$/.exec(e.name)?.[1]?.toLowerCase();
        if (!ext || !SOURCE_EXTENSIONS.has(ext)) continue;
        if (statSync(p).size > 2 * 1024 * 1024) continue;
        const buf = readFileSync(p);
        if (buf.subarray(0, 8192).includes(0)) continue;
        out.push({ path: relative(DIR, p).split(sep).join('/'), text: buf.toString('utf8') });
      }
    }
  };
  walk(DIR);
  return out;
}

const files = collect();
const bytes = files.reduce((s, f) => s + f.text.length, 0);
console.log(`${files.length.toLocaleString('en-US')} source files, ${(bytes / 1e6).toFixed(1)} M characters, from ${DIR}`);

function floor() {
  let lines = 0;
  let hits = 0;
  for (const f of files) {
    const t = f.text;
    for (let i = t.indexOf('\n'); i >= 0; i = t.indexOf('\n', i + 1)) lines++;
    if (t.includes('startSpan')) hits++;
  }
  return lines + hits;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fl = [];
const ix = [];
let last;
for (let r = 0; r < ROUNDS + 1; r++) {
  let t = performance.now();
  floor();
  const f = performance.now() - t;
  t = performance.now();
  last = SourceIndex.build(files);
  last.names(); // the constants are resolved at the first lookup
  const x = performance.now() - t;
  if (r === 0) continue; // warm-up
  fl.push(f);
  ix.push(x);
  console.log(`round ${r}: floor ${f.toFixed(0)} ms, index ${x.toFixed(0)} ms`);
}
const ratio = median(ix) / median(fl);
console.log(`index: ${last.matches} matches, ${last.names().length} names`);
console.log(`median floor ${median(fl).toFixed(0)} ms, median index ${median(ix).toFixed(0)} ms, ratio ${ratio.toFixed(2)}`);
if (MAX_RATIO !== undefined && ratio > Number(MAX_RATIO)) {
  console.log(`FAIL: ratio above ${MAX_RATIO}`);
  process.exitCode = 1;
}
