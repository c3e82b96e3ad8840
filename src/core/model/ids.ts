/**
 * Trace and span ids arrive as hex in any case, as base64 (OTLP/JSON written by some protobuf→JSON encoders),
 * as byte arrays, or empty. Everything is normalised to lower-case hex; empty/absent ids become ''.
 */
const HEX_RE = /^[0-9a-fA-F]+$/;
const B64_RE = /^[A-Za-z0-9+/_-]+={0,2}$/;

const B64_INDEX: Int16Array = (() => {
  const t = new Int16Array(128).fill(-1);
  const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  for (let i = 0; i < a.length; i++) t[a.charCodeAt(i)] = i;
  t['-'.charCodeAt(0)] = 62; // base64url
  t['_'.charCodeAt(0)] = 63;
  return t;
})();

export function bytesToHex(bytes: ArrayLike<number>): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += (bytes[i]! & 0xff).toString(16).padStart(2, '0');
  return s;
}

export function base64ToBytes(b64: string): Uint8Array {
  const clean = b64.replace(/=+$/, '');
  const out = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < clean.length; i++) {
    const v = B64_INDEX[clean.charCodeAt(i)] ?? -1;
    if (v < 0) throw new Error(`invalid base64 character '${clean[i]}'`);
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

/**
 * Normalise an id. `byteLength` is the expected size (16 for trace ids, 8 for span ids); it decides between hex and
 * base64 when a string could be either (e.g. "AAAAAAAAAAAAAAAAAAAAAA==" vs 32 hex chars).
 */
export function normalizeId(v: unknown, byteLength: 8 | 16): string {
  if (v === undefined || v === null) return '';
  if (typeof v === 'string') {
    if (v.length === 0) return '';
    const hexLen = byteLength * 2;
    if (HEX_RE.test(v) && (v.length === hexLen || v.length !== Math.ceil(byteLength / 3) * 4)) {
      const lower = v.toLowerCase();
      if (lower.length >= hexLen) return lower.slice(lower.length - hexLen) === '0'.repeat(hexLen) ? '' : lower.slice(lower.length - hexLen);
      const padded = lower.padStart(hexLen, '0');
      return /^0+$/.test(padded) ? '' : padded;
    }
    if (B64_RE.test(v)) {
      const bytes = base64ToBytes(v);
      if (bytes.length === byteLength) {
        const hex = bytesToHex(bytes);
        return /^0+$/.test(hex) ? '' : hex;
      }
    }
    // Not hex of the expected size and not base64 of it: keep a stable lower-case form so links still match.
    return v.toLowerCase();
  }
  if (typeof v === 'number' && Number.isFinite(v)) return normalizeId(Math.trunc(v).toString(16), byteLength);
  if (v instanceof Uint8Array || Array.isArray(v)) {
    const hex = bytesToHex(v as ArrayLike<number>);
    return hex.length === 0 || /^0+$/.test(hex) ? '' : hex.padStart(byteLength * 2, '0');
  }
  return '';
}

/** 8 hex digits at `from` as a uint32, or -1 when one is not a hex digit. */
const HEX_VALUE: Int8Array = (() => {
  const t = new Int8Array(128).fill(-1);
  for (let i = 0; i < 10; i++) t[48 + i] = i;
  for (let i = 0; i < 6; i++) t[97 + i] = t[65 + i] = 10 + i;
  return t;
})();

export function hex8(s: string, from: number): number {
  let v = 0;
  for (let i = from; i < from + 8; i++) {
    const c = s.charCodeAt(i);
    const d = c < 128 ? HEX_VALUE[c]! : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

/** Split a 16-hex-char span id into two uint32 halves for columnar storage. '' → [0, 0]. */
export function spanIdHalves(hex: string): [number, number] {
  if (hex.length === 0) return [0, 0];
  if (hex.length === 16) {
    // hot path (every span and parent id): no substring allocation
    const hi = hex8(hex, 0);
    const lo = hex8(hex, 8);
    return [hi < 0 ? 0 : hi, lo < 0 ? 0 : lo];
  }
  const h = hex.length > 16 ? hex.slice(hex.length - 16) : hex.padStart(16, '0');
  const hi = parseInt(h.slice(0, 8), 16);
  const lo = parseInt(h.slice(8), 16);
  return [Number.isNaN(hi) ? 0 : hi >>> 0, Number.isNaN(lo) ? 0 : lo >>> 0];
}

export function halvesToSpanId(hi: number, lo: number): string {
  if (hi === 0 && lo === 0) return '';
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
