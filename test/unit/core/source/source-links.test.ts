/**
 * Source links on code a user would really write (walkthrough 2026-12-07, notes/walkthrough-source-links-2026-12-07.md):
 * the line that opens the span — not a comment, a docstring or a log message that mentions the call; names given by
 * constants, built at run time, Java's @WithSpan and .NET's StartActivity(); several equally likely lines said so.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SourceIndex } from '../../../../src/core/source/resolve';
import { nonCodeRanges, isCode } from '../../../../src/core/source/lexer';
import { scanWorkspace } from '../../../../src/sources/workspace-scan';

const SHOP = join(__dirname, '../../../fixtures/source-links/shop');

const at = (idx: SourceIndex, name: string, service?: string) => {
  const b = idx.best(name, service);
  return b ? `${b.file}:${b.line}` : undefined;
};

test('a call mentioned in a comment, a docstring, a JSDoc block or a log message is not the line that opens the span', () => {
  const idx = SourceIndex.build([
    {
      path: 'app/users.ts',
      text: [
        '/**',
        " * we add a child span, e.g. tracer.startActiveSpan('load-user', ...).", // 2
        ' */',
        'export async function getUser(id: string) {',
        "  // const legacy = tracer.startSpan('load-user'); // old code", // 5
        "  /* tracer.startSpan('load-user') */",
        "  return tracer.startActiveSpan('load-user', async (span) => {", // 7
        '    span.end();',
        '  });',
        '}',
      ].join('\n'),
    },
    {
      path: 'app/recommend.py',
      text: [
        '"""Usage::',
        '',
        '    with tracer.start_as_current_span("recommend"):', // 3, docstring
        '"""',
        'def recommend(user_id):',
        '    log.debug("recommend: start_as_current_span(\'recommend\') for %s", user_id)', // 6, log message
        "    # with tracer.start_as_current_span('recommend'):", // 7
        '    with tracer.start_as_current_span("recommend"):', // 8
        '        pass',
      ].join('\n'),
    },
    { path: 'svc/main.go', text: 'package main\n\n// Charge opens its span with tracer.Start(ctx, "charge").\nfunc Charge(ctx context.Context) {\n\tctx, span := tracer.Start(ctx, "charge")\n\tdefer span.End()\n}\n' },
    { path: 'svc/A.java', text: 'class A {\n  /* tracer.spanBuilder("place").startSpan() */\n  String doc = "call tracer.spanBuilder(\\"place\\")";\n  void run() {\n    Span s = tracer.spanBuilder("place").startSpan();\n  }\n}\n' },
  ]);
  assert.equal(at(idx, 'load-user'), 'app/users.ts:7');
  assert.deepEqual(idx.lookup('load-user').map((m) => m.line), [7], 'only the real call is indexed');
  assert.equal(at(idx, 'recommend'), 'app/recommend.py:8');
  assert.deepEqual(idx.lookup('recommend').map((m) => m.line), [8]);
  assert.equal(at(idx, 'charge'), 'svc/main.go:5');
  assert.equal(idx.best('charge')?.function, 'Charge');
  assert.deepEqual(idx.lookup('place').map((m) => m.line), [5]);
});

test('the comment and string scanner: template code is code, strings of every family are not', () => {
  const mask = (path: string, text: string) => {
    const r = nonCodeRanges(path, text);
    return [...text].map((c, i) => (isCode(r, i) ? c : c === '\n' ? '\n' : '_')).join('');
  };
  assert.equal(mask('a.ts', "const a = `x ${f('y')} w`; // c\n"), 'const a = _____f(___)}___; ____\n');
  assert.equal(mask('a.py', 'x = f"a{b}" # c\ns = r\'\\\'\'\n'), 'x = _______ ___\ns = _____\n');
  assert.equal(mask('a.rs', "fn f<'a>(x: &'a str) { let c = 'x'; span!(\"s\"); }"), "fn f<'a>(x: &'a str) { let c = ___; span!(___); }");
  assert.equal(mask('a.cs', 'var s = @"C:\\x"""; // hi\nGo();'), 'var s = @________; _____\nGo();');
  assert.equal(mask('a.go', 'x := `raw\\` + "s" // c\n'), 'x := ______ + ___ ____\n');
  // an unterminated quote masks at most the rest of its line
  assert.equal(mask('a.java', "char c = ';\nrun();"), 'char c = __\nrun();');
});

test('a name given by a constant links to the call that uses it (same file, or a SCREAMING_CASE / dotted constant from another file)', () => {
  const idx = SourceIndex.build([
    { path: 'api/tracing.ts', text: "export const SPANS = {\n  loadUser: 'load-user',\n};\nexport const SPAN_RESERVE = 'reserve-stock';\n" },
    { path: 'api/users.ts', text: "import { SPANS } from './tracing';\nexport function getUser() {\n  return tracer.startActiveSpan(SPANS.loadUser, (s) => s.end());\n}\n" },
    { path: 'api/checkout.ts', text: "import { SPAN_RESERVE } from './tracing';\nasync function reserve() {\n  const span = tracer.startSpan(SPAN_RESERVE);\n}\n" },
    { path: 'rec/app.py', text: 'SPAN_FETCH = "fetch-features"\n\ndef fetch():\n    with tracer.start_as_current_span(SPAN_FETCH):\n        pass\n' },
    { path: 'pay/main.go', text: 'package main\n\nconst spanAuthorize = "authorize"\n\nfunc authorize(ctx context.Context) {\n\t_, span := tracer.Start(ctx, spanAuthorize)\n}\n' },
    { path: 'ord/O.java', text: 'class O {\n  private static final String SPAN_PERSIST = "persist-order";\n  void persist() {\n    Span span = tracer.spanBuilder(SPAN_PERSIST)\n      .startSpan();\n  }\n}\n' },
    { path: 'n/N.cs', text: 'class N {\n  private const string Send = "send-email";\n  void Run() {\n    using var a = Source.StartActivity(Send);\n  }\n}\n' },
    // a parameter is not a constant: `name` defined as a keyword argument elsewhere must not resolve it
    { path: 'x/wrap.py', text: 'def traced(name):\n    with tracer.start_as_current_span(name):\n        pass\n' },
    { path: 'x/use.py', text: 'traced(\n    name="wrapped-op",\n)\n' },
  ]);
  assert.equal(at(idx, 'load-user'), 'api/users.ts:3');
  assert.equal(at(idx, 'reserve-stock'), 'api/checkout.ts:3');
  assert.equal(idx.best('reserve-stock')?.function, 'reserve');
  assert.equal(at(idx, 'fetch-features'), 'rec/app.py:4');
  assert.equal(at(idx, 'authorize'), 'pay/main.go:6');
  assert.equal(at(idx, 'persist-order'), 'ord/O.java:4');
  assert.equal(at(idx, 'send-email'), 'n/N.cs:4');
  assert.equal(at(idx, 'wrapped-op'), undefined);
  // the literal still wins over a constant used in a test
  const two = SourceIndex.build([
    { path: 'src/app.py', text: 'SPAN = "fetch"\nwith tracer.start_as_current_span(SPAN):\n    pass\n' },
    { path: 'tests/test_app.py', text: 'with tracer.start_as_current_span("fetch"):\n    pass\n' },
  ]);
  assert.equal(at(two, 'fetch'), 'src/app.py:2');
});

test('a name built at run time links to the call that builds it, says so, and never beats an exact name', () => {
  const idx = SourceIndex.build([
    { path: 'a/checkout.ts', text: 'async function charge(provider: string) {\n  const span = tracer.startSpan(`charge ${provider}`);\n}\n' },
    { path: 'b/rec.py', text: 'def run_model():\n    with tracer.start_as_current_span(f"model {MODEL}"):\n        pass\n' },
    { path: 'c/main.go', text: 'package main\n\nfunc call(ctx context.Context, p string) {\n\t_, span := tracer.Start(ctx, fmt.Sprintf("provider %s", p))\n}\n' },
    { path: 'd/O.java', text: 'class O {\n  void q(String t) {\n    Span s = tracer.spanBuilder(String.format("query %s", t)).startSpan();\n  }\n}\n' },
    { path: 'e/N.cs', text: 'class N {\n  void Send(string k) {\n    using var a = Source.StartActivity($"send {k}");\n  }\n}\n' },
    { path: 'f/x.py', text: 'def f(x):\n    with tracer.start_as_current_span("upload " + x):\n        pass\n    with tracer.start_as_current_span("%s-%s" % (a, b)):\n        pass\n    with tracer.start_as_current_span(f"{verb}"):\n        pass\n' },
    { path: 'g/exact.ts', text: "tracer.startSpan('charge paypal');\n" },
  ]);
  const s = idx.best('charge stripe');
  assert.deepEqual(s, { file: 'a/checkout.ts', line: 2, function: 'charge', origin: 'search', template: 'charge ${provider}', how: 'template' });
  assert.equal(at(idx, 'charge paypal'), 'g/exact.ts:1', 'an exact name wins over a template');
  assert.equal(at(idx, 'model two-tower-v3'), 'b/rec.py:2');
  assert.equal(idx.best('model two-tower-v3')?.template, 'model {MODEL}');
  assert.equal(at(idx, 'provider stripe'), 'c/main.go:4');
  assert.equal(at(idx, 'query users'), 'd/O.java:3');
  assert.equal(at(idx, 'send welcome'), 'e/N.cs:3');
  assert.equal(at(idx, 'upload avatar.png'), 'f/x.py:2');
  // templates with (almost) no fixed text would match anything: not used
  assert.equal(at(idx, 'GET /api/users/:id'), undefined);
  assert.equal(at(idx, 'a-b'), undefined);
  assert.equal(at(idx, 'charge'), undefined, 'the hole needs at least one character');
  assert.deepEqual(idx.names().sort(), ['charge paypal'], 'templates are not names');
});

test("Java's @WithSpan (named, and bare: Class.method) and .NET's StartActivity() (the calling method's name)", () => {
  const idx = SourceIndex.build([
    {
      path: 'orders/OrderService.java',
      text: [
        'public class OrderService {',
        '    @WithSpan("validate-order")', // 2
        '    void validate(Order order) {',
        '    }',
        '',
        '    @WithSpan(value = "price", kind = SpanKind.CLIENT)', // 6
        '    public Money price(Order order) {',
        '        return null;',
        '    }',
        '',
        '    @WithSpan', // 11
        '    @Timed',
        '    void reserve(Order order) {',
        '    }',
        '    // @WithSpan on persist was removed', // 15
        '    void persist() {}',
        '}',
      ].join('\n'),
    },
    {
      path: 'notify/NotifyService.cs',
      text: [
        'public class NotifyService',
        '{',
        '    public void SendEmail(string to)',
        '    {',
        '        using var activity = Source.StartActivity("send-email");', // 5
        '    }',
        '    public string Render(string to)',
        '    {',
        '        using var activity = Source.StartActivity();', // 9
        '        return to;',
        '    }',
        '    void Poll()',
        '    {',
        '        using var activity = Source.StartActivity(ActivityKind.Consumer);', // 14
        '    }',
        '}',
      ].join('\n'),
    },
  ]);
  assert.deepEqual(idx.best('validate-order'), { file: 'orders/OrderService.java', line: 2, function: 'validate', origin: 'search' });
  assert.equal(at(idx, 'price'), 'orders/OrderService.java:6');
  assert.deepEqual(idx.best('OrderService.reserve'), { file: 'orders/OrderService.java', line: 11, function: 'reserve', origin: 'search' });
  assert.equal(at(idx, 'OrderService.persist'), undefined, 'an annotation in a comment opens nothing');
  assert.deepEqual(idx.best('send-email'), { file: 'notify/NotifyService.cs', line: 5, function: 'SendEmail', origin: 'search' });
  assert.equal(at(idx, 'Render'), 'notify/NotifyService.cs:9');
  assert.equal(at(idx, 'Poll'), 'notify/NotifyService.cs:14');
});

test('equally likely lines are not a silent guess: the link lists the others in `also`', () => {
  const q = (table: string) => `export async function find${table}() {\n  const span = tracer.startSpan('db.query');\n  span.end();\n}\n`;
  const idx = SourceIndex.build([
    { path: 'src/orders-repo.ts', text: q('Orders') },
    { path: 'src/users-repo.ts', text: q('Users') },
    { path: 'test/repo.test.ts', text: q('Test') },
  ]);
  const b = idx.best('db.query', 'shop-api');
  assert.equal(`${b?.file}:${b?.line}`, 'src/orders-repo.ts:2');
  assert.deepEqual(b?.also, [{ file: 'src/users-repo.ts', line: 2, function: 'findUsers' }], 'the test file is less likely, not listed');
  // a service named in one path is not ambiguous
  const svc = SourceIndex.build([
    { path: 'orders/repo.ts', text: q('O') },
    { path: 'users/repo.ts', text: q('U') },
  ]);
  assert.equal(svc.best('db.query', 'users')?.file, 'users/repo.ts');
  assert.equal(svc.best('db.query', 'users')?.also, undefined);
});

test('an HTTP server span named after its route links to the route\'s declaration, and says so', () => {
  const idx = SourceIndex.build([
    { path: 'api/server.ts', text: "// app.get('/api/users/:id') is declared below\nexport function routes(app) {\n  app.get('/api/users/:id', getUser);\n  router.post(\"/api/checkout\", checkout);\n}\n" },
    { path: 'rec/main.py', text: '@app.get("/recommend/{user_id}")\nasync def recommend(user_id: str):\n    return []\n\n@bp.route("/health")\ndef health():\n    return "ok"\n' },
    {
      path: 'orders/OrderController.java',
      text: '@RestController\n@RequestMapping("/orders")\npublic class OrderController {\n    @PostMapping\n    public void create() {}\n\n    @GetMapping("/{id}")\n    public Order get(@PathVariable String id) { return null; }\n}\n',
    },
    { path: 'pay/main.go', text: 'package main\n\nfunc main() {\n\tmux.HandleFunc("POST /charges/{id}", charge)\n\tr.GET("/refunds/:id", refund)\n}\n' },
    { path: 'notify/Program.cs', text: 'var app = builder.Build();\napp.MapPost("/notify/{channel}", (string channel) => Results.Ok());\n' },
  ]);
  assert.deepEqual(idx.best('GET /api/users/:id', 'shop-api'), { file: 'api/server.ts', line: 3, function: 'routes', origin: 'search', route: 'GET /api/users/:id', how: 'route' });
  assert.equal(at(idx, 'GET /api/users/{id}'), 'api/server.ts:3', 'the {param} spelling of the same route');
  assert.equal(at(idx, 'POST /api/checkout'), 'api/server.ts:4');
  assert.equal(at(idx, 'GET /api/checkout'), undefined, 'another method');
  assert.equal(at(idx, 'GET /recommend/{user_id}'), 'rec/main.py:1');
  assert.equal(at(idx, 'GET /health'), 'rec/main.py:5', 'route() serves every method');
  assert.equal(at(idx, 'GET /orders/{id}'), 'orders/OrderController.java:7', "the class's @RequestMapping prefix");
  assert.equal(at(idx, 'POST /orders'), 'orders/OrderController.java:4');
  assert.equal(at(idx, 'POST /charges/{id}'), 'pay/main.go:4');
  assert.equal(at(idx, 'GET /refunds/{id}'), 'pay/main.go:5');
  assert.equal(at(idx, 'POST /notify/{channel}'), 'notify/Program.cs:2');
  assert.equal(at(idx, 'GET'), undefined, 'a span named by the method alone has no route');
});

test('the user workspace of the walkthrough: every span opened in its code links to the line that opens it', async () => {
  const r = await scanWorkspace(SHOP);
  const want: [string, string, string | undefined][] = [
    ['shop-api', 'load-user', 'shop-api/src/users.ts:10'],
    ['shop-api', 'db.query', 'shop-api/src/db.ts:10'],
    ['shop-api', 'checkout', 'shop-api/src/checkout.ts:12'],
    ['shop-api', 'reserve-stock', 'shop-api/src/checkout.ts:21'],
    ['shop-api', 'charge stripe', 'shop-api/src/checkout.ts:27'],
    ['shop-api', 'GET /api/users/:id', 'shop-api/src/server.ts:10'],
    ['shop-api', 'GET /api/orders/:id', 'shop-api/src/routes/orders.ts:7'], // the orders router, mounted under /api/orders
    ['shop-api', 'GET /:id', undefined],
    ['recommend', 'recommend', 'services/recommend/app/recommend.py:37'],
    ['recommend', 'fetch-features', 'services/recommend/app/recommend.py:21'],
    ['recommend', 'score-items', 'services/recommend/app/recommend.py:26'],
    ['recommend', 'model two-tower-v3', 'services/recommend/app/recommend.py:32'],
    ['payments', 'charge', 'services/payments/main.go:18'],
    ['payments', 'authorize', 'services/payments/main.go:28'],
    ['payments', 'provider stripe', 'services/payments/main.go:35'],
    ['orders', 'place-order', 'services/orders/src/main/java/com/shop/orders/OrderService.java:18'],
    ['orders', 'validate-order', 'services/orders/src/main/java/com/shop/orders/OrderService.java:28'],
    ['orders', 'OrderService.reserve', 'services/orders/src/main/java/com/shop/orders/OrderService.java:33'],
    ['orders', 'persist-order', 'services/orders/src/main/java/com/shop/orders/OrderService.java:39'],
    ['notify', 'send-email', 'services/notify/NotifyService.cs:11'],
    ['notify', 'Render', 'services/notify/NotifyService.cs:18'],
  ];
  for (const [service, name, where] of want) assert.equal(at(r.index, name, service), where, `${service} / ${name}`);
});
