
import type { AggDetail } from '../aggregate/tree';
import { mannWhitney, pValue as pText } from '../stats/index';
import { fmt, type Cand, type Ctx } from './context';

export function refineByAttribute(c: Cand, ctx: Ctx): void {
  const { b, i, diff } = ctx;
  if (!b || !i) return;
  if (c.kind !== 'self_time' && c.kind !== 'queueing') return;
  const iNodes = new Set<number>();
  const bNodes = new Set<number>();
  for (const d of c.nodes) {
    if (diff.incidentNodeOf[d]! >= 0) iNodes.add(diff.incidentNodeOf[d]!);
    if (diff.baselineNodeOf[d]! >= 0) bNodes.add(diff.baselineNodeOf[d]!);
  }
  const useParent = c.kind === 'queueing';
  type Acc = Map<string, Map<string, { n: number; sum: number }>>;
  const collect = (det: AggDetail, nodes: Set<number>, cap: number): { acc: Acc; n: number; sum: number } => {
    const m = det.model;
    // span attributes are accumulated on interned ids (no strings per span), resource attributes per resource
    const spanAcc = new Map<number, Map<number, { n: number; sum: number }>>();
    const resAcc = new Map<number, { n: number; sum: number }>();
    let n = 0;
    let total = 0;
    let count = 0;
    const inNode = new Uint8Array(det.tree.nodes.length);
    for (const v of nodes) inNode[v] = 1;
    for (let r = 0; r < det.nodeOf.length; r++) if (det.nodeOf[r]! >= 0 && inNode[det.nodeOf[r]!]) count++;
    const stride = Math.max(1, Math.ceil(count / cap));
    let seen = 0;
    for (let r = 0; r < det.nodeOf.length; r++) {
      const node = det.nodeOf[r]!;
      if (node < 0 || !inNode[node]) continue;
      if (seen++ % stride !== 0) continue;
      const p = m.parent[r]!;
      const v = (useParent && p >= 0 ? det.selfNs[p]! : det.selfNs[r]!) / 1e6;
      n++;
      total += v;
      for (let a = m.attrOffset[r]!, e = m.attrOffset[r + 1]!; a < e; a++) {
        const k = m.attrKey[a]!;
        let km = spanAcc.get(k);
        if (!km) spanAcc.set(k, (km = new Map()));
        const val = m.attrVal[a]!;
        const x = km.get(val);
        if (x) {
          x.n++;
          x.sum += v;
        } else if (km.size <= 64) km.set(val, { n: 1, sum: v });
      }
      const res = m.resourceCol[r]!;
      const x = resAcc.get(res);
      if (x) {
        x.n++;
        x.sum += v;
      } else resAcc.set(res, { n: 1, sum: v });
    }
    const acc: Acc = new Map();
    const add = (key: string, val: string, e: { n: number; sum: number }) => {
      let km = acc.get(key);
      if (!km) acc.set(key, (km = new Map()));
      const x = km.get(val);
      if (x) {
        x.n += e.n;
        x.sum += e.sum;
      } else km.set(val, { n: e.n, sum: e.sum });
    };
    for (const [k, km] of spanAcc) for (const [val, e] of km) add(m.strings.get(k), m.strings.get(val), e);
    for (const [res, e] of resAcc) {
      const attrs = m.resources[res]?.attributes ?? {};
      for (const [k, val] of Object.entries(attrs)) if (k !== 'service.name' && (typeof val !== 'object' || val === null)) add(k, String(val), e);
    }
    return { acc, n, sum: total };
  };
  const inc = collect(i, iNodes, 200_000);
  if (inc.n < 6) return;
  const base = collect(b, bNodes, 200_000);
  const mB = base.n ? base.sum / base.n : 0;
  let best: { key: string; value: string; score: number; dv: number; nv: number; mv: number; refv: number; others: number } | null = null;
  for (const [key, vals] of inc.acc) {
    if (key.startsWith('code.')) continue;
    const distinct = vals.size;
    let covered = 0;
    for (const e of vals.values()) covered += e.n;
    if (covered < inc.n * 0.9) continue; // the key must be present on (nearly) every span
    const bVals = base.acc.get(key);
    if (distinct > 20 || (distinct > Math.max(2, inc.n / 3))) continue;
    if (distinct === 1) {
      const only = vals.keys().next().value as string;
      if (!bVals || bVals.has(only)) continue; // constant and unchanged: explains nothing
    }
    let totalContrib = 0;
    const rows: { value: string; n: number; mean: number; ref: number; contrib: number }[] = [];
    for (const [value, e] of vals) {
      const be = bVals?.get(value);
      const ref = be && be.n >= 3 ? be.sum / be.n : mB;
      const mean = e.sum / e.n;
      const contrib = (mean - ref) * e.n;
      totalContrib += contrib;
      rows.push({ value, n: e.n, mean, ref, contrib });
    }
    if (totalContrib <= 0) continue;
    rows.sort((x, y) => y.contrib - x.contrib);
    const top = rows[0]!;
    const dv = top.mean - top.ref;
    if (dv <= 0) continue;
    const rest = rows.slice(1);
    const restN = rest.reduce((s, r) => s + r.n, 0);
    const others = restN ? rest.reduce((s, r) => s + r.contrib, 0) / restN : 0;
    const frac = top.contrib / totalContrib;
    if (frac < 0.6 || others > 0.25 * dv) continue;
    if (restN === 0 && !(bVals && !bVals.has(top.value))) continue;
    const score = frac - Math.max(0, others) / dv - distinct * 1e-3 - key.length * 1e-6;
    if (!best || score > best.score) best = { key, value: top.value, score, dv, nv: top.n, mv: top.mean, refv: top.ref, others };
  }
  if (!best) return;
  // confirm with a test: spans with the value vs the others (or vs the baseline when every incident span has it)
  const withV: number[] = [];
  const without: number[] = [];
  {
    const m = i.model;
    const keyId = m.strings.lookup(best.key);
    for (let r = 0; r < i.nodeOf.length; r++) {
      if (!iNodes.has(i.nodeOf[r]!)) continue;
      const p = m.parent[r]!;
      const v = (useParent && p >= 0 ? i.selfNs[p]! : i.selfNs[r]!) / 1e6;
      let val: string | undefined;
      if (keyId >= 0) {
        for (let a = m.attrOffset[r]!, e = m.attrOffset[r + 1]!; a < e; a++) if (m.attrKey[a] === keyId) val = m.strings.get(m.attrVal[a]!);
      }
      if (val === undefined) {
        const rv = m.resources[m.resourceCol[r]!]?.attributes[best.key];
        if (rv !== undefined) val = String(rv);
      }
      (val === best.value ? withV : without).push(v);
      if (withV.length + without.length >= 200_000) break;
    }
  }
  let ref = without;
  if (ref.length < 3) {
    ref = [];
    for (let r = 0; r < b.nodeOf.length && ref.length < 200_000; r++) {
      if (!bNodes.has(b.nodeOf[r]!)) continue;
      const p = b.model.parent[r]!;
      ref.push((useParent && p >= 0 ? b.selfNs[p]! : b.selfNs[r]!) / 1e6);
    }
  }
  const t = mannWhitney(ref, withV, 'greater');
  if (!(t.p < ctx.alpha)) return;
  c.kind = 'attribute';
  c.attribute = { key: best.key, value: best.value };
  c.evidence.unshift(
    `only spans with ${best.key}=${best.value} got slower: ${useParent ? 'wait' : 'self time'} ${fmt(best.refv)} → ${fmt(best.mv)} per call on ${best.nv} spans; other values changed by ${fmt(best.others)}`,
    `${best.key}=${best.value} vs the rest: Mann-Whitney ${pText(t.p)}, Cliff's delta ${t.cliffsDelta.toFixed(2)}`,
  );
  c.summary = `${c.service} / ${c.name} is slower only when ${best.key}=${best.value} (${fmt(best.refv)} → ${fmt(best.mv)} per call)`;
}
