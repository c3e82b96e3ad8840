/**
 * Redaction of everything that leaves the machine: system prompt context, tool results, user text.
 * Patterns are configurable (traceDoctor.llm.redaction.patterns); the defaults catch the usual secrets and
 * personal data found in span attributes.
 */

export interface RedactionRule {
  name: string;
  pattern: RegExp;
  /** replacement; `$&` etc. are NOT expanded unless the rule asks for a function */
  replace: string | ((match: string, ...groups: string[]) => string);
}

export const DEFAULT_RULES: readonly RedactionRule[] = [
  // Authorization headers / bearer tokens first, so the token is not half-eaten by the secret rule
  {
    name: 'authorization',
    pattern: /\b((?:proxy-)?authorization)(["']?\s*[:=]\s*["']?)(?:(bearer|basic|token|digest)\s+)?[^\s"',;}]+/gi,
    replace: (_m, key: string, sep: string, scheme?: string) => `${key}${sep}${scheme ? scheme + ' ' : ''}[REDACTED:auth]`,
  },
  { name: 'bearer', pattern: /\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*/gi, replace: (_m, b: string) => `${b} [REDACTED:token]` },
  {
    name: 'secret-assignment',
    pattern: /\b((?:api[_-]?key|apikey|secret|password|passwd|pwd|access[_-]?token|refresh[_-]?token|client[_-]?secret|x-api-key)\b["']?\s*[:=]\s*["']?)[^\s"',;&}]+/gi,
    replace: (_m, head: string) => `${head}[REDACTED:secret]`,
  },
  { name: 'email', pattern: /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, replace: '[REDACTED:email]' },
  // URL query strings: keep the path (useful for diagnosis), drop the parameters
  { name: 'url-query', pattern: /\b((?:https?|wss?|ftp):\/\/[^\s"'<>?#]+)\?[^\s"'<>#]*/gi, replace: (_m, base: string) => `${base}?[REDACTED:query]` },
  // JWTs and long hex / base64 / base64url secrets (≥ 32 chars)
  { name: 'jwt', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, replace: '[REDACTED:jwt]' },
  { name: 'hex-secret', pattern: /\b[0-9a-fA-F]{32,}\b/g, replace: '[REDACTED:hex]' },
  {
    name: 'base64-secret',
    pattern: /(?<![A-Za-z0-9+/=_-])(?=[A-Za-z0-9+/_-]*[0-9])(?=[A-Za-z0-9+/_-]*[A-Za-z])[A-Za-z0-9+/_-]{32,}={0,2}(?![A-Za-z0-9+/=_-])/g,
    // keep paths and identifiers made of words (/api/v2/inventory/items, preprocess_request_handler_v2): a piece of
    // five or more letters in one case (or Capitalised) between separators is a word, not key material
    replace: (m: string) => (m.split(/[/_+\-=]+/).some((w) => /^(?:[a-z]{5,}|[A-Z][a-z]{4,}|[A-Z]{5,})$/.test(w)) ? m : '[REDACTED:secret]'),
  },
  // IPv6 (full and compressed forms, at least two groups and one '::' or seven ':'), then IPv4
  {
    name: 'ipv6',
    pattern: /(?<![0-9A-Za-z:.])(?:(?:[0-9A-Fa-f]{1,4}:){7}[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,7}:|(?:[0-9A-Fa-f]{1,4}:){1,6}:[0-9A-Fa-f]{1,4}|(?:[0-9A-Fa-f]{1,4}:){1,5}(?::[0-9A-Fa-f]{1,4}){1,2}|(?:[0-9A-Fa-f]{1,4}:){1,4}(?::[0-9A-Fa-f]{1,4}){1,3}|(?:[0-9A-Fa-f]{1,4}:){1,3}(?::[0-9A-Fa-f]{1,4}){1,4}|(?:[0-9A-Fa-f]{1,4}:){1,2}(?::[0-9A-Fa-f]{1,4}){1,5}|[0-9A-Fa-f]{1,4}:(?::[0-9A-Fa-f]{1,4}){1,6}|::(?:[0-9A-Fa-f]{1,4}:){0,5}[0-9A-Fa-f]{1,4}|::1)(?:%[0-9A-Za-z]+)?(?![0-9A-Za-z:])/g,
    // identifiers like std::vector or a::b look like compressed IPv6; real addresses carry digits
    replace: (m: string) => (/\d/.test(m) ? '[REDACTED:ip]' : m),
  },
  { name: 'ipv4', pattern: /(?<![0-9.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![0-9]|\.\d)/g, replace: '[REDACTED:ip]' },
];

export interface RedactorOptions {
  enabled?: boolean;
  /** extra regular expressions (strings, flags 'gi' unless given as /re/flags) */
  patterns?: string[];
}

export interface Redactor {
  readonly enabled: boolean;
  redact(text: string): string;
  /** map placeholders (e.g. `ip_1`) in a model's text back to the values they stand for */
  restore?(text: string): string;
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
      rules.push({ name: `custom-${i + 1}`, pattern: re, replace: '[REDACTED:custom]' });
    } catch (e) {
      bad.push(`${p} (${(e as Error).message})`);
    }
  }
  if (bad.length) throw new Error(`Invalid redaction pattern(s) in traceDoctor.llm.redaction.patterns: ${bad.join('; ')}`);
  const counts = new Map<string, number>();
  return {
    enabled,
    counts,
    redact(text: string): string {
      if (!enabled || !text) return text;
      let out = text;
      for (const r of rules) {
        r.pattern.lastIndex = 0;
        out = out.replace(r.pattern, (...args: unknown[]) => {
          counts.set(r.name, (counts.get(r.name) ?? 0) + 1);
          const m = args[0] as string;
          const groups = args.slice(1, -2).map((g) => (g === undefined ? '' : String(g)));
          return typeof r.replace === 'function' ? r.replace(m, ...groups) : r.replace;
        });
      }
      return out;
    },
  };
}
