/**
 * Route prefixes of more frameworks (h38; the first ones are in source-links-routes.test.ts): Koa (@koa/router
 * `new Router({ prefix })`, `router.prefix()`, nested `router.use('/x', child.routes())`), Fastify (`register(plugin,
 * { prefix })`), NestJS (`@Controller('cats')` + `@Get(':id')`, `app.setGlobalPrefix('api', { exclude })`), Django
 * (`path('api/', include('shop.urls'))`), Go chi (`r.Route("/api", func(r chi.Router) {…})`, `r.Mount("/admin",
 * adminRouter())`), gin (`v1 := router.Group("/v1")`, a group handed to a function of another package), ASP.NET
 * minimal APIs (`app.MapGroup("/todos")`, a group extension method). Each framework's fixture
 * (test/fixtures/source-links/route-prefixes/<framework>/) is scanned as its own workspace; a route served only under another
 * prefix must get no link.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SourceIndex } from '../../../../src/core/source/resolve';
import { scanWorkspace } from '../../../../src/sources/workspace-scan';
import { hostileRouteFiles } from '../../../helpers/hostile-sources';

const ROUTES = join(__dirname, '../../../fixtures/source-links/route-prefixes');
const at = (idx: SourceIndex, name: string) => {
  const b = idx.best(name);
  return b ? `${b.file}:${b.line}` : undefined;
};
async function check(dir: string, want: [string, string | undefined][]): Promise<SourceIndex> {
  const { index } = await scanWorkspace(join(ROUTES, dir));
  assert.deepEqual(
    want.map(([name]) => [name, at(index, name)]),
    want,
  );
  return index;
}

test('Koa: new Router({ prefix }), router.prefix(), routers nested with use(path, child.routes())', async () => {
  const idx = await check('koa', [
    ['GET /api/items/:id', 'routes/items.js:5'],
    ['POST /api/items', 'routes/items.js:9'],
    ['GET /items/:id', undefined], // items' own prefix, but the router is only served under api's /api
    ['GET /api/users/:userId', 'routes/users.js:5'],
    ['GET /users/:userId', undefined],
    ['GET /admin/stats', 'routes/admin.js:6'],
    ['GET /stats', undefined],
    ['GET /health', 'app.js:15'],
    ['GET /api/health', undefined],
  ]);
  assert.equal(idx.best('GET /api/items/:id')?.route, 'GET /:id under /api/items (app.js:19, app.js:12)');
});

test('Fastify: plugins registered with { prefix }, required or imported, and a plugin registered without one', async () => {
  await check('fastify', [
    ['GET /v1/user/:id', 'routes/v1/users.js:2'],
    ['GET /v2/user/:id', 'routes/v2/users.js:2'],
    ['GET /user/:id', undefined],
    ['GET /health', 'routes/health.js:2'],
    ['GET /api/orders/:orderId', 'src/routes/orders.ts:5'],
    ['POST /api/orders', 'src/routes/orders.ts:9'],
    ['GET /:orderId', undefined],
    ['POST /', undefined],
  ]);
});

test('NestJS: @Controller prefixes, the global prefix from main.ts and its exclude list', async () => {
  const idx = await check('nest', [
    ['POST /api/cats', 'src/cats/cats.controller.ts:10'],
    ['GET /api/cats', 'src/cats/cats.controller.ts:15'],
    ['GET /api/cats/:id', 'src/cats/cats.controller.ts:20'],
    ['GET /api/cats/{id}', 'src/cats/cats.controller.ts:20'],
    ['DELETE /api/cats/:id', 'src/cats/cats.controller.ts:25'],
    ['GET /cats/:id', undefined], // served under the global prefix only
    ['PUT /api/cats/:id', undefined],
    ['GET /api/owners/:ownerId/cats', 'src/owners/owners.controller.ts:9'],
    ['GET /health', 'src/owners/owners.controller.ts:17'], // excluded from the global prefix
    ['GET /api/health', undefined],
  ]);
  assert.deepEqual(idx.best('GET /api/cats/:id'), {
    file: 'src/cats/cats.controller.ts',
    line: 20,
    function: 'findOne',
    origin: 'search',
    route: 'GET /cats/:id under /api (src/main.ts:8)',
    how: 'route',
  });
});

test('Django: path() under include() of a module named by a string or imported; the instrumentation\'s span names', async () => {
  await check('django', [
    ['GET api/items/<int:pk>/', 'shop/urls.py:8'], // opentelemetry-instrumentation-django: "{method} {route}"
    ['GET /api/items/{pk}', 'shop/urls.py:8'],
    ['GET api/items/', 'shop/urls.py:7'],
    ['POST api/orders/<uuid:order_id>/lines/', 'shop/urls.py:9'],
    ['GET items/<int:pk>/', undefined], // shop.urls is only included under api/
    ['GET about/', 'pages/urls.py:6'],
    ['GET api/about/', undefined],
    ['GET blog/', undefined], // the module docstring's example
  ]);
});

test('Go chi: r.Route closures nested, r.Mount of a function returning a router', async () => {
  await check('chi', [
    ['GET /healthz', 'main.go:14'],
    ['GET /api/items/{itemID}', 'main.go:18'],
    ['POST /api/orders', 'main.go:20'],
    ['GET /api/orders/{orderID}', 'main.go:21'],
    ['GET /items/{itemID}', undefined],
    ['GET /orders/{orderID}', undefined],
    ['GET /admin/accounts/{accountID}', 'main.go:34'],
    ['GET /accounts/{accountID}', undefined],
  ]);
});

test('Go gin: router.Group variables, a group handed to a function of another package', async () => {
  await check('gin', [
    ['GET /ping', 'main.go:11'],
    ['POST /v1/login', 'main.go:16'],
    ['GET /v1/items/:id', 'main.go:17'],
    ['GET /items/:id', undefined],
    ['GET /api/orders/:id', 'handlers/orders.go:12'],
    ['POST /api/orders', 'handlers/orders.go:13'],
    ['GET /orders/:id', undefined],
  ]);
});

test('ASP.NET minimal APIs: MapGroup variables, chained MapGroup, a route group extension method', async () => {
  await check('minimal', [
    ['GET /', 'Program.cs:6'],
    ['GET /todos', 'Program.cs:9'],
    ['GET /todos/{id:int}', 'Program.cs:10'],
    ['GET /{id:int}', undefined],
    ['GET /api/products/{id}', 'Endpoints/ProductsEndpoints.cs:8'],
    ['POST /api/products', 'Endpoints/ProductsEndpoints.cs:9'],
    ['GET /products/{id}', undefined],
    ['GET /{id}', undefined],
  ]);
});

test('prefixes in comments and strings are not followed; unknown or run-time prefixes give no link', () => {
  const idx = SourceIndex.build([
    {
      path: 'main.go',
      text: [
        'package main',
        'func main() {',
        '\tr := chi.NewRouter()',
        '\t// r.Route("/commented", func(r chi.Router) {',
        '\tr.Route(prefix, func(r chi.Router) {',
        '\t\tr.Get("/x", h)',
        '\t})',
        '\tg := r.Group(base + "/v1")',
        '\tg.GET("/y", h)',
        '}',
      ].join('\n'),
    },
    { path: 'app.controller.ts', text: "// @Controller('nope')\n@Controller(PREFIX)\nexport class A {\n  @Get('z')\n  z() {}\n}\n" },
  ]);
  assert.equal(at(idx, 'GET /commented/x'), undefined);
  assert.equal(at(idx, 'GET /x'), undefined, 'served under a prefix the index cannot read');
  assert.equal(at(idx, 'GET /y'), undefined);
  assert.equal(at(idx, 'GET /z'), undefined);
  assert.equal(at(idx, 'GET /nope/z'), undefined);
});

test('hostile files (5,000 unclosed chi closures, controllers, MapGroup variables): the last of each is still found', () => {
  // how the build time grows with n is measured by bench/source-hostile.mjs (linear ≈ ×4 per ×4 n), not timed here
  const idx = SourceIndex.build(hostileRouteFiles(5000));
  assert.equal(at(idx, 'GET /c4999/x'), 'c.controller.ts:24998');
  assert.equal(at(idx, 'GET /g4999/x'), 'Program.cs:10000');
  idx.lookup('GET /p1/g/x');
});

test('groups with middleware arguments, chi With chains, and groups built by an expression', () => {
  const idx = SourceIndex.build([
    {
      path: 'main.go',
      text: [
        'package main',
        'func main() {',
        '\te := echo.New()',
        '\tadmin := e.Group("/admin", middleware.BasicAuth(check))',
        '\tadmin.GET("/users/:id", getUser)',
        '\tr := chi.NewRouter()',
        '\tr.Route("/api", func(r chi.Router) {',
        '\t\tr.With(paginate).Get("/items", listItems)',
        '\t})',
        '\tnewGroup(r).Get("/lost", h)',
        '}',
      ].join('\n'),
    },
    { path: 'Program.cs', text: 'var app = builder.Build();\nvar v1 = app.MapGroup(Prefix("v1"));\nv1.MapGet("/a", () => 1);\napp.MapGroup(Prefix("v2")).MapGet("/b", () => 2);\n' },
  ]);
  assert.equal(at(idx, 'GET /admin/users/:id'), 'main.go:5');
  assert.equal(at(idx, 'GET /users/:id'), undefined);
  assert.equal(at(idx, 'GET /api/items'), 'main.go:8');
  assert.equal(at(idx, 'GET /items'), undefined);
  assert.equal(at(idx, 'GET /lost'), undefined);
  assert.equal(at(idx, 'GET /a'), undefined);
  assert.equal(at(idx, 'GET /b'), undefined);
});
