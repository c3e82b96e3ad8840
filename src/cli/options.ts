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

const UNITS: Record<string, number> = {
  '': 1, b: 1,
  k: 1024, kib: 1024, kb: 1000,
  m: 1024 ** 2, mib: 1024 ** 2, mb: 1000 ** 2,
  g: 1024 ** 3, gib: 1024 ** 3, gb: 1000 ** 3,
  t: 1024 ** 4, tib: 1024 ** 4, tb: 1000 ** 4,
};

/**
 * A size option in bytes: `512MiB`, `2GiB`, `1.5G`, `500MB`, `1048576`. As in GNU coreutils, K/M/G/T and KiB/MiB/…
 * are powers of 1024, kB/MB/GB/TB powers of 1000; case and a space before the unit do not matter. `def` when absent;
 * otherwise a whole number of bytes ≥ `min`, or a CliError (exit 2) saying what was expected.
 */
export function sizeOption<D extends number | undefined>(v: string | undefined, name: string, def: D, o: { min?: number } = {}): number | D {
  if (v === undefined) return def;
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([a-z]*)\s*$/i.exec(v);
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  const n = m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : NaN;
  if (Number.isSafeInteger(n) && n >= (o.min ?? 1)) return n;
  throw new CliError(`--${name} expects a size such as 512MiB, 2GiB or 1000000 (bytes)${o.min && o.min > 1 ? `, at least ${o.min.toLocaleString('en-US')} bytes` : ''}, got '${v}'`);
}
