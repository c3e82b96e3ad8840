/**
 * Spans that name their function (code.function, code.namespace — the OpenTelemetry Java agent records these, and the
 * new code.function.name is fully qualified) but not their file: the function's definition is found in the workspace.
 *
 * The function's owner (class or module: `com.shop.orders.OrderService`, `app.recommend`) names the file by convention
 * (a Java / Kotlin / C# class per file, a Python or JS module per file): the files whose path ends with the most of
 * the owner's segments are read (the core reads no file itself: `read` is given by the caller) and the declarations of
 * the function looked for there, outside comments and strings. With no owner (a bare `code.function`), the workspace
 * is not searched: reading every file for one name is not done, and a bare name is too often ambiguous.
 *
 * When the search already found lines opening the span, code.function chooses among equally likely ones (the line in
 * that function wins, the others are dropped: the attribute told which); a single search line is kept as it is (the
 * call opening the span is more precise than the function's first line).
 */
import type { SourceLink } from '../rca/diagnosis';
import { familyOf, isCode, nonCodeRanges } from './lexer';
import { scoreMatch, type SourceIndex } from './resolve';

/** A span's code.function with its code.namespace when recorded separately. */
export interface CodeFunction {
  name: string;
  namespace?: string;
}

/** The text of a workspace file (as the index names it), or undefined when it cannot be read. */
export type ReadSource = (file: string) => string | undefined;

/** At most this many candidate files are read for one function. */
const MAX_READ = 8;

const reEsc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const NOT_DECL = /^\s*(?:return|await|throw|new|else|yield|case|if|while|for|switch|using|var|val|let|const)\b/;

/** Regular expression finding declarations of `m` in a file of this path (1: the text before the name, for checks). */
function declRegex(path: string, m: string): RegExp {
  const n = reEsc(m);
  switch (familyOf(path)) {
    case 'py':
      return new RegExp(String.raw`^[ \t]*(?:async[ \t]+)?def[ \t]+${n}[ \t]*\(`, 'gm');
    case 'go':
      return new RegExp(String.raw`^func[ \t]+(?:\([^)\n]*\)[ \t]*)?${n}[ \t]*[[(]`, 'gm');
    case 'rust':
      return new RegExp(String.raw`\bfn[ \t]+${n}\b`, 'g');
    case 'js':
      return new RegExp(
        String.raw`\bfunction[ \t]*\*?[ \t]*${n}[ \t]*\(|^[ \t]*(?:(?:export|default|async|static|public|private|protected|readonly|override|get|set)[ \t]+)*${n}[ \t]*(?:<[^>\n]*>)?\([^)\n]*\)[ \t]*(?::[^{\n]*)?\{|\b(?:const|let|var)[ \t]+${n}[ \t]*=[ \t]*(?:async[ \t]*)?(?:function\b|\([^)\n]*\)[ \t]*(?::[^=\n]*)?=>|[A-Za-z_$][\w$]*[ \t]*=>)`,
        'gm',
      );
    default:
      // Java, Kotlin, Scala, C#, C++, …: modifiers and / or a return type before the name (a bare `name(` is a call)
      return new RegExp(
        String.raw`^([ \t]*(?:(?:public|private|protected|internal|static|final|abstract|synchronized|native|async|override|virtual|sealed|open|suspend|inline|default|extern|unsafe|partial|fun|def)[ \t]+)*(?:(?:[\w<>[\].?]|,[ \t]?)+[ \t]+)?)${n}[ \t]*(?:<[^>\n]*>)?[ \t]*\(`,
        'gm',
      );
  }
}

/** 1-based lines declaring `m` in `text`, outside comments and strings. */
export function declarationLines(path: string, text: string, m: string): number[] {
  const re = declRegex(path, m);
  const out: number[] = [];
  let ranges: number[] | null = null;
  let line = 1;
  let counted = 0;
  const cFamily = !['py', 'go', 'rust', 'js'].includes(familyOf(path));
  for (let x = re.exec(text); x; x = re.exec(text)) {
    if (x[0].length === 0) re.lastIndex++;
    const at = x.index + (x[0].length - x[0].trimStart().length);
    if (cFamily) {
      const before = x[1] ?? '';
      if (!before.trim() || NOT_DECL.test(before)) continue; // a call, or `return name(…)`
      // a declaration's line does not end its statement with ';' right after the argument list (abstract / interface
      // methods do: they are declarations without a body, still the function's place)
    }
    ranges ??= nonCodeRanges(path, text);
    if (!isCode(ranges, at)) continue;
    // lines counted on from the previous declaration (matches come in order)
    for (let i = text.indexOf('\n', counted); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) {
      line++;
      counted = i + 1;
    }
    out.push(line);
  }
  return out;
}

/** The method and its owner's segments: `com.shop.OrderService.reserve`, `Outer$Inner.run`, `Class::method`, `Class#m`. */
export function splitFunction(fn: CodeFunction): { method: string; owner: string[] } {
  const q = fn.namespace && !fn.name.startsWith(fn.namespace + '.') ? `${fn.namespace}.${fn.name}` : fn.name;
  const parts = q.split(/::|[.#/\\]/).filter(Boolean);
  const method = parts.pop() ?? '';
  return { method, owner: parts.map((p) => p.replace(/\$.*$/, '')) };
}

/** How many trailing segments of the owner the file's path (extension-less; a package's __init__ is its folder) ends with. */
function ownerScore(file: string, owner: string[]): number {
  const segs = file.replace(/\.[A-Za-z0-9]+$/, '').replace(/\/__init__$/, '').split('/');
  let k = 0;
  while (k < owner.length && k < segs.length && segs[segs.length - 1 - k] === owner[owner.length - 1 - k]) k++;
  return k;
}

/**
 * The link of a span that names its function but not its file. `search` is the workspace search's link for the span's
 * name (undefined when none). Returns `search` when code.function adds nothing.
 */
export function functionLink(
  fn: CodeFunction,
  search: SourceLink | undefined,
  indexes: readonly { index: SourceIndex | undefined; read: ReadSource; rename?: (file: string) => string }[],
  service: string,
): SourceLink | undefined {
  const { method, owner } = splitFunction(fn);
  if (!method) return search;
  const qualified = [...owner, method].join('.');
  if (search) {
    const sites = [search, ...(search.also ?? [])];
    if (sites.length === 1) return search;
    const inFn = sites.filter((s) => s.function === method && (!owner.length || ownerScore(s.file, owner) > 0 || sites.every((o) => ownerScore(o.file, owner) === 0)));
    if (inFn.length === 0) return search;
    const [first, ...rest] = inFn;
    const { also: _a, ...base } = search;
    return { ...base, file: first!.file, line: first!.line, ...(first!.function ? { function: first!.function } : {}), ...(rest.length ? { also: rest } : {}) } as SourceLink;
  }
  if (!owner.length) return undefined;
  const found: { file: string; line: number; score: number }[] = [];
  for (const { index, read, rename } of indexes) {
    if (!index) continue;
    let best = 0;
    const cands: { file: string; s: number }[] = [];
    for (const file of index.paths) {
      const s = ownerScore(file, owner);
      if (s === 0) continue;
      if (s > best) {
        best = s;
        cands.length = 0;
      }
      if (s === best) cands.push({ file, s });
    }
    for (const { file, s } of cands.slice(0, MAX_READ)) {
      const text = read(file);
      if (text === undefined) continue;
      for (const line of declarationLines(file, text, method)) found.push({ file: rename ? rename(file) : file, line, score: s * 100 + scoreMatch(file, service) });
    }
  }
  if (!found.length) return undefined;
  found.sort((a, b) => b.score - a.score || a.file.localeCompare(b.file) || a.line - b.line);
  const top = found[0]!;
  const also = found.slice(1).filter((f) => f.score === top.score).slice(0, 4).map(({ file, line }) => ({ file, line }));
  return { file: top.file, line: top.line, function: qualified, origin: 'attribute', how: 'function', ...(also.length ? { also } : {}) };
}
