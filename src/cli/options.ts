import { CliError } from './command';

/**
 * A numeric command-line option: `def` when absent, else the number, which must be finite, within [min, max] and,
 * with `int`, an integer; otherwise a CliError (exit 2) saying what was expected.
 */
export function numOption<D extends number | undefined>(
  v: string | undefined,
  name: string,
  def: D,
  o: { min?: number; max?: number; int?: boolean } = {},
): number | D {
  if (v === undefined) return def;
  const { min = 0, max = Infinity, int = false } = o;
  const n = Number(v);
  if (Number.isFinite(n) && n >= min && n <= max && (!int || Number.isInteger(n))) return n;
  const what =
    int && min === 1 && max === Infinity
      ? 'a positive integer'
      : `${int ? 'an integer' : 'a number'} ${max === Infinity ? `>= ${min}` : `in [${min}, ${max}]`}`;
  throw new CliError(`--${name} expects ${what}, got '${v}'`);
}
