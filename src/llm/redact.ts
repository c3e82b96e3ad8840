/**
 * Redaction of everything that leaves the machine: system prompt context, tool results, tool-call arguments, user
 * text. Values are replaced by STABLE placeholders (the same value → the same token, e.g. `ip_1`, `email_2`,
 * `secret_1`) so the model can still tell values apart and name them; the agent maps the model's answer back to the
 * real values before validation and display (`restore`). Secrets are found by value (JWTs, AWS key ids, cards that pass
 * the Luhn check, hex/base64 key material, …) and by key name (`db_password=…`, `"api_key": "…"`, `Cookie: …`), and
 * attribute values whose key is sensitive are replaced where tools read them (`redactValue`). Service and operation
 * names are left alone (only credentials and the user's own patterns apply to them), so a component like
 * `cache-node-10.2.3.4` can still be named. Patterns are configurable (traceDoctor.llm.redaction.patterns).
 */

export type PlaceholderKind =
  | 'ip'
  | 'email'
  | 'uuid'
  | 'phone'
  | 'national_id'
  | 'card'
  | 'secret'
  | 'token'
  | 'cookie'
  | 'aws_key'
  | 'jwt'
  | 'query'
  | 'hex'
  | 'custom';

/** Credentials: never shown back, even on this machine, once replaced (the display keeps the placeholder). */
export const CREDENTIAL_KINDS: ReadonlySet<PlaceholderKind> = new Set(['secret', 'token', 'cookie', 'aws_key', 'jwt', 'query', 'hex', 'card']);

export interface RedactionRule {
  name: string;
  pattern: RegExp;
  /**
   * Which part of the match is the value to replace: the kind, and (for patterns that keep a prefix such as the key
   * in `password=…`) how the match splits into kept head / value / kept tail. Return undefined to keep the match.
   */
  value: (m: string, groups: string[]) => { kind: PlaceholderKind; head?: string; value: string; tail?: string } | undefined;
  /** also applied inside service/operation names (credentials, user patterns) */
  inNames?: boolean;
}

/** Key names whose values are secrets or personal identifiers (matched anywhere in the key: db_password, x-api-key). */
export const SENSITIVE_KEY =
  /password|passwd|passphrase|\bpwd\b|_pwd\b|secret|token|api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key|credential|session[_.-]?id|sessionid|\bsid\b|cookie|authorization|\bauth\b|\bssn\b|social[_.-]?security|national[_.-]?id|passport|tax[_.-]?id|card[_.-]?number|\bcvv\b|\biban\b/i;

export function isSensitiveKey(key: string): boolean {
  return SENSITIVE_KEY.test(key);
}

const KEY_WORDS =
  '(?:password|passwd|passphrase|pwd|secret|token(?!s)|api[_.-]?key|apikey|access[_.-]?key|private[_.-]?key|credentials?|session[_.-]?id|sessionid|ssn|national[_.-]?id|passport|tax[_.-]?id|card[_.-]?number|cvv|iban|client[_.-]?secret|auth[_.-]?token)';

/** Luhn check for card numbers (digits only). */
export function luhn(digits: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

const whole = (kind: PlaceholderKind) => (m: string) => ({ kind, value: m });

export const DEFAULT_RULES: readonly RedactionRule[] = [
  // Authorization headers / bearer tokens first, so the token is not half-eaten by the other rules
  {
    name: 'authorization',
    pattern: /\b((?:proxy-)?authorization)(["']?\s*[:=]\s*["']?)(?:(bearer|basic|token|digest)\s+)?([^\s"',;}]+)/gi,
    value: (_m, [key, sep, scheme, v]) => ({ kind: 'token', head: `${key}${sep}${scheme ? scheme + ' ' : ''}`, value: v! }),
    inNames: true,
  },
  {
    name: 'cookie',
    pattern: /\b((?:set-)?cookie)(["']?\s*[:=]\s*["']?)([^"'\n\r]+)/gi,
    value: (_m, [key, sep, v]) => ({ kind: 'cookie', head: `${key}${sep}`, value: v! }),
    inNames: true,
  },
  { name: 'bearer', pattern: /\b(bearer)\s+([A-Za-z0-9\-._~+/]+=*)/gi, value: (_m, [b, v]) => ({ kind: 'token', head: `${b} `, value: v! }), inNames: true },
  {
    // key = value, "key": "value", key: value — the key may be any identifier containing a sensitive word (db_password)
    name: 'secret-assignment',
    pattern: new RegExp(`(?<![A-Za-z0-9])([A-Za-z0-9_.-]{0,40}?${KEY_WORDS}[A-Za-z0-9_.-]{0,40}["']?\\s*[:=]\\s*["']?(?:(?:bearer|basic|digest)\\s+)?)([^\\s"',;&}]+)`, 'gi'),
    value: (_m, [head, v]) => (/^(?:secret|token|cookie|aws_key|jwt|query|hex|card|custom|ip|email|uuid|phone|national_id)_\d+$/.test(v!) || v === 'null' ? undefined : { kind: 'secret', head, value: v! }),
    inNames: true,
  },
  { name: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, value: whole('jwt'), inNames: true },
  { name: 'aws-key-id', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AROA|ANPA|ANVA|APKA)[A-Z0-9]{16}\b/g, value: whole('aws_key'), inNames: true },
  // the look-behind starts a match only where a run of local-part characters starts: without it a long run with no
  // "@" (a runaway model reply) was scanned again from each of its characters — quadratic, seconds for 60,000
  { name: 'email', pattern: /(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, value: whole('email') },
  // URL query strings: keep the path (useful for diagnosis), drop the parameters
  { name: 'url-query', pattern: /\b((?:https?|wss?|ftp):\/\/[^\s"'<>?#]+\?)([^\s"'<>#]+)/gi, value: (_m, [base, q]) => ({ kind: 'query', head: base, value: q! }) },
  { name: 'uuid', pattern: /\b[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\b/g, value: whole('uuid') },
  { name: 'hex-secret', pattern: /\b[0-9a-fA-F]{32,}\b/g, value: whole('hex') },
  {
    name: 'base64-secret',
    pattern: /(?<![A-Za-z0-9+/=_-])(?=[A-Za-z0-9+/_-]*[0-9])(?=[A-Za-z0-9+/_-]*[A-Za-z])[A-Za-z0-9+/_-]{32,}={0,2}(?![A-Za-z0-9+/=_-])/g,
    // keep paths and identifiers made of words (/api/v2/inventory/items, preprocess_request_handler_v2): a piece of
    // five or more letters in one case (or Capitalised) between separators is a word, not key material
    value: (m) => (m.split(/[/_+\-=]+/).some((w) => /^(?:[a-z]{5,}|[A-Z][a-z]{4,}|[A-Z]{5,})$/.test(w)) ? undefined : { kind: 'secret', value: m }),
  },
  {
    // 13–19 digits, optionally grouped by spaces or dashes, passing the Luhn check
    name: 'card',
    pattern: /(?<![\d.-])\d(?:[ -]?\d){12,18}(?![\d.]|-\d)/g,
    value: (m) => {
      const d = m.replace(/\D/g, '');
      return d.length >= 13 && d.length <= 19 && luhn(d) && !/^(\d)\1+$/.test(d) ? { kind: 'card', value: m } : undefined;
    },
  },
  // national ids: US social security numbers, UK national insurance numbers
  { name: 'us-ssn', pattern: /(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])/g, value: whole('national_id') },
  { name: 'uk-nino', pattern: /\b(?![DFIQUV])[A-CEGHJ-PR-TW-Z](?![DFIQUVO])[A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b/g, value: whole('national_id') },
  // phone numbers: international (+CC …), (NNN) NNN-NNNN, NNN-NNN-NNNN
  {
    name: 'phone',
    pattern: /(?<![\w+])\+\d{1,3}(?:[ .-]?\(\d{1,4}\))?(?:[ .-]?\d{2,4}){2,5}(?![\d])|(?<![\d\w])\(\d{3}\) ?\d{3}[-. ]\d{4}(?!\d)|(?<![\d.\w-])\d{3}-\d{3}-\d{4}(?![\d-])/g,
    value: (m) => (m.replace(/\D/g, '').length >= 7 ? { kind: 'phone', value: m } : undefined),
  },
  // IPv6 (full and compressed forms, at least two groups and one '::' or seven ':'), then IPv4
  {
    name: 'ipv6',
    pattern: /(?<![0-9A-Za-z:.])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:|(?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}|(?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}|(?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}|::(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{1,4}|::1)(?:%[0-9A-Za-z]+)?(?![0-9A-Za-z:])/g,
    // identifiers like std::vector or a::b look like compressed IPv6; real addresses carry digits
    value: (m) => (/\d/.test(m) ? { kind: 'ip', value: m } : undefined),
  },
  { name: 'ipv4', pattern: /(?<![0-9.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![0-9]|\.\d)/g, value: whole('ip') },
];

export interface RedactorOptions {
  enabled?: boolean;
  /** extra regular expressions (strings, flags 'gi' unless given as /re/flags) */
  patterns?: string[];
}

export interface Redaction {
  token: string;
  kind: PlaceholderKind;
  rule: string;
  /** the original value; omitted for credentials */
  original?: string;
  count: number;
}

export interface Redactor {
  readonly enabled: boolean;
  redact(text: string): string;
  /** map placeholders (e.g. `ip_1`) in a model's text back to the values they stand for */
  restore?(text: string): string;
  /** like restore, but credentials keep their placeholder (for what the user sees) */
  restoreForDisplay?(text: string): string;
  /** the value of attribute `key` as it may leave the machine (a placeholder when the key is sensitive) */
  redactValue?(key: string, value: string): string;
  /** service/operation names: only credentials and the user's patterns are redacted inside them */
  protect?(names: Iterable<string>): void;
  /** every placeholder handed out so far (for "Preview What Will Be Sent") */
  redactions?(): Redaction[];
  /** how many replacements were made so far, by rule name */
  readonly counts: ReadonlyMap<string, number>;
}

/** Compile a user pattern: "/re/flags" or a bare regex source (case-insensitive, global). */
export function compileUserPattern(p: string): RegExp {
  const m = /^\/(.*)\/([a-z]*)$/s.exec(p);
  const src = m ? m[1]! : p;
  let flags = m ? m[2]! : 'gi';
  if (!flags.includes('g')) flags += 'g';
  return new RegExp(src, flags);
}

const TOKEN_RE = /\b(ip|email|uuid|phone|national_id|card|secret|token|cookie|aws_key|jwt|query|hex|custom)_(\d+)\b/g;
// private-use characters around a protected name's index while the other rules run
const P_OPEN = '\uE000';
const P_CLOSE = '\uE001';
const letters = (n: number) => {
  let s = '';
  do {
    s = String.fromCharCode(97 + (n % 26)) + s;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return s;
};

export function createRedactor(o: RedactorOptions = {}): Redactor {
  const enabled = o.enabled ?? true;
  const rules: RedactionRule[] = [...DEFAULT_RULES];
  const bad: string[] = [];
  for (const [i, p] of (o.patterns ?? []).entries()) {
    try {
      const re = compileUserPattern(p);
      if (re.test('')) {
        bad.push(`${p} (matches the empty string)`);
        continue;
      }
      rules.push({ name: `custom-${i + 1}`, pattern: re, value: whole('custom'), inNames: true });
    } catch (e) {
      bad.push(`${p} (${(e as Error).message})`);
    }
  }
  if (bad.length) throw new Error(`Invalid redaction pattern(s) in traceDoctor.llm.redaction.patterns: ${bad.join('; ')}`);
  const counts = new Map<string, number>();
  const byValue = new Map<string, Redaction>();
  const byToken = new Map<string, { value: string; kind: PlaceholderKind }>();
  const perKind = new Map<PlaceholderKind, number>();
  const tokenFor = (kind: PlaceholderKind, value: string, rule: string): string => {
    const k = `${kind}\u0000${value}`;
    let r = byValue.get(k);
    if (!r) {
      const n = (perKind.get(kind) ?? 0) + 1;
      perKind.set(kind, n);
      r = { token: `${kind}_${n}`, kind, rule, ...(CREDENTIAL_KINDS.has(kind) ? {} : { original: value }), count: 0 };
      byValue.set(k, r);
      byToken.set(r.token, { value, kind });
    }
    r.count++;
    counts.set(rule, (counts.get(rule) ?? 0) + 1);
    return r.token;
  };
  const apply = (text: string, names: boolean): string => {
    let out = text;
    for (const r of rules) {
      if (names && !r.inNames) continue;
      r.pattern.lastIndex = 0;
      out = out.replace(r.pattern, (...args: unknown[]) => {
        const m = args[0] as string;
        // a placeholder we handed out is not redacted again
        if (byToken.has(m)) return m;
        const groups = args.slice(1).filter((g) => typeof g === 'string' || g === undefined).slice(0, -1).map((g) => (g === undefined ? '' : String(g)));
        const v = r.value(m, groups);
        if (!v || !v.value || byToken.has(v.value) || v.value.includes(P_OPEN) || v.value.includes(P_CLOSE)) return m;
        return `${v.head ?? ''}${tokenFor(v.kind, v.value, r.name)}${v.tail ?? ''}`;
      });
    }
    return out;
  };
  // protected names (only the ones some value rule would touch), longest first, in their shown spellings
  let protectedRe: RegExp | undefined;
  const protectedNames: string[] = [];
  const protectedSet = new Set<string>();
  const nameCache = new Map<string, string>();
  return {
    enabled,
    counts,
    protect(names: Iterable<string>) {
      let added = false;
      for (const n of names) {
        if (!n || protectedSet.has(n)) continue;
        protectedSet.add(n);
        // does any rule that does not apply inside names touch it? (cheap test on a throwaway redactor state)
        const touched = rules.some((r) => {
          if (r.inNames) return false;
          r.pattern.lastIndex = 0;
          for (const m of n.matchAll(new RegExp(r.pattern.source, r.pattern.flags.includes('g') ? r.pattern.flags : r.pattern.flags + 'g'))) {
            const groups = m.slice(1).map((g) => g ?? '');
            if (r.value(m[0], groups)) return true;
          }
          return false;
        });
        if (!touched) continue;
        // the spellings it is sent in: as is, JSON-escaped, and cut by the context builder ("…")
        const forms = new Set<string>([n, JSON.stringify(n).slice(1, -1)]);
        for (const len of [160, 120, 80, 60, 48, 32, 16]) if (n.length > len) forms.add(n.slice(0, len - 1).trimEnd() + '…');
        for (const f of forms) if (f.length >= 3) protectedNames.push(f);
        added = true;
      }
      if (added) {
        protectedNames.sort((a, b) => b.length - a.length);
        protectedRe = new RegExp(protectedNames.map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
      }
    },
    redact(text: string): string {
      if (!enabled || !text) return text;
      if (!protectedRe) return apply(text, false);
      const held: string[] = [];
      protectedRe.lastIndex = 0;
      const masked = text.replace(protectedRe, (m) => {
        let r = nameCache.get(m);
        if (r === undefined) nameCache.set(m, (r = apply(m, true)));
        held.push(r);
        return `${P_OPEN}${letters(held.length - 1)}${P_CLOSE}`;
      });
      const done = apply(masked, false);
      return done.replace(/\uE000([a-z]+)\uE001/g, (_m, k: string) => {
        let n = 0;
        for (const ch of k) n = n * 26 + (ch.charCodeAt(0) - 96);
        return held[n - 1] ?? '';
      });
    },
    restore(text: string): string {
      return text.replace(TOKEN_RE, (m) => byToken.get(m)?.value ?? m);
    },
    restoreForDisplay(text: string): string {
      return text.replace(TOKEN_RE, (m) => {
        const t = byToken.get(m);
        return t && !CREDENTIAL_KINDS.has(t.kind) ? t.value : m;
      });
    },
    redactValue(key: string, value: string): string {
      if (!enabled) return value;
      if (isSensitiveKey(key) && value && !byToken.has(value)) return tokenFor('secret', value, 'sensitive-key');
      return value;
    },
    redactions(): Redaction[] {
      return [...byValue.values()].map((r) => ({ ...r }));
    },
  };
}
