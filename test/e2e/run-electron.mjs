#!/usr/bin/env node
// The SAME extension-host suite as run-exthost.mjs (test/e2e/suite), run by @vscode/test-electron in a desktop
// VS Code, for machines that can download VS Code (or have one: set VSCODE_EXECUTABLE=/path/to/code).
// Not run in CI here: update.code.visualstudio.com is unreachable from this project's machines (see notes/e2e.md).
// Usage: npm run build && npm run test:electron   (= node test/e2e/run-electron.mjs)
import path from 'node:path';
import fs from 'node:fs';
import { ROOT, buildSuite, cleanupStack, log, makeRunDir, stageWorkspace, startScriptedLlm } from './lib.mjs';

async function main() {
  const cleanups = cleanupStack();
  const runDir = makeRunDir('electron');
  let code = 1;
  try {
    if (!fs.existsSync(path.join(ROOT, 'dist', 'extension.js'))) throw new Error('dist/extension.js is missing: run `npm run build` first');
    const { runTests } = await import('@vscode/test-electron');
    const extensionTestsPath = await buildSuite(path.join(runDir, 'suite'));
    const llm = await startScriptedLlm(runDir, cleanups);
    const { ws, source, settings } = stageWorkspace(runDir, { llmBaseUrl: llm?.baseUrl });
    const resultFile = path.join(runDir, 'exthost-result.json');
    const userData = path.join(runDir, 'data');
    log('run dir', path.relative(ROOT, runDir), '| workspace from', source);
    code = await runTests({
      ...(process.env.VSCODE_EXECUTABLE ? { vscodeExecutablePath: process.env.VSCODE_EXECUTABLE } : {}),
      extensionDevelopmentPath: ROOT,
      extensionTestsPath,
      launchArgs: [ws, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes',
        '--user-data-dir', userData, '--extensions-dir', path.join(runDir, 'exts')],
      extensionTestsEnv: {
        TRACE_DOCTOR_E2E: '1', TRACE_DOCTOR_E2E_RESULT: resultFile, TRACE_DOCTOR_E2E_LLM_URL: llm?.baseUrl ?? '', TRACE_DOCTOR_E2E_SETTINGS: JSON.stringify(settings),
        TRACE_DOCTOR_E2E_LOGS: path.join(userData, 'logs'),
      },
    });
  } catch (e) {
    console.error('[e2e] test-electron run failed:', e?.message || e);
    if (/ENOTFOUND|getaddrinfo|EAI_AGAIN/.test(String(e))) {
      console.error('[e2e] VS Code could not be downloaded here. Set VSCODE_EXECUTABLE to a desktop VS Code, or use `node test/e2e/run-exthost.mjs` (same suite in code-server).');
    }
    code = 1;
  } finally {
    await cleanups.runAll();
  }
  process.exit(code === 0 ? 0 : 1);
}

main().catch((e) => { console.error(e); process.exit(1); });
