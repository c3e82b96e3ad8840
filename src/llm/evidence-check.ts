import type { Candidate, Diagnosis } from '../core/rca/diagnosis';
import type { LlmDiagnosis } from './diagnosis-schema';
import type { LlmRuns } from './runs';
import { sanitize } from './sanitize';

/**
 * Is the model's (schema-valid, existing, regressed) root cause consistent with the offline engine's measured
 * evidence? Every caller of a slow callee grows too, so "it got slower" is not enough. A model's root cause is
 * accepted when it is:
 *  - the engine's root cause (same service and operation), or in the engine's root-cause service (`agrees`);
 *  - among the engine's top candidates with an effect on the same order as its root cause (`consistent`);
 *  - backed by a tool result the model asked for about that operation, quoted in its evidence, with a stated reason
 *    why the engine's ranking is wrong (`evidence`).
 * Otherwise it `disagrees`: the chat shows the model's answer labelled as disagreeing with the measured evidence,
 * beside the engine's. A null answer when the engine measured a regression `contradicts` it: the agent asks for a
 * repair once, then falls back to the engine's answer.
 */
export type Verdict = 'agrees' | 'consistent' | 'evidence' | 'unchecked' | 'disagrees' | 'contradicts';

export interface Agreement {
  verdict: Verdict;
  /** plain words, shown to the user (and, for `contradicts`, sent back to the model inside the fence) */
  reason: string;
}

/** A tool the model called during the conversation, with the result it got (the text the model saw). */
export interface ToolRecord {
  name: string;
  args: Record<string, unknown>;
  ok: boolean;
  text: string;
}

/** How many of the engine's candidates count as "top", and how far below the root cause's effect one may be. */
export const TOP_CANDIDATES = 3;
export const SAME_ORDER_RATIO = 1 / 3;

const norm = (s: string) => s.toLowerCase().replace(/[^\p{L}\p{N}]/gu, '');
const fmt = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toPrecision(2));
const nameOf = (c: { service: string; name: string }) => `${sanitize(c.service, 60)} / ${sanitize(c.name, 60)}`;

function measured(d: Diagnosis): string {
  const l = d.latency;
  if (!l) return '';
  return ` End-to-end latency ${fmt(l.baselineMs)} ms → ${fmt(l.incidentMs)} ms (${sanitize(l.test, 40)}${l.pValue !== null ? `, p ${l.pValue < 1e-4 ? '< 1e-4' : `= ${l.pValue.toPrecision(2)}`}` : ''}).`;
}

/** Numbers a text quotes (at least two significant characters, so "1" or "0" alone do not count). */
function numbersIn(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/-?\d+(?:\.\d+)?/g)) {
    const v = Number(m[0]);
    if (!Number.isFinite(v) || m[0].replace(/[-.]/g, '').length < 2) continue;
    out.add(String(v));
    out.add(String(Math.round(v)));
  }
  return out;
}

/** A tool result about this operation that the model quotes in its evidence, and a stated reason against the engine. */
function citedToolResult(answer: LlmDiagnosis, service: string, operation: string, tools: readonly ToolRecord[], engineRc: Candidate): string | undefined {
  const about = tools.filter((t) => t.ok && typeof t.args.service === 'string' && norm(String(t.args.service)) === norm(service) && (t.args.operation === undefined || norm(String(t.args.operation)) === norm(operation)));
  if (!about.length) return undefined;
  const said = [...answer.evidence, answer.summary].join(' ');
  const quoted = numbersIn(said);
  const hit = about.find((t) => [...numbersIn(t.text)].some((n) => quoted.has(n)));
  if (!hit) return undefined;
  // the reason must address the engine's ranking: name its pick, or talk about the engine / its rank
  const addresses = new RegExp(`\\b(engine|rank(ed|s|ing)?|instead of|rather than|not the)\\b`, 'i').test(said) || norm(said).includes(norm(engineRc.service)) || norm(said).includes(norm(engineRc.name));
  return addresses ? hit.name : undefined;
}

export function checkAgainstEngine(answer: LlmDiagnosis, runs: LlmRuns, tools: readonly ToolRecord[] = []): Agreement {
  const d = runs.diagnosis;
  if (!d) return { verdict: 'unchecked', reason: 'The offline engine has no diagnosis for these runs, so the answer could not be checked against it.' };
  const rc = d.rootCause;
  const a = answer.rootCause;
  // the engine's regression decision: its root cause, or its own latency / error tests when it reports them
  const slower = !!d.regression?.slower;
  const errorsUp = !!d.regression?.errorsUp;
  if (!a) {
    if (!rc && !slower && !errorsUp) return { verdict: 'agrees', reason: 'Like the engine: no regression beyond noise.' + measured(d) };
    if (!rc)
      return { verdict: 'contradicts', reason: `The answer says there is no regression, but the engine's test finds the incident ${slower ? 'slower' : 'failing more'} beyond noise.${measured(d)}` };
    return {
      verdict: 'contradicts',
      reason: `The answer says there is no regression, but the engine measured one and ranks ${nameOf(rc)} first (about ${fmt(rc.impactMs)} ms per trace).${measured(d)}`,
    };
  }
  if (!rc) {
    if (slower || errorsUp) return { verdict: 'unchecked', reason: `The engine finds the incident ${slower ? 'slower' : 'failing more'} but names no root cause, so the answer could not be checked against a candidate.${measured(d)}` };
    return { verdict: 'disagrees', reason: `The engine found no regression beyond noise, so blaming ${nameOf({ service: a.service, name: a.operation })} is not supported by the measurements.${measured(d)}` };
  }
  if (rc.service === a.service && rc.name === a.operation) return { verdict: 'agrees', reason: `Same root cause as the engine (${nameOf(rc)}).` };
  if (rc.service === a.service) return { verdict: 'agrees', reason: `Same service as the engine's root cause (${nameOf(rc)}).` };
  const rank = d.candidates.findIndex((c) => c.service === a.service && c.name === a.operation);
  const cand = rank >= 0 ? d.candidates[rank] : undefined;
  if (cand && rank < TOP_CANDIDATES && Math.abs(cand.impactMs) >= SAME_ORDER_RATIO * Math.abs(rc.impactMs))
    return { verdict: 'consistent', reason: `The engine ranks it #${rank + 1} with an effect of ${fmt(cand.impactMs)} ms per trace, on the order of its top pick ${nameOf(rc)} (${fmt(rc.impactMs)} ms).` };
  const cited = citedToolResult(answer, a.service, a.operation, tools, rc);
  if (cited)
    return { verdict: 'evidence', reason: `The engine ranks ${nameOf(rc)} first${cand ? ` and this one #${rank + 1}` : ''}; the model backs its pick with the ${cited} result it quotes and says why.` };
  const where = cand ? `ranks it #${rank + 1} with ${fmt(cand.impactMs)} ms per trace` : 'does not list it as a candidate (its growth is explained by what it waits for)';
  return {
    verdict: 'disagrees',
    reason: `The engine ${where}; its root cause is ${nameOf(rc)} with about ${fmt(rc.impactMs)} ms per trace.${measured(d)}`,
  };
}

export const accepted = (v: Verdict) => v === 'agrees' || v === 'consistent' || v === 'evidence' || v === 'unchecked';
