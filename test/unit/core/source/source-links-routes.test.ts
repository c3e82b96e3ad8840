/**
 * HTTP server spans of routes whose path is spread over several lines and files (walkthrough 2026-12-07, h36):
 * Express routers mounted with app.use('/api', router), Flask blueprints (url_prefix on the Blueprint and on
 * register_blueprint, which replaces it), FastAPI APIRouter(prefix=…) + include_router(prefix=…), ASP.NET controllers
 * ([Route("api/[controller]")] + [HttpGet("{id}")]). The fixture, test/fixtures/source-links/routes/, is written as the
 * frameworks' own documentation shows. A name the code does not serve gets no link, never a wrong one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { minifiedMounts } from '../../../helpers/hostile-sources';
import { SourceIndex } from '../../../../src/core/source/resolve';
import { scanWorkspace } from '../../../../src/sources/workspace-scan';

const ROUTES = join(__dirname, '../../../fixtures/source-links/routes');
const at = (idx: SourceIndex, name: string, service?: string) => {
  const b = idx.best(name, service);
  return b ? `${b.file}:${b.line}` : undefined;
};

test('the routes workspace: every server span links to the line declaring its route, prefixes followed across files', async () => {
  const { index } = await scanWorkspace(ROUTES);
  const want: [string, string | undefined][] = [
    // Express: app.use('/api', items) — items = require('./routes/items'); a destructured require; an ESM import of
    // './orders.js' that is orders.ts; a router mounting another router
    ['GET /api/items/:id', 'express/routes/items.js:5'],
    ['POST /api/items', 'express/routes/items.js:9'],
    ['GET /api/users/:userId', 'express/routes/users.js:4'],
    ['DELETE /api/users/{userId}', 'express/routes/users.js:5'],
    ['GET /v1/orders/:orderId', 'express/src/orders.ts:6'],
    ['GET /v1/orders/:orderId/lines/:lineId', 'express/src/lines.ts:5'],
    ['POST /items', undefined], // items.js's route is served under /api only
    // Flask: register_blueprint(orders_bp, url_prefix="/api/orders") replaces the blueprint's own "/orders"; the
    // routes' file imports bp from the package (`from . import bp`); auth.bp keeps its own "/auth"
    ['GET /api/orders/<int:order_id>', 'flask/shop/orders/views.py:6'],
    ['GET /api/orders/{order_id}', 'flask/shop/orders/views.py:6'],
    ['POST /api/orders', 'flask/shop/orders/views.py:11'],
    ['GET /orders/<int:order_id>', undefined],
    ['POST /auth/login', 'flask/shop/auth.py:10'],
    ['GET /login', undefined],
    // FastAPI "Bigger Applications": APIRouter(prefix="/items"), include_router(admin.router, prefix="/admin")
    ['GET /items/{item_id}', 'fastapi/app/routers/items.py:18'],
    ['PUT /items/{item_id}', 'fastapi/app/routers/items.py:25'],
    ['GET /items/', 'fastapi/app/routers/items.py:13'],
    ['GET /users/{username}', 'fastapi/app/routers/users.py:11'],
    ['POST /admin/', 'fastapi/app/internal/admin.py:6'],
    ['POST /', undefined],
    // ASP.NET Core: the span is named "{method} {http.route}", the route template without a leading slash
    ['GET api/Products', 'aspnet/Controllers/ProductsController.cs:14'],
    ['GET api/Products/{id:int}', 'aspnet/Controllers/ProductsController.cs:18'],
    ['POST api/Products', 'aspnet/Controllers/ProductsController.cs:27'],
    ['DELETE admin/products/{id}', 'aspnet/Controllers/ProductsController.cs:35'],
    ['DELETE api/Products/{id}', undefined], // the absolute template ignores the controller's route
    ['GET Reports/Daily', 'aspnet/Controllers/ReportsController.cs:8'],
    ['HEAD Reports/Day/{day}', 'aspnet/Controllers/ReportsController.cs:14'],
  ];
  const got = want.map(([name]) => [name, at(index, name)]);
  assert.deepEqual(got, want);
});

test('a linked route says where its prefix comes from, and the controller action is the function', async () => {
  const { index } = await scanWorkspace(ROUTES);
  assert.deepEqual(index.best('GET /api/items/:id'), {
    file: 'express/routes/items.js',
    line: 5,
    origin: 'search',
    route: 'GET /items/:id under /api (express/app.js:9)',
    how: 'route',
  });
  assert.equal(index.best('GET /v1/orders/:orderId/lines/:lineId')?.route, 'GET /:lineId under /v1/orders/:orderId/lines (express/src/server.ts:7, express/src/orders.ts:9)');
  assert.equal(index.best('POST /api/orders')?.route, 'POST / under /api/orders (flask/shop/__init__.py:12)');
  assert.deepEqual(index.best('GET api/Products/{id:int}'), {
    file: 'aspnet/Controllers/ProductsController.cs',
    line: 18,
    function: 'GetByIdAsync',
    origin: 'search',
    route: 'GET api/Products/{id:int}',
    how: 'route',
  });
});

test('two blueprints of the same name registered where the import cannot tell which: both listed, neither silently', () => {
  const idx = SourceIndex.build([
    { path: 'a/views.py', text: 'from flask import Blueprint\nbp = Blueprint("a", __name__)\n\n@bp.route("/items")\ndef items():\n    return []\n' },
    { path: 'b/views.py', text: 'from flask import Blueprint\nbp = Blueprint("b", __name__)\n\n@bp.route("/items")\ndef items():\n    return []\n' },
    { path: 'app.py', text: 'from flask import Flask\nfrom plugins import bp\napp = Flask(__name__)\napp.register_blueprint(bp, url_prefix="/api")\n' },
  ]);
  const b = idx.best('GET /api/items');
  assert.equal(b?.file, 'a/views.py');
  assert.deepEqual(b?.also, [{ file: 'b/views.py', line: 4, function: 'items' }]);
});

test('mounts in comments, strings and hostile argument lists are ignored; the scan stays linear', () => {
  const idx = SourceIndex.build([
    { path: 'r.js', text: "const router = require('express').Router();\nrouter.get('/x', h);\nmodule.exports = router;\n" },
    {
      path: 'app.js',
      text: [
        "const r = require('./r');",
        "// app.use('/commented', r);",
        "const s = \"app.use('/quoted', r)\";",
        "app.use('/open', r" + ', x'.repeat(100000), // an argument list that never closes
      ].join('\n'),
    },
  ]);
  assert.equal(at(idx, 'GET /commented/x'), undefined);
  assert.equal(at(idx, 'GET /quoted/x'), undefined);
  assert.equal(at(idx, 'GET /open/x'), undefined);
  assert.equal(at(idx, 'GET /x'), 'r.js:2', 'mounted nowhere: the route as declared');
  // 20,000 mounts on one line: built (how the time grows: bench/source-hostile.mjs)
  assert.equal(SourceIndex.build(minifiedMounts(20000)).lookup('GET /p1/x').length, 0);
});
