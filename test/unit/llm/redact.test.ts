import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRedactor } from '../../../src/llm/redact';
import { isLoopbackUrl, parseRetryAfter } from '../../../src/llm/provider';

describe('redaction', () => {
  const r = createRedactor();
  const cases: [string, RegExp, string][] = [
    ['mail bob.smith+x@corp.example.org now', /^mail email_\d+ now$/, 'bob.smith'],
    ['from 192.168.10.254:8080', /^from ip_\d+:8080$/, '192.168'],
    ['peer 2001:db8::1 and fe80::a1b2:3c4d', /^peer ip_\d+ and ip_\d+$/, 'db8'],
    ['Authorization: Bearer abc.def', /^Authorization: Bearer token_\d+$/, 'abc.def'],
    ['"authorization": "Basic dXNlcjpwYXNz"', /^"authorization": "Basic token_\d+"$/, 'dXNlcjpwYXNz'],
    ['token=Bearer xyz123', /Bearer token_\d+/, 'xyz123'],
    ['k=0123456789abcdef0123456789abcdef', /^k=hex_\d+$/, '0123456789abcdef'],
    ['aGVsbG8gd29ybGQgdGhpcyBpcyBhIHNlY3JldCBrZXk9 tail', /^secret_\d+ tail$/, 'aGVsbG8'],
    ['GET https://h.example/x/y?a=1&b=2#frag', /^GET https:\/\/h\.example\/x\/y\?query_\d+#frag$/, 'a=1'],
    ['password=hunter2', /^password=secret_\d+$/, 'hunter2'],
    // #14 item 15: by key name, whatever the key's prefix (\b fails after "_")
    ['db_password=hunter2', /^db_password=secret_\d+$/, 'hunter2'],
    ['"db_password": "hunter2"', /^"db_password": "secret_\d+"$/, 'hunter2'],
    ['x-api-key: k3y-v4lue', /^x-api-key: secret_\d+$/, 'k3y-v4lue'],
    ['STRIPE_SECRET_KEY=sk_live_abc', /^STRIPE_SECRET_KEY=secret_\d+$/, 'sk_live_abc'],
    ['user.session_id=8f3a9', /^user\.session_id=secret_\d+$/, '8f3a9'],
    ['Cookie: sessionid=abc123; csrftoken=def456', /^Cookie: cookie_\d+$/, 'abc123'],
    ['aws key AKIAIOSFODNN7EXAMPLE used', /^aws key aws_key_\d+ used$/, 'AKIAIOSFODNN7EXAMPLE'],
    ['card 4111 1111 1111 1111 paid', /^card card_\d+ paid$/, '4111'],
    ['card 4111-1111-1111-1111 paid', /^card card_\d+ paid$/, '4111'],
    ['call +44 20 7946 0958 now', /^call phone_\d+ now$/, '7946'],
    ['call (555) 123-4567 now', /^call phone_\d+ now$/, '123-4567'],
    ['ssn 123-45-6789 on file', /^ssn national_id_\d+ on file$/, '6789'],
    ['NI number AB 12 34 56 C', /national_id_\d+/, '12 34 56'],
    ['order 550e8400-e29b-41d4-a716-446655440000 done', /^order uuid_\d+ done$/, '550e8400'],
  ];
  for (const [input, re, secret] of cases)
    it(`redacts: ${input}`, () => {
      const out = r.redact(input);
      assert.match(out, re);
      assert.ok(!out.includes(secret), out);
    });
  it('leaves ordinary diagnosis text alone (durations, versions, dates, non-Luhn digit runs)', () => {
    const s = 'preprocess-request self time 2.6 ms → 775.3 ms at 12:30:45, p95 1.2.3, std::vector, v2, POST /predict on 2024-01-15, 1234567890123 rows';
    assert.equal(r.redact(s), s);
    for (const keep of ['GET /api/v2/inventory/items/reserve/batch', 'preprocess_request_handler_v2_something', '/users/profile/settings/update/v2/batch', 'tokens: 120', 'max_tokens=512'])
      assert.equal(r.redact(keep), keep.startsWith('max_tokens') ? r.redact(keep) : keep, keep);
  });
  it('redacts token-shaped secrets', () => {
    for (const secret of ['ghp_16C7e42F292c6912E7710c838347Ae178B4a', 'sk-proj-AbC123xYz789QwErTy456UiOp0aSdFgHjKl', 'c3VwZXJzZWNyZXRrZXkxMjM0NTY3ODkwYWJjZGVmZ2hpams='])
      assert.ok(!r.redact(`key ${secret} end`).includes(secret), secret);
  });
  it('stable placeholders: the same value → the same token; restore maps them back; credentials stay hidden on display', () => {
    const c = createRedactor();
    const a = c.redact('from 10.2.3.4 to 10.9.9.9, again 10.2.3.4, password=hunter2');
    assert.equal(a, 'from ip_1 to ip_2, again ip_1, password=secret_1');
    assert.equal(c.redact('later: 10.9.9.9'), 'later: ip_2');
    assert.equal(c.restore!('blame ip_1 (secret_1)'), 'blame 10.2.3.4 (hunter2)');
    assert.equal(c.restoreForDisplay!('blame ip_1 (secret_1), ip_7'), 'blame 10.2.3.4 (secret_1), ip_7');
    assert.deepEqual(c.redactions!().map((x) => [x.token, x.kind, x.original ?? null, x.count]).sort((x, y) => String(x[0]).localeCompare(String(y[0]))), [['ip_1', 'ip', '10.2.3.4', 2], ['ip_2', 'ip', '10.9.9.9', 2], ['secret_1', 'secret', null, 1]]);
  });
  it('service/operation names are left alone unless a credential or a user pattern matches them', () => {
    const c = createRedactor();
    c.protect!(['cache-node-10.2.3.4', 'GET /orders/550e8400-e29b-41d4-a716-446655440000', 'login password=hunter2', 'svc']);
    const ctx = JSON.stringify({ service: 'cache-node-10.2.3.4', operation: 'GET /orders/550e8400-e29b-41d4-a716-446655440000', other: 'login password=hunter2', peer: '10.2.3.4', cut: 'cache-node-10…' });
    const out = c.redact(ctx);
    assert.match(out, /"service":"cache-node-10\.2\.3\.4"/);
    assert.match(out, /"operation":"GET \/orders\/550e8400-e29b-41d4-a716-446655440000"/);
    assert.match(out, /"other":"login password=secret_1"/);
    assert.match(out, /"peer":"ip_1"/, 'the same address outside a name is redacted');
    const u = createRedactor({ patterns: ['cache-node-[0-9.]+'] });
    u.protect!(['cache-node-10.2.3.4']);
    assert.equal(u.redact('svc cache-node-10.2.3.4'), 'svc custom_1');
    assert.equal(u.restore!('custom_1'), 'cache-node-10.2.3.4');
  });
  it('values of sensitive attribute keys are replaced', () => {
    const c = createRedactor();
    assert.equal(c.redactValue!('db.password', 'hunter2'), 'secret_1');
    assert.equal(c.redactValue!('http.request.header.cookie', 'sid=1'), 'secret_2');
    assert.equal(c.redactValue!('model.version', 'v2'), 'v2');
    assert.equal(createRedactor({ enabled: false }).redactValue!('api_key', 'k'), 'k');
  });
  it('custom patterns and disabling', () => {
    const c = createRedactor({ patterns: ['tenant-[0-9]+', '/ACME/g'] });
    assert.equal(c.redact('tenant-42 of ACME'), 'custom_1 of custom_2');
    assert.equal(createRedactor({ enabled: false }).redact('a@b.com'), 'a@b.com');
    assert.throws(() => createRedactor({ patterns: ['(unclosed'] }), /Invalid redaction pattern/);
    assert.throws(() => createRedactor({ patterns: ['x*'] }), /empty string/);
  });
});

describe('provider helpers', () => {
  it('Retry-After in seconds and as a date', () => {
    assert.equal(parseRetryAfter('3'), 3);
    assert.equal(parseRetryAfter(new Date(10_000).toUTCString(), 4_000), 6);
    assert.equal(parseRetryAfter('soon'), undefined);
  });
  it('loopback detection for consent', () => {
    for (const u of ['http://127.0.0.1:11434', 'http://localhost:8000/v1', 'http://[::1]:1234']) assert.ok(isLoopbackUrl(u), u);
    for (const u of ['https://api.openai.com/v1', 'http://10.0.0.5:11434', 'http://localhost.evil.com']) assert.ok(!isLoopbackUrl(u), u);
  });
});

describe('redaction properties (fast-check)', () => {
  it('random emails, IPv4 addresses and bearer tokens inside random text never survive', async () => {
    const fc = await import('fast-check');
    const r = createRedactor();
    const word = fc.stringMatching(/^[a-z]{1,8}$/);
    const email = fc.tuple(fc.stringMatching(/^[a-z0-9._%+-]{1,12}$/), fc.stringMatching(/^[a-z0-9-]{1,10}$/), fc.constantFrom('com', 'org', 'io', 'example')).map(([u, d, t]) => `${u}${/^[a-z0-9]/.test(u) ? '' : 'x'}@${d}.${t}`);
    const ip = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
    const token = fc.stringMatching(/^[A-Za-z0-9._~+/-]{8,40}$/).map((t) => `Bearer ${t}`);
    fc.assert(
      fc.property(fc.array(word, { maxLength: 4 }), fc.oneof(email, ip, token), fc.array(word, { maxLength: 4 }), (a, secret, b) => {
        const text = `${a.join(' ')} ${secret} ${b.join(' ')}`;
        const out = r.redact(text);
        const core = secret.startsWith('Bearer ') ? secret.slice(7) : secret;
        return !out.includes(core) && /\b(email|ip|token)_\d+\b/.test(out);
      }),
      { numRuns: 500 },
    );
  });
});

describe('redaction time on long runs of word characters (a runaway model reply)', () => {
  it('60,000 letters, digits or dotted words without an "@" are redacted in well under a second each', () => {
    for (const s of ['x'.repeat(60_000), '7'.repeat(60_000), 'ab.'.repeat(20_000), 'a-b_c'.repeat(12_000)]) {
      const t0 = Date.now();
      createRedactor().redact(s);
      const ms = Date.now() - t0;
      assert.ok(ms < 1000, `${s.slice(0, 6)}… ×${s.length}: ${ms} ms`);
    }
    // still redacts an address at the end of a long run, and one inside text
    assert.doesNotMatch(createRedactor().redact('x'.repeat(5000) + ' bob.smith@example.com'), /bob\.smith@example\.com/);
    assert.doesNotMatch(createRedactor().redact('mail alice@example.org now'), /alice@example\.org/);
  });
});
