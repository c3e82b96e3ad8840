import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRedactor } from '../../../src/llm/redact';
import { isLoopbackUrl, parseRetryAfter } from '../../../src/llm/provider';

describe('redaction', () => {
  const r = createRedactor();
  const cases: [string, RegExp][] = [
    ['mail bob.smith+x@corp.example.org now', /REDACTED:email/],
    ['from 192.168.10.254:8080', /REDACTED:ip/],
    ['peer 2001:db8::1 and fe80::a1b2:3c4d', /REDACTED:ip/],
    ['Authorization: Bearer abc.def', /Authorization: Bearer \[REDACTED:auth\]/],
    ['"authorization": "Basic dXNlcjpwYXNz"', /REDACTED:auth/],
    ['token=Bearer xyz123', /Bearer \[REDACTED:token\]/],
    ['k=0123456789abcdef0123456789abcdef', /REDACTED:hex/],
    ['aGVsbG8gd29ybGQgdGhpcyBpcyBhIHNlY3JldCBrZXk9 tail', /REDACTED:secret/],
    ['GET https://h.example/x/y?a=1&b=2#frag', /https:\/\/h\.example\/x\/y\?\[REDACTED:query\]#frag/],
    ['password=hunter2', /password=\[REDACTED:secret\]/],
  ];
  for (const [input, re] of cases) it(`redacts: ${input}`, () => assert.match(r.redact(input), re));
  it('leaves ordinary diagnosis text alone', () => {
    const s = 'preprocess-request self time 2.6 ms → 775.3 ms at 12:30:45, p95 1.2.3, std::vector, v2, POST /predict';
    assert.equal(r.redact(s), s);
    for (const keep of ['GET /api/v2/inventory/items/reserve/batch', 'preprocess_request_handler_v2_something', '/users/profile/settings/update/v2/batch'])
      assert.equal(r.redact(keep), keep, keep);
  });
  it('redacts token-shaped secrets', () => {
    for (const secret of ['ghp_16C7e42F292c6912E7710c838347Ae178B4a', 'sk-proj-AbC123xYz789QwErTy456UiOp0aSdFgHjKl', 'c3VwZXJzZWNyZXRrZXkxMjM0NTY3ODkwYWJjZGVmZ2hpams='])
      assert.ok(!r.redact(`key ${secret} end`).includes(secret), secret);
  });
  it('custom patterns and disabling', () => {
    const c = createRedactor({ patterns: ['tenant-[0-9]+', '/ACME/g'] });
    assert.equal(c.redact('tenant-42 of ACME'), '[REDACTED:custom] of [REDACTED:custom]');
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
        return !out.includes(core) && out.includes('[REDACTED:');
      }),
      { numRuns: 500 },
    );
  });
});
