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
import { familyOf, isCode, lineIndexOf, lineStarts, nonCodeRanges } from './lexer';
import { HTTP_METHODS, ROUTE_SPAN, resolveRoutes, routeKey, routeLang, scanRoutes, type FileRoutes, type ResolvedRoute } from './routes';

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
  /** how the name was known when not a literal: a constant of the same file, of another file, a run-time template */
  how?: 'constant' | 'imported' | 'template' | 'route';
  /** the template's text, for a run-time name (`charge ${provider}`) */
  template?: string;
  /** the route as declared, for an HTTP server span linked to its route's declaration */
  route?: string;
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
  'WithSpan',
  'info_span!',
  'debug_span!',
  'trace_span!',
  'warn_span!',
  'error_span!',
  'span!',
];
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\!]/g, (c) => (c === '!' ? '!' : '\\' + c));
/**
 * The head of a span-opening call, up to its '(' and blanks. group 1: `.Start` (must follow a '.'; the match starts at
 * the '.'), group 2: any other call (the character before it must not be part of an identifier: checked by the caller —
 * a look-behind at the front made the expression try every position of every file, 3× slower).
 */
const HEAD_RE = new RegExp(String.raw`(?:\.(Start)|(` + CALLS.filter((c) => c !== 'Start').map(esc).join('|') + String.raw`))\s*\(\s*`, 'g');
/** A literal name, after an optional first argument (Go ctx, Rust level, Python name=, Java value=). 1: quote, 2: name */
const LITERAL_ARG = /(?:(?:name|value)\s*=\s*|[A-Za-z_][\w.:]*(?:\(\))?\s*,\s*)?[rRuU]?(["'`])((?:\\.|(?!\1)[^\\\n])*)\1(?=\s*[,)])/y;
/** A context or level first argument that may precede the name (Go ctx, Rust Level::INFO). */
const CTX_ARG = String.raw`(?:[\w.]*(?:ctx|Ctx|context|Context)(?:\(\))?|(?:tracing::)?Level::\w+)\s*,\s*`;
/** An identifier (or a dotted constant such as SPANS.loadUser) as the name. 1: the identifier */
const IDENT_ARG = new RegExp(String.raw`(?:(?:name|value)\s*=\s*|${CTX_ARG})?((?:[A-Za-z_$][\w$]*\.)*[A-Za-z_$][\w$]*)\s*(?=[,)])`, 'y');
/**
 * A name built at run time from fixed text and values: Python f"…{x}…", JS `…${x}…`, C# $"…{x}…", Go
 * fmt.Sprintf("…%s…", …), Java String.format, "…".format(…), "…" % x, "fixed " + x. 1: kind marker, 2: the text.
 */
const TEMPLATE_ARG = new RegExp(
  String.raw`(?:(?:name|value)\s*=\s*|${CTX_ARG})?(?:` +
    String.raw`([fF]|\$@?|@\$)(["'])((?:\\.|(?!\2)[^\\\n])*)\2` + // f"…" / $"…"
    String.raw`|(\x60)((?:\\.|[^\\\x60\n])*)\x60` + // `…${x}…`
    String.raw`|(?:fmt\.Sprintf|String\.format|string\.Format|format!)\s*\(\s*(")((?:\\.|[^\\"\n])*)"\s*,` + // printf-style
    String.raw`|(["'])((?:\\.|(?!\8)[^\\\n])*)\8\s*(?:%|\.format\s*\(|\+)` + // "…" % x, "…".format(x), "…" + x
    String.raw`)`,
  'y',
);
/** a file that mentions spans or starts things: every string constant of it is kept (see addFile) */
const QUICK = /start|Start|spanBuilder|span!|WithSpan/;
/** a file that may open spans: only such a file is searched with HEAD_RE (one in 40 of a library tree) */
const QUICK_CALLS = /[sS]tart(?:_(?:as_current_|active_)?span|(?:Active)?Span|Activity|\s*\()|spanBuilder|WithSpan|span!/;
/** `@WithSpan` with no name (the OpenTelemetry Java agent names its span Class.method). */
const BARE_WITHSPAN_RE = /@WithSpan\b(?!\s*\(\s*(?:value\s*=\s*)?")/g;
const NOT_AN_IDENT = new Set(['null', 'None', 'nil', 'undefined', 'true', 'false', 'this', 'self', 'ctx', 'context']);

/** One line that opens spans of a name. */
interface Site {
  file: string;
  line: number;
  call: string;
  function?: string;
}

function lineOf(starts: number[], offset: number): number {
  return lineIndexOf(starts, offset) + 1;
}

const PY_DEF = /^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)/;
const GO_FUNC = /^\s*func\s+(?:\([^)]*\)\s*)?([A-Za-z_]\w*)/;
const JS_FUNCS = [
  /\bfunction\s*\*?\s*([A-Za-z_$][\w$]*)\s*\(/,
  /^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:async\s*)?(?:function\b|\([^)]*\)\s*(?::\s*[^=]+)?=>|[A-Za-z_$][\w$]*\s*=>)/,
];
/** a method declaration line ending in '{' (Java, C#, TS/JS class methods, Kotlin) */
const METHOD = /^\s*(?:(?:public|private|protected|static|async|override|final|virtual|internal|synchronized|abstract|suspend|fun)\s+)*(?:[\w<>[\],.?]+\s+)?([A-Za-z_$][\w$]*)\s*\([^;]*\)\s*(?::\s*[\w<>[\],.?| ]+)?(?:throws\s+[\w.,\s]+)?\{\s*$/;
/** the same declaration with its '{' on the next line (Allman style: C#, some Java) */
const METHOD_ALLMAN = /^\s*(?:(?:public|private|protected|static|async|override|final|virtual|internal|synchronized|abstract|sealed|extern|unsafe|new)\s+)*(?:[\w<>[\],.?]+\s+)?([A-Za-z_$][\w$]*)\s*\([^;]*\)\s*(?:throws\s+[\w.,\s]+)?$/;
const RUST_FN = /\bfn\s+([A-Za-z_]\w*)/;
/** a Java/Kotlin/C# method declaration after an annotation */
const DECL_AFTER_ANNOTATION = /^\s*(?:(?:public|private|protected|static|async|override|final|virtual|internal|synchronized|abstract|suspend|fun)\s+)*(?:[\w<>[\],.?]+\s+)?([A-Za-z_$][\w$]*)\s*\(/;

function patternsFor(path: string): RegExp[] {
  const ext = /\.([A-Za-z0-9]+)$/.exec(path)?.[1]?.toLowerCase() ?? '';
  if (ext === 'py') return [PY_DEF];
  if (ext === 'go') return [GO_FUNC];
  if (ext === 'rs') return [RUST_FN];
  if (['js', 'mjs', 'cjs', 'ts', 'tsx', 'jsx', 'mts', 'cts'].includes(ext)) return [...JS_FUNCS, METHOD];
  return [METHOD, METHOD_ALLMAN, PY_DEF, GO_FUNC, ...JS_FUNCS];
}
const NOT_FN = new Set(['if', 'for', 'while', 'switch', 'catch', 'with', 'return', 'else', 'elif', 'try', 'using', 'lock', 'foreach', 'new', 'await', 'throw', 'yield', 'function', 'fixed', 'when', 'synchronized']);
const STATEMENT = /^\s*(?:return|await|throw|yield|if|else|for|while|switch|case|new|using|var|const|let)\b/;

/** lines longer than this are not looked at for a function's declaration (minified code) */
const MAX_DECL_LINE = 1000;

/** A line's function declaration, if any: its name, whether a Python def (with its indent). null: none. */
type Decl = { name: string; pyIndent: number } | null;

/** Per file: each line's declaration, found once (a file with thousands of calls looked at the same lines each time). */
export type DeclCache = Map<number, Decl>;

function declAt(patterns: RegExp[], lines: string[], k: number): Decl {
  const l = lines[k]!;
  // a declaration line is short: a minified line of 100 kB is not one, and trying it for every call was quadratic
  if (l.length > MAX_DECL_LINE || STATEMENT.test(l)) return null;
  for (const re of patterns) {
    if (re === METHOD_ALLMAN && !/^\s*\{/.test(lines[k + 1] ?? '')) continue;
    const m = re.exec(l);
    const name = m?.[1];
    if (name && !NOT_FN.has(name)) return { name, pyIndent: re === PY_DEF ? /^\s*/.exec(l)![0].length : -1 };
  }
  return null;
}

function functionNameAt(path: string, lines: string[], lineIdx: number, cache: DeclCache = new Map()): string | undefined {
  const patterns = patternsFor(path);
  const callLine = lines[lineIdx] ?? '';
  // decorator / annotation: the decorated function follows
  if (/^\s*@/.test(callLine)) {
    for (let k = lineIdx + 1; k < Math.min(lines.length, lineIdx + 20); k++) {
      const l = lines[k]!;
      const m = /^\s*(?:async\s+)?def\s+([A-Za-z_]\w*)/.exec(l);
      if (m) return m[1];
      if (/^\s*@/.test(l) || /^\s*(?:\/\/.*)?$/.test(l)) continue;
      const d = DECL_AFTER_ANNOTATION.exec(l);
      if (d && !NOT_FN.has(d[1]!)) return d[1];
    }
    return undefined;
  }
  const indent = /^\s*/.exec(callLine)![0].length;
  for (let k = lineIdx; k >= 0 && k > lineIdx - 400; k--) {
    let d = cache.get(k);
    if (d === undefined) cache.set(k, (d = declAt(patterns, lines, k)));
    if (!d) continue;
    // Python: the enclosing def is less indented than the call
    if (d.pyIndent >= indent) continue;
    return d.name;
  }
  return undefined;
}

/** The class a line belongs to (the nearest class declaration above it), for Class.method span names. */
function classNameAt(lines: string[], lineIdx: number): string | undefined {
  for (let k = lineIdx; k >= 0 && k > lineIdx - 2000; k--) {
    const m = /\b(?:class|record|object|interface)\s+([A-Za-z_$][\w$]*)/.exec(lines[k]!);
    if (m) return m[1];
  }
  return undefined;
}

/** Assignments of a string literal to a name: `X = "v"`, `const X = 'v'`, `static final String X = "v";`, `x := "v"`. */
const DEF_RE = /^[ \t]*(?:(?:export|public|private|protected|internal|static|final|readonly|const|let|var|val|override|pub)[ \t]+)*(?:[\w<>[\].?&']+[ \t]+)?([A-Za-z_$][\w$]*)[ \t]*(?::[ \t]*[\w.<>[\]|?& ]+?[ \t]*)?(?::=|=)[ \t]*[rRuU]?(["'`])((?:\\.|(?!\2)[^\\\n])*)\2[ \t]*[;,]?[ \t]*(?:(?:\/\/|#).*)?$/;
/** Object or enum members: `loadUser: 'load-user',` */
const PROP_RE = /^[ \t]*(?:readonly[ \t]+)?([A-Za-z_$][\w$]*)[ \t]*:[ \t]*(["'`])((?:\\.|(?!\2)[^\\\n])*)\2[ \t]*,?[ \t]*(?:\/\/.*)?$/;
/** where a definition may be: '=', ':=' or ':' before a quote */
const DEF_HINT = /[=:][ \t]*[rRuU]?["'`]/g;
/** the same for SCREAMING_CASE names only */
const SCREAMING_DEF_HINT = /\b[A-Z][A-Z0-9]*_[A-Z0-9_]*[ \t]*(?::[^=\n]*)?=[ \t]*[rRuU]?["'`]/g;
const SCREAMING = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$|^[A-Z]{3,}$/;

/** A regular expression matching the span names a run-time template can produce, or undefined for a useless one. */
function templateRegex(kind: string, text: string): RegExp | undefined {
  const hole = '\u0000';
  let t = text;
  if (kind === 'f' || kind === 'F' || kind.startsWith('$') || kind === '@$') t = t.replace(/\{\{/g, '\u0001').replace(/\}\}/g, '\u0002').replace(/\{[^{}]*\}/g, hole).replace(/\u0001/g, '{').replace(/\u0002/g, '}');
  else if (kind === '`') t = t.replace(/\$\{[^}]*\}/g, hole);
  else if (kind === 'printf') t = t.replace(/%%/g, '\u0001').replace(/%[-+ #0]*\d*(?:\.\d+)?[a-zA-Z]/g, hole).replace(/\{\}|\{[^{}]*\}/g, hole).replace(/\u0001/g, '%');
  else if (kind === 'concat') t = t + hole;
  t = t.replace(/\\(.)/g, '$1');
  if (!t.includes(hole)) return undefined;
  const fixed = t.replace(/\u0000/g, '');
  if (fixed.replace(/[\s\-_.:/]/g, '').length < 3) return undefined; // "{a}-{b}" would match nearly anything
  return new RegExp('^' + t.split(hole).map(esc).join('.+?') + '$', 's');
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

export { normRoute } from './routes';

/** How a site's name was known: a literal, a constant defined in the same file or in another, a run-time template. */
type How = 'literal' | 'constant' | 'imported' | 'template' | 'route';
const HOW_PENALTY: Record<How, number> = { literal: 0, constant: 0, imported: 1, template: 2, route: 2 };

/** Index of span names opened in source files. Build it once per workspace pass (addFile per file). */
export class SourceIndex {
  private readonly byName = new Map<string, Site[]>();
  /** calls whose name is an identifier: resolved against the constants of the workspace at the first lookup */
  private readonly identSites: (Site & { ident: string; dotted: boolean })[] = [];
  /** string constants: identifier → where defined and its value */
  private readonly defs = new Map<string, { file: string; value: string }[]>();
  private readonly templates: (Site & { re: RegExp; text: string })[] = [];
  /** route declarations per file (with the mounts, routers and imports that give them their prefixes) */
  private readonly routeFiles: FileRoutes[] = [];
  private readonly routePaths = new Set<string>();
  private routes: ResolvedRoute[] | null = null;
  private constants: Map<string, (Site & { how: How })[]> | null = null;
  files = 0;
  matches = 0;
  /** every file added, as named (a span naming its function but not its file is looked for by path: function-link.ts) */
  readonly paths: string[] = [];

  static build(files: Iterable<SourceFile>): SourceIndex {
    const idx = new SourceIndex();
    for (const f of files) idx.addFile(f.path, f.text);
    return idx;
  }

  /** Scan one file (path relative to the workspace, '/'-separated). Returns the number of span openings found. */
  addFile(path: string, text: string): number {
    this.files++;
    this.paths.push(path);
    // every constant where spans are named (a file that opens spans or mentions them: a module of span names);
    // elsewhere only SCREAMING_CASE ones (imported constants) — object members everywhere cost 2× the scan
    const quick = QUICK.test(text);
    this.collectDefs(path, text, quick || /span/i.test(text) ? DEF_HINT : SCREAMING_DEF_HINT);
    let starts: number[] | null = null;
    let lines: string[] | null = null;
    let ranges: number[] | null = null;
    let found = 0;
    // the enclosing function per line, found once (a minified line holds thousands of calls)
    const fnOfLine = new Map<number, string | undefined>();
    const decls: DeclCache = new Map();
    const site = (offset: number, call: string): Site => {
      starts ??= lineStarts(text);
      lines ??= text.split('\n');
      const line = lineOf(starts, offset);
      let fn = fnOfLine.get(line);
      if (!fnOfLine.has(line)) fnOfLine.set(line, (fn = functionNameAt(path, lines, line - 1, decls)));
      return { file: path, line, call, ...(fn ? { function: fn } : {}) };
    };
    const inCode = (offset: number) => isCode((ranges ??= nonCodeRanges(path, text)), offset);
    found += this.collectRoutes(path, text, site, inCode);
    if (!quick || !QUICK_CALLS.test(text)) {
      this.matches += found;
      return found;
    }
    HEAD_RE.lastIndex = 0;
    for (let m = HEAD_RE.exec(text); m; m = HEAD_RE.exec(text)) {
      const call = m[1] ?? m[2]!;
      const start = m[1] !== undefined ? m.index + 1 : m.index;
      if (m[1] === undefined && m.index > 0 && /[\w$]/.test(text[m.index - 1]!)) continue;
      const at = HEAD_RE.lastIndex;
      // a call written in a comment, a docstring or a log message does not open a span
      if (!inCode(start)) continue;
      if (call === 'WithSpan' && text[start - 1] !== '@') continue;
      LITERAL_ARG.lastIndex = at;
      const lit = LITERAL_ARG.exec(text);
      if (lit && !(lit[1] === '`' && lit[2]!.includes('${'))) {
        const name = lit[2]!.replace(/\\(.)/g, '$1');
        if (name.length === 0) continue;
        this.add(name, site(start, call));
        found++;
        continue;
      }
      TEMPLATE_ARG.lastIndex = at;
      const tp = TEMPLATE_ARG.exec(text);
      if (tp) {
        const kind = tp[1] !== undefined ? tp[1] : tp[4] !== undefined ? '`' : tp[6] !== undefined ? 'printf' : /\+\s*$/.test(tp[0]) ? 'concat' : 'printf';
        const body = tp[3] ?? tp[5] ?? tp[7] ?? tp[9] ?? '';
        const re = templateRegex(kind, body);
        if (re) {
          this.templates.push({ ...site(start, call), re, text: body });
          found++;
        }
        continue;
      }
      // .NET: StartActivity() / StartActivity(ActivityKind.Server) names the activity after the calling method
      if (call === 'StartActivity' && /^(?:\)|ActivityKind\.\w+\s*[,)])/.test(text.slice(at, at + 40))) {
        const s = site(start, call);
        if (s.function) {
          this.add(s.function, s);
          found++;
        }
        continue;
      }
      IDENT_ARG.lastIndex = at;
      const id = IDENT_ARG.exec(text);
      if (id) {
        const parts = id[1]!.split('.');
        const ident = parts[parts.length - 1]!;
        if (NOT_AN_IDENT.has(ident)) continue;
        const dotted = parts.length > 1 && parts[0] !== 'this' && parts[0] !== 'self';
        this.identSites.push({ ...site(start, call), ident, dotted });
        this.constants = null;
        found++;
        continue;
      }
    }
    // Java: @WithSpan with no name → "Class.method"
    if (text.includes('@WithSpan')) {
      BARE_WITHSPAN_RE.lastIndex = 0;
      for (let m = BARE_WITHSPAN_RE.exec(text); m; m = BARE_WITHSPAN_RE.exec(text)) {
        if (!inCode(m.index)) continue;
        const s = site(m.index, 'WithSpan');
        const cls = classNameAt(lines!, s.line - 1);
        if (s.function && cls) {
          this.add(`${cls}.${s.function}`, s);
          found++;
        }
      }
    }
    this.matches += found;
    return found;
  }

  private collectRoutes(path: string, text: string, site: (offset: number, call: string) => Site, inCode: (offset: number) => boolean): number {
    const lang = routeLang(path, familyOf(path));
    if (!lang) return 0;
    const r = scanRoutes(path, text, lang, site, inCode);
    if (!r) return 0;
    this.routeFiles.push(r);
    this.routePaths.add(path);
    this.routes = null;
    return r.routes.length;
  }

  private add(name: string, s: Site): void {
    let list = this.byName.get(name);
    if (!list) this.byName.set(name, (list = []));
    list.push(s);
  }

  private collectDefs(path: string, text: string, hint: RegExp): void {
    hint.lastIndex = 0;
    let lastLine = -1;
    for (let h = hint.exec(text); h; h = hint.exec(text)) {
      const a = text.lastIndexOf('\n', h.index) + 1;
      if (a === lastLine) continue;
      lastLine = a;
      let b = text.indexOf('\n', h.index);
      if (b < 0) b = text.length;
      // one look per line: the next hint is searched from the line's end (a minified line holds thousands of hints,
      // and going back to its start for each of them was quadratic)
      hint.lastIndex = b;
      const line = text.slice(a, b);
      // a definition in a comment or a doc block does not count
      if (/^\s*(?:\/\/|#|\*|\/\*|--)/.test(line)) continue;
      const m = DEF_RE.exec(line) ?? PROP_RE.exec(line);
      if (!m || (m[2] === '`' && m[3]!.includes('${'))) continue;
      let list = this.defs.get(m[1]!);
      if (!list) this.defs.set(m[1]!, (list = []));
      list.push({ file: path, value: m[3]!.replace(/\\(.)/g, '$1') });
      this.constants = null;
    }
  }

  /**
   * Calls naming their span with a constant, by the constant's value: a definition in the same file (one value), or
   * else — for SCREAMING_CASE names and dotted ones (SPANS.checkout) — definitions in other files.
   */
  private constantSites(): Map<string, (Site & { how: How })[]> {
    if (this.constants) return this.constants;
    const out = new Map<string, (Site & { how: How })[]>();
    for (const s of this.identSites) {
      const defs = this.defs.get(s.ident) ?? [];
      const local = [...new Set(defs.filter((d) => d.file === s.file).map((d) => d.value))];
      let values: string[] = [];
      let how: How = 'constant';
      if (local.length === 1) values = local;
      else if (local.length === 0 && (s.dotted || SCREAMING.test(s.ident))) {
        values = [...new Set(defs.map((d) => d.value))];
        how = 'imported';
      }
      const { ident: _i, dotted: _d, ...site } = s;
      for (const v of values) {
        let list = out.get(v);
        if (!list) out.set(v, (list = []));
        list.push({ ...site, how });
      }
    }
    this.constants = out;
    return out;
  }

  /** Span names found in the code (literals and named constants; not run-time templates). */
  names(): string[] {
    return [...new Set([...this.byName.keys(), ...this.constantSites().keys()])];
  }

  /**
   * All locations opening a span with this name, best first for the given service: literal names and constants;
   * when none, the run-time templates the name fits (`charge ${provider}` for "charge stripe").
   */
  lookup(name: string, service?: string): SourceMatch[] {
    let list: (Site & { how: How; template?: string; route?: string })[] = [
      ...(this.byName.get(name) ?? []).map((s) => ({ ...s, how: 'literal' as How })),
      ...(this.constantSites().get(name) ?? []),
    ];
    if (list.length === 0) list = this.templates.filter((t) => t.re.test(name)).map(({ re: _re, text, ...s }) => ({ ...s, how: 'template' as How, template: text }));
    const rs = list.length === 0 ? ROUTE_SPAN.exec(name) : null;
    const verb = rs?.[1] ?? rs?.[3];
    if (rs && (!verb || HTTP_METHODS.has(verb))) {
      const want = routeKey(rs[2] ?? rs[4]!);
      this.routes ??= resolveRoutes(this.routeFiles, this.routePaths);
      list = this.routes
        .filter((r) => r.key === want && (!verb || !r.method || r.method === verb))
        .map(({ method: _m, key: _k, route, ...s }) => ({ ...s, how: 'route' as How, route }));
    }
    const seen = new Set<string>();
    return list
      .filter((m) => {
        const k = `${m.file}:${m.line}`;
        if (seen.has(k)) return false;
        seen.add(k);
        return true;
      })
      .map(({ how, ...m }) => ({ ...m, score: scoreMatch(m.file, service) - HOW_PENALTY[how], ...(how !== 'literal' ? { how } : {}) }))
      .sort((a, b) => b.score - a.score || a.file.localeCompare(b.file) || a.line - b.line);
  }

  /**
   * The best location as a SourceLink, or undefined. Other locations as likely as it (same score: the name alone
   * cannot tell them apart) are listed in `also` — every one of them opens spans of this name.
   */
  best(name: string, service?: string): SourceLink | undefined {
    const all = this.lookup(name, service);
    const m = all[0];
    if (!m) return undefined;
    const also = all.slice(1).filter((o) => o.score === m.score).slice(0, MAX_ALSO).map((o) => ({ file: o.file, line: o.line, ...(o.function ? { function: o.function } : {}) }));
    return {
      file: m.file,
      line: m.line,
      ...(m.function ? { function: m.function } : {}),
      origin: 'search',
      ...(m.template !== undefined ? { template: m.template } : {}),
      ...(m.route !== undefined ? { route: m.route } : {}),
      ...(m.how ? { how: m.how } : {}),
      ...(also.length ? { also } : {}),
    };
  }
}

/** At most this many other equally likely locations are carried in a link's `also`. */
export const MAX_ALSO = 4;
