/**
 * Source files built to make a route-prefix scan quadratic if it ever looked back or forward from every match: n chi
 * Route closures that never close (each holding a gin Group variable), n NestJS controllers, n ASP.NET MapGroup
 * variables. Used by test/unit/core/source/source-links-route-prefixes.test.ts (what the index finds in them) and
 * bench/source-hostile.mjs (how build time grows with n — a timing belongs in a bench, not a unit test).
 */
export function hostileRouteFiles(n: number): { path: string; text: string }[] {
  const go = 'package main\nfunc main() {\n' + Array.from({ length: n }, (_, i) => `\tr.Route("/p${i}", func(r chi.Router) {\n\t\tg${i} := r.Group("/g")\n\t\tg${i}.GET("/x", h)\n`).join('') + '}\n';
  const nest = Array.from({ length: n }, (_, i) => `@Controller('c${i}')\nexport class C${i} {\n  @Get('x')\n  x() {}\n}\n`).join('');
  const cs = Array.from({ length: n }, (_, i) => `var g${i} = app.MapGroup("/g${i}");\ng${i}.MapGet("/x", h);\n`).join('');
  return [
    { path: 'main.go', text: go },
    { path: 'c.controller.ts', text: nest },
    { path: 'Program.cs', text: cs },
  ];
}
