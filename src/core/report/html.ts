/**
 * The standalone flame-graph report: ONE self-contained HTML file (bundle JS and CSS inlined, data embedded as
 * escaped JSON, diagnosis summary rendered as static HTML, strict CSP with a nonce, no network). Pure: the caller
 * reads the bundle and supplies a random nonce.
 */
import { KIND_LABEL, formatConfidence, formatDeltaMs, formatMs, waitsOnShort } from '../format';
import type { Capacity, Diagnosis } from '../rca/diagnosis';
import { capacityRows } from '../rca/capacity';
import { FIGURES_LEGEND, formatEffect } from '../format/figures';
import { sourceCaveat } from '../source/link';
import { visibleUnsafe } from '../format/inert';
import { FlameFlag } from '../../protocol/messages';
import type { FlameData, FlameMode } from '../../protocol/messages';
import type { ExemplarBundle } from '../../protocol/exemplars';

export interface FlameReportInput {
  /** dist/webview/flame.js */
  js: string;
  /** media/flame.css */
  css: string;
  /** base64 nonce for the inline script and style (crypto-random, ≥ 128 bits) */
  nonce: string;
  data: FlameData | null;
  diagnosis?: Diagnosis | null;
  mode?: FlameMode;
  title?: string;
  baselineLabel?: string;
  incidentLabel?: string;
  /** input files, shown in the header */
  inputs?: { baseline?: string[]; incident?: string[] };
  /** ISO timestamp shown in the header */
  generatedAt?: string;
  /** exemplar traces for the waterfalls (bounded; see core/exemplars/bundle.ts) */
  exemplars?: ExemplarBundle | null;
}

/**
 * HTML text. Characters that would reorder or hide text — bidirectional controls (a span named "pay\u202egnp.exe"
 * reads "payexe.png" and every name after it runs backwards: Trojan Source), zero-width and C1 controls — are shown
 * as `\uXXXX` (core/format/inert.ts, as the terminal does).
 */
export function escapeHtml(s: string): string {
  return visibleUnsafe(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON of the report's data with every string's unsafe characters made visible (the flame graph draws names from it). */
const reportJson = (v: unknown) => escapeJsonForHtml(JSON.stringify(v, (_k, x) => (typeof x === 'string' ? visibleUnsafe(x) : x)));

/**
 * JSON that is safe inside a <script> element: `<`, `>` and `&` become \u escapes (so no `</script>` or `<!--` can
 * appear), as do U+2028/U+2029. JSON.parse gives back the same value.
 */
export function escapeJsonForHtml(json: string): string {
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Inline script text cannot end its element early or open an HTML comment state. */
export function escapeInlineScript(js: string): string {
  return js
    .replace(/^\/\/# sourceMappingURL=.*$/gm, '') // the map is not next to the report
    .replace(/<\/(script)/gi, '<\\/$1')
    .replace(/<!--/g, '<\\!--');
}

export function escapeInlineStyle(css: string): string {
  return css.replace(/<\/(style)/gi, '<\\/$1');
}

export function reportCsp(nonce: string): string {
  return [`default-src 'none'`, `script-src 'nonce-${nonce}'`, `style-src 'nonce-${nonce}'`, `img-src data:`, `font-src data:`, `base-uri 'none'`, `form-action 'none'`].join('; ');
}

// the same numbers and words as the VS Code surfaces (src/core/format)
const fmtMs = formatMs;

/** The capacity estimate of a saturated root cause (core/rca/capacity.ts): figures per run, verdict, assumptions. */
function capacityHtml(cap: Capacity): string {
  const rows = capacityRows(cap)
    .map(([l, b, i]) => `<tr><th scope="row">${escapeHtml(l)}</th><td>${escapeHtml(b)}</td><td>${escapeHtml(i)}</td></tr>`)
    .join('');
  return (
    `<div class="fg-capacity"><p><strong>Capacity</strong> — ${escapeHtml(cap.summary)}</p>` +
    `<table><thead><tr><th></th><th>baseline</th><th>incident</th></tr></thead><tbody>${rows}</tbody></table>` +
    `<details><summary>Assumptions and uncertainty</summary><ul>${cap.assumptions.map((a) => `<li>${escapeHtml(a)}</li>`).join('')}</ul></details></div>`
  );
}

/** The call paths the root cause covers (the boxes the engine marked); undefined without data. */
function rootPaths(data: FlameData | null): number | undefined {
  return data ? data.flags.reduce((n, f) => n + (f & FlameFlag.RootCause ? 1 : 0), 0) : undefined;
}

function summaryHtml(i: FlameReportInput): string {
  const d = i.diagnosis;
  const parts: string[] = [];
  const files = (l?: string[]) => (l && l.length ? l.map(escapeHtml).join(', ') : '');
  const meta: string[] = [];
  if (i.inputs?.baseline?.length) meta.push(`baseline: ${files(i.inputs.baseline)}`);
  if (i.inputs?.incident?.length) meta.push(`incident: ${files(i.inputs.incident)}`);
  if (i.data) meta.push(`${i.data.baselineTraces} baseline / ${i.data.incidentTraces} incident traces, ${i.data.n} call paths`);
  if (i.generatedAt) meta.push(`generated ${escapeHtml(i.generatedAt)}`);
  parts.push(`<h1>${escapeHtml(i.title ?? 'Trace Doctor flame graph')}</h1>`);
  if (meta.length) parts.push(`<div class="fg-report-meta">${meta.join(' · ')}</div>`);
  if (d) {
    if (d.latency) {
      const delta = d.latency.incidentMs - d.latency.baselineMs;
      // the test's own text carries its p-values (one figure, not "p = 0.00019 (… p=1.9e-4 …)")
      const p = d.latency.pValue === null ? '' : `; ${escapeHtml(d.latency.test)}`;
      parts.push(`<p>End-to-end latency per trace: ${fmtMs(d.latency.baselineMs)} → ${fmtMs(d.latency.incidentMs)} (${formatDeltaMs(delta)}${p})</p>`);
    }
    if (d.split) parts.push(`<p class="fg-report-meta">Split: ${escapeHtml(d.split.description)}</p>`);
    const rc = d.rootCause;
    if (rc) {
      const caveat = sourceCaveat(rc.source);
      const src = rc.source ? ` — <code>${escapeHtml(rc.source.file)}:${rc.source.line}</code>${caveat ? ` (${escapeHtml(caveat)})` : ''}` : '';
      parts.push(
        `<p><span class="fg-badge fg-badge-root">root cause</span> <strong>${escapeHtml(rc.service)} · ${escapeHtml(rc.name)}</strong> ` +
          `(${escapeHtml([KIND_LABEL[rc.kind] ?? rc.kind, formatEffect(rc.impactMs, rootPaths(i.data), d.explained), formatConfidence(rc.confidence)].filter(Boolean).join(', '))})${src}</p>`,
        `<p>${escapeHtml(rc.summary)}</p>`,
        // per call (the sentence), per trace (the effect), one call path (the graph's detail pane): which is which
        `<p class="fg-report-meta fg-figures-legend">${escapeHtml(FIGURES_LEGEND)}</p>`,
      );
      if (rc.evidence.length) parts.push(`<ul>${rc.evidence.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul>`);
      if (rc.capacity) parts.push(capacityHtml(rc.capacity));
    } else {
      parts.push(`<p>No root cause found.</p>`);
    }
    const others = d.candidates.filter((c) => !rc || c.service !== rc.service || c.name !== rc.name).slice(0, 5);
    if (others.length) {
      parts.push(
        `<details><summary>Other candidates (${others.length})</summary><ul>${others
          .map((c) => `<li><strong>${escapeHtml(c.service)} · ${escapeHtml(c.name)}</strong> (${escapeHtml([KIND_LABEL[c.kind] ?? c.kind, waitsOnShort(c), formatEffect(c.impactMs, c.callPaths)].filter(Boolean).join(', '))}): ${escapeHtml(c.summary)}</li>`)
          .join('')}</ul></details>`,
      );
    }
    // under a heading of their own: right after "Other candidates", a bare list read as more candidates
    if (d.notes.length) parts.push(`<div class="fg-report-meta fg-report-notes"><strong>Notes</strong><ul>${d.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul></div>`);
  }
  return parts.join('\n      ');
}

export function renderFlameReport(i: FlameReportInput): string {
  if (!/^[A-Za-z0-9+/=_-]{16,}$/.test(i.nonce)) throw new Error('renderFlameReport: the nonce must be ≥ 16 base64 characters');
  const payload = {
    tree: i.data,
    diagnosis: i.diagnosis ?? null,
    ...(i.mode ? { mode: i.mode } : {}),
    ...(i.title ? { title: i.title } : {}),
    ...(i.baselineLabel ? { baselineLabel: i.baselineLabel } : {}),
    ...(i.incidentLabel ? { incidentLabel: i.incidentLabel } : {}),
  };
  const title = i.title ?? 'Trace Doctor flame graph';
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeHtml(reportCsp(i.nonce))}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    <meta name="referrer" content="no-referrer">
    <title>${escapeHtml(title)}</title>
    <style nonce="${i.nonce}">
${escapeInlineStyle(i.css)}
    </style>
  </head>
  <body class="fg-standalone" data-view="flame">
    <header class="fg-report-header">
      ${summaryHtml(i)}
    </header>
    <div id="app" role="application" aria-label="${escapeHtml(title)}"></div>
    <script type="application/json" id="flame-data">${reportJson(payload)}</script>
${i.exemplars ? `    <script type="application/json" id="flame-exemplars">${reportJson(i.exemplars)}</script>
` : ''}    <script nonce="${i.nonce}">
${escapeInlineScript(i.js)}
    </script>
  </body>
</html>
`;
}
