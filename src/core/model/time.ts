/**
 * Timestamps. OTLP carries Unix nanoseconds as fixed64 (JSON: decimal string or number; protobuf.js: {low, high});
 * Jaeger and Zipkin carry microseconds. Unix ns exceed 2^53, so the model stores every time as a float64 offset in ns
 * from a per-model base second (exact to the ns for ~100 days around it).
 */
export type Fixed64 = string | number | bigint | { low: number; high: number; unsigned?: boolean };

/**
 * Split a Fixed64 ns value into [seconds, nanos] exactly. Returns null when absent, [NaN, NaN] when present but not a
 * number (so the builder can tell a missing timestamp from a broken one and report it); values out of range
 * (negative, beyond 64-bit nanoseconds) come back as they are and are judged by `timeProblem`.
 */
export function fixed64ToSecNs(v: unknown): [number, number] | null {
  if (v === undefined || v === null || v === '') return null;
  if (typeof v === 'string') {
    // hot path: plain decimal digits (OTLP/JSON fixed64), parsed without substrings
    const L = v.length;
    if (L > 9 && L <= 24) {
      let sec = 0;
      let ns = 0;
      let i = 0;
      for (; i < L - 9; i++) {
        const d = v.charCodeAt(i) - 48;
        if (d < 0 || d > 9) break;
        sec = sec * 10 + d;
      }
      if (i === L - 9) {
        for (; i < L; i++) {
          const d = v.charCodeAt(i) - 48;
          if (d < 0 || d > 9) break;
          ns = ns * 10 + d;
        }
        if (i === L) return [sec, ns];
      }
    }
    const s = v.trim();
    if (!/^-?\d+$/.test(s)) {
      const n = Number(s);
      return Number.isFinite(n) ? numberNsToSecNs(n) : INVALID;
    }
    if (s.length <= 15) return numberNsToSecNs(Number(s));
    const neg = s.startsWith('-');
    const digits = neg ? s.slice(1) : s;
    const sec = Number(digits.slice(0, -9) || '0');
    const ns = Number(digits.slice(-9));
    return neg ? [-sec, -ns] : [sec, ns];
  }
  if (typeof v === 'number') return Number.isFinite(v) ? numberNsToSecNs(v) : INVALID;
  if (typeof v === 'bigint') return [Number(v / 1_000_000_000n), Number(v % 1_000_000_000n)];
  if (typeof v === 'object' && v !== null && 'low' in v && 'high' in v) {
    const { low, high } = v as { low: number; high: number };
    const big = (BigInt(high >>> 0) << 32n) | BigInt(low >>> 0);
    return [Number(big / 1_000_000_000n), Number(big % 1_000_000_000n)];
  }
  return INVALID;
}

const INVALID: [number, number] = [NaN, NaN];

/** The last second a fixed64 Unix-nanosecond timestamp can name (2^64 − 1 ns ≈ 2554-07-21T23:34:33Z). */
export const MAX_UNIX_SEC = 18446744073;

export type TimeProblem = 'nan' | 'negative' | 'overflow';

/** What is wrong with a [sec, ns] timestamp, or null when it is a valid Unix time (0 … 2^64 − 1 ns). */
export function timeProblem(t: readonly [number, number]): TimeProblem | null {
  const [sec, ns] = t;
  if (!Number.isFinite(sec) || !Number.isFinite(ns)) return 'nan';
  if (sec * 1e9 + ns < 0) return 'negative';
  if (sec > MAX_UNIX_SEC) return 'overflow';
  return null;
}

function numberNsToSecNs(n: number): [number, number] {
  const sec = Math.trunc(n / 1e9);
  return [sec, Math.round(n - sec * 1e9)];
}

/** Microseconds (Jaeger/Zipkin), possibly fractional, to [sec, ns]. */
export function microsToSecNs(us: number): [number, number] {
  const sec = Math.floor(us / 1e6);
  return [sec, Math.round((us - sec * 1e6) * 1000)];
}

/** ISO 8601 of [sec, ns]; never throws: a time outside what Date can show (±275 760 years) reads 'invalid time'. */
export function secNsToIso(sec: number, ns: number): string {
  const ms = sec * 1000 + Math.floor(ns / 1e6);
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? 'invalid time' : d.toISOString();
}
