/**
 * The gate's verdict as GitHub Actions workflow commands (`--github-annotations`): `::error` lines the runner turns
 * into annotations on the job and, with a file and line, on the pull request's diff — without a SARIF upload (code
 * scanning needs GitHub Advanced Security on a private repository). Written to stderr (the runner reads commands from
 * both streams), so stdout keeps the chosen format. Pure.
 *
 * Trace text is escaped the way the runner unescapes it (`%`, CR, LF in the message; also `:` and `,` in properties),
 * so a span name can neither end the command nor start a line of its own (a second command).
 */
import type { Diagnosis } from '../core/rca/diagnosis';
import type { GateResult } from '../core/gate/gate';
import { formatEffect } from '../core/format/figures';
import { KIND_LABEL } from '../core/format';

export const escapeData = (s: string) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
export const escapeProperty = (s: string) => escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');

/**
 * One `::error` per failed gate check; the root cause's line (relative to the repository root, via `relativePath`)
 * carries the first one when it is known. Empty when the gate passed or is off.
 */
export function githubAnnotations(d: Diagnosis, gate: GateResult | null, relativePath: (file: string) => string | null): string[] {
  if (!gate?.active || gate.verdict !== 'regression') return [];
  const rc = d.rootCause;
  const rel = rc?.source ? relativePath(rc.source.file) : null;
  const cause = rc ? `Root cause: ${rc.service} / ${rc.name} (${KIND_LABEL[rc.kind] ?? rc.kind}), ${formatEffect(rc.impactMs, undefined, d.explained) ?? 'no effect in time'}. ${rc.summary}` : 'No single component explains it (see the notes).';
  return gate.checks
    .filter((c) => c.status === 'fail')
    .map((c, k) => {
      const props = [
        ...(k === 0 && rel && rc?.source ? [`file=${escapeProperty(rel)}`, `line=${rc.source.line}`] : []),
        `title=${escapeProperty(`Trace Doctor: ${c.name} regression`)}`,
      ];
      return `::error ${props.join(',')}::${escapeData(`${c.detail}\n${cause}`)}`;
    });
}
