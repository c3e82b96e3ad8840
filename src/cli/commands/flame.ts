import { randomBytes } from 'node:crypto';
import { oneLine } from '../terminal';
import { runColumnLabels } from '../../core/format';
import { existsSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { CliError, type CliIO, UsageError, usageError } from '../command';
import { register } from '../registry';
import { numOption } from '../options';
import { toFlameData } from '../../core/diff/flame-data';
import type { DiffTree } from '../../core/diff/types';
import type { SpanTable } from '../../core/model/span-table';
import { analyze } from '../../core/rca/analyze';
import type { Diagnosis } from '../../core/rca/diagnosis';
import { renderFlameReport } from '../../core/report/html';
import { buildExemplarBundle, flaggedPaths } from '../../core/exemplars/bundle';
import type { ExemplarBundle } from '../../protocol/exemplars';
import { codeAttrsByOperation, opKey } from '../../core/source/code-attrs';
import type { FlameData, FlameMode } from '../../protocol/messages';
import { isFlameMode } from '../../protocol/messages';
import { serviceNames, unrelatedRunsNote } from '../../core/stats/run-overlap';
import { deepTreeNotes, inputLimits, loadRunForCli, MAX_DOWNLOAD_HELP, MAX_STREAM_HELP, overlapNote, readProblems, status } from '../load';
import { DEFAULT_MAX_SOURCE_FILES, scanWorkspace, truncationNote } from '../../sources/workspace-scan';

const HELP = `trace-doctor flame — write a differential flame graph as one self-contained HTML file

Usage: trace-doctor flame --baseline <file|dir> --incident <file|dir> --out report.html [options]
       trace-doctor flame --incident <file|dir> --out report.html          (one run, split automatically)

The report opens in any browser without network access: the flame graph bundle and its CSS are inlined, the data
is embedded as escaped JSON, and a strict Content-Security-Policy (nonce, no 'unsafe-inline') is set. The
diagnosis summary is shown at the top. Without --baseline the run is split into its normal and slow traces
(a level shift in time, else the slowest decile) and those are compared.

In the graph: width = incident time per trace; colour = change of self time (red slower, blue faster, intensity
by significance, grey unchanged); the root cause is outlined with a badge. Click to zoom, search, arrow keys to
move, Enter to zoom, Escape to reset; modes Diff / Baseline / Incident.

Options:
  --baseline P      normal run: trace file, directory, quoted glob pattern, - (stdin) or a pipe (<(zcat b.json.gz))
                    (repeatable; merged)
  --incident P      incident (slow) run: the same forms (repeatable; merged)
  --out FILE        the HTML file to write (required; written atomically)
  --workspace DIR   scan DIR for the code that opens each span (source links in the tooltip, "copy source
                    location"); absolute code.file.path attributes inside DIR become relative
  --max-source-files N  source files read from --workspace (default 20000; a warning says when more were left out)
  --title TEXT      page title (default: the input names)
  --mode M          initial mode: diff (default), baseline or incident
  --max-files N     read at most N files from directories (default 10000)
  ${MAX_DOWNLOAD_HELP}
  ${MAX_STREAM_HELP}
  -h, --help        this text

Exit codes: 0 written; 2 unreadable input, missing bundle or bad usage (message on stderr); 3 internal error (a bug
in trace-doctor); 130 interrupted (Ctrl-C), 143 cancelled (SIGTERM); no partial report is left.
`;

/** Where the built webview bundle and its stylesheet are, relative to the running CLI (dist/cli.js or src via tsx). */
export function findFlameAssets(dir: string = __dirname): { js: string; css: string } {
  const jsCandidates = [join(dir, 'webview', 'flame.js'), join(dir, '..', '..', '..', 'dist', 'webview', 'flame.js')];
  const cssCandidates = [join(dir, 'webview', 'flame.css'), join(dir, '..', 'media', 'flame.css'), join(dir, '..', '..', '..', 'media', 'flame.css')];
  const js = jsCandidates.find((p) => existsSync(p));
  const css = cssCandidates.find((p) => existsSync(p));
  if (!js) throw new CliError(`the flame graph bundle is missing (looked for ${jsCandidates.join(', ')}); run 'npm run build'`);
  if (!css) throw new CliError(`the flame graph stylesheet is missing (looked for ${cssCandidates.join(', ')})`);
  return { js, css };
}

const base = (p: string) => p.replace(/[/\\]+$/, '').replace(/^.*[/\\]/, '');

/** Adds code.* attribute source links to nodes that have none; with a workspace, makes absolute paths inside it relative. */
function attachSources(diff: DiffTree, models: SpanTable[], workspace: string | undefined): void {
  const links = new Map<string, { file: string; line: number }>();
  for (const m of models) for (const [k, v] of codeAttrsByOperation(m)) if (!links.has(k)) links.set(k, { file: v.file, line: v.line });
  for (const n of diff.nodes) {
    if (!n.source) {
      const l = links.get(opKey(n.service, n.name));
      if (l) n.source = { ...l };
    }
    if (n.source && workspace && isAbsolute(n.source.file)) {
      const rel = relative(workspace, n.source.file);
      if (!rel.startsWith('..') && !isAbsolute(rel)) n.source = { ...n.source, file: rel.split('\\').join('/') };
    }
  }
}


export interface FlameReportResult {
  html: string;
  data: FlameData;
  diagnosis: Diagnosis | null;
  exemplars: ExemplarBundle;
}

/** Loads, aggregates and diffs the runs and renders the report HTML (no file written). */
export async function buildFlameReport(
  o: { baseline: string[]; incident: string[]; workspace?: string; title?: string; mode?: FlameMode; maxFiles?: number; maxSourceFiles?: number; assetsDir?: string; download?: ReturnType<typeof inputLimits> },
  io: CliIO,
): Promise<FlameReportResult> {
  const assets = findFlameAssets(o.assetsDir);
  const incident = await loadRunForCli(o.incident, 'incident', io, { maxFiles: o.maxFiles, ...o.download });
  const baseline = o.baseline.length ? await loadRunForCli(o.baseline, 'baseline', io, { maxFiles: o.maxFiles, ...o.download }) : undefined;
  const overlap = overlapNote(baseline, incident);
  if (overlap) io.err(`warning: ${oneLine(overlap)}\n`);
  const unrelated = baseline ? unrelatedRunsNote(serviceNames(baseline.model), serviceNames(incident.model)) : null;
  if (unrelated) io.err(`warning: ${oneLine(unrelated)}\n`);
  let sourceIndex;
  let scanNote = '';
  if (o.workspace) {
    const scan = await scanWorkspace(o.workspace, { maxFiles: o.maxSourceFiles ?? DEFAULT_MAX_SOURCE_FILES });
    sourceIndex = scan.index;
    scanNote = truncationNote(scan, o.workspace, '--max-source-files');
    if (scanNote) io.err(`warning: ${scanNote}\n`);
  }
  // aggregate, diff and diagnose (one run without a baseline is split into its normal and slow traces)
  const spans = (baseline?.model.size ?? 0) + incident.model.size;
  const done = spans >= 100_000 ? status(`diagnosing ${spans.toLocaleString('en-US')} spans…`) : () => {};
  let a;
  try {
    a = analyze(baseline?.model ?? null, incident.model, sourceIndex ? { sourceIndex } : {});
  } finally {
    done();
  }
  attachSources(a.diff, baseline ? [incident.model, baseline.model] : [incident.model], o.workspace);
  const diagnosis: Diagnosis = a.diagnosis;
  if (scanNote) diagnosis.notes.push(scanNote);
  // a run read in part (truncated file, skipped lines): in the report too, not only in a warning on stderr
  for (const [role, run] of [['baseline', baseline], ['incident', incident]] as const) {
    const p = run ? readProblems(role, run) : null;
    if (p) diagnosis.notes.push(p);
  }
  // traces deeper than the tree keeps (a page draws at most 65,535 rows): say so on stderr and in the report
  for (const note of deepTreeNotes([{ role: 'incident', model: incident.model }, { role: 'baseline', model: baseline?.model }])) {
    io.err(`warning: ${note}\n`);
    diagnosis.notes.push(note);
  }
  const data: FlameData = toFlameData(a.diff, diagnosis);
  // exemplar traces for the waterfalls: the root cause and the top candidates, bounded
  const exemplars: ExemplarBundle = baseline
    ? buildExemplarBundle({ model: incident.model }, { model: baseline.model }, flaggedPaths(data, 4))
    : buildExemplarBundle({ model: incident.model, mask: a.split?.incidentMask ?? null }, { model: incident.model, mask: a.split?.baselineMask ?? null }, flaggedPaths(data, 4));
  const names = (l: string[]) => l.map(base).join(', ');
  const title = o.title ?? (baseline ? `${names(o.baseline)} → ${names(o.incident)}` : names(o.incident));
  const html = renderFlameReport({
    js: readFileSync(assets.js, 'utf8'),
    css: readFileSync(assets.css, 'utf8'),
    nonce: randomBytes(18).toString('base64'),
    data,
    diagnosis,
    mode: o.mode ?? 'diff',
    title: `Trace Doctor — ${title}`,
    // the same column words as the VS Code surfaces (src/core/format); the file names are in the title
    ...(() => { const c = runColumnLabels(baseline ? null : diagnosis.split); return { baselineLabel: c.baseline, incidentLabel: c.incident }; })(),
    inputs: { baseline: baseline?.files, incident: incident.files },
    generatedAt: new Date().toISOString(),
    exemplars,
  });
  return { html, data, diagnosis, exemplars };
}

export async function runFlame(argv: string[], io: CliIO): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        baseline: { type: 'string', multiple: true },
        incident: { type: 'string', multiple: true },
        out: { type: 'string', short: 'o' },
        workspace: { type: 'string' },
        title: { type: 'string' },
        mode: { type: 'string' },
        'max-files': { type: 'string' },
        'max-source-files': { type: 'string' },
        'max-download': { type: 'string' },
        'max-stream': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw usageError(e, HELP, 'flame');
  }
  if (!values.incident?.length) throw new UsageError('missing --incident <file|dir>');
  if (!values.out) throw new UsageError('missing --out report.html');
  if (values.mode !== undefined && !isFlameMode(values.mode)) throw new CliError(`--mode expects diff, baseline or incident, got '${values.mode}'`);
  const maxFiles = numOption(values['max-files'], 'max-files', undefined, { min: 1, int: true });
  const maxSourceFiles = numOption(values['max-source-files'], 'max-source-files', undefined, { min: 1, int: true });
  const download = inputLimits(values);
  let workspace: string | undefined;
  if (values.workspace !== undefined) {
    workspace = resolve(values.workspace);
    if (!existsSync(workspace) || !statSync(workspace).isDirectory()) throw new CliError(`--workspace ${values.workspace}: not a directory`);
  }
  const out = resolve(values.out);
  if (existsSync(out) && statSync(out).isDirectory()) throw new CliError(`--out ${values.out} is a directory; give a file name such as report.html`);

  const r = await buildFlameReport(
    { baseline: values.baseline ?? [], incident: values.incident, workspace, title: values.title, mode: values.mode as FlameMode | undefined, maxFiles, maxSourceFiles, download },
    io,
  );
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, r.html);
    renameSync(tmp, out);
  } catch (e) {
    try {
      unlinkSync(tmp);
    } catch {
      /* not created */
    }
    throw new CliError(`cannot write ${values.out}: ${(e as Error).message}`);
  }
  const kb = Buffer.byteLength(r.html) / 1024;
  io.out(`wrote ${values.out} (${kb >= 1024 ? `${(kb / 1024).toFixed(1)} MB` : `${Math.ceil(kb)} KB`}): ${r.data.n.toLocaleString('en-US')} call paths, ${r.data.baselineTraces} baseline / ${r.data.incidentTraces} incident traces\n`);
  if (r.diagnosis?.rootCause) {
    const rc = r.diagnosis.rootCause;
    io.out(`root cause: ${oneLine(rc.service)} · ${oneLine(rc.name)} — ${oneLine(rc.summary)}\n`);
  }
  return 0;
}

register({ name: 'flame', summary: 'write a differential flame graph as one self-contained HTML file', help: HELP, run: runFlame });
