/**
 * Where is a span opened in the code? A pure index over file contents: every file is scanned once with one combined
 * regular expression for span-opening calls with a literal name, and the index maps span name → locations.
 *
 * Recognised (the name may sit on a later line than the call, as formatters like black put it):
 *   Python   tracer.start_as_current_span("x")  tracer.start_span("x")  @tracer.start_as_current_span("x")
 *            start_as_current_span(name="x")
 *   JS/TS    tracer.startActiveSpan('x', …)  tracer.startSpan("x")  startSpan(`x`) (no ${…})
 *   Go       tracer.Start(ctx, "x")
 *   Java     tracer.spanBuilder("x")
 *   C#       source.StartActivity("x")
 *   also     opentracing start_active_span("x") / StartSpan("x"), Rust tracing span!(Level::INFO, "x") / info_span!("x")
 * Dynamic names (f-strings, template literals with ${…}, variables) are not indexed: matching is on the exact name, so
 * a span called `inference-span` never links to code that opens `webserver-request`.
 *
 * Reported lines are 1-based and point at the call (the line of the method name), not at the string.
 */
import type { SourceLink } from '../rca/diagnosis';

export interface SourceFile {
  /** path relative to the workspace root, '/'-separated */
  path: string;
  text: string;
}

export interface SourceMatch {
  file: string;
  /** 1-based line of the call */
  line: number;
  /** the span-opening method, e.g. start_as_current_span */
  call: string;
  /** enclosing (or, for decorators, decorated) function when it could be found */
  function?: string;
  /** ranking score for the operation it was looked up for (higher first) */
  score: number;
}

const CALLS = [
  'start_as_current_span',
  'start_active_span',
  'start_span',
  'startActiveSpan',
  'startSpan',
  'spanBuilder',
  'StartActivity',
  'StartSpanFromContext',
  'StartSpan',
  'Start',
  'info_span!',
  'debug_span!',
  'trace_span!',
  'warn_span!',
  'error_span!',
  'span!',
];
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\!]/g, (c) => (c === '!' ? '!' : '\\' + c));
/**
 * group 1: the call; group 2: the quote; group 3: the literal name. `Start` must follow a '.', the others a
 * non-identifier character. An optional first argument (Go ctx, Rust level, Python name=) precedes the literal.
 */
const CALL_RE = new RegExp(
  String.raw`(?:(?<=\.)(Start)|(?<![\w$])(` +
    CALLS.filter((c) => c !== 'Start').map(esc).join('|') +
    String.raw`))\s*\(\s*(?:name\s*=\s*|[A-Za-z_][\w.:]*(?:\(\))?\s*,\s*)?[rRuU]?(["'\x60])((?:\\.|(?!\3)[^\\\n])*)\3`,
  'g',
);
const QUICK = /start|Start|spanBuilder|span!/;

function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) out.push(i + 1);
  return out;
}

function lineOf(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}

const PY_DEF = /^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)/;
const GO_FUNC = /^\s*func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)/;
const JS_FUNCS = [
  /\bfunction\s*\*?\s*([A-Za-z_$][\w$]*)\s*\(/,
  /^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s*)?(?:function\b|\([^)]*\)\s*(?::\s*[^=]+)?=>|[A-Za-z_$][\w$]*\s*=>)/,
];
/** a method declaration line ending in '{' (Java, C#, TS/JS class methods, Kotlin) */
const METHOD = /^\s*(?:(?:public|private|protected|static|async|override|final|virtual|internal|synchronized|abstract|suspend|fun)\s+)*(?:[\w<>[\],.?]+\s+)?([A-Za-z_$][\w$]*)\s*\([^;]*\)\s*(?::\s*[\w<>[\],.?| ]+)?(?:throws\s+[\w.,\s]+)?\{\s*$/;
const RUST_FN = /\bfn\s+([A-Za-z_]\w*)/;

function patternsFor(path: string): RegExp[] {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';
  if (ext === 'py') return [PY_DEF];
  if (ext === 'go') return [GO_FUNC];
  if (ext === 'rs') return [RUST_FN];
  if (['js', 'mjs', 'cjs', 'ts', 'tsx', 'jsx', 'mts', 'cts'].includes(ext)) return [...JS_FUNCS, METHOD];
  return [METHOD, PY_DEF, GO_FUNC, ...JS_FUNCS];
}
const NOT_FN = new Set(['if', 'for', 'while', 'switch', 'catch', 'with', 'return', 'else', 'elif', 'try', 'using', 'lock', 'foreach', 'new', 'await', 'throw', 'yield', 'function']);
const STATEMENT = /^\s*(?:return|await|throw|yield|if|else|for|while|switch|case|new)\b/;

function functionNameAt(path: string, lines: string[], lineIdx: number): string | undefined {
  const patterns = patternsFor(path);
  const callLine = lines[lineIdx] ?? '';
  // decorator: the decorated function follows
  if (/^\s*@/.test(callLine)) {
    for (let k = lineIdx + 1; k < Math.min(lines.length, lineIdx + 20); k++) {
      const m = /^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)/.exec(lines[k]!);
      if (m) return m[1];
    }
    return undefined;
  }
  const indent = /^\s*/.exec(callLine)![0].length;
  for (let k = lineIdx; k >= 0 && k > lineIdx - 400; k--) {
    const l = lines[k]!;
    if (STATEMENT.test(l)) continue;
    for (const re of patterns) {
      const m = re.exec(l);
      const name = m?.[1];
      if (name && !NOT_FN.has(name)) {
        // Python: the enclosing def is less indented than the call
        if (re === PY_DEF && /^\s*/.exec(l)![0].length >= indent) break;
        return name;
      }
    }
  }
  return undefined;
}

/** Normalised for fuzzy comparison of service names with paths: lower case, alphanumerics only. */
const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Score a location for an operation of `service`: a path naming the service wins, tests and examples lose a little. */
export function scoreMatch(file: string, service: string | undefined): number {
  let score = 10;
  if (service) {
    const p = norm(file);
    const s = norm(service);
    if (s.length >= 2 && p.includes(s)) score += 20;
    else {
      const toks = service.toLowerCase().split(/[^a-z0-9]+/).filter((t) => t.length >= 3);
      const hits = toks.filter((t) => p.includes(t)).length;
      if (toks.length) score += Math.round((10 * hits) / toks.length);
    }
  }
  if (/(^|\/)(test|tests|__tests__|spec|testdata)\//i.test(file) || /[._-](test|spec)\.[a-z]+$/i.test(file)) score -= 3;
  return score;
}

/** Index of literal span names opened in source files. Build it once per workspace pass (addFile per file). */
export class SourceIndex {
  private readonly byName = new Map<string, Omit<SourceMatch, 'score'>[]>();
  files = 0;
  matches = 0;

  static build(files: Iterable<SourceFile>): SourceIndex {
    const idx = new SourceIndex();
    for (const f of files) idx.addFile(f.path, f.text);
    return idx;
  }

  /** Scan one file (path relative to the workspace, '/'-separated). Returns the number of span openings found. */
  addFile(path: string, text: string): number {
    this.files++;
    if (!QUICK.test(text)) return 0;
    let starts: number[] | null = null;
    let lines: string[] | null = null;
    let found = 0;
    CALL_RE.lastIndex = 0;
    for (let m = CALL_RE.exec(text); m; m = CALL_RE.exec(text)) {
      const quote = m[3]!;
      const name = m[4]!;
      if (name.length === 0) continue;
      if (quote === '`' && name.includes('${')) continue;
      const call = m[1] ?? m[2]!;
      starts ??= lineStarts(text);
      lines ??= text.split('\n');
      const line = lineOf(starts, m.index);
      const fn = functionNameAt(path, lines, line - 1);
      const unescaped = name.replace(/\\(.)/g, '$1');
      let list = this.byName.get(unescaped);
      if (!list) this.byName.set(unescaped, (list = []));
      list.push({ file: path, line, call, ...(fn ? { function: fn } : {}) });
      found++;
    }
    this.matches += found;
    return found;
  }

  /** Span names found in the code. */
  names(): string[] {
    return [...this.byName.keys()];
  }

  /** All locations opening a span with exactly this name, best first for the given service. */
  lookup(name: string, service?: string): SourceMatch[] {
    const list = this.byName.get(name);
    if (!list) return [];
    return list
      .map((m) => ({ ...m, score: scoreMatch(m.file, service) }))
      .sort((a, b) => b.score - a.score || a.file.localeCompare(b.file) || a.line - b.line);
  }

  /** The best location as a SourceLink, or undefined. */
  best(name: string, service?: string): SourceLink | undefined {
    const m = this.lookup(name, service)[0];
    return m ? { file: m.file, line: m.line, ...(m.function ? { function: m.function } : {}), origin: 'search' } : undefined;
  }
}
