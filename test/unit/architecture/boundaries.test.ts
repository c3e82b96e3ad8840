import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..', '..', '..');

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (/\.(ts|mts|tsx)$/.test(name)) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  const re = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|require\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s+['"]([^'"]+)['"]/gm;
  const out: string[] = [];
  for (const m of src.matchAll(re)) out.push((m[1] ?? m[2] ?? m[3] ?? m[4])!);
  return out;
}

test('src/core is pure: no vscode, no node built-ins, only zod and itself', () => {
  const bad: string[] = [];
  for (const f of files(join(root, 'src', 'core'))) {
    for (const spec of imports(f)) {
      const ok = spec.startsWith('.') || spec === 'zod' || spec.startsWith('d3-');
      if (!ok) bad.push(`${relative(root, f)} imports '${spec}'`);
    }
  }
  assert.deepEqual(bad, []);
});

test('only src/extension imports vscode', () => {
  const bad: string[] = [];
  for (const dir of ['src', 'webview']) {
    let list: string[] = [];
    try {
      list = files(join(root, dir));
    } catch {
      continue;
    }
    for (const f of list) {
      if (relative(root, f).startsWith(join('src', 'extension'))) continue;
      if (imports(f).includes('vscode')) bad.push(relative(root, f));
    }
  }
  assert.deepEqual(bad, []);
});

test('webview bundles do not import host-only modules', () => {
  const bad: string[] = [];
  let list: string[] = [];
  try {
    list = files(join(root, 'webview'));
  } catch {
    return;
  }
  for (const f of list) {
    for (const spec of imports(f)) {
      if (spec.startsWith('node:') || /\/(sources|llm|extension|cli)\//.test(spec)) bad.push(`${relative(root, f)} imports '${spec}'`);
    }
  }
  assert.deepEqual(bad, []);
});
