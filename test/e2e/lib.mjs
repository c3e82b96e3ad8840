// Shared plumbing of the e2e runners (run-ui.mjs, run-exthost.mjs, run-electron.mjs): run folders, staging the
// extension and the example workspace, the scripted LLM server, code-server and the headless browser.
// Everything binds 127.0.0.1 on a free port; every child process is killed (process group) by the caller's cleanup.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const E2E_DIR = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(E2E_DIR, '..', '..');
export const CODE_SERVER = process.env.CODE_SERVER || path.join(E2E_DIR, 'node_modules', '.bin', 'code-server');
export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** The example the tests run on (C's examples/ml-pipeline) and what is known about it. */
export const EXAMPLE = {
  dir: path.join(ROOT, 'examples', 'ml-pipeline'),
  incident: 'spiked.json',
  baseline: 'normal.json',
  /** root-cause service/operation of the example (the pre-processor) */
  rootService: 'pre-processor',
  rootOp: 'preprocess-request',
  /** another operation opened in the same file (for the hover-link scenario) */
  otherOp: 'preprocess-image',
  /** a deliberately broken trace file the runners add to the workspace copy */
  badTrace: 'broken-trace.json',
};

const t0 = Date.now();
export const elapsed = () => ((Date.now() - t0) / 1000).toFixed(1) + 's';
export const log = (...a) => console.log(`[e2e ${elapsed()}]`, ...a);
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll fn until it returns a truthy value; throws `timeout waiting for <what>` (with the last error) after timeout ms. */
export async function waitFor(fn, what, timeout = 30000, every = 150) {
  let last;
  for (const end = Date.now() + timeout; ;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) { last = e; }
    if (Date.now() > end) throw new Error(`timeout (${timeout} ms) waiting for ${what}${last ? ': ' + String(last.message || last).split('\n')[0] : ''}`);
    await sleep(every);
  }
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

/** test-output/e2e/<timestamp>-<kind>/ with shots/ inside. */
export function makeRunDir(kind) {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-').replace('Z', '');
  const dir = path.join(ROOT, 'test-output', 'e2e', `${stamp}-${kind}`);
  fs.mkdirSync(path.join(dir, 'shots'), { recursive: true });
  return dir;
}

/** Refuse to run on a stale or missing build: the runners build nothing themselves. */
export function checkBuilt() {
  const pj = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const main = path.join(ROOT, pj.main || 'dist/extension.js');
  if (!fs.existsSync(main)) throw new Error(`${path.relative(ROOT, main)} is missing: run \`npm run build\` first`);
  if (!fs.existsSync(CODE_SERVER)) throw new Error(`code-server is not installed: run \`bash test/e2e/setup.sh\` first`);
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run \`bash test/e2e/setup.sh\` first`);
  return pj;
}

/**
 * The extension as a user gets it: `vsce package` of the built tree (what .vscodeignore lets through, the README,
 * LICENSE and manifest as they ship), made once per process and kept at test-output/e2e/trace-doctor-<version>.vsix.
 * A file the extension needs at run time but the package leaves out fails every scenario, not a user's install.
 */
let packaged = null;
export function packageVsix(pj) {
  if (packaged) return packaged;
  const out = path.join(ROOT, 'test-output', 'e2e', `${pj.name}-${pj.version}.vsix`);
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.rmSync(out, { force: true });
  const vsce = path.join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce');
  const r = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '--allow-missing-repository', '-o', out],
    { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  if (r.status !== 0 || !fs.existsSync(out)) throw new Error(`vsce package failed (${r.error?.message ?? `exit ${r.status}`}):\n${(r.stdout ?? '') + (r.stderr ?? '')}`);
  log(`packaged ${path.relative(ROOT, out)} (${(fs.statSync(out).size / 1024 / 1024).toFixed(2)} MiB)`);
  return (packaged = out);
}

/**
 * A fresh extensions dir RUN/exts with the packaged .vsix installed by code-server's own `--install-extension` (as
 * `code-server --install-extension trace-doctor.vsix` would for a user). Fresh because code-server ignores folders
 * not listed in an existing EXTS/extensions.json.
 */
export function stageExtension(runDir, pj) {
  const vsix = packageVsix(pj);
  const exts = path.join(runDir, 'exts');
  fs.mkdirSync(exts, { recursive: true });
  const r = spawnSync(CODE_SERVER, ['--config', path.join(runDir, 'install-config.yaml'), '--extensions-dir', exts, '--user-data-dir', path.join(runDir, 'install-data'), '--install-extension', vsix],
    { encoding: 'utf8', timeout: 120_000 });
  const dest = path.join(exts, `${pj.publisher}.${pj.name}-${pj.version}`);
  if (r.status !== 0 || !fs.existsSync(path.join(dest, 'dist', 'extension.js'))) {
    throw new Error(`code-server --install-extension ${path.relative(ROOT, vsix)} failed (${r.error?.message ?? `exit ${r.status}`}):\n${(r.stdout ?? '') + (r.stderr ?? '')}`);
  }
  return { exts, extDir: dest };
}

/** The example workspace: examples/ml-pipeline if it exists, else the vendored sys4bigml fixture laid out the same way. */
function exampleSource() {
  if (fs.existsSync(EXAMPLE.dir)) return { kind: 'examples/ml-pipeline', copy: (dest) => fs.cpSync(EXAMPLE.dir, dest, { recursive: true }) };
  const fx = path.join(ROOT, 'test', 'fixtures', 'public', 'sys4bigml');
  return {
    kind: 'test/fixtures/public/sys4bigml (examples/ml-pipeline missing)',
    copy: (dest) => {
      fs.cpSync(path.join(fx, 'src'), path.join(dest, 'src'), { recursive: true });
      fs.mkdirSync(path.join(dest, 'traces'), { recursive: true });
      fs.copyFileSync(path.join(fx, 'spiked-traces-minified-1.json'), path.join(dest, 'traces', EXAMPLE.incident));
      fs.copyFileSync(path.join(fx, 'normal-traces-minified-1.json'), path.join(dest, 'traces', EXAMPLE.baseline));
    },
  };
}

/** Broken on purpose: valid start (so it is sniffed as a trace file), then cut off mid-object. */
export const BAD_TRACE_TEXT = '{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"web-server"}}]},\n' +
  '"scopeSpans":[{"spans":[{"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331",\n"name":"truncated-span","startTimeUnixNano":"1700000000000000000",';

/**
 * Copy of the example as the workspace folder `RUN/ml-pipeline`, plus .vscode/settings.json (chat pointed at the
 * scripted LLM server) and the deliberately bad trace file traces/<EXAMPLE.badTrace>.
 */
export function stageWorkspace(runDir, { llmBaseUrl } = {}) {
  const ws = path.join(runDir, 'ml-pipeline');
  const src = exampleSource();
  src.copy(ws);
  fs.mkdirSync(path.join(ws, 'traces'), { recursive: true });
  fs.writeFileSync(path.join(ws, 'traces', EXAMPLE.badTrace), BAD_TRACE_TEXT);
  const settingsFile = path.join(ws, '.vscode', 'settings.json');
  let settings = {};
  try { settings = JSON.parse(fs.readFileSync(settingsFile, 'utf8')); } catch { /* none or JSONC: replaced */ }
  // a real, harmless Trace Doctor setting (read back by the extension-host suite) + the chat's server
  settings['traceDoctor.search.maxFiles'] = 500;
  settings['traceDoctor.receiver.port'] = 0; // the receiver (if a test starts it) takes a free port, never 4318
  settings['traceDoctor.receiver.grpcPort'] = 0; // and its OTLP/gRPC side a free port, never 4317
  if (llmBaseUrl) Object.assign(settings, llmSettings(llmBaseUrl));
  fs.mkdirSync(path.dirname(settingsFile), { recursive: true });
  fs.writeFileSync(settingsFile, JSON.stringify(settings, null, 2) + '\n');
  return { ws, source: src.kind, settings };
}

/** Workspace settings that point the chat at the scripted OpenAI-compatible server (F's traceDoctor.llm.*). */
export function llmSettings(baseUrl) {
  return {
    'traceDoctor.llm.provider': 'openai',
    'traceDoctor.llm.baseURL': baseUrl,
    'traceDoctor.llm.model': 'scripted-model',
  };
}

/** code-server user settings: no welcome page, no trust prompt, quick hovers. Not what is under test. */
export function writeUserSettings(dataDir) {
  const f = path.join(dataDir, 'User', 'settings.json');
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, JSON.stringify({
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'security.workspace.trust.enabled': false,
    'telemetry.telemetryLevel': 'off',
    'extensions.ignoreRecommendations': true,
    'update.mode': 'none',
    'editor.hover.delay': 300,
    'editor.stickyScroll.enabled': false,
    'workbench.reduceMotion': 'on',
    'workbench.enableExperiments': false,
    'git.enabled': false,
    'git.openRepositoryInParentFolders': 'never',
  }, null, 2));
}

/** Spawn detached (own process group) with output to a log file; returns { proc, kill }. */
export function spawnGroup(cmd, args, { cwd = ROOT, env = process.env, logFile, onStdout } = {}) {
  const proc = spawn(cmd, args, { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const out = logFile ? fs.createWriteStream(logFile) : null;
  proc.stdout.on('data', (d) => { out?.write(d); onStdout?.(d.toString()); });
  proc.stderr.on('data', (d) => out?.write(d));
  let killed = false, exited = false;
  proc.on('exit', () => { exited = true; });
  /** SIGTERM the whole group; the returned promise resolves when it exited (SIGKILL after 3 s). */
  const kill = (sig = 'SIGTERM') => {
    if (!killed || sig !== 'SIGTERM') {
      killed = true;
      try { process.kill(-proc.pid, sig); } catch { /* gone */ }
    }
    if (exited) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(() => { try { process.kill(-proc.pid, 'SIGKILL'); } catch { /* gone */ } resolve(); }, 3000);
      proc.once('exit', () => { clearTimeout(t); resolve(); });
    });
  };
  return { proc, kill };
}

/**
 * The scripted OpenAI-compatible server (F's test/helpers/scripted-llm-server.ts, run standalone through tsx).
 * Resolves to { baseUrl, kill } once it printed its URL; null when the helper does not exist (yet).
 */
export async function startScriptedLlm(runDir, cleanups, { script: steps, name = 'scripted-llm' } = {}) {
  const script = path.join(ROOT, 'test', 'helpers', 'scripted-llm-server.ts');
  if (!fs.existsSync(script)) return null;
  let printed = '';
  const { proc, kill } = spawnGroup(process.execPath, ['--import', 'tsx', script, '--host', '127.0.0.1', '--port', '0', ...(steps ? ['--script', steps] : [])], {
    logFile: path.join(runDir, `${name}.log`), onStdout: (s) => { printed += s; },
  });
  cleanups.push(() => kill());
  let exited = null;
  proc.on('exit', (c) => { exited = c; });
  const baseUrl = await waitFor(() => {
    if (exited !== null) throw new Error(`scripted LLM server exited with ${exited}; see ${path.join(runDir, `${name}.log`)}`);
    // "scripted LLM server listening on http://127.0.0.1:P (OpenAI base URL http://127.0.0.1:P/v1, Ollama host …)"
    const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(printed);
    const o = /OpenAI base URL (http:\/\/127\.0\.0\.1:\d+\S*?)[,)\s]/.exec(printed);
    return m && { url: m[1], openai: o ? o[1] : `${m[1]}/v1` };
  }, 'scripted LLM server URL on its stdout', 30000);
  return { baseUrl: baseUrl.openai, url: baseUrl.url, kill };
}

/**
 * code-server's file dialog is a quick input holding a path, and it fills in its start folder asynchronously: wait until
 * the path is a folder and has settled, and return it.
 */
export async function dialogStartFolder(page, what = 'the file dialog start folder') {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15000 });
  let last = '';
  await waitFor(async () => {
    const v = await input.inputValue();
    const settled = v === last && v.endsWith('/');
    last = v;
    return settled;
  }, what, 15000, 300);
  return last;
}

/**
 * Start code-server on 127.0.0.1:<free port> for `folder`, wait for /healthz.
 * env is passed through: it reaches the extension host (process.env there).
 */
export async function startCodeServer({ runDir, exts, folder, env = {}, cleanups }) {
  const port = await freePort();
  const data = path.join(runDir, 'data');
  writeUserSettings(data);
  fs.mkdirSync(exts, { recursive: true });
  const args = ['--config', path.join(runDir, 'config.yaml'), '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`,
    '--disable-telemetry', '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override',
    '--user-data-dir', data, '--extensions-dir', exts, folder];
  const { proc, kill } = spawnGroup(CODE_SERVER, args, {
    // OPENAI_API_KEY: the OpenAI client insists on a key; the scripted server on 127.0.0.1 ignores it
    env: { ...process.env, OPENAI_API_KEY: 'e2e-scripted-server-key', ...env }, logFile: path.join(runDir, 'code-server.log'),
  });
  cleanups.push(() => kill());
  let exited = null;
  proc.on('exit', (c) => { exited = c; });
  await waitFor(async () => {
    if (exited !== null) throw new Error(`code-server exited with ${exited}; see ${path.join(runDir, 'code-server.log')}`);
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
  }, 'code-server /healthz', 30000, 100);
  const base = `http://127.0.0.1:${port}`;
  return {
    port, base, kill,
    remote: (p) => `vscode-remote://127.0.0.1:${port}${p}`,
    // a multi-root workspace is opened by its .code-workspace file
    workbenchUrl: (payload) => `${base}/?${folder.endsWith('.code-workspace') ? 'workspace' : 'folder'}=${encodeURIComponent(folder)}` +
      (payload ? '&payload=' + encodeURIComponent(JSON.stringify(payload)) : ''),
  };
}

export async function launchBrowser(cleanups) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  cleanups.push(() => browser.close().catch(() => {}));
  return browser;
}

/** Run cleanups last-in first-out, each at most once, also on SIGINT/SIGTERM and process exit. */
export function cleanupStack() {
  const list = [];
  let ran = false;
  const runAll = async () => {
    if (ran) return;
    ran = true;
    for (const f of list.reverse()) { try { await f(); } catch { /* keep going */ } }
  };
  const onSignal = (sig) => { runAll().finally(() => process.exit(sig === 'SIGINT' ? 130 : 143)); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Synchronous last resort: kill process groups still listed (functions are sync-safe for kills).
  process.once('exit', () => { if (!ran) for (const f of list) { try { f(); } catch { /* */ } } });
  list.runAll = runAll;
  return list;
}

/** Text of extension-host console messages as they arrive in the page ("%c[Extension Host] ..." etc.). */
export function cleanConsole(t) {
  return t.replace(/%c/g, '').replace(/(^|\s)(?:color|background(?:-color)?|font-weight): ?[^;\s]+;?/g, '$1').replace(/^\s+/, '').replace(/^(INFO|\[Extension Host\]) {2,}/, '$1 ');
}

/** Build the TypeScript extension-host suite (test/e2e/suite/*.ts) into outDir as CommonJS (vscode, mocha external). */
export async function buildSuite(outDir) {
  const esbuild = await import('esbuild');
  const suiteDir = path.join(E2E_DIR, 'suite');
  const entries = fs.readdirSync(suiteDir).filter((f) => /\.ts$/.test(f) && !f.endsWith('.d.ts')).map((f) => path.join(suiteDir, f));
  await esbuild.build({
    entryPoints: entries, outdir: outDir, bundle: true, platform: 'node', format: 'cjs', target: 'node20',
    external: ['vscode', 'mocha'], sourcemap: 'inline', logLevel: 'warning',
  });
  return path.join(outDir, 'index.js');
}

/** The log files under RUN/data/logs whose name matches `re` (exthost N logs, output channels), depth-first. */
function logFiles(runDir, re) {
  const out = [];
  const walk = (d) => {
    let entries = [];
    try { entries = fs.readdirSync(d, { withFileTypes: true }); } catch { return; }
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (re.test(e.name)) out.push(p);
    }
  };
  walk(path.join(runDir, 'data', 'logs'));
  return out;
}

/** Lines of the "Trace Doctor" output channel's log file(s) of the code-server run in `runDir`. */
export function traceDoctorLog(runDir) {
  return logFiles(runDir, /Trace Doctor\.log$/i).flatMap((p) => fs.readFileSync(p, 'utf8').split('\n'));
}

/** Lines of the extension-host logs (under RUN/data/logs: exthost N logs, Trace Doctor output channel) that report activation or runtime errors. */
export function extensionHostErrors(runDir, max = 12) {
  const out = [];
  for (const p of logFiles(runDir, /exthost\.log$|Trace Doctor\.log$/i)) {
    for (const l of fs.readFileSync(p, 'utf8').split('\n')) {
      if (/\[error\]/i.test(l) && (/trace-doctor|traceDoctor|Trace Doctor/i.test(l) || /Trace Doctor\.log$/i.test(p))) out.push(l.slice(0, 400));
    }
  }
  return out.slice(0, max);
}

/**
 * A workspace of its own (scenarios rf, thin): `stage(dir)` writes it under RUN/`name` and returns its folder; a second
 * code-server with the staged extension serves it to a new context of the same browser. `ctx` = { browser, runDir,
 * pj, Ui, makeShot(page), watchPage(page), cleanups } as run-ui.mjs passes it; `close()` ends both.
 */
export async function openOwnWorkspace({ browser, runDir, pj, Ui, makeShot, watchPage, cleanups }, name, stage) {
  const dir = path.join(runDir, name);
  fs.mkdirSync(dir, { recursive: true });
  const ws = stage(dir);
  const { exts } = stageExtension(dir, pj);
  const cs = await startCodeServer({ runDir: dir, exts, folder: ws, cleanups });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(20000);
  watchPage(page);
  const ui = new Ui(page, makeShot(page));
  const close = async () => {
    await context.close().catch(() => {});
    await cs.kill();
  };
  return { dir, ws, cs, page, ui, close };
}

/** The workspace settings of a scenario with a workspace of its own: the chat on the offline engine, the receiver on free ports. */
export function writeOfflineSettings(ws) {
  fs.mkdirSync(path.join(ws, '.vscode'), { recursive: true });
  fs.writeFileSync(path.join(ws, '.vscode', 'settings.json'), JSON.stringify({
    'traceDoctor.llm.provider': 'offline',
    'traceDoctor.receiver.port': 0,
    'traceDoctor.receiver.grpcPort': 0,
  }, null, 2) + '\n');
}
