import { test } from 'node:test';
import assert from 'node:assert/strict';
import '../../../src/cli/commands/index';
import { commands } from '../../../src/cli/registry';

test('h22: every command\'s --help keeps its line breaks (a "\\" before a newline in a template literal joins the lines)', () => {
  assert.ok(commands.length >= 6, commands.map((c) => c.name).join(', '));
  for (const c of commands) {
    for (const line of c.help.split('\n')) {
      // a line joined to the next one: text, a long run of the next line's indentation, more text
      assert.doesNotMatch(line, /\S {12,}--/, `${c.name} --help: ${line}`);
    }
  }
  const fetch = commands.find((c) => c.name === 'fetch')!;
  assert.match(fetch.help, /-o incident\.json \\\n {10,}--baseline 1h --baseline-out baseline\.json/);
});

test('walkthrough 2026-12-07 pm: trace-doctor --help lists diagnose first (it came last, after serve, fetch, stats, flame, eval)', async () => {
  const { main } = await import('../../../src/cli/main');
  let out = '';
  assert.equal(await main(['--help'], { out: (s) => (out += s), err: (s) => (out += s) }), 0);
  const names = out.split('Commands:')[1]!.trim().split('\n').map((l) => l.trim().split(/\s+/)[0]);
  assert.deepEqual(names, ['diagnose', 'flame', 'stats', 'fetch', 'serve', 'eval']);
});
