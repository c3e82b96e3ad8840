/**
 * Extension-host test entry (the module named by extensionTestsPath): runs the *.e2e.js files next to it with Mocha
 * (tdd) inside the VS Code extension host. Loaded the same way by code-server (test/e2e/run-exthost.mjs, workbench
 * URL payload) and by @vscode/test-electron (test/e2e/run-electron.mjs).
 * When TRACE_DOCTOR_E2E_RESULT is set, the per-test results are also written there as JSON for the runner.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as util from 'node:util';

interface TestResult { title: string; state: 'passed' | 'failed'; ms?: number; error?: string }

export function run(): Promise<void> {
  // mocha 12 is ESM; require(esm) gives its namespace, whose default is the Mocha class.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const m = require('mocha');
  const Mocha = m.default ?? m;
  // The extension host forwards console.log arguments unformatted to the workbench page: pre-format the reporter's lines.
  Mocha.reporters.Base.consoleLog = (...a: unknown[]) => console.log(util.format(...a));
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000, reporter: 'spec' });
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.e2e.js')).sort();
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  const results: TestResult[] = [];
  return new Promise((resolve, reject) => {
    const runner = mocha.run((failures: number) => {
      const passed = results.filter((r) => r.state === 'passed').length;
      const failed = results.filter((r) => r.state === 'failed').length;
      const out = process.env.TRACE_DOCTOR_E2E_RESULT;
      if (out) fs.writeFileSync(out, JSON.stringify({ passed, failed, results }, null, 2));
      console.log(`exthost: ${passed} passed, ${failed} failed`);
      if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
      else resolve();
    });
    runner.on('pass', (t: { fullTitle(): string; duration?: number }) => results.push({ title: t.fullTitle(), state: 'passed', ms: t.duration }));
    runner.on('fail', (t: { fullTitle(): string }, err: Error) =>
      results.push({ title: t.fullTitle(), state: 'failed', error: String(err?.stack ?? err) }));
  });
}
