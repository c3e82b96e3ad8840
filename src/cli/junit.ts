/**
 * The CI gate of `trace-doctor diagnose` as a JUnit XML report (`--junit-output FILE`): the format GitLab
 * (`artifacts:reports:junit`), Jenkins, Azure Pipelines, CircleCI and GitHub test-report actions show in a merge
 * request or build page. One test suite, one test case per gate check (latency, errors); a failed check is a
 * `<failure>` whose message is the check's one-line detail and whose body names the root cause with its evidence.
 * Pure.
 *
 * Trace text (service and span names, evidence) is attacker-controlled: it is XML-escaped, and characters XML 1.0
 * cannot carry at all (C0 controls but TAB/LF/CR, lone surrogates, U+FFFE/U+FFFF) become visible `\uXXXX` text, so
 * the file always parses.
 */
import type { Diagnosis } from '../core/rca/diagnosis';
import type { GateResult } from '../core/gate/gate';
import { formatEffect } from '../core/format/figures';
import { KIND_LABEL } from '../core/format';

/** XML 1.0 text or attribute value: escaped, and the characters XML cannot hold written as `\uXXXX`. */
export function xmlText(s: string): string {
  return String(s)
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))
    .replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

export interface JunitOptions {
  /** seconds the command took (the suite's time) */
  seconds: number;
  /** when the run started, ISO 8601 without a zone (UTC), as the JUnit schema's timestamp has it */
  timestamp: string;
  /** the baseline and incident inputs, as given (shown as properties) */
  baseline: string[];
  incident: string[];
}

/** The root cause in a few lines for a failure's body (or why there is none). */
function rootCauseText(d: Diagnosis): string {
  const rc = d.rootCause;
  if (!rc) return 'Root cause: none named — no single component explains the change (see the notes of `trace-doctor diagnose`).';
  const where = rc.source ? ` at ${rc.source.file}:${rc.source.line}` : '';
  return [
    // the figure in the words of the other surfaces (core/format/figures)
    `Root cause: ${rc.service} / ${rc.name} (${KIND_LABEL[rc.kind] ?? rc.kind})${where}, ${formatEffect(rc.impactMs, undefined, d.explained) ?? 'no effect in time'}, confidence ${rc.confidence.toFixed(2)}.`,
    rc.summary,
    ...rc.evidence.map((e) => `- ${e}`),
  ].join('\n');
}

/** A JUnit XML document of the gate's checks. `gate` must be active (a gate option was given). */
export function toJunit(d: Diagnosis, gate: GateResult, opts: JunitOptions): string {
  const failures = gate.checks.filter((c) => c.status === 'fail').length;
  const time = opts.seconds.toFixed(3);
  const cases = gate.checks.map((c) => {
    const open = `    <testcase classname="trace-doctor.gate" name="${xmlText(c.name)}" time="0">`;
    if (c.status !== 'fail') return `${open}\n      <system-out>${xmlText(c.detail)}</system-out>\n    </testcase>`;
    const body = [c.detail, '', rootCauseText(d), ...(d.notes.length ? ['', ...d.notes.map((n) => `Note: ${n}`)] : [])].join('\n');
    return `${open}\n      <failure type="regression" message="${xmlText(c.detail)}">${xmlText(body)}</failure>\n    </testcase>`;
  });
  const props = [
    ...opts.baseline.map((p) => ['baseline', p]),
    ...opts.incident.map((p) => ['incident', p]),
    ['verdict', gate.verdict],
    ['percentile', gate.endToEnd.percentile],
  ].map(([k, v]) => `      <property name="${xmlText(k!)}" value="${xmlText(v!)}"/>`);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="trace-doctor" tests="${gate.checks.length}" failures="${failures}" errors="0" time="${time}">`,
    `  <testsuite name="trace-doctor performance gate" tests="${gate.checks.length}" failures="${failures}" errors="0" skipped="0" timestamp="${xmlText(opts.timestamp)}" time="${time}">`,
    '    <properties>',
    ...props,
    '    </properties>',
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}
