/** fast-check generators of random valid span sets, built straight into a SpanTable with the builder (the truth). */
import fc from 'fast-check';
import { SpanTableBuilder } from '../../../../src/core/model/builder';
import { AttrType, type AttrValue, type SpanTable } from '../../../../src/core/model/span-table';

export interface GenOptions {
  /** every time a multiple of 128 µs·ns (exact in µs and as a float64 ns): needed by Jaeger/Zipkin */
  microAligned: boolean;
  /** only scalar/bytes attribute values (Jaeger tags cannot hold arrays/maps/empty values) */
  scalarOnly: boolean;
  /** no Empty values, no link attributes, no event attributes (Zipkin) */
  zipkinSafe?: boolean;
}

type Val = { t: AttrType; raw: string; js: AttrValue };

const KEYS = ['http.method', 'http.status_code', 'db.statement', 'user.id', 'retry', 'ratio', 'payload', 'tags', 'meta', 'ünïcode.key'];
const NAMES = ['GET /', 'POST /checkout', 'db.query', 'cache get', 'process', '漢字 op', ''];
const SERVICES = ['frontend', 'checkout', 'payment', 'inventory'];

const hexArb = (len: number) => fc.array(fc.integer({ min: 0, max: 15 }), { minLength: len, maxLength: len }).map((a) => a.map((d) => d.toString(16)).join('')).filter((h) => !/^0+$/.test(h));

const jsonScalar: fc.Arbitrary<AttrValue> = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.boolean(),
  fc.integer({ min: -1e9, max: 1e9 }),
  fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }).filter((d) => !Number.isInteger(d)),
  // (-0 is not representable in JSON; it is excluded below)
);

function valArb(o: GenOptions): fc.Arbitrary<Val> {
  const scalars: fc.Arbitrary<Val>[] = [
    fc.string({ maxLength: 12 }).map((s) => ({ t: AttrType.String, raw: s, js: s })),
    fc.boolean().map((b) => ({ t: AttrType.Bool, raw: String(b), js: b })),
    fc.maxSafeInteger().map((n) => ({ t: AttrType.Int, raw: String(n), js: n })),
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((n) => {
      const js = Number.isSafeInteger(Number(n)) ? Number(n) : n.toString();
      return { t: AttrType.Int, raw: n.toString(), js };
    }),
    fc.double({ noNaN: true, noDefaultInfinity: true }).map((d0) => {
      const d = d0 === 0 ? 0 : d0; // JSON has no -0
      return { t: AttrType.Double, raw: String(d), js: d };
    }),
    fc.uint8Array({ maxLength: 12 }).map((u) => {
      const b64 = Buffer.from(u).toString('base64');
      return { t: AttrType.Bytes, raw: b64, js: b64 };
    }),
  ];
  if (!o.zipkinSafe && !o.scalarOnly) scalars.push(fc.constant({ t: AttrType.Empty, raw: '', js: null }));
  if (o.scalarOnly) return fc.oneof(...scalars);
  return fc.oneof(
    ...scalars,
    fc.array(jsonScalar, { maxLength: 4 }).map((a) => ({ t: AttrType.Array, raw: JSON.stringify(a), js: a })),
    fc.dictionary(fc.constantFrom('a', 'b', 'c.d', 'e'), jsonScalar, { maxKeys: 3 }).map((d) => ({ t: AttrType.KvList, raw: JSON.stringify(d), js: d })),
  );
}

function attrsArb(o: GenOptions, max = 4): fc.Arbitrary<[string, Val][]> {
  return fc.uniqueArray(fc.tuple(fc.constantFrom(...KEYS), valArb(o)), { maxLength: max, selector: (e) => e[0] });
}

const jsAttrs = (a: [string, Val][]): Record<string, AttrValue> => Object.fromEntries(a.map(([k, v]) => [k, v.js]));

export interface SpanSpec {
  trace: number;
  id: string;
  parent: number | 'missing' | 'root';
  missingParent: string;
  name: string;
  kind: number;
  status: number;
  message: string;
  resource: number;
  scope: number;
  startTick: number;
  durTick: number;
  subNs: number;
  attrs: [string, Val][];
  events: { tick: number; name: string; attrs: [string, Val][] }[];
  links: { trace: string; span: string; attrs: [string, Val][] }[];
  traceState: string;
}

export function modelArb(o: GenOptions): fc.Arbitrary<SpanTable> {
  const spanArb = fc.record({
    parentPick: fc.nat(),
    parentMode: fc.constantFrom('root', 'tree', 'tree', 'tree', 'missing'),
    missingParent: hexArb(16),
    name: fc.constantFrom(...NAMES),
    kind: fc.integer({ min: 0, max: 5 }),
    status: fc.integer({ min: 0, max: 2 }),
    message: fc.constantFrom('', 'boom', 'deadline exceeded'),
    resource: fc.nat(2),
    scope: fc.nat(2),
    startTick: fc.nat(1_000_000),
    durTick: fc.nat(100_000),
    subNs: o.microAligned ? fc.constant(0) : fc.nat(127_999),
    attrs: attrsArb(o),
    events: fc.array(
      fc.record({ tick: fc.nat(1_000_000), name: fc.constantFrom('exception', 'retry', 'cache.miss'), attrs: o.zipkinSafe ? fc.constant([] as [string, Val][]) : attrsArb({ ...o, scalarOnly: true }, 2) }),
      { maxLength: 2 },
    ),
    links: o.zipkinSafe
      ? fc.constant([] as { trace: string; span: string; attrs: [string, Val][] }[])
      : fc.array(fc.record({ trace: hexArb(32), span: hexArb(16), attrs: o.scalarOnly ? fc.constant([] as [string, Val][]) : attrsArb(o, 2) }), { maxLength: 1 }),
    traceState: o.zipkinSafe ? fc.constant('') : fc.constantFrom('', 'vendor=abc', 'a=1,b=2'),
  });
  const resourceArb = fc.record({ service: fc.constantFrom(...SERVICES), attrs: attrsArb({ ...o, scalarOnly: true, zipkinSafe: true }, 2) });
  const scopeArb = fc.record({ name: fc.constantFrom('', 'lib-a', 'io.opentelemetry.http'), version: fc.constantFrom('', '1.0.0') });
  return fc
    .record({
      resources: fc.array(resourceArb, { minLength: 3, maxLength: 3 }),
      scopes: fc.array(scopeArb, { minLength: 3, maxLength: 3 }),
      traces: fc.uniqueArray(hexArb(32), { minLength: 1, maxLength: 3 }),
      spans: fc.array(fc.tuple(fc.nat(2), spanArb), { minLength: 1, maxLength: 12 }),
      ids: fc.uniqueArray(hexArb(16), { minLength: 12, maxLength: 12 }),
    })
    .map(({ resources, scopes, traces, spans, ids }) => {
      const b = new SpanTableBuilder();
      const base = 1_700_000_000_000_000_000n;
      const TICK = 128_000n;
      const ns = (tick: number, sub = 0) => base + BigInt(tick) * TICK + BigInt(sub);
      const secNs = (v: bigint): [number, number] => [Number(v / 1_000_000_000n), Number(v % 1_000_000_000n)];
      const rIds = resources.map((r) => b.addResource(r.service, { 'service.name': r.service, ...jsAttrs(r.attrs) }));
      const sIds = scopes.map((s) => b.addScope(s.name, s.version));
      const placed: { trace: number; id: string }[] = [];
      spans.forEach(([tIdx, s], i) => {
        const trace = tIdx % traces.length;
        const id = ids[i]!;
        let parent = '';
        const sameTrace = placed.filter((p) => p.trace === trace);
        if (s.parentMode === 'tree' && sameTrace.length > 0) parent = sameTrace[s.parentPick % sameTrace.length]!.id;
        else if (s.parentMode === 'missing') parent = s.missingParent;
        const start = ns(s.startTick, s.subNs);
        b.addSpan({
          traceId: traces[trace]!,
          spanId: id,
          parentSpanId: parent,
          name: s.name,
          kind: s.kind,
          statusCode: s.status,
          statusMessage: s.status === 2 ? s.message : '',
          start: secNs(start),
          end: secNs(start + BigInt(s.durTick) * TICK),
          resource: rIds[s.resource]!,
          scope: sIds[s.scope]!,
          traceState: s.traceState,
          events: s.events.map((e) => ({ time: secNs(ns(e.tick)), name: e.name, attributes: jsAttrs(e.attrs) })),
          links: s.links.map((l) => ({ traceId: l.trace, spanId: l.span, attributes: jsAttrs(l.attrs) })),
        });
        for (const [k, v] of s.attrs) b.attrRaw(k, v.t, v.raw);
        placed.push({ trace, id });
      });
      return b.build();
    });
}
