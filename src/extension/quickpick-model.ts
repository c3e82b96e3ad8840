/**
 * Finding trace files in the workspace (sniffing the first KB) and the quick-pick items of "Diagnose Trace" /
 * "Compare Traces…". Pure: no `vscode` import.
 */
import { constants as zlibConstants, gunzipSync } from 'node:zlib';
import { baseName } from './paths-model';
import { formatBytes } from './tree-model';

/**
 * Glob for vscode.workspace.findFiles: plain and gzipped JSON / JSON Lines (exports are often `spans.jsonl.gz`) and
 * OTLP protobuf (`.binpb`, `.pb`, `.protobuf`, `.otlp`: an exporter's request body, the Collector file exporter's
 * `format: proto`).
 */
export const TRACE_FILE_GLOB = '**/*.{json,jsonl,ndjson,json.gz,jsonl.gz,ndjson.gz,binpb,pb,protobuf,otlp,binpb.gz,pb.gz,protobuf.gz,otlp.gz}';
/** names of OTLP protobuf files, gzipped or not (the same extensions the file loader reads as protobuf) */
export const PROTOBUF_NAME = /\.(binpb|pb|protobuf|otlp)(\.gz)?$/i;
export const TRACE_FILE_EXCLUDE = '**/{node_modules,.git,.vscode-test}/**';
/** Bytes read from each candidate file to decide whether it is a trace file. */
export const SNIFF_BYTES = 1024;
/**
 * Bytes read from each candidate when it may be gzipped: its start is inflated and sniffed like a plain file. Deflate
 * expands at most ~1032×, so 4 KB never inflate to more than ~4.2 MB (the limit below is never hit).
 */
export const SNIFF_GZ_BYTES = 4 * 1024;

export type SniffedFormat = 'otlp' | 'otlp-jsonl' | 'otlp-proto' | 'jaeger' | 'zipkin' | 'tempo' | 'jaeger-api-v3';

/**
 * Guess whether a file is a trace file from its first bytes (the whole file need not be valid JSON there).
 * Returns the likely format, or null for anything else (package.json, tsconfig, data files…).
 */
export function sniffTraceFormat(head: string): SniffedFormat | null {
  const s = head.replace(/^\uFEFF/, '').trimStart();
  if (!s.startsWith('{') && !s.startsWith('[')) return null;
  const has = (k: string) => s.includes(`"${k}"`);
  if (has('result') && (has('resourceSpans') || has('resource_spans'))) return 'jaeger-api-v3';
  if (has('resourceSpans') || has('resource_spans') || has('instrumentationLibrarySpans') || has('scopeSpans')) {
    const firstLineEnd = s.indexOf('\n');
    const rest = firstLineEnd >= 0 ? s.slice(firstLineEnd + 1).trimStart() : '';
    // JSON Lines: a complete object on the first line followed by another object
    return firstLineEnd > 0 && rest.startsWith('{') && s.slice(0, firstLineEnd).trimEnd().endsWith('}') ? 'otlp-jsonl' : 'otlp';
  }
  if (has('batches') && (has('resource') || has('instrumentationLibrarySpans') || has('scopeSpans'))) return 'tempo';
  if (has('traceID') && (has('spanID') || has('operationName') || has('spans'))) return 'jaeger';
  if (has('traceId') && (has('localEndpoint') || has('remoteEndpoint') || (has('id') && has('timestamp')))) return 'zipkin';
  if (has('traceId') && has('spanId') && (has('startTimeUnixNano') || has('name'))) return 'otlp';
  return null;
}

/**
 * The head of an OTLP protobuf file: an ExportTraceServiceRequest starts with field 1 (resource_spans, wire type 2:
 * tag 0x0a), its length as a varint, then a ResourceSpans field (resource 0x0a, scope_spans 0x12, schema_url 0x1a, the
 * old instrumentation_library_spans 0xc2 0x3e); the Collector file exporter's `format: proto` puts each request after
 * its length as a 4-byte big-endian integer. The same two shapes the file loader accepts.
 */
export function looksLikeOtlpProto(b: Uint8Array): boolean {
  const requestAt = (o: number): boolean => {
    if (b[o] !== 0x0a) return false;
    let len = 0;
    let i = o + 1;
    for (let shift = 0; ; shift += 7, i++) {
      if (i >= b.length || shift > 28) return false;
      len += (b[i]! & 0x7f) * 2 ** shift;
      if (!(b[i]! & 0x80)) break;
    }
    const next = b[i + 1];
    return len > 0 && (next === undefined || next === 0x0a || next === 0x12 || next === 0x1a || (next === 0xc2 && b[i + 2] === 0x3e));
  };
  if (requestAt(0)) return true;
  if (b.length < 5) return false;
  const framed = ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  return framed > 0 && requestAt(4);
}

/**
 * The first bytes of a candidate file → its likely trace format: plain text is sniffed as is; a gzip stream (magic
 * 1f 8b) is inflated as far as the given bytes go (a cut-off stream is fine: Z_SYNC_FLUSH) and its first SNIFF_BYTES
 * characters are sniffed. `gzip` says whether it was compressed; null for anything that is not a trace file. A file
 * named `.jsonl` / `.ndjson` (gzipped or not) whose first record is longer than the head is still JSON Lines.
 */
export function sniffTraceHead(bytes: Uint8Array, name = ''): { format: SniffedFormat; gzip: boolean } | null {
  const gz = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  let head: Uint8Array = bytes;
  if (gz) {
    try {
      head = gunzipSync(bytes, { finishFlush: zlibConstants.Z_SYNC_FLUSH, maxOutputLength: 8 * 1024 * 1024 }).subarray(0, SNIFF_BYTES);
    } catch {
      return null;
    }
  }
  // binary: only a file named as protobuf is read as such (random bytes often start with 0x0a, a newline)
  if (PROTOBUF_NAME.test(name)) return looksLikeOtlpProto(head) ? { format: 'otlp-proto', gzip: gz } : null;
  const text = Buffer.from(head.buffer, head.byteOffset, Math.min(head.length, SNIFF_BYTES)).toString('utf8');
  let format = sniffTraceFormat(text);
  if (format === 'otlp' && /\.(jsonl|ndjson)(\.gz)?$/i.test(name)) format = 'otlp-jsonl';
  return format ? { format, gzip: gz } : null;
}

export interface TraceFileInfo {
  /** absolute path (or URL for configured sources) */
  path: string;
  /** workspace-relative path for display */
  rel: string;
  size?: number;
  /** ms since epoch */
  mtime?: number;
  format: SniffedFormat | 'url';
  /** gzip-compressed on disk (read decompressed) */
  gzip?: boolean;
}

export interface PickItem {
  label: string;
  description?: string;
  detail?: string;
  /** the path/URL, or null for the "(none — split automatically)" entry */
  value: string | null;
  picked?: boolean;
  kind?: 'separator';
}

export const NO_BASELINE_LABEL = '(none — split automatically)';

const FORMAT_NAMES: Record<TraceFileInfo['format'], string> = {
  otlp: 'OTLP JSON',
  'otlp-jsonl': 'OTLP JSON Lines',
  'otlp-proto': 'OTLP protobuf',
  jaeger: 'Jaeger JSON',
  zipkin: 'Zipkin v2',
  tempo: 'Tempo',
  'jaeger-api-v3': 'Jaeger api_v3',
  url: 'URL',
};

function dirName(rel: string): string {
  const i = Math.max(rel.lastIndexOf('/'), rel.lastIndexOf('\\'));
  return i >= 0 ? rel.slice(0, i) : '';
}

/** Names that suggest which role a file plays. */
const INCIDENT_HINT = /(spike|incident|slow|bad|regress|after|anomal|error|prod)/i;
const BASELINE_HINT = /(normal|baseline|good|before|healthy|base\b|ref)/i;

export function roleHint(path: string): 'incident' | 'baseline' | null {
  const b = baseName(path);
  if (INCIDENT_HINT.test(b)) return 'incident';
  if (BASELINE_HINT.test(b)) return 'baseline';
  return null;
}

/** The folders of a path, outermost first ('/w/a/b.json' → ['w', 'a']). */
function folders(p: string): string[] {
  return dirName(p).split(/[\\/]+/).filter(Boolean);
}

/** How many leading folders two files share. */
function sharedFolders(a: string, b: string): number {
  const x = folders(a);
  const y = folders(b);
  let k = 0;
  while (k < x.length && k < y.length && x[k] === y[k]) k++;
  return k;
}

/**
 * Whether a file could be the baseline of the incident by where it lies: the two are in one folder, or one's folder
 * holds the other's, or the shallower one's folder is one level below the folder they share (`runs/baseline/` and
 * `runs/incident/`; `real-faults/baselines/` and `real-faults/cases/x/`). `ml-pipeline/traces/normal.json` is no
 * baseline of `real-faults/cases/x/incident.jsonl.gz`: another system (walkthrough 2026-12-07 pm).
 */
function nearIncident(f: TraceFileInfo, incident: string): boolean {
  const k = sharedFolders(f.path, incident);
  return k >= Math.min(folders(f.path).length, folders(incident).length) - 1;
}

/** A folder named for baselines: `baselines/`, `normal/`, `before/`… */
const BASELINE_FOLDER = /^(baselines?|normal|good|before|healthy|reference|ref)$/i;

/**
 * The file a baseline pick should start on, or null when nothing stands out (then the automatic split comes first):
 * a file named like a baseline (normal, baseline, good…) near the incident (nearIncident: not another system's
 * folder), the closest one; else the only file closest to the incident in a folder named like one (`baselines/`);
 * else the only other trace file in the incident's folder (the other half of a pair).
 */
export function preferredBaseline(files: readonly TraceFileInfo[], incident?: string): TraceFileInfo | null {
  // a tracing-backend incident: a workspace file named "normal" is no baseline of it (another system, another day) —
  // nothing is preselected, unless exactly one other configured URL asks the same backend about the same service
  if (incident && isUrl(incident)) {
    const same = files.filter((f) => f.format === 'url' && f.path !== incident && backendKey(f.path) === backendKey(incident));
    return same.length === 1 ? same[0]! : null;
  }
  const list = files.filter((f) => f.path !== incident && f.format !== 'url' && (!incident || nearIncident(f, incident)));
  const closest = (xs: TraceFileInfo[]) => {
    if (!incident) return xs;
    const best = Math.max(...xs.map((f) => sharedFolders(f.path, incident)));
    return xs.filter((f) => sharedFolders(f.path, incident) === best);
  };
  const named = list.filter((f) => roleHint(f.path) === 'baseline');
  // the one next to the incident when there are several
  if (named.length) return closest(named)[0]!;
  const inFolder = list.filter((f) => roleHint(f.path) !== 'incident' && BASELINE_FOLDER.test(folders(f.path).pop() ?? ''));
  if (inFolder.length) {
    // several equally close (one baseline per system or per day): no guess
    const best = closest(inFolder);
    if (best.length === 1) return best[0]!;
  }
  if (!incident) return null;
  const siblings = list.filter((f) => dirName(f.path) === dirName(incident) && roleHint(f.path) !== 'incident');
  return siblings.length === 1 ? siblings[0]! : null;
}

/**
 * Items for picking a run. Files most likely to fit the `role` come first (by name hint, then most recently
 * modified); `exclude` (the incident already chosen) is left out. For the baseline, a real baseline comes first when
 * one stands out (preferredBaseline), then "(none — split automatically)" as an explicit choice; otherwise the
 * automatic split is first.
 */
export function buildRunPickItems(files: readonly TraceFileInfo[], role: 'incident' | 'baseline', exclude?: string): PickItem[] {
  const list = files.filter((f) => f.path !== exclude);
  const score = (f: TraceFileInfo) => (roleHint(f.path) === role ? 2 : roleHint(f.path) === null ? 1 : 0);
  // the files near the run already picked first (its system's folder before another example's, another root's), the
  // nearest first: a baseline near the incident (Diagnose Trace), an incident near the baseline (Compare Traces…)
  const byPlace = !!exclude && !isUrl(exclude);
  const near = (f: TraceFileInfo) => (byPlace && f.format !== 'url' && nearIncident(f, exclude!) ? 1 : 0);
  const shared = (f: TraceFileInfo) => (byPlace && f.format !== 'url' ? sharedFolders(f.path, exclude!) : 0);
  list.sort((a, b) => near(b) - near(a) || score(b) - score(a) || shared(b) - shared(a) || (b.mtime ?? 0) - (a.mtime ?? 0) || a.rel.localeCompare(b.rel));
  const preferred = role === 'baseline' ? preferredBaseline(files, exclude) : null;
  if (preferred) list.splice(0, list.length, preferred, ...list.filter((f) => f !== preferred));
  const items: PickItem[] = [];
  const none: PickItem = {
    label: NO_BASELINE_LABEL,
    detail: 'Diagnose the incident run alone: it is split into a normal and a slow part automatically',
    value: null,
  };
  if (role === 'baseline' && !preferred) items.push(none);
  for (const f of list) {
    const meta = [f.gzip ? `${FORMAT_NAMES[f.format]}, gzip` : FORMAT_NAMES[f.format]];
    if (f.size !== undefined) meta.push(formatBytes(f.size));
    if (f.mtime !== undefined) meta.push(new Date(f.mtime).toISOString().replace('T', ' ').slice(0, 16));
    items.push({
      label: f.format === 'url' ? f.path : baseName(f.rel),
      description: f.format === 'url' ? 'configured source' : dirName(f.rel),
      detail: meta.join(' · '),
      value: f.path,
      ...(f === preferred ? { picked: true } : {}),
    });
    if (f === preferred) items.push(none);
  }
  return items;
}

/** The folder holding the most trace files (ties: the shallower, then by name) — where "Open Trace File…" starts. */
export function traceFolder(files: readonly TraceFileInfo[]): string | undefined {
  const count = new Map<string, number>();
  for (const f of files) if (f.format !== 'url') count.set(dirName(f.path), (count.get(dirName(f.path)) ?? 0) + 1);
  const depth = (d: string) => d.split(/[\\/]/).length;
  return [...count.entries()].sort((a, b) => b[1] - a[1] || depth(a[0]) - depth(b[0]) || a[0].localeCompare(b[0]))[0]?.[0];
}

/** Time windows for a tracing backend: the incident is the last `incident`, the baseline the `baseline` before it. */
export interface WindowChoice {
  label: string;
  description?: string;
  /** durations as G's parseDuration reads them ("15m", "1h"); no baseline = split the incident window automatically */
  incident: string;
  baseline?: string;
}

export const WINDOW_CHOICES: readonly WindowChoice[] = [
  { label: 'Last 15 min vs the hour before', incident: '15m', baseline: '1h' },
  { label: 'Last 5 min vs the 30 min before', incident: '5m', baseline: '30m' },
  { label: 'Last hour vs the 6 hours before', incident: '1h', baseline: '6h' },
  { label: 'Last hour, split automatically', description: 'no baseline window', incident: '1h' },
];

const DURATION = /^\d+(\.\d+)?\s*(ms|s|m|h|d|w)?(\s*\d+(\.\d+)?\s*(ms|s|m|h|d|w))*$/i;

/**
 * Parse what a user types for custom windows: "15m vs 1h", "15m/1h", "30m" (incident only → automatic split).
 * Returns null when it is not understood.
 */
export function parseWindowChoice(text: string): WindowChoice | null {
  const t = text.trim().toLowerCase().replace(/^last\s+/, '');
  const parts = t.split(/\s*(?:vs\.?|versus|\/|,)\s*(?:the\s+)?/).map((p) => p.replace(/\s+before$/, '').trim()).filter(Boolean);
  if (parts.length < 1 || parts.length > 2 || !parts.every((p) => DURATION.test(p))) return null;
  const [incident, baseline] = parts as [string, string | undefined];
  return {
    label: baseline ? `Last ${incident} vs the ${baseline} before` : `Last ${incident}, split automatically`,
    incident: incident.replace(/\s+/g, ''),
    ...(baseline ? { baseline: baseline.replace(/\s+/g, '') } : {}),
  };
}

function isUrl(p: string): boolean {
  return /^(?:(?:jaeger|tempo|zipkin)\+)?https?:\/\//i.test(p);
}

/** host and service (or query) a backend URL asks about: two windows of the same question have the same key */
function backendKey(p: string): string {
  const m = /^(?:(?:jaeger|tempo|zipkin)\+)?https?:\/\/([^/?#]+)[^?#]*(\?[^#]*)?/i.exec(p);
  if (!m) return p;
  const q = new URLSearchParams(m[2] ?? '');
  return `${m[1]!.toLowerCase()} ${q.get('service') ?? q.get('serviceName') ?? q.get('query.service_name') ?? q.get('q') ?? ''}`;
}
