/**
 * Route declarations: the handler of an HTTP server span that a framework's instrumentation opens and names after its
 * route ("GET /api/users/:id", "GET api/Products/{id}"): no line of the application opens such a span, the route's
 * declaration is the line to show.
 *
 * A route's full path is often spread over several lines and files; these are followed:
 *   Express    app.use('/api', router) + router.get('/items/:id')  — the router local, required or imported
 *              (`require('./routes/items')`, `import items from './routes/items.js'`), mounts nested
 *   Flask      Blueprint(…, url_prefix='/x') + @bp.route('/y'); app.register_blueprint(bp, url_prefix='/z') (which
 *              replaces the blueprint's own prefix, as Flask does); blueprints registered on blueprints
 *   FastAPI    APIRouter(prefix='/x') + @router.get('/y'); app.include_router(router, prefix='/z') (prepended)
 *   Spring     @RequestMapping("/x") on the class + @GetMapping("/y")
 *   ASP.NET    [Route("api/[controller]")] on the class + [HttpGet("{id}")] ([controller] = the class name without
 *              "Controller", [action] = the method's name without "Async"; a template starting with / or ~/ ignores
 *              the class's); minimal APIs app.MapGet("/x")
 *   Go         HandleFunc("POST /x") (net/http 1.22 patterns), gin / echo / chi r.GET("/x")
 * A router mounted or registered where the index cannot tell which file it comes from (two files declaring a router of
 * that name) is taken as both: its routes then tie, and the link lists the other as equally likely.
 *
 * Scanning is linear: fixed-start regular expressions, bounded look-arounds (an argument list is read for at most
 * 600 characters), no nested quantifiers over the same characters.
 */
export type RouteLang = 'js' | 'py' | 'java' | 'go' | 'cs';

export interface RouteSite {
  file: string;
  line: number;
  call: string;
  function?: string;
}

/** One declared route. `path` as written on its line (Spring / ASP.NET: with the class's prefix already applied). */
export interface RouteDecl extends RouteSite {
  method: string | null;
  path: string;
  /** JS: the receiver (router variable); Python: the decorator's object (blueprint / router / app) */
  owner?: string;
  lang: RouteLang;
}

/** A router mounted with a prefix: app.use('/api', x), app.register_blueprint(x, url_prefix=…), include_router. */
interface Mount {
  file: string;
  line: number;
  /** the object it is mounted on (app, or a router / blueprint mounted itself) */
  parent: string;
  prefix: string | null;
  /** what is mounted: a local name, or a module (resolved to a file when the index has it) and a member */
  target: { local?: string; module?: string; member?: string };
  kind: 'express' | 'flask' | 'fastapi';
}

/** A Python blueprint / router (or the app itself) declared with its own prefix. */
interface Owner {
  file: string;
  name: string;
  prefix: string;
  kind: 'flask' | 'fastapi' | 'app';
}

/** Imports of a file: local name → module (as written) and the member imported ('' for the module itself). */
type Imports = Map<string, { module: string; member: string }>;

export const HTTP_METHODS = new Set(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS']);

/** A route's path with its parameters as {} ("/users/:id", "/users/{id}", "/users/<int:id>" → "/users/{}"). */
export function normRoute(p: string): string {
  let s = p.trim().replace(/^~\//, '/').replace(/\{[^}]*\}/g, '{}').replace(/<[^>]*>/g, '{}').replace(/(^|\/):[A-Za-z_]\w*\??/g, '$1{}').replace(/\/\*\w*$/, '/{}');
  if (!s.startsWith('/')) s = '/' + s;
  return s.length > 1 ? s.replace(/\/+$/, '') : s;
}
/** The key routes are compared by: normalised and in lower case (most frameworks match paths case-insensitively). */
export const routeKey = (p: string) => normRoute(p).toLowerCase();

/** Join a prefix and a path as the frameworks do ('/api' + '/' → '/api'; 'api/x' + '{id}' → 'api/x/{id}'). */
export function joinRoute(prefix: string, path: string): string {
  const a = prefix.replace(/\/+$/, '');
  const b = path.replace(/^\/+/, '');
  if (!a) return path;
  return b ? `${a}/${b}` : a || '/';
}

/**
 * The span names a server span of these routes gets: "GET /x" or "/x" (older instrumentations), and ASP.NET's
 * "GET api/x" (its route template has no leading slash; the method is then required: a bare word is no route).
 */
export const ROUTE_SPAN = /^(?:([A-Z]+) )?(\/\S*)$|^([A-Z]+) ([\w~{[][^\s]*)$/;

const JS_RECEIVER = /(?:^|[^\w$.])([A-Za-z_$][\w$]*)\s*$/;
const JS_KNOWN = /^(?:app|router|server|api|fastify|routes?)$|(?:Router|router|Routes|routes|App|Api)$/;
/** Express, Koa router, Fastify, Hono: app.get('/x', …), router.post("/x", …), app.use('/api', router) */
const JS_ROUTE = /\.[ \t]*(get|post|put|delete|patch|head|options|all|route|use)[ \t]*\([ \t]*(["'`])(\/[^"'`\n]*)\2/g;
const JS_ROUTER_VAR = /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*(?:new\s+)?(?:express\s*\.\s*Router|Router|express|Hono|fastify|Fastify|Koa)\s*\(/g;
const JS_REQUIRE = /\b(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*require\s*\(\s*(["'])([^"'\n]+)\2\s*\)/g;
const JS_REQUIRE_NAMED = /\b(?:const|let|var)\s*\{([^}]{0,400})\}\s*=\s*require\s*\(\s*(["'])([^"'\n]+)\2\s*\)/g;
const JS_IMPORT_DEFAULT = /\bimport\s+([A-Za-z_$][\w$]*)\s*(?:,\s*\{[^}]{0,400}\})?\s*from\s*(["'])([^"'\n]+)\2/g;
const JS_IMPORT_NAMED = /\bimport\s*(?:[A-Za-z_$][\w$]*\s*,\s*)?\{([^}]{0,400})\}\s*from\s*(["'])([^"'\n]+)\2/g;

/** Flask, FastAPI, Starlette: @app.route("/x"), @router.get("/x"), @bp.post("/x") */
const PY_ROUTE = /^[ \t]*@[ \t]*(\w+)[ \t]*\.[ \t]*(route|get|post|put|delete|patch|head|options|api_route)[ \t]*\(\s*(["'])(\/[^"'\n]*)\3/gm;
const PY_OWNER = /^[ \t]*(\w+)[ \t]*(?::[^=\n]*)?=[ \t]*(?:\w+\.)?(Blueprint|APIRouter|Flask|FastAPI)[ \t]*\(/gm;
const PY_MOUNT = /(\w+)[ \t]*\.[ \t]*(register_blueprint|include_router)[ \t]*\(\s*([\w.]+)/g;
const PY_FROM = /^[ \t]*from[ \t]+(\.*[\w.]*)[ \t]+import[ \t]+(\([^)]{0,600}\)|[^\n#]+)/gm;
const PY_IMPORT = /^[ \t]*import[ \t]+([\w.]+)(?:[ \t]+as[ \t]+(\w+))?/gm;

/** Spring: @GetMapping("/x"), @RequestMapping(value = "/x"), @PostMapping(path = "/x"), bare @PostMapping */
const JAVA_ROUTE = /@(Get|Post|Put|Delete|Patch|Request)Mapping(?:\s*\(\s*(?:(?:value|path)\s*=\s*)?\{?\s*(")([^"\n]*)"|(?!\s*\())/g;
/** Go net/http (1.22 patterns with a method too), gin, echo, chi: HandleFunc("/x", …), r.GET("/x", …), r.Get("/x", …) */
const GO_ROUTE = /\.\s*(HandleFunc|Handle|GET|POST|PUT|DELETE|PATCH|Get|Post|Put|Delete|Patch)\s*\(\s*(")((?:[A-Z]+ )?\/[^"\n]*)"/g;
/** ASP.NET minimal APIs: app.MapGet("/x", …) */
const CS_MAP = /\.\s*Map(Get|Post|Put|Delete|Patch)\s*\(\s*(")(\/?[^"\n]*)"/g;
/** ASP.NET attribute routing: [Route("api/[controller]")], [HttpGet], [HttpGet("{id}")], [HttpPost("x", Name = "y")] */
const CS_ATTR = /\b(Http(Get|Post|Put|Delete|Patch|Head|Options)|Route)(?:Attribute)?\b(?:\s*\(\s*(?:template\s*:\s*)?@?"([^"\n]*)")?/g;
const CS_CLASS = /\bclass\s+([A-Za-z_]\w*)/;
const CS_METHOD = /^\s*(?:(?:public|private|protected|internal|static|async|override|virtual|sealed|new)\s+)*(?:[\w<>[\],.?]+\s+)([A-Za-z_]\w*)\s*(?:<[^>]*>)?\s*\(/;

/** text a file must contain for its language's route declarations to be looked for (JS: none, its expression starts at a '.') */
const HINT: Record<RouteLang, RegExp | null> = {
  js: null,
  py: /@|register_blueprint|include_router|Blueprint|APIRouter/,
  java: /Mapping/,
  go: /Handle|\.(?:GET|POST|PUT|DELETE|PATCH|Get|Post|Put|Delete|Patch)\(/,
  cs: /\.Map|Http(?:Get|Post|Put|Delete|Patch|Head|Options)|Route/,
};

export function routeLang(path: string, family: string): RouteLang | null {
  if (family === 'js' || family === 'py' || family === 'go' || family === 'cs') return family;
  return /\.(?:java|kt|kts|scala)$/i.test(path) ? 'java' : null;
}

/** The argument list from `at` (just after a '(') to its ')' at depth 0, at most `max` characters; null when longer. */
function argsFrom(text: string, at: number, max = 600): string | null {
  let depth = 0;
  const end = Math.min(text.length, at + max);
  for (let j = at; j < end; j++) {
    const c = text[j];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) return text.slice(at, j);
      depth--;
    }
  }
  return null;
}
/** Split an argument list at its top-level commas (quotes are not special: enough for these calls). */
function splitArgs(args: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let j = 0; j < args.length; j++) {
    const c = args[j];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) {
      out.push(args.slice(start, j).trim());
      start = j + 1;
    }
  }
  const last = args.slice(start).trim();
  if (last) out.push(last);
  return out;
}
const kwarg = (args: string, name: string) => new RegExp(String.raw`(?:^|[,(\s])${name}\s*=\s*[rRuU]?(["'])([^"'\n]*)\1`).exec(args)?.[2];

/** What one file declares: its routes, and (JS / Python) its mounts, owners and imports for the cross-file pass. */
export interface FileRoutes {
  routes: RouteDecl[];
  mounts: Mount[];
  owners: Owner[];
  imports: Imports;
}

/**
 * The route declarations of one file. `site` gives the line (and enclosing function) of an offset, `inCode` whether
 * an offset is code (not in a comment or a string). null when the file declares nothing of interest.
 */
export function scanRoutes(path: string, text: string, lang: RouteLang, site: (offset: number, call: string) => RouteSite, inCode: (offset: number) => boolean): FileRoutes | null {
  const hint = HINT[lang];
  if (hint && !hint.test(text)) return null;
  const out: FileRoutes = { routes: [], mounts: [], owners: [], imports: new Map() };
  if (lang === 'js') scanJs(path, text, site, inCode, out);
  else if (lang === 'py') scanPy(path, text, site, inCode, out);
  else if (lang === 'java') scanJava(text, site, inCode, out);
  else if (lang === 'go') {
    GO_ROUTE.lastIndex = 0;
    for (let m = GO_ROUTE.exec(text); m; m = GO_ROUTE.exec(text)) {
      const at = m.index + m[0].search(/\S/);
      if (!inCode(at)) continue;
      let verb = m[1]!.toUpperCase();
      let route = m[3]!;
      const withMethod = /^([A-Z]+) (\/.*)$/.exec(route);
      if (withMethod) [verb, route] = [withMethod[1]!, withMethod[2]!];
      out.routes.push({ ...site(at, m[1]!), method: HTTP_METHODS.has(verb) ? verb : null, path: route, lang });
    }
  } else scanCs(text, site, inCode, out);
  return out.routes.length || out.mounts.length || out.owners.length ? out : null;
}

function scanJs(path: string, text: string, site: (offset: number, call: string) => RouteSite, inCode: (offset: number) => boolean, out: FileRoutes): void {
  let routerVars: Set<string> | null = null;
  const known = (name: string) => {
    if (JS_KNOWN.test(name)) return true;
    if (!routerVars) {
      routerVars = new Set();
      JS_ROUTER_VAR.lastIndex = 0;
      for (let v = JS_ROUTER_VAR.exec(text); v; v = JS_ROUTER_VAR.exec(text)) routerVars.add(v[1]!);
    }
    return routerVars.has(name);
  };
  JS_ROUTE.lastIndex = 0;
  for (let m = JS_ROUTE.exec(text); m; m = JS_ROUTE.exec(text)) {
    const from = Math.max(0, m.index - 60);
    const r = JS_RECEIVER.exec(text.slice(from, m.index));
    if (!r) continue;
    const owner = r[1]!;
    if (!known(owner)) continue;
    const at = from + r.index + r[0].length - owner.length - (r[0].length - r[0].trimEnd().length);
    if (!inCode(at)) continue;
    const verb = m[1]!.toUpperCase();
    if (verb === 'USE') {
      // app.use('/api', [middleware, …] router): the last argument is what is mounted
      const args = argsFrom(text, JS_ROUTE.lastIndex - m[2]!.length - m[3]!.length - 1);
      if (args === null) continue;
      const parts = splitArgs(args);
      const last = parts[parts.length - 1] ?? '';
      const req = /^require\s*\(\s*(["'])([^"'\n]+)\1\s*\)$/.exec(last);
      const id = /^([A-Za-z_$][\w$]*)(?:\.([A-Za-z_$][\w$]*))?$/.exec(last);
      if (parts.length < 2 || (!req && !id)) continue;
      const target = req ? { module: req[2]! } : { local: id![1]!, ...(id![2] ? { member: id![2] } : {}) };
      out.mounts.push({ file: path, line: site(at, 'use').line, parent: owner, prefix: m[3]!, target, kind: 'express' });
      continue;
    }
    out.routes.push({ ...site(at, m[1]!), method: HTTP_METHODS.has(verb) ? verb : null, path: m[3]!, owner, lang: 'js' });
  }
  if (out.mounts.length) {
    for (const re of [JS_REQUIRE, JS_IMPORT_DEFAULT]) {
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) out.imports.set(m[1]!, { module: m[3]!, member: '' });
    }
    // import { a, b as c } from './x';  const { a, b: c } = require('./x');
    for (const re of [JS_IMPORT_NAMED, JS_REQUIRE_NAMED]) {
      re.lastIndex = 0;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        for (const part of m[1]!.split(',')) {
          const n = /^\s*([A-Za-z_$][\w$]*)(?:\s*(?:\bas\b|:)\s*([A-Za-z_$][\w$]*))?\s*$/.exec(part);
          if (n) out.imports.set(n[2] ?? n[1]!, { module: m[3]!, member: n[1]! });
        }
      }
    }
  }
}

function scanPy(path: string, text: string, site: (offset: number, call: string) => RouteSite, inCode: (offset: number) => boolean, out: FileRoutes): void {
  PY_ROUTE.lastIndex = 0;
  for (let m = PY_ROUTE.exec(text); m; m = PY_ROUTE.exec(text)) {
    const at = m.index + m[0].search(/\S/);
    if (!inCode(at)) continue;
    const verb = m[2]!.toUpperCase();
    out.routes.push({ ...site(at, m[2]!), method: HTTP_METHODS.has(verb) ? verb : null, path: m[4]!, owner: m[1]!, lang: 'py' });
  }
  if (/Blueprint|APIRouter|Flask|FastAPI/.test(text)) {
    PY_OWNER.lastIndex = 0;
    for (let m = PY_OWNER.exec(text); m; m = PY_OWNER.exec(text)) {
      if (!inCode(m.index + m[0].search(/\S/))) continue;
      const args = argsFrom(text, PY_OWNER.lastIndex) ?? '';
      const kind = m[2] === 'Blueprint' ? 'flask' : m[2] === 'APIRouter' ? 'fastapi' : 'app';
      const prefix = kind === 'flask' ? kwarg(args, 'url_prefix') : kind === 'fastapi' ? kwarg(args, 'prefix') : undefined;
      out.owners.push({ file: path, name: m[1]!, prefix: prefix ?? '', kind });
    }
  }
  if (/register_blueprint|include_router/.test(text)) {
    PY_MOUNT.lastIndex = 0;
    for (let m = PY_MOUNT.exec(text); m; m = PY_MOUNT.exec(text)) {
      if (!inCode(m.index)) continue;
      const open = text.lastIndexOf('(', m.index + m[0].length - m[3]!.length);
      const args = argsFrom(text, open + 1) ?? '';
      const kind = m[2] === 'register_blueprint' ? 'flask' : 'fastapi';
      const prefix = kwarg(args, kind === 'flask' ? 'url_prefix' : 'prefix') ?? null;
      const [head, ...rest] = m[3]!.split('.');
      const target = rest.length ? { local: head!, member: rest.join('.') } : { local: head! };
      out.mounts.push({ file: path, line: site(m.index, m[2]!).line, parent: m[1]!, prefix, target, kind });
    }
  }
  // imports: what a registration mounts, and where a route's blueprint comes from (`from . import bp`)
  if (out.mounts.length || out.routes.length) {
    PY_FROM.lastIndex = 0;
    for (let m = PY_FROM.exec(text); m; m = PY_FROM.exec(text)) {
      for (const part of m[2]!.replace(/[()]/g, '').split(',')) {
        const n = /^\s*(\w+)(?:\s+as\s+(\w+))?\s*$/.exec(part);
        if (n) out.imports.set(n[2] ?? n[1]!, { module: m[1]!, member: n[1]! });
      }
    }
    PY_IMPORT.lastIndex = 0;
    for (let m = PY_IMPORT.exec(text); m; m = PY_IMPORT.exec(text)) out.imports.set(m[2] ?? m[1]!.split('.')[0]!, { module: m[2] ? m[1]! : m[1]!.split('.')[0]!, member: '' });
  }
}

function scanJava(text: string, site: (offset: number, call: string) => RouteSite, inCode: (offset: number) => boolean, out: FileRoutes): void {
  // a class-level @RequestMapping("/prefix") before the class declaration prefixes its methods' routes
  const classAt = /\bclass\s+\w+/.exec(text)?.index ?? -1;
  let prefix = '';
  JAVA_ROUTE.lastIndex = 0;
  for (let m = JAVA_ROUTE.exec(text); m; m = JAVA_ROUTE.exec(text)) {
    if (!inCode(m.index)) continue;
    const verb = m[1]!.toUpperCase();
    let route = m[3] ?? '';
    if (classAt >= 0 && m.index < classAt) {
      if (verb === 'REQUEST') prefix = route.replace(/\/+$/, '');
      continue;
    }
    if (prefix) route = prefix + (route.startsWith('/') || !route ? '' : '/') + route;
    out.routes.push({ ...site(m.index, `@${m[1]}Mapping`), method: HTTP_METHODS.has(verb) ? verb : null, path: route, lang: 'java' });
  }
}

/**
 * ASP.NET: minimal APIs, and attribute-routed controllers — each class's [Route] templates (more than one: each
 * applies) combined with its actions' [HttpX("…")] / [Route("…")], tokens replaced.
 */
function scanCs(text: string, site: (offset: number, call: string) => RouteSite, inCode: (offset: number) => boolean, out: FileRoutes): void {
  CS_MAP.lastIndex = 0;
  for (let m = CS_MAP.exec(text); m; m = CS_MAP.exec(text)) {
    const at = m.index + m[0].search(/\S/);
    if (!inCode(at)) continue;
    out.routes.push({ ...site(at, 'Map' + m[1]!), method: m[1]!.toUpperCase(), path: m[3]!, lang: 'cs' });
  }
  if (!/\bHttp(?:Get|Post|Put|Delete|Patch|Head|Options)|\bRoute/.test(text)) return;
  // the attributes, grouped by the declaration they stand above (a class or a method): attribute lines, blank lines
  // and comments between them are skipped
  type Attr = { verb: string | null; template: string | null; at: number };
  const groups = new Map<number, { kind: 'class' | 'method'; name: string; line: number; attrs: Attr[] }>();
  const lines = text.split('\n');
  CS_ATTR.lastIndex = 0;
  for (let m = CS_ATTR.exec(text); m; m = CS_ATTR.exec(text)) {
    // an attribute: on a line starting with '[', inside a [ … ] that is still open
    const ls = text.lastIndexOf('\n', m.index) + 1;
    if (m.index - ls > 300 || !/^\s*\[/.test(text.slice(ls, m.index))) continue;
    const before = text.slice(ls, m.index);
    if (before.lastIndexOf(']') > before.lastIndexOf('[') || !inCode(m.index)) continue;
    const line = site(m.index, '').line;
    const decl = declAfter(lines, line);
    if (!decl) continue;
    let g = groups.get(decl.line);
    if (!g) groups.set(decl.line, (g = { ...decl, attrs: [] }));
    g.attrs.push({ verb: m[2] ? m[2].toUpperCase() : null, template: m[3] ?? null, at: m.index });
  }
  if (!groups.size) return;
  // every class declaration (a class without [Route] has no prefix), in order
  const classes: { line: number; name: string }[] = [];
  const CLASS_G = /\bclass\s+([A-Za-z_]\w*)/g;
  for (let m = CLASS_G.exec(text); m; m = CLASS_G.exec(text)) if (inCode(m.index)) classes.push({ line: site(m.index, '').line, name: m[1]! });
  for (const g of groups.values()) {
    if (g.kind !== 'method') continue;
    const owner = classes.filter((c) => c.line < g.line).pop();
    const cg = owner ? groups.get(owner.line) : undefined;
    const cls = (owner?.name ?? '').replace(/Controller$/, '');
    const classRoutes = (cg?.attrs ?? []).filter((a) => a.verb === null && a.template !== null).map((a) => a.template!);
    const prefixes = classRoutes.length ? classRoutes : [''];
    const action = g.name.replace(/Async$/, '');
    const routes = g.attrs.filter((a) => a.verb === null && a.template !== null);
    const verbs = g.attrs.filter((a) => a.verb !== null);
    const made: { attr: Attr; method: string | null; template: string }[] = [];
    for (const v of verbs) {
      if (v.template !== null) made.push({ attr: v, method: v.verb, template: v.template });
      else if (routes.length) for (const r of routes) made.push({ attr: v, method: v.verb, template: r.template! });
      else made.push({ attr: v, method: v.verb, template: '' });
    }
    if (!verbs.length) for (const r of routes) made.push({ attr: r, method: null, template: r.template! });
    for (const { attr, method, template } of made) {
      const absolute = /^~?\//.test(template);
      for (const p of absolute ? [''] : prefixes) {
        const full = (absolute ? template.replace(/^~/, '') : joinRoute(p, template)).replace(/\[controller\]/gi, cls).replace(/\[action\]/gi, action);
        out.routes.push({ ...site(attr.at, attr.verb ? `Http${attr.verb[0]}${attr.verb.slice(1).toLowerCase()}` : 'Route'), function: g.name, method, path: full, lang: 'cs' });
      }
    }
  }
}
const ATTR_OR_BLANK = /^\s*(?:\[.*\]\s*|\/\/.*)?$/;
/** The rest of a line after its attributes ([Route("api/[controller]")] holds brackets in its string). */
function afterAttributes(l: string): string {
  let j = 0;
  for (;;) {
    while (j < l.length && /\s/.test(l[j]!)) j++;
    if (l[j] !== '[') return l.slice(j);
    let depth = 0;
    let quoted = false;
    for (; j < l.length; j++) {
      const c = l[j];
      if (quoted) {
        if (c === '\\') j++;
        else if (c === '"') quoted = false;
      } else if (c === '"') quoted = true;
      else if (c === '[') depth++;
      else if (c === ']' && --depth === 0) break;
    }
    if (j >= l.length) return '';
    j++;
  }
}

/** The class or method declared after the attribute on `line` (1-based), skipping attributes, blanks and comments. */
function declAfter(lines: string[], line: number): { kind: 'class' | 'method'; name: string; line: number } | null {
  // the attribute's own line may carry the declaration too: [HttpGet] public IActionResult Get() …
  const own = afterAttributes(lines[line - 1] ?? '');
  const first = own.trim() ? [{ l: own, k: line - 1 }] : [];
  for (let k = line, n = 0; k < lines.length && n < 30; k++, n++) first.push({ l: lines[k]!, k });
  for (const { l, k } of first) {
    if (ATTR_OR_BLANK.test(l) && !/\bclass\b/.test(l)) continue;
    if (l.length > 1000) return null;
    const c = CS_CLASS.exec(l);
    if (c) return { kind: 'class', name: c[1]!, line: k + 1 };
    const m = CS_METHOD.exec(l);
    if (m) return { kind: 'method', name: m[1]!, line: k + 1 };
    return null;
  }
  return null;
}

/** One route as the lookup sees it: its key, the route to show, and where its prefix came from. */
export interface ResolvedRoute extends RouteSite {
  method: string | null;
  key: string;
  route: string;
}

/**
 * The routes of the whole workspace with the prefixes their routers are mounted with: built at the first lookup
 * (mounts and routers live in other files than the routes).
 */
export function resolveRoutes(files: readonly FileRoutes[], filePaths: ReadonlySet<string>): ResolvedRoute[] {
  const mounts = files.flatMap((f) => f.mounts);
  const ownersByName = new Map<string, Owner[]>();
  for (const f of files) for (const o of f.owners) ownersByName.set(o.name, [...(ownersByName.get(o.name) ?? []), o]);
  const importsOf = new Map<string, Imports>();
  for (const f of files) {
    const file = f.routes[0]?.file ?? f.mounts[0]?.file ?? f.owners[0]?.file;
    if (file) importsOf.set(file, f.imports);
  }
  /** the files a mount's target comes from, and the name it has there */
  const targetOf = (mt: Mount): { file: string; name: string | null }[] => {
    const { local, module, member } = mt.target;
    if (mt.kind === 'express') {
      if (module) return resolveJsModule(mt.file, module, filePaths).map((file) => ({ file, name: null }));
      const imp = importsOf.get(mt.file)?.get(local!);
      if (!imp) return [{ file: mt.file, name: local! }]; // a router of this file
      return resolveJsModule(mt.file, imp.module, filePaths).map((file) => ({ file, name: imp.member && imp.member !== 'default' ? imp.member : null }));
    }
    // Python: name the router / blueprint has where it is declared, and the module it is imported from
    const imp = importsOf.get(mt.file)?.get(local!);
    let name: string;
    let mod: string | undefined;
    if (!imp) {
      if (member) return []; // attribute of something not imported: unknown
      name = local!;
      const here = (ownersByName.get(name) ?? []).filter((o) => o.file === mt.file);
      if (here.length) return here.map((o) => ({ file: o.file, name }));
    } else if (member) {
      name = member; // `from app import items` + items.router, or `import items` + items.router
      mod = imp.member ? `${imp.module}${imp.module.endsWith('.') ? '' : '.'}${imp.member}` : imp.module;
    } else {
      name = imp.member;
      mod = imp.module;
    }
    const cands = ownersByName.get(name) ?? [];
    const byModule = mod ? cands.filter((o) => pyModuleMatches(mt.file, mod!, o.file)) : [];
    return (byModule.length ? byModule : cands).map((o) => ({ file: o.file, name }));
  };
  /** Python: where a route's blueprint / router is declared — this file, or the module it is imported from */
  const homeOf = (file: string, name: string): { file: string; name: string }[] => {
    if ((ownersByName.get(name) ?? []).some((o) => o.file === file)) return [{ file, name }];
    const imp = importsOf.get(file)?.get(name);
    if (!imp || !imp.member) return [{ file, name }];
    const cands = (ownersByName.get(imp.member) ?? []).filter((o) => pyModuleMatches(file, imp.module, o.file));
    return cands.length ? cands.map((o) => ({ file: o.file, name: o.name })) : [{ file, name }];
  };
  /** prefixes under which an owner (file, name) is served; [''] for an owner nobody mounts */
  const memo = new Map<string, { prefix: string; via: string[] }[]>();
  const prefixesOf = (file: string, name: string | null, lang: 'js' | 'py', depth: number): { prefix: string; via: string[] }[] => {
    const key = `${file}\u0000${name ?? ''}`;
    const hit = memo.get(key);
    if (hit) return hit;
    memo.set(key, [{ prefix: '', via: [] }]); // a cycle ends here
    const own = lang === 'py' ? (ownersByName.get(name ?? '') ?? []).find((o) => o.file === file) : undefined;
    const out: { prefix: string; via: string[] }[] = [];
    if (depth < 8) {
      for (const mt of mounts) {
        if ((lang === 'js') !== (mt.kind === 'express')) continue;
        const targets = targetOf(mt).filter((t) => t.file === file && (t.name === null ? lang === 'js' && name !== null && name !== 'app' : t.name === name));
        if (!targets.length) continue;
        for (const parent of prefixesOf(mt.file, mt.parent, lang, depth + 1)) {
          // Flask: the registration's url_prefix replaces the blueprint's own; FastAPI: prepended to the router's
          const mine = mt.kind === 'flask' ? (mt.prefix ?? own?.prefix ?? '') : joinRoute(mt.prefix ?? '', own?.prefix ?? '');
          out.push({ prefix: joinRoute(parent.prefix, mine), via: [...parent.via, `${mt.file}:${mt.line}`] });
        }
      }
    }
    if (!out.length) out.push({ prefix: own?.prefix ?? '', via: [] });
    memo.set(key, out);
    return out;
  };
  const result: ResolvedRoute[] = [];
  for (const f of files) {
    for (const r of f.routes) {
      const { method, path, owner, lang, ...site } = r;
      const shown = (p: string) => `${method ? method + ' ' : ''}${p}`;
      if ((lang !== 'js' && lang !== 'py') || !owner) {
        result.push({ ...site, method, key: routeKey(path), route: shown(path) });
        continue;
      }
      const homes = lang === 'py' ? homeOf(r.file, owner) : [{ file: r.file, name: owner }];
      for (const { prefix, via } of homes.flatMap((h) => prefixesOf(h.file, h.name, lang, 0))) {
        const full = joinRoute(prefix, path);
        result.push({ ...site, method, key: routeKey(full), route: prefix ? `${shown(path)} under ${prefix}${via.length ? ` (${via.join(', ')})` : ''}` : shown(path) });
      }
    }
  }
  return result;
}

/** Files a relative JS module specifier names ('./routes/items' → routes/items.js, .ts, routes/items/index.js …). */
function resolveJsModule(from: string, spec: string, filePaths: ReadonlySet<string>): string[] {
  if (!spec.startsWith('.')) return [];
  const dir = from.split('/').slice(0, -1);
  for (const seg of spec.split('/')) {
    if (seg === '.' || seg === '') continue;
    if (seg === '..') dir.pop();
    else dir.push(seg);
  }
  const base = dir.join('/');
  const stem = base.replace(/\.(?:js|mjs|cjs|jsx)$/, '');
  const cands = [base, ...['.js', '.ts', '.mjs', '.cjs', '.mts', '.cts', '.jsx', '.tsx'].flatMap((e) => [stem + e, `${base}/index${e}`])];
  const hit = cands.find((c) => filePaths.has(c));
  return hit ? [hit] : [];
}

/** Whether a Python module named in `from` (absolute `app.routers.items` or relative `.items`) can be `file`. */
function pyModuleMatches(from: string, mod: string, file: string): boolean {
  const lead = /^\.*/.exec(mod)![0].length;
  const parts = mod.slice(lead).split('.').filter(Boolean);
  let want: string;
  if (lead > 0) {
    const dir = from.split('/').slice(0, -1);
    for (let k = 1; k < lead; k++) dir.pop();
    want = [...dir, ...parts].join('/');
  } else want = parts.join('/');
  const noExt = file.replace(/\.pyi?$/, '').replace(/\/__init__$/, '');
  return lead > 0 ? noExt === want : noExt === want || noExt.endsWith('/' + want);
}
