// Issue 14 items 16 and 17: source links from trace data only resolve to files inside a workspace folder (symlinks
// resolved); settings that send data or credentials somewhere are restricted in untrusted workspaces, and a stored
// credential goes to an origin that only the workspace settings name after a confirmation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { outsideWorkspace, resolveSourcePath, type PathEnv } from '../../../src/extension/paths-model';
import { needsCredentialConfirmation, onlyInWorkspaceSettings, originOf, RESTRICTED_SETTINGS } from '../../../src/extension/trust-model';

let tmp = '';
let ws = '';
let secret = '';
let env: PathEnv;

before(() => {
  tmp = realpathSync(mkdtempSync(join(tmpdir(), 'td-conf-')));
  ws = join(tmp, 'ws');
  mkdirSync(join(ws, 'src'), { recursive: true });
  writeFileSync(join(ws, 'src', 'app.py'), 'x\n');
  secret = join(tmp, 'secret.txt');
  writeFileSync(secret, 'hunter2\n');
  symlinkSync(secret, join(ws, 'src', 'link.py')); // a link inside the workspace pointing out of it
  symlinkSync(join(ws, 'src', 'app.py'), join(ws, 'inner-link.py')); // a link that stays inside
  env = {
    folders: [ws],
    exists: (p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return false;
      }
    },
    realpath: (p) => {
      try {
        return realpathSync.native(p);
      } catch {
        return undefined;
      }
    },
  };
});
after(() => rmSync(tmp, { recursive: true, force: true }));

test('item 16: files inside the workspace resolve (relative, absolute, file:// URL, links that stay inside)', () => {
  assert.equal(resolveSourcePath('src/app.py', env), `${ws}/src/app.py`);
  assert.equal(resolveSourcePath(`${ws}/src/app.py`, env), `${ws}/src/app.py`);
  assert.equal(resolveSourcePath(`file://${ws}/src/app.py`, env), `${ws}/src/app.py`);
  assert.equal(resolveSourcePath('inner-link.py', env), `${ws}/inner-link.py`);
});

test('item 16: absolute paths, file:// URLs, ../ and symlinks out of the workspace never resolve', () => {
  for (const f of [secret, `file://${secret}`, '/etc/passwd', 'file:///etc/passwd', '../secret.txt', '../../../../../../etc/passwd', 'src/link.py', `${ws}/src/link.py`]) {
    const r = resolveSourcePath(f, env);
    assert.ok(r === undefined || (r.startsWith(ws + '/') && !readFileSync(r, 'utf8').includes('hunter2')), `${f} → ${r}`);
  }
  // what the caller may offer to open after asking
  assert.equal(outsideWorkspace(secret, env), secret);
  assert.equal(outsideWorkspace(`file://${secret}`, env), secret);
  assert.equal(outsideWorkspace('src/link.py', env), secret);
  assert.equal(outsideWorkspace('src/app.py', env), undefined);
  // no workspace open: nothing is inside
  assert.equal(resolveSourcePath(secret, { ...env, folders: [] }), undefined);
});

test('item 17: package.json restricts every setting that decides where data or credentials go', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', 'package.json'), 'utf8'));
  const cap = pkg.capabilities?.untrustedWorkspaces;
  assert.equal(cap?.supported, 'limited');
  assert.deepEqual([...cap.restrictedConfigurations].sort(), [...RESTRICTED_SETTINGS].sort());
  const props = pkg.contributes.configuration.properties;
  for (const k of RESTRICTED_SETTINGS) assert.ok(props[k], `${k} is a contributed setting`);
  for (const k of ['traceDoctor.llm.baseURL', 'traceDoctor.sources.urls', 'traceDoctor.llm.ollamaHost', 'traceDoctor.receiver.host']) {
    assert.ok(cap.restrictedConfigurations.includes(k), k);
  }
});

test('item 17: a credential needs a confirmation for an origin only the workspace settings name, once', () => {
  const url = 'https://evil.example:8443/v1';
  assert.equal(originOf(url), 'https://evil.example:8443');
  assert.equal(originOf('tempo+http://Tempo:3200?q={}'), 'http://tempo:3200');
  // workspace-only → ask; approved → don't; also in user settings → don't; not in settings at all (typed) → don't
  assert.equal(needsCredentialConfirmation(url, { workspaceValue: url }, []), true);
  assert.equal(needsCredentialConfirmation(url, { workspaceFolderValue: url }, []), true);
  assert.equal(needsCredentialConfirmation(url, { workspaceValue: url }, ['https://evil.example:8443']), false);
  assert.equal(needsCredentialConfirmation(url, { workspaceValue: url, globalValue: 'https://evil.example:8443/other' }, []), false);
  assert.equal(needsCredentialConfirmation(url, { globalValue: url }, []), false);
  assert.equal(needsCredentialConfirmation(url, undefined, []), false);
  // a server on this machine: no question (the e2e chat server on 127.0.0.1 set in workspace settings)
  assert.equal(needsCredentialConfirmation('http://127.0.0.1:8000/v1', { workspaceValue: 'http://127.0.0.1:8000/v1' }, []), false);
  assert.equal(needsCredentialConfirmation('tempo+http://localhost:3200', { workspaceValue: ['tempo+http://localhost:3200'] }, []), false);
  // array settings (traceDoctor.sources.urls): same origin, any path
  const urls = ['tempo+http://tempo.evil:3200?q={}', 'http://jaeger.ok:16686'];
  assert.equal(onlyInWorkspaceSettings('http://tempo.evil:3200/api/search?q={}', { workspaceValue: urls, globalValue: ['http://jaeger.ok:16686'] }), true);
  assert.equal(onlyInWorkspaceSettings('http://jaeger.ok:16686/api/traces', { workspaceValue: urls, globalValue: ['http://jaeger.ok:16686'] }), false);
});
