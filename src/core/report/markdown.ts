/**
 * Compact Markdown report of a diagnosis (and gate verdict) for a pull-request comment or $GITHUB_STEP_SUMMARY.
 * Everything that comes from the traces (service and span names, attribute values, evidence, file paths) is escaped:
 * no Markdown or HTML from a trace reaches the page, no @mention or autolink is formed. Pure.
 */
import type { Candidate, Diagnosis } from '../rca/diagnosis';
import type { GateResult } from '../gate/gate';
import { pValue as pText } from '../stats/index';
import { EFFECT_LEGEND, thinShareText } from '../format/figures';
import { blankUnsafe } from '../format/inert';
import { KIND_LABEL, regressionWords } from '../format';

/** Escape text for GitHub-flavoured Markdown (inline and table cells), bounded to `max` characters. */
export function escapeMd(s: string, max = 300): string {
  // control characters, bidi overrides/isolates, zero-width joiners that could hide text
  let t = blankUnsafe(String(s));
  if (t.length > max) t = t.slice(0, max - 1) + '…';
  return (
    t
      // no autolinks from trace text: break "scheme://" and "www."
      .replace(/:\/\//g, ':\u200b//')
      .replace(/www\./gi, (w) => w.slice(0, 3) + '\u200b.')
      .replace(/[\\`*_{}[\]()#+\-.!|<>~&"'$:=^]/g, (c) =>
        // quotes are backslash-escaped like other punctuation: no HTML can form (< > are entities), and the raw text
        // reads "caller's", not "caller&#39;s"
        c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : '\\' + c,
      )
      // no @mentions or #references: a zero-width space after the sign
      .replace(/@/g, '@\u200b')
      .replace(/\\#/g, '\\#\u200b')
  );
}

/** A link target that cannot break out of `(...)`: percent-encode everything but a safe URL alphabet. */
function safeHref(url: string): string {
  return url.replace(/[^A-Za-z0-9\-._~:/?#@!$&'*+,;=%]/g, (c) => encodeURIComponent(c)).replace(/[()'!*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

const ms = (v: number) => {
  const a = Math.abs(v);
  return a >= 1000 ? `${(v / 1000).toFixed(2)} s` : a >= 10 ? `${v.toFixed(0)} ms` : `${v.toFixed(1)} ms`;
};
const pc = (x: number) => (Number.isFinite(x) ? `${x >= 0 ? '+' : '−'}${Math.abs(x * 100).toFixed(Math.abs(x) < 0.1 ? 1 : 0)} %` : '+∞ %');

export interface MarkdownOptions {
  /** candidates in the table (default 5) */
  top?: number;
  /** builds the link to a source line (null: no link, the location is shown as text) */
  sourceHref?: (file: string, line: number) => string | null;
  /** a title suffix, e.g. the PR or run name (escaped) */
  title?: string;
}

function sourceCell(c: Candidate, opts: MarkdownOptions): string {
  if (!c.source) return '';
  const text = escapeMd(`${c.source.file}:${c.source.line}`, 160);
  const href = opts.sourceHref?.(c.source.file, c.source.line);
  // a link that is not certain says so: a name built at run time, other lines opening the same name
  const note = [c.source.template !== undefined ? 'name built at run time' : '', c.source.route !== undefined ? 'the route\'s declaration' : '', c.source.how === 'function' ? 'the declaration of its code.function' : '', c.source.also?.length ? `or ${c.source.also.length} other line${c.source.also.length > 1 ? 's' : ''}` : ''].filter(Boolean).join(', ');
  return (href ? `[${text}](${safeHref(href)})` : text) + (note ? ` _(${note})_` : '');
}

export function renderMarkdown(d: Diagnosis, gate: GateResult | null, opts: MarkdownOptions = {}): string {
  const out: string[] = [];
  const title = opts.title ? ` — ${escapeMd(opts.title, 120)}` : '';
  const regression = gate ? gate.verdict === 'regression' : d.rootCause !== null;
  // the engine knows which (walkthrough 2026-12-07 pm: "slower or failing more" whatever it found)
  const found = !d.regression ? 'slower or failing more' : regressionWords(d.regression) || null;
  const head = gate?.active
    ? regression
      ? '❌ Trace Doctor: performance regression'
      : '✅ Trace Doctor: no performance regression'
    : d.split?.method === 'slowest_decile'
      ? 'ℹ️ Trace Doctor: what makes the slowest traces slow'
      : d.rootCause
        ? `⚠️ Trace Doctor: ${found ? `the incident is ${found}` : 'the incident changed'}`
        : 'ℹ️ Trace Doctor: no change beyond noise';
  out.push(`### ${head}${title}`, '');
  if (gate) {
    const e = gate.endToEnd;
    out.push(
      '| end to end | baseline | incident | change |',
      '|:--|--:|--:|--:|',
      `| ${e.percentile} latency | ${ms(e.baselineMs)} | ${ms(e.incidentMs)} | ${pc(e.change)} |`,
      `| mean latency | ${ms(e.meanBaselineMs)} | ${ms(e.meanIncidentMs)} | ${pc(e.meanBaselineMs > 0 ? e.meanIncidentMs / e.meanBaselineMs - 1 : 0)} |`,
      `| traces with errors | ${(e.errorRate.baseline * 100).toFixed(1)} % | ${(e.errorRate.incident * 100).toFixed(1)} % | ${((e.errorRate.incident - e.errorRate.baseline) * 100 >= 0 ? '+' : '−')}${Math.abs((e.errorRate.incident - e.errorRate.baseline) * 100).toFixed(2)} pp |`,
      `| traces | ${e.traces.baseline} | ${e.traces.incident} | |`,
      '',
    );
    if (gate.active) {
      // the check texts hold trace text (the structure check and the latency line name entry points): escaped as such
      for (const c of gate.checks) out.push(`- ${c.status === 'fail' ? '❌' : '✅'} **${c.name}**: ${escapeMd(c.detail, 600)}`);
      out.push('');
    }
  } else if (d.latency) {
    out.push(`End-to-end mean latency ${ms(d.latency.baselineMs)} → ${ms(d.latency.incidentMs)}${d.latency.pValue !== null ? ` (${escapeMd(pText(d.latency.pValue))})` : ''}.`, '');
  }
  const rc = d.rootCause;
  if (rc) {
    const where = sourceCell(rc, opts);
    out.push(
      `**Root cause:** ${escapeMd(rc.service, 100)} / ${escapeMd(rc.name, 160)} (${KIND_LABEL[rc.kind] ?? rc.kind}${rc.attribute ? `, ${escapeMd(`${rc.attribute.key}=${rc.attribute.value}`, 120)}` : ''}) — effect about +${ms(rc.impactMs)} per trace end to end${thinShareText(d)}, confidence ${rc.confidence.toFixed(2)}${where ? ` — ${where}` : ''}`,
      '',
      `> ${escapeMd(rc.summary, 400)}`,
      '',
    );
    if (rc.capacity) out.push(`**Capacity:** ${escapeMd(rc.capacity.summary, 500)}`, '');
    if (rc.evidence.length) {
      out.push('<details><summary>Evidence</summary>', '');
      for (const e of rc.evidence.slice(0, 8)) out.push(`- ${escapeMd(e, 400)}`);
      out.push('', '</details>', '');
    }
  }
  const cands = d.candidates.slice(0, opts.top ?? 5);
  if (cands.length) {
    out.push('| # | kind | service / operation | effect / trace | conf. | source |', '|--:|:--|:--|--:|--:|:--|');
    cands.forEach((c, k) =>
      out.push(
        `| ${k + 1} | ${KIND_LABEL[c.kind] ?? c.kind}${c.attribute ? ` ${escapeMd(`${c.attribute.key}=${c.attribute.value}`, 80)}` : ''}${c.waitsOn ? ` \\(wait for ${escapeMd(c.waitsOn, 80)}\\)` : ''} | ${escapeMd(c.service, 80)} / ${escapeMd(c.name, 120)} | +${ms(c.impactMs)} | ${c.confidence.toFixed(2)} | ${sourceCell(c, opts)} |`,
      ),
    );
    // what the column measures (the root cause's sentence above is per call): core/format/figures
    out.push('', `_${escapeMd(EFFECT_LEGEND, 600)}._`);
    if (d.candidates.length > cands.length) out.push('', `_${d.candidates.length - cands.length} more candidates in the full report._`);
    out.push('');
  }
  // whole notes: a per-entry-point note runs to ~350 characters and was cut just before its last words ("Holm-adj…")
  for (const n of d.notes.slice(0, 4)) out.push(`_Note: ${escapeMd(n, 1200)}_`, '');
  return out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd() + '\n';
}
