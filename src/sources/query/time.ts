/** Durations ("15m", "1h30m", "500ms", "2d") and time windows ("last 15m vs the hour before"). */

export interface TimeWindow {
  /** Unix ms, inclusive start and exclusive end */
  startMs: number;
  endMs: number;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parse "15m", "1h", "1h30m", "90s", "500ms", "2d", "1w" (a bare number means minutes) → ms. Throws on junk. */
export function parseDuration(text: string): number {
  const t = text.trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(t)) return Number(t) * 60_000;
  const re = /(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(t)) !== null) {
    total += Number(m[1]) * UNIT_MS[m[2]!]!;
    matched = re.lastIndex;
  }
  if (matched !== t.length || t.length === 0 || total <= 0) {
    throw new Error(`invalid duration '${text}': use e.g. 15m, 1h, 1h30m, 90s, 2d`);
  }
  return total;
}

export function formatDuration(ms: number): string {
  for (const [u, v] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= v && ms % v === 0) return `${ms / v}${u}`;
  }
  return `${ms}ms`;
}

/** Parse a time: ISO 8601, Unix ms/s, or "now-15m" / "now". */
export function parseTime(text: string, nowMs = Date.now()): number {
  const t = text.trim();
  if (t === 'now') return nowMs;
  const rel = /^now\s*-\s*(.+)$/.exec(t);
  if (rel) return nowMs - parseDuration(rel[1]!);
  if (/^\d{13}$/.test(t)) return Number(t);
  if (/^\d{10}$/.test(t)) return Number(t) * 1000;
  const ms = Date.parse(t);
  if (Number.isNaN(ms)) throw new Error(`invalid time '${text}': use ISO 8601 (2026-01-31T12:00:00Z), Unix ms or now-15m`);
  return ms;
}

/** The last `duration` up to `nowMs`. */
export function lastWindow(duration: string | number, nowMs = Date.now()): TimeWindow {
  const d = typeof duration === 'number' ? duration : parseDuration(duration);
  return { startMs: nowMs - d, endMs: nowMs };
}

/**
 * "last 15m vs the hour before": incident = the last `incident` duration, baseline = the `baseline` duration that
 * ends where the incident window starts.
 */
export function incidentAndBaseline(incident: string | number, baseline: string | number, nowMs = Date.now()): { incident: TimeWindow; baseline: TimeWindow } {
  const inc = lastWindow(incident, nowMs);
  const b = typeof baseline === 'number' ? baseline : parseDuration(baseline);
  return { incident: inc, baseline: { startMs: inc.startMs - b, endMs: inc.startMs } };
}

export function describeWindow(w: TimeWindow): string {
  return `${new Date(w.startMs).toISOString()} – ${new Date(w.endMs).toISOString()} (${formatDuration(w.endMs - w.startMs)})`;
}
