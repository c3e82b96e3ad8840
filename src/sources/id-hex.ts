/** Span/trace ids as OTLP/JSON hex: hex in any case → lower-case; base64 (std or url-safe) of the right length → hex. */
export function idToHex(id: unknown, bytes: 8 | 16): unknown {
  if (typeof id !== 'string' || id === '') return id;
  if (id.length === bytes * 2 && /^[0-9a-fA-F]+$/.test(id)) return id.toLowerCase();
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(id)) {
    const b = Buffer.from(id.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (b.length === bytes) return b.toString('hex');
  }
  return id;
}
