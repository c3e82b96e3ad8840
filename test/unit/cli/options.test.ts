import { test } from 'node:test';
import assert from 'node:assert/strict';
import { numOption } from '../../../src/cli/options';
import { CliError } from '../../../src/cli/command';

test('numOption: default when absent, the number when within bounds', () => {
  assert.equal(numOption(undefined, 'top', 10), 10);
  assert.equal(numOption(undefined, 'max-files', undefined, { min: 1, int: true }), undefined);
  assert.equal(numOption('0.25', 'alpha', 0.01, { min: 1e-9, max: 0.5 }), 0.25);
  assert.equal(numOption('7', 'trials', 5, { min: 1, int: true }), 7);
  assert.equal(numOption('0', 'seed', 42), 0);
});

test('numOption: out of range, not an integer, not a number → CliError (exit 2) saying what was expected', () => {
  const cases: [string, Parameters<typeof numOption>[3], RegExp][] = [
    ['0', { min: 1, int: true }, /^--x expects a positive integer, got '0'$/],
    ['2.5', { min: 1, int: true }, /^--x expects a positive integer, got '2\.5'$/],
    ['-1', { int: true }, /^--x expects an integer >= 0, got '-1'$/],
    ['0.9', { min: 1e-9, max: 0.5 }, /^--x expects a number in \[1e-9, 0\.5\], got '0\.9'$/],
    ['abc', {}, /^--x expects a number >= 0, got 'abc'$/],
    ['Infinity', {}, /^--x expects a number >= 0, got 'Infinity'$/],
  ];
  for (const [v, o, re] of cases) {
    assert.throws(
      () => numOption(v, 'x', 1, o),
      (e: unknown) => e instanceof CliError && e.exitCode === 2 && re.test(e.message),
      v,
    );
  }
});
