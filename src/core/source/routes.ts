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
 *   Koa        new Router({ prefix: '/x' }), router.prefix('/x'), parent.use('/y', child.routes()) (nested routers)
 *   Fastify    fastify.register(require('./routes'), { prefix: '/x' }) — every route of the plugin's file
 *   NestJS     @Controller('cats') + @Get(':id'); app.setGlobalPrefix('api', { exclude: ['health'] })
 *   Django     path('api/', include('shop.urls')) + path('items/<int:pk>/', view) in shop/urls.py
 *   Go         chi r.Route("/api", func(r chi.Router) {…}) (nested), r.Mount("/admin", adminRouter()); gin / echo
 *              v1 := r.Group("/v1"); a group handed to a function (`handlers.Register(api)`, same package or the
 *              package's folder)
 *   ASP.NET    minimal APIs var g = app.MapGroup("/x"), app.MapGroup("/x").MapGet(…), a group extension method
 *              (`app.MapGroup("/x").MapTodosApi()` + `static … MapTodosApi(this RouteGroupBuilder group)`)
 * A prefix the index cannot read (a variable, an expression) makes its routes unlinkable (NO_PREFIX): a route is
 * never linked to a span of a path it may not serve.
 * A router mounted or registered where the index cannot tell which file it comes from (two files declaring a router of
 * that name) is taken as both: its routes then tie, and the link lists the other as equally likely.
 *
 * Scanning is linear: fixed-start regular expressions, bounded look-arounds (an argument list is read for at most
 * 600 characters), no nested quantifiers over the same characters.
 */
import { lineIndexOf, lineStarts } from './lexer';

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
  /**
   * JS: the receiver (router variable); Python: the decorator's object (blueprint / router / app), Django's
   * `urlpatterns`; Go / C#: `func:F` when the route's router is a parameter or a router built in function F
   */
  owner?: string;
  /** a prefix found in the route's own file (chi Route closures, gin groups, MapGroup, a Nest controller) */
  local?: string;
  /** NestJS: served under the application's global prefix */
  nest?: true;
  lang: RouteLang;
}

/** A prefix that cannot be read (a variable, an expression): no span name can contain it. */
export const NO_PREFIX = '\u0000';

/** A router mounted with a prefix: app.use('/api', x), app.register_blueprint(x, url_prefix=…), include_router. */
type MountKind = 'express' | 'koa' | 'fastify' | 'flask' | 'fastapi' | 'django' | 'go' | 'cs';
const MOUNT_LANG: Record<MountKind, RouteLang> = { express: 'js', koa: 'js', fastify: 'js', flask: 'py', fastapi: 'py', django: 'py', go: 'go', cs: 'cs' };
interface Mount {
  file: string;
  line: number;
  /** the object it is mounted on (app, or a router / blueprint mounted itself; Go / C#: `func:F` or '') */
  parent: string;
  /** Go / C#: the prefix the parent has in its own file (a group, a Route closure) */
  parentPrefix?: string;
  prefix: string | null;
  /**
   * what is mounted: a local name, or a module (resolved to a file when the index has it) and a member; Go / C#: a
   * function (its routers' routes), with the package it is called through
   */
  target: { local?: string; module?: string; member?: string; func?: string; pkg?: string };
  kind: MountKind;
}

/** A router declared with its own prefix: a Python blueprint / router (or the app itself), a Koa router; Django's urlpatterns, a Go / C# function owning routes. */
interface Owner {
  file: string;
  name: string;
  prefix: string;
  kind: 'flask' | 'fastapi' | 'app' | 'koa' | 'django' | 'func';
  lang: RouteLang;
}

/** NestJS: app.setGlobalPrefix('api', { exclude: [...] }) */
interface GlobalPrefix {
  file: string;
  line: number;
  prefix: string;
  /** route keys served without the prefix */
  exclude: string[];
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
/**
 * also, in the same pass (one expression over every JS file: a fixed-text pre-check per framework cost more than the
 * route scan itself), 4: the calls that tell a Koa / Fastify / NestJS file apart, 5: a NestJS controller
 */
const JS_ROUTE = /\.[ \t]*(?:(get|post|put|delete|patch|head|options|all|route|use)[ \t]*(?:<[^>\n]{0,200}>[ \t]*)?\([ \t]*(["'`])(\/[^"'`\n]*)\2|(routes|middleware|register|prefix|setGlobalPrefix)[ \t]*\()|@(Controller)[ \t]*\(/g;
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
const GO_ROUTE = /\.\s*(HandleFunc|Handle|GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|Any|Get|Post|Put|Delete|Patch|Head|Options)\s*\(\s*(")((?:[A-Z]+ )?(?:\/[^"\n]*)?)"/g;
/** ASP.NET minimal APIs: app.MapGet("/x", …) */
const CS_MAP = /\.\s*Map(Get|Post|Put|Delete|Patch)\s*\(\s*(")(\/?[^"\n]*)"/g;
/** ASP.NET attribute routing: [Route("api/[controller]")], [HttpGet], [HttpGet("{id}")], [HttpPost("x", Name = "y")] */
const CS_ATTR = /\b(Http(Get|Post|Put|Delete|Patch|Head|Options)|Route)(?:Attribute)?\b(?:\s*\(\s*(?:template\s*:\s*)?@?"([^"\n]*)")?/g;
const CS_CLASS = /\bclass\s+([A-Za-z_]\w*)/;
const CS_METHOD = /^\s*(?:(?:public|private|protected|internal|static|async|override|virtual|sealed|new)\s+)*(?:[\w<>[\],.?]+\s+)([A-Za-z_]\w*)\s*(?:<[^>]*>)?\s*\(/;

/** text a file must contain for its language's route declarations to be looked for (JS: none, its expression starts at a '.') */
const HINT: Record<RouteLang, RegExp | null> = {
  js: null,
  py: /@|register_blueprint|include_router|Blueprint|APIRouter|urlpatterns/,
  java: /Mapping/,
  go: /Handle|\.(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|Any|Get|Post|Put|Delete|Patch|Head|Options|Route|Mount|Group)\(/,
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

/** What one file declares: its routes, and its mounts, owners, imports and global prefixes for the cross-file pass. */
export interface FileRoutes {
  routes: RouteDecl[];
  mounts: Mount[];
  owners: Owner[];
  imports: Imports;
  globals: GlobalPrefix[];
}

/**
 * The route declarations of one file. `site` gives the line (and enclosing function) of an offset, `inCode` whether
 * an offset is code (not in a comment or a string). null when the file declares nothing of interest.
 */
export function scanRoutes(path: string, text: string, lang: RouteLang, site: (offset: number, call: string) => RouteSite, inCode: (offset: number) => boolean): FileRoutes | null {
  const hint = HINT[lang];
  if (hint && !hint.test(text)) return null;
  const out: FileRoutes = { routes: [], mounts: [], owners: [], imports: new Map(), globals: [] };
  if (lang === 'js') scanJs(path, text, site, inCode, out);
  else if (lang === 'py') scanPy(path, text, site, inCode, out);
  else if (lang === 'java') scanJava(text, site, inCode, out);
  else if (lang === 'go') scanGo(path, text, site, inCode, out);
  else scanCs(path, text, site, inCode, out);
  return out.routes.length || out.mounts.length || out.owners.length || out.globals.length ? out : null;
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
  let koa = false;
  let fastify = false;
  let nest = false;
  JS_ROUTE.lastIndex = 0;
  for (let m = JS_ROUTE.exec(text); m; m = JS_ROUTE.exec(text)) {
    if (m[5]) nest = true;
    else if (m[4] === 'register') fastify = true;
    else if (m[4] === 'setGlobalPrefix') nest = true;
    else if (m[4]) koa = true;
    if (!m[1]) continue;
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
      // Koa: parent.use('/x', child.routes(), child.allowedMethods()) — the child router's prefix comes after '/x'
      const koa = parts.slice(1).map((p) => KOA_CHILD.exec(p)).find(Boolean);
      if (koa) {
        out.mounts.push({ file: path, line: site(at, 'use').line, parent: owner, prefix: m[3]!, target: { local: koa[1]! }, kind: 'koa' });
        continue;
      }
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
  // a Koa router's prefix given to its constructor: in a file declaring routes
  if (koa || (out.routes.length && text.includes('prefix'))) scanKoa(path, text, site, inCode, known, out);
  if (fastify) scanFastify(path, text, site, inCode, known, out);
  if (nest) scanNest(path, text, site, inCode, out);
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

const KOA_CHILD = /^([A-Za-z_$][\w$]*)\s*\.\s*(?:routes|middleware)\s*\(\s*\)$/;
/** Koa: app.use(router.routes()) — mounted with no path (the router's own prefix applies) */
const KOA_USE = /\.use[ \t]*\(\s*([A-Za-z_$][\w$]*)\s*\.\s*(?:routes|middleware)\s*\(\s*\)/g;
/** Koa: `prefix:` in const router = new Router({ prefix: '/x' }) — found by the key (a fixed start), the declaration looked for before it */
const KOA_KEY = /prefix\s*:/g;
const KOA_NEW = /(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*=\s*new\s+[A-Za-z_$][\w$.]*\s*\(\s*\{[^{}()]*$/;
/** Koa: router.prefix('/x') */
const KOA_PREFIX = /\.prefix[ \t]*\(\s*([^)\n]{0,200})\)/g;
/** Fastify: fastify.register(plugin, { prefix: '/x' }) */
const FASTIFY_REG = /\.register\(/g;
/** NestJS decorators */
const NEST_CTRL = /@Controller[ \t]*\(/g;
const NEST_ROUTE = /@(Get|Post|Put|Delete|Patch|Head|Options|All)[ \t]*\(/g;
const NEST_GLOBAL = /\.[ \t]*setGlobalPrefix[ \t]*\(/g;

/** A JS string literal argument's value ('' for no argument); NO_PREFIX for anything else (a variable, a `${…}`). */
function jsLiteral(arg: string): string {
  const a = arg.trim();
  if (!a) return '';
  const m = /^(["'`])([^"'`\n]*)\1$/.exec(a);
  return m && !(m[1] === '`' && m[2]!.includes('${')) ? m[2]! : NO_PREFIX;
}
/** `key: 'value'` in an object literal: the value, NO_PREFIX when not a literal, undefined when the key is absent. */
function jsProp(args: string, key: string): string | undefined {
  const m = new RegExp(String.raw`(?:^|[{,\s])${key}\s*:\s*([^,}\n]*)`).exec(args);
  return m ? jsLiteral(m[1]!) : undefined;
}
/** The receiver just before `at` (a '.'), or undefined (a call's result, nothing). */
function receiverBefore(text: string, at: number): string | undefined {
  const from = Math.max(0, at - 60);
  return JS_RECEIVER.exec(text.slice(from, at))?.[1];
}

function scanKoa(path: string, text: string, site: (offset: number, call: string) => RouteSite, inCode: (offset: number) => boolean, known: (name: string) => boolean, out: FileRoutes): void {
  KOA_USE.lastIndex = 0;
  for (let m = KOA_USE.exec(text); m; m = KOA_USE.exec(text)) {
    const parent = receiverBefore(text, m.index);
    if (!parent || !known(parent) || !inCode(m.index)) continue;
    out.mounts.push({ file: path, line: site(m.index, 'use').line, parent, prefix: null, target: { local: m[1]! }, kind: 'koa' });
  }
  if (!text.includes('prefix')) return;
  KOA_KEY.lastIndex = 0;
  for (let k = KOA_KEY.exec(text); k; k = KOA_KEY.exec(text)) {
    const from = Math.max(0, k.index - 200);
    const m = KOA_NEW.exec(text.slice(from, k.index));
    if (!m || !inCode(from + m.index)) continue;
    const args = argsFrom(text, from + m.index + m[0].lastIndexOf('{'));
    const prefix = args === null ? undefined : jsProp(args, 'prefix');
    if (prefix !== undefined) out.owners.push({ file: path, name: m[1]!, prefix, kind: 'koa', lang: 'js' });
  }
  KOA_PREFIX.lastIndex = 0;
  for (let m = KOA_PREFIX.exec(text); m; m = KOA_PREFIX.exec(text)) {
    const name = receiverBefore(text, m.index);
    if (!name || !known(name) || !inCode(m.index)) continue;
    // router.prefix() sets the prefix (a later call replaces an earlier one, or the constructor's)
    const prefix = jsLiteral(m[1]!);
    const i = out.owners.findIndex((o) => o.name === name && o.lang === 'js');
    if (i >= 0) out.owners.splice(i, 1);
    out.owners.push({ file: path, name, prefix, kind: 'koa', lang: 'js' });
  }
}

/** Fastify: a plugin registered with a prefix serves every route of its file under it (the routes are declared on the plugin's parameter). */
function scanFastify(path: string, text: string, site: (offset: number, call: string) => RouteSite, inCode: (offset: number) => boolean, known: (name: string) => boolean, out: FileRoutes): void {
  FASTIFY_REG.lastIndex = 0;
  for (let m = FASTIFY_REG.exec(text); m; m = FASTIFY_REG.exec(text)) {
    const parent = receiverBefore(text, m.index);
    // fastify, app, server, instance (registry.register(…) of other libraries is not looked at)
    if (!parent || !(JS_KNOWN.test(parent) || parent === 'instance') || !inCode(m.index)) continue;
    const args = argsFrom(text, FASTIFY_REG.lastIndex);
    if (args === null) continue;
    const [plugin = '', opts = ''] = splitArgs(args);
    const mod = /^(?:require|import)\s*\(\s*(["'])([^"'\n]+)\1\s*\)$/.exec(plugin);
    const id = /^([A-Za-z_$][\w$]*)$/.exec(plugin);
    if (!mod && !id) continue;
    const prefix = jsProp(opts, 'prefix') ?? null;
    out.mounts.push({ file: path, line: site(m.index, 'register').line, parent, prefix, target: mod ? { module: mod[2]! } : { local: id![1]! }, kind: 'fastify' });
  }
}

/** NestJS: @Controller('cats') classes, their @Get(':id') … methods, and app.setGlobalPrefix('api', { exclude }). */
function scanNest(path: string, text: string, site: (offset: number, call: string) => RouteSite, inCode: (offset: number) => boolean, out: FileRoutes): void {
  NEST_GLOBAL.lastIndex = 0;
  for (let m = NEST_GLOBAL.exec(text); m; m = NEST_GLOBAL.exec(text)) {
    if (!inCode(m.index)) continue;
    const args = argsFrom(text, NEST_GLOBAL.lastIndex);
    if (args === null) continue;
    const [first = '', opts = ''] = splitArgs(args);
    const prefix = jsLiteral(first);
    const ex = /\bexclude\s*:\s*\[([^\]]{0,2000})\]/.exec(opts);
    const exclude = ex ? [...ex[1]!.matchAll(/(["'`])([^"'`\n]*)\1/g)].map((x) => routeKey(x[2]!)) : [];
    out.globals.push({ file: path, line: site(m.index, 'setGlobalPrefix').line, prefix: prefix === NO_PREFIX ? prefix : '/' + prefix.replace(/^\/+/, ''), exclude });
  }
  if (!text.includes('@Controller')) return;
  const ctrls: { at: number; prefix: string }[] = [];
  NEST_CTRL.lastIndex = 0;
  for (let m = NEST_CTRL.exec(text); m; m = NEST_CTRL.exec(text)) {
    if (!inCode(m.index)) continue;
    const args = argsFrom(text, NEST_CTRL.lastIndex);
    if (args === null) continue;
    const a = args.trim();
    ctrls.push({ at: m.index, prefix: a.startsWith('{') ? (jsProp(a, 'path') ?? '') : jsLiteral(a) });
  }
  if (!ctrls.length) return;
  let c = -1;
  NEST_ROUTE.lastIndex = 0;
  for (let m = NEST_ROUTE.exec(text); m; m = NEST_ROUTE.exec(text)) {
    while (c + 1 < ctrls.length && ctrls[c + 1]!.at < m.index) c++;
    if (c < 0 || !inCode(m.index)) continue;
    const args = argsFrom(text, NEST_ROUTE.lastIndex);
    if (args === null) continue;
    const p = joinRoute(ctrls[c]!.prefix, jsLiteral(args));
    const verb = m[1]!.toUpperCase();
    out.routes.push({ ...site(m.index, '@' + m[1]), method: HTTP_METHODS.has(verb) ? verb : null, path: '/' + p.replace(/^\/+/, ''), nest: true, lang: 'js' });
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
      out.owners.push({ file: path, name: m[1]!, prefix: prefix ?? '', kind, lang: 'py' });
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
  if (text.includes('urlpatterns')) scanDjango(path, text, site, inCode, out);
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

/** Django: path('x/', view) / re_path(r'^x/$', view) / url(…), and path('api/', include('shop.urls')) */
const DJANGO_PATH = /\b(path|re_path|url)[ \t]*\(\s*([rRuU]?)(["'])([^"'\n]*)\3\s*,\s*/g;
/** A re_path regex's fixed text ('^api/' → 'api/', '^items/$' → 'items/'), NO_PREFIX when it has any pattern. */
function regexRoute(re: string): string {
  const m = /^\^?([\w\-/.]*?)\$?$/.exec(re);
  return m ? m[1]! : NO_PREFIX;
}

function scanDjango(path: string, text: string, site: (offset: number, call: string) => RouteSite, inCode: (offset: number) => boolean, out: FileRoutes): void {
  let any = false;
  DJANGO_PATH.lastIndex = 0;
  for (let m = DJANGO_PATH.exec(text); m; m = DJANGO_PATH.exec(text)) {
    if ((m.index > 0 && /[\w.]/.test(text[m.index - 1]!)) || !inCode(m.index)) continue;
    const route = m[1] === 'path' ? m[4]! : regexRoute(m[4]!);
    const rest = text.slice(DJANGO_PATH.lastIndex, DJANGO_PATH.lastIndex + 300);
    const inc = /^include[ \t]*\(/.exec(rest);
    any = true;
    if (inc) {
      const args = argsFrom(text, DJANGO_PATH.lastIndex + inc[0].length);
      const first = splitArgs(args ?? '')[0] ?? '';
      const mod = /^[rRuU]?(["'])([\w.]+)\1$/.exec(first);
      const ref = /^([A-Za-z_]\w*)(?:\.([\w.]+))?$/.exec(first);
      // include((patterns, 'app'), …), a list: served under this prefix, from nowhere the index can tell
      if (!mod && !ref) continue;
      out.mounts.push({ file: path, line: site(m.index, m[1]!).line, parent: 'urlpatterns', prefix: route, target: mod ? { module: mod[2]! } : { local: ref![1]!, ...(ref![2] ? { member: ref![2] } : {}) }, kind: 'django' });
      continue;
    }
    // the view: views.item_detail, views.ItemListView.as_view(), item_detail
    const view = /^([\w.]+?)(?:\.as_view[ \t]*\(|[ \t]*[,)])/.exec(rest)?.[1]?.split('.').pop();
    const s = site(m.index, m[1]!);
    out.routes.push({ ...s, ...(view ? { function: view } : {}), method: null, path: route, owner: 'urlpatterns', lang: 'py' });
  }
  if (any) out.owners.push({ file: path, name: 'urlpatterns', prefix: '', kind: 'django', lang: 'py' });
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

/** Line starts of a text, and the 0-based line of an offset. */
function lineTable(text: string): { starts: number[]; lineOf: (offset: number) => number } {
  const starts = lineStarts(text);
  return { starts, lineOf: (offset) => lineIndexOf(starts, offset) };
}

/**
 * Per line (0-based) the line where the block it opens ends: the next non-blank line indented no deeper (gofmt puts a
 * function's '}' at its column, a closure's '})' at its call's). One pass with a stack: linear.
 */
function blockEnds(text: string, starts: readonly number[]): Int32Array {
  const n = starts.length;
  const end = new Int32Array(n).fill(n - 1);
  const indent = new Int32Array(n);
  const stack: number[] = [];
  for (let k = 0; k < n; k++) {
    const a = starts[k]!;
    const b = k + 1 < n ? starts[k + 1]! - 1 : text.length;
    let j = a;
    while (j < b && (text[j] === ' ' || text[j] === '\t')) j++;
    if (j >= b || text[j] === '\r') continue; // blank
    indent[k] = j - a;
    while (stack.length && indent[stack[stack.length - 1]!]! >= j - a) end[stack.pop()!] = k;
    stack.push(k);
  }
  return end;
}

/** A router variable: built by a constructor (prefix undefined) or a group of another (`v1 := r.Group("/v1")`). */
interface RouterVar {
  line: number;
  parent?: string;
  prefix?: string;
}
/** Scopes of one Go / C# file: functions (with their parameters), closures binding a router parameter under a prefix, router variables. */
class RouterScopes {
  /** functions (Go: top level; C#: extension methods), by first line */
  readonly funcs: { name: string; line: number; end: number; params: Set<string> }[] = [];
  /** chi r.Route("/x", func(r chi.Router) { … }), by first line, with the closure around each */
  readonly closures: { line: number; end: number; param: string; recv: string; prefix: string; up: number }[] = [];
  readonly vars = new Map<string, RouterVar[]>();
  private params: Set<string> | null = null;
  closureParams(): Set<string> {
    return (this.params ??= new Set(this.closures.map((c) => c.param)));
  }

  /** Sort closures and link each to the one around it (they nest: blocks end no later than the blocks around them). */
  seal(): void {
    this.closures.sort((a, b) => a.line - b.line);
    const stack: number[] = [];
    this.closures.forEach((c, i) => {
      while (stack.length && this.closures[stack[stack.length - 1]!]!.end < c.line) stack.pop();
      c.up = stack.length ? stack[stack.length - 1]! : -1;
      stack.push(i);
    });
    this.funcs.sort((a, b) => a.line - b.line);
  }
  private last<T extends { line: number }>(list: readonly T[], line: number): number {
    let lo = 0;
    let hi = list.length - 1;
    let r = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.line < line) (r = mid), (lo = mid + 1);
      else hi = mid - 1;
    }
    return r;
  }
  funcAt(line: number): { name: string; line: number; end: number; params: Set<string> } | undefined {
    const i = this.last(this.funcs, line + 1);
    const f = i >= 0 ? this.funcs[i] : undefined;
    return f && f.end >= line ? f : undefined;
  }
  /**
   * Where router `name` used on `line` is served, within this file: the function owning it (`func:F`: a parameter
   * of F, or a router F builds) or null (a package-level router), and the prefix the file gives it. NO_PREFIX in the
   * prefix when a group's prefix cannot be read.
   */
  resolve(name: string, line: number, depth = 0): { owner: string | null; prefix: string } {
    if (depth > 16) return { owner: null, prefix: NO_PREFIX };
    // the closures around the line, innermost first: the last one opened before it, and those around that one
    // (the ones among them that ended before the line do not hold it)
    for (let i = this.last(this.closures, line); i >= 0; i = this.closures[i]!.up) {
      const c = this.closures[i]!;
      if (c.end >= line && c.param === name) {
        const r = this.resolve(c.recv, c.line, depth + 1);
        return { owner: r.owner, prefix: joinRoute(r.prefix, c.prefix) };
      }
    }
    const fn = this.funcAt(line);
    const own = fn ? `func:${fn.name}` : null;
    const vs = this.vars.get(name);
    if (vs) {
      for (let k = vs.length - 1; k >= 0; k--) {
        const v = vs[k]!;
        if (v.line > line || (v.line === line && depth > 0) || (fn && v.line < fn.line)) continue;
        if (v.parent === undefined) return { owner: own, prefix: '' };
        const r = this.resolve(v.parent, v.line, depth + 1);
        return { owner: r.owner, prefix: joinRoute(r.prefix, v.prefix ?? '') };
      }
    }
    return { owner: own, prefix: '' };
  }
  /** Whether `name` on `line` is a router: a variable, a closure's router parameter, a router-typed parameter. */
  isRouter(name: string, line: number): boolean {
    if (this.vars.has(name)) return true;
    if (this.closures.length && this.closureParams().has(name)) return true;
    return !!this.funcAt(line)?.params.has(name);
  }
}
function addVar(sc: RouterScopes, name: string, v: RouterVar): void {
  let list = sc.vars.get(name);
  if (!list) sc.vars.set(name, (list = []));
  list.push(v);
}
/** A Go / C# string argument: its value, NO_PREFIX for anything else. */
const quotedArg = (arg: string) => /^\s*@?"([^"\n]*)"/.exec(arg)?.[1] ?? NO_PREFIX;
/** The function owning routes (`func:F`) recorded as an owner once per file. */
function ownFunc(out: FileRoutes, path: string, owner: string | null, lang: RouteLang): void {
  if (owner && !out.owners.some((o) => o.name === owner)) out.owners.push({ file: path, name: owner, prefix: '', kind: 'func', lang });
}

const GO_FUNC_DECL = /^func[ \t]+(?:\([^)\n]*\)[ \t]*)?([A-Za-z_]\w*)[ \t]*(?:\[[^\]\n]*\][ \t]*)?\(([^)\n]*)\)/gm;
const GO_CLOSURE = /\.[ \t]*(?:Route|Group)[ \t]*\(\s*(?:("[^"\n]*"|[^,()\n]+?)\s*,\s*)?func[ \t]*\([ \t]*([A-Za-z_]\w*)[ \t]+[\w.*]+[ \t]*\)[ \t]*\{/g;
const GO_VAR = /\b([A-Za-z_]\w*)[ \t]*:?=[ \t]*(?:([A-Za-z_]\w*)[ \t]*\.[ \t]*Group[ \t]*\(([^\n]{0,300})|(?:chi\.NewRouter|chi\.NewMux|gin\.Default|gin\.New|echo\.New|http\.NewServeMux|mux\.NewRouter|fiber\.New)[ \t]*\()/g;
const GO_MOUNT = /\.[ \t]*(Mount|Route)[ \t]*\(\s*("[^"\n]*"|[^,()\n]+?)\s*,\s*(?:([A-Za-z_]\w*)\.)?([A-Za-z_]\w*)[ \t]*(\([ \t]*\))?[ \t]*\)/g;
/** a function called with one router: handlers.Register(api), setupRoutes(r) */
const GO_CALL = /(?:\b([A-Za-z_]\w*)[ \t]*\.[ \t]*)?\b([A-Za-z_]\w*)[ \t]*\([ \t]*([A-Za-z_]\w*)[ \t]*\)/g;
const GO_WITH = /\b([A-Za-z_]\w*)[ \t]*\.[ \t]*With[ \t]*\([^\n]*\)\s*$/;
const GO_ROUTER_TYPE = /Router|RouterGroup|IRoutes|IRouter|Engine|Group|Echo|ServeMux|Mux\b/;

/** Go: net/http, chi, gin, echo routes with the prefixes of chi Route closures, groups, mounts and router-taking functions. */
function scanGo(path: string, text: string, site: (offset: number, call: string) => RouteSite, inCode: (offset: number) => boolean, out: FileRoutes): void {
  let sc: RouterScopes | null = null;
  let lt: ReturnType<typeof lineTable> | null = null;
  const scopes = (): RouterScopes => {
    if (sc) return sc;
    lt = lineTable(text);
    const ends = blockEnds(text, lt.starts);
    sc = new RouterScopes();
    GO_FUNC_DECL.lastIndex = 0;
    for (let m = GO_FUNC_DECL.exec(text); m; m = GO_FUNC_DECL.exec(text)) {
      const line = lt.lineOf(m.index);
      const params = new Set<string>();
      for (const p of m[2]!.split(',')) {
        const x = /^\s*([A-Za-z_]\w*)\s+(.+?)\s*$/.exec(p);
        if (x && GO_ROUTER_TYPE.test(x[2]!)) params.add(x[1]!);
      }
      sc.funcs.push({ name: m[1]!, line, end: ends[line]!, params });
    }
    GO_CLOSURE.lastIndex = 0;
    for (let m = GO_CLOSURE.exec(text); m; m = GO_CLOSURE.exec(text)) {
      if (!inCode(m.index)) continue;
      const recv = receiverBefore(text, m.index);
      if (!recv) continue;
      const line = lt.lineOf(m.index);
      // chi's Group(func(r chi.Router) { … }) adds no prefix
      const prefix = /^\.[ \t]*Group/.test(m[0]) ? '' : m[1] === undefined ? NO_PREFIX : quotedArg(m[1]);
      sc.closures.push({ line, end: ends[line]!, param: m[2]!, recv, prefix, up: -1 });
    }
    GO_VAR.lastIndex = 0;
    for (let m = GO_VAR.exec(text); m; m = GO_VAR.exec(text)) {
      if (!inCode(m.index)) continue;
      const line = lt.lineOf(m.index);
      addVar(sc, m[1]!, m[2] === undefined ? { line } : { line, parent: m[2], prefix: quotedArg(m[3]!) });
    }
    sc.seal();
    return sc;
  };
  GO_ROUTE.lastIndex = 0;
  for (let m = GO_ROUTE.exec(text); m; m = GO_ROUTE.exec(text)) {
    const at = m.index + m[0].search(/\S/);
    if (!inCode(at)) continue;
    let verb = m[1]!.toUpperCase();
    let route = m[3]!;
    const withMethod = /^([A-Z]+) (\/.*)$/.exec(route);
    if (withMethod) [verb, route] = [withMethod[1]!, withMethod[2]!];
    // the router, or chi's r.With(middleware).Get(…) (the router before With); another expression: unknown
    const recv = receiverBefore(text, m.index) ?? GO_WITH.exec(text.slice(Math.max(0, m.index - 300), m.index))?.[1];
    const chained = !recv && /\)\s*$/.test(text.slice(Math.max(0, m.index - 10), m.index));
    const where = recv ? scopes().resolve(recv, lt!.lineOf(m.index)) : { owner: null, prefix: chained ? NO_PREFIX : '' };
    ownFunc(out, path, where.owner, 'go');
    out.routes.push({ ...site(at, m[1]!), method: HTTP_METHODS.has(verb) ? verb : null, path: route, lang: 'go', ...(where.owner ? { owner: where.owner } : {}), ...(where.prefix ? { local: where.prefix } : {}) });
  }
  if (!/\.[ \t]*(?:Mount|Route|Group)[ \t]*\(/.test(text)) return;
  const s = scopes();
  const lines = lt!;
  GO_MOUNT.lastIndex = 0;
  for (let m = GO_MOUNT.exec(text); m; m = GO_MOUNT.exec(text)) {
    if ((m[1] === 'Route') === (m[5] !== undefined) || !inCode(m.index)) continue; // Route takes a func, Mount a handler
    const recv = receiverBefore(text, m.index);
    if (!recv) continue;
    const line = lines.lineOf(m.index);
    const p = s.resolve(recv, line);
    out.mounts.push({ file: path, line: line + 1, parent: p.owner ?? '', parentPrefix: p.prefix, prefix: quotedArg(m[2]!), target: { func: m[4]!, ...(m[3] ? { pkg: m[3] } : {}) }, kind: 'go' });
  }
  GO_CALL.lastIndex = 0;
  for (let m = GO_CALL.exec(text); m; m = GO_CALL.exec(text)) {
    const line = lines.lineOf(m.index);
    if ((m[1] && s.isRouter(m[1], line)) || !s.isRouter(m[3]!, line) || !inCode(m.index)) continue;
    const p = s.resolve(m[3]!, line);
    out.mounts.push({ file: path, line: line + 1, parent: p.owner ?? '', parentPrefix: p.prefix, prefix: null, target: { func: m[2]!, ...(m[1] ? { pkg: m[1] } : {}) }, kind: 'go' });
  }
}

const CS_EXT = /\bstatic[ \t]+[\w<>?.,[\] \t]+?[ \t]+([A-Za-z_]\w*)[ \t]*\([ \t]*this[ \t]+[\w.]+[ \t]+([A-Za-z_]\w*)/g;
const CS_GROUP_VAR = /\b([A-Za-z_]\w*)[ \t]*=[ \t]*([A-Za-z_]\w*)[ \t]*\.[ \t]*MapGroup[ \t]*\(([^\n]{0,300})/g;
/** a route group extension method called on a group: app.MapGroup("/x").MapTodosApi(), group.MapTodosApi() */
const CS_EXT_CALL = /\.[ \t]*(Map[A-Za-z_]\w*)[ \t]*\([ \t]*\)/g;
/** before a '.': `receiver` or `receiver.MapGroup("/x")` (with calls such as .RequireAuthorization() after it) */
const CS_RECV = /(?:([A-Za-z_]\w*)[ \t]*\.[ \t]*MapGroup[ \t]*\(([^()\n]*)\)(?:\s*\.\s*\w+\s*\([^()\n]*\))*|([A-Za-z_]\w*))\s*$/;

/** ASP.NET minimal APIs: MapGet(…) on groups (MapGroup variables, chained, route group extension methods). */
function scanCsMinimal(path: string, text: string, site: (offset: number, call: string) => RouteSite, inCode: (offset: number) => boolean, out: FileRoutes): void {
  const hasGroups = text.includes('MapGroup') || /\bthis[ \t]+(?:RouteGroupBuilder|IEndpointRouteBuilder)\b/.test(text);
  let sc: RouterScopes | null = null;
  const lt = hasGroups ? lineTable(text) : null;
  if (hasGroups) {
    sc = new RouterScopes();
    const ends = blockEnds(text, lt!.starts);
    CS_EXT.lastIndex = 0;
    for (let m = CS_EXT.exec(text); m; m = CS_EXT.exec(text)) {
      if (!inCode(m.index)) continue;
      const line = lt!.lineOf(m.index);
      // Allman: the block is the '{' line's
      const next = ends[line]!;
      const open = text.slice(lt!.starts[next]!, lt!.starts[next]! + 200).trimStart().startsWith('{');
      sc.funcs.push({ name: m[1]!, line, end: open ? ends[next]! : next, params: new Set([m[2]!]) });
    }
    CS_GROUP_VAR.lastIndex = 0;
    for (let m = CS_GROUP_VAR.exec(text); m; m = CS_GROUP_VAR.exec(text)) {
      if (inCode(m.index)) addVar(sc, m[1]!, { line: lt!.lineOf(m.index), parent: m[2]!, prefix: quotedArg(m[3]!) });
    }
    sc.seal();
  }
  /** the receiver before the '.' at `at`: where it is served */
  const where = (at: number): { owner: string | null; prefix: string } => {
    if (!sc) return { owner: null, prefix: '' };
    const before = text.slice(Math.max(0, at - 300), at);
    const r = CS_RECV.exec(before);
    // a receiver that is an expression the index cannot read (MapGroup(Prefix("x"))…): served who knows where
    if (!r) return { owner: null, prefix: /\)\s*$/.test(before) ? NO_PREFIX : '' };
    const line = lt!.lineOf(at);
    // a parameter of a route group extension method, else a variable; a name neither (app) is served as declared
    const fn = sc.funcAt(line);
    const base = (name: string) => (fn?.params.has(name) ? { owner: `func:${fn.name}`, prefix: '' } : sc!.resolve(name, line));
    if (r[3]) return base(r[3]);
    const b = base(r[1]!);
    return { owner: b.owner, prefix: joinRoute(b.prefix, quotedArg(r[2]!)) };
  };
  CS_MAP.lastIndex = 0;
  for (let m = CS_MAP.exec(text); m; m = CS_MAP.exec(text)) {
    const at = m.index + m[0].search(/\S/);
    if (!inCode(at)) continue;
    const w = where(m.index);
    ownFunc(out, path, w.owner, 'cs');
    out.routes.push({ ...site(at, 'Map' + m[1]!), method: m[1]!.toUpperCase(), path: m[3]!, lang: 'cs', ...(w.owner ? { owner: w.owner } : {}), ...(w.prefix ? { local: w.prefix } : {}) });
  }
  if (!sc) return;
  CS_EXT_CALL.lastIndex = 0;
  for (let m = CS_EXT_CALL.exec(text); m; m = CS_EXT_CALL.exec(text)) {
    if (!inCode(m.index)) continue;
    const w = where(m.index);
    out.mounts.push({ file: path, line: lt!.lineOf(m.index) + 1, parent: w.owner ?? '', parentPrefix: w.prefix, prefix: null, target: { func: m[1]! }, kind: 'cs' });
  }
}

/**
 * ASP.NET: minimal APIs, and attribute-routed controllers — each class's [Route] templates (more than one: each
 * applies) combined with its actions' [HttpX("…")] / [Route("…")], tokens replaced.
 */
function scanCs(path: string, text: string, site: (offset: number, call: string) => RouteSite, inCode: (offset: number) => boolean, out: FileRoutes): void {
  if (text.includes('.Map') || text.includes('MapGroup')) scanCsMinimal(path, text, site, inCode, out);
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
  const globals = files.flatMap((f) => f.globals);
  const ownersByName = new Map<string, Owner[]>();
  const ownerKey = (lang: RouteLang, name: string) => `${lang}\u0000${name}`;
  for (const f of files) for (const o of f.owners) ownersByName.set(ownerKey(o.lang, o.name), [...(ownersByName.get(ownerKey(o.lang, o.name)) ?? []), o]);
  const pyOwners = (name: string) => ownersByName.get(ownerKey('py', name)) ?? [];
  const importsOf = new Map<string, Imports>();
  for (const f of files) {
    const file = f.routes[0]?.file ?? f.mounts[0]?.file ?? f.owners[0]?.file;
    if (file) importsOf.set(file, f.imports);
  }
  const dirOf = (p: string) => p.split('/').slice(0, -1).join('/');
  /** the files a mount's target comes from, and the name it has there (null: every router of the file) */
  const targetOf = (mt: Mount): { file: string; name: string | null }[] => {
    const { local, module, member, func, pkg } = mt.target;
    if (mt.kind === 'go' || mt.kind === 'cs') {
      // a function owning routes: Go, in the caller's package (its folder) or the package it is called through; C#, an
      // extension method of any file
      const name = `func:${func}`;
      const cands = ownersByName.get(ownerKey(MOUNT_LANG[mt.kind], name)) ?? [];
      const here = mt.kind === 'cs' ? cands : cands.filter((o) => (pkg ? dirOf(o.file).split('/').pop() === pkg : dirOf(o.file) === dirOf(mt.file)));
      return here.map((o) => ({ file: o.file, name }));
    }
    if (MOUNT_LANG[mt.kind] === 'js') {
      if (module) return resolveJsModule(mt.file, module, filePaths).map((file) => ({ file, name: null }));
      const imp = importsOf.get(mt.file)?.get(local!);
      if (!imp) return [{ file: mt.file, name: local! }]; // a router of this file
      return resolveJsModule(mt.file, imp.module, filePaths).map((file) => ({ file, name: imp.member && imp.member !== 'default' ? imp.member : null }));
    }
    if (mt.kind === 'django') {
      // include('shop.urls'), include(shop_urls) after `from shop import urls as shop_urls`
      let mod = module;
      if (!mod) {
        const imp = importsOf.get(mt.file)?.get(local!);
        if (!imp) return [];
        mod = [imp.module + (imp.member ? (imp.module.endsWith('.') ? '' : '.') + imp.member : ''), member].filter(Boolean).join('.');
      }
      return pyOwners('urlpatterns').filter((o) => pyModuleMatches(mt.file, mod!, o.file)).map((o) => ({ file: o.file, name: 'urlpatterns' }));
    }
    // Python: name the router / blueprint has where it is declared, and the module it is imported from
    const imp = importsOf.get(mt.file)?.get(local!);
    let name: string;
    let mod: string | undefined;
    if (!imp) {
      if (member) return []; // attribute of something not imported: unknown
      name = local!;
      const here = pyOwners(name).filter((o) => o.file === mt.file);
      if (here.length) return here.map((o) => ({ file: o.file, name }));
    } else if (member) {
      name = member; // `from app import items` + items.router, or `import items` + items.router
      mod = imp.member ? `${imp.module}${imp.module.endsWith('.') ? '' : '.'}${imp.member}` : imp.module;
    } else {
      name = imp.member;
      mod = imp.module;
    }
    const cands = pyOwners(name);
    const byModule = mod ? cands.filter((o) => pyModuleMatches(mt.file, mod!, o.file)) : [];
    return (byModule.length ? byModule : cands).map((o) => ({ file: o.file, name }));
  };
  /** Python: where a route's blueprint / router is declared — this file, or the module it is imported from */
  const homeOf = (file: string, name: string): { file: string; name: string }[] => {
    if (pyOwners(name).some((o) => o.file === file)) return [{ file, name }];
    const imp = importsOf.get(file)?.get(name);
    if (!imp || !imp.member) return [{ file, name }];
    const cands = pyOwners(imp.member).filter((o) => pyModuleMatches(file, imp.module, o.file));
    return cands.length ? cands.map((o) => ({ file: o.file, name: o.name })) : [{ file, name }];
  };
  /** prefixes under which an owner (file, name) is served; its own prefix (or '') for an owner nobody mounts */
  const memo = new Map<string, { prefix: string; via: string[] }[]>();
  const prefixesOf = (file: string, name: string | null, lang: RouteLang, depth: number): { prefix: string; via: string[] }[] => {
    const key = `${lang}\u0000${file}\u0000${name ?? ''}`;
    const hit = memo.get(key);
    if (hit) return hit;
    memo.set(key, [{ prefix: '', via: [] }]); // a cycle ends here
    const own = (ownersByName.get(ownerKey(lang, name ?? '')) ?? []).find((o) => o.file === file);
    const out: { prefix: string; via: string[] }[] = [];
    if (depth < 8) {
      for (const mt of mounts) {
        if (MOUNT_LANG[mt.kind] !== lang) continue;
        // a module mounted as a whole: Express / Koa its routers (not an app), Fastify every route of the plugin's file
        const targets = targetOf(mt).filter((t) => t.file === file && (t.name === null ? mt.kind === 'fastify' || (name !== null && name !== 'app') : t.name === name));
        if (!targets.length) continue;
        for (const parent of prefixesOf(mt.file, mt.parent, lang, depth + 1)) {
          // Flask: the registration's url_prefix replaces the blueprint's own; elsewhere the mount's path comes first
          const mine = mt.kind === 'flask' ? (mt.prefix ?? own?.prefix ?? '') : joinRoute(mt.prefix ?? '', own?.prefix ?? '');
          out.push({ prefix: joinRoute(joinRoute(parent.prefix, mt.parentPrefix ?? ''), mine), via: [...parent.via, `${mt.file}:${mt.line}`] });
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
      const { method, path, owner, lang, local, nest, ...site } = r;
      const shown = (p: string) => `${method ? method + ' ' : ''}${p}`;
      let served: { prefix: string; via: string[] }[];
      if (nest) {
        // NestJS: under each global prefix (none: as declared), except the routes its exclude list names
        served = globals.length ? globals.map((g) => (g.exclude.includes(routeKey(path)) ? { prefix: '', via: [] } : { prefix: g.prefix, via: [`${g.file}:${g.line}`] })) : [{ prefix: '', via: [] }];
      } else if (owner && lang !== 'java') {
        const homes = lang === 'py' ? homeOf(r.file, owner) : [{ file: r.file, name: owner }];
        served = homes.flatMap((h) => prefixesOf(h.file, h.name, lang, 0));
      } else served = [{ prefix: '', via: [] }];
      for (const { prefix: outer, via } of served) {
        const prefix = joinRoute(outer, local ?? '');
        if (prefix.includes(NO_PREFIX)) continue; // served under a prefix that cannot be read
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
