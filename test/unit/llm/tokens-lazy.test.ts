// The tokenizer's BPE ranks are built on first use, not when the extension (or the CLI) loads: they were about half of
// the extension bundle's load time (~300 ms of ~580 ms requiring dist/extension.js, notes/extension.md), spent even by
// a user who never opens the chat. This file runs in a process of its own (node --test), so require.cache starts empty.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { test } from 'node:test';

const root = join(__dirname, '..', '..', '..');
const loaded = () => Object.keys(require.cache).filter((k) => k.includes(`${'node_modules'}/gpt-tokenizer/`));

test('src/llm/tokens loads gpt-tokenizer on the first count, not on import', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tokens = require('../../../src/llm/tokens') as typeof import('../../../src/llm/tokens');
  assert.deepEqual(loaded(), [], 'gpt-tokenizer was loaded by the import');
  assert.equal(tokens.cl100kTokens(''), 0);
  assert.deepEqual(loaded(), [], 'an empty text needs no tokenizer');
  assert.equal(tokens.cl100kTokens('hello world'), 2);
  assert.ok(loaded().length > 0, 'the first count loads it');
});

test('only src/llm/tokens.ts names gpt-tokenizer (an import anywhere else would load it with the extension)', () => {
  const walk = (d: string): string[] => readdirSync(d).flatMap((n) => (statSync(join(d, n)).isDirectory() ? walk(join(d, n)) : /\.tsx?$/.test(n) ? [join(d, n)] : []));
  const users = walk(join(root, 'src')).filter((f) => /from\s+['"]gpt-tokenizer|require\(\s*['"]gpt-tokenizer/.test(readFileSync(f, 'utf8')));
  assert.deepEqual(users.map((f) => relative(root, f)), ['src/llm/tokens.ts']);
});
