/**
 * Source files built to make the source index quadratic if it ever looked back or forward from every match (to the
 * line's start, for the enclosing function or route group): minified lines of thousands of calls, routes or constants,
 * unclosed closures and argument lists, strings and comments that never end. Used by the unit tests under
 * test/unit/core/source/ (what the index finds — and refuses — in them) and by bench/source-hostile.mjs (how build time
 * grows with n: a same-run ratio; a timed unit test failed fresh-clone CI twice under load).
 */
import { declarationLines } from '../../src/core/source/function-link';
import { SourceIndex } from '../../src/core/source/resolve';

type Files = { path: string; text: string }[];

/** n chi Route closures that never close (each with a gin Group variable), n NestJS controllers, n MapGroup variables. */
export function hostileRouteFiles(n: number): Files {
  const go = 'package main\nfunc main() {\n' + Array.from({ length: n }, (_, i) => `\tr.Route("/p${i}", func(r chi.Router) {\n\t\tg${i} := r.Group("/g")\n\t\tg${i}.GET("/x", h)\n`).join('') + '}\n';
  const nest = Array.from({ length: n }, (_, i) => `@Controller('c${i}')\nexport class C${i} {\n  @Get('x')\n  x() {}\n}\n`).join('');
  const cs = Array.from({ length: n }, (_, i) => `var g${i} = app.MapGroup("/g${i}");\ng${i}.MapGet("/x", h);\n`).join('');
  return [
    { path: 'main.go', text: go },
    { path: 'c.controller.ts', text: nest },
    { path: 'Program.cs', text: cs },
  ];
}

/** One minified line of n span-opening calls. */
export const minifiedCalls = (n: number): Files => [{ path: 'dist/app.min.js', text: Array.from({ length: n }, (_, i) => `t.startSpan("s${i}");`).join('') + '\n' }];

/** One minified line of n route declarations, then one in a comment and one in a string. */
export const minifiedRoutes = (n: number): Files => [{
  path: 'server.min.js',
  text: Array.from({ length: n }, (_, i) => `app.get('/r${i}',h);`).join('') + "/* app.get('/hidden',h) */\nconst doc = \"app.get('/quoted', h)\";\n",
}];

/** A minified module of n span-name constants, and a caller of its last export. */
export const minifiedConstants = (n: number): Files => [
  { path: 'spans.min.js', text: 'var SPANS={' + Array.from({ length: n }, (_, i) => `k${i}:"span-${i}"`).join(',') + '};\nexport const SPAN_LAST = "last-span";\n' },
  { path: 'app.ts', text: 'tracer.startSpan(SPAN_LAST);\n' },
];

/** n Express mounts on one line. */
export const minifiedMounts = (n: number): Files => [{ path: 'big.js', text: Array.from({ length: n }, (_, i) => `app.use('/p${i}', r${i});`).join('') }];

/** A Java class of n calls and returns of get(…), then n declarations inside a comment that never ends. */
export const javaCallsNoDeclaration = (n: number): string =>
  'class A {\n' + '  void f() { get(1); return get(2); }\n'.repeat(n) + '/* ' + 'public void get() {\n'.repeat(n);

/** The cases bench/source-hostile.mjs times at n and 4n: name, default n, the work. */
export const HOSTILE_CASES: { name: string; n: number; run(n: number): unknown }[] = [
  { name: 'minified line of span calls', n: 10000, run: (n) => SourceIndex.build(minifiedCalls(n)).best('s1') },
  { name: 'minified line of routes', n: 5000, run: (n) => SourceIndex.build(minifiedRoutes(n)).best('GET /r1') },
  { name: 'minified module of constants', n: 25000, run: (n) => SourceIndex.build(minifiedConstants(n)).best('last-span') },
  { name: 'Express mounts on one line', n: 5000, run: (n) => SourceIndex.build(minifiedMounts(n)).lookup('GET /p1/x') },
  { name: 'route prefixes (chi, gin, NestJS, MapGroup)', n: 1250, run: (n) => SourceIndex.build(hostileRouteFiles(n)).lookup('GET /p1/g/x') },
  { name: 'function declarations (Java calls, comment)', n: 5000, run: (n) => declarationLines('A.java', javaCallsNoDeclaration(n), 'get') },
];
