#!/usr/bin/env node
// Runs node's test runner (through tsx) over test files found under the given folders.
// Usage: node scripts/run-tests.mjs [dir|file ...]   (default: test/unit test/integration)
// Node 20's --test does not expand globs, so we collect *.test.ts files ourselves.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const args = process.argv.slice(2);
const roots = args.length ? args : ['test/unit', 'test/integration'];
const files = [];
function walk(p) {
  if (!existsSync(p)) return;
  if (statSync(p).isFile()) return void files.push(p);
  for (const name of readdirSync(p).sort()) {
    if (name === 'node_modules' || name === 'fixtures') continue;
    const q = join(p, name);
    if (statSync(q).isDirectory()) walk(q);
    else if (/\.test\.(ts|mts|js|mjs)$/.test(name)) files.push(q);
  }
}
roots.forEach(walk);
if (files.length === 0) {
  console.error(`no test files under ${roots.join(', ')}`);
  process.exit(1);
}
const reporter = process.env.CI ? ['--test-reporter=spec'] : [];
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...reporter, ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
