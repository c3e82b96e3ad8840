/** The webview HTML shell (src/extension/webview-html.ts) with a stubbed `vscode`: strict CSP, nonce, no inlined data. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { installVscodeStub } from './helpers/vscode-stub';

installVscodeStub();

const webview = {
  cspSource: 'https://csp.example',
  asWebviewUri: (u: { fsPath: string }) => ({ toString: () => `https://webview.example${u.fsPath}` }),
};
const ext = { fsPath: '/ext', scheme: 'file' };

test('strict CSP with a fresh nonce; script and styles through asWebviewUri; title escaped', async () => {
  const { buildWebviewHtml, webviewOptions } = await import('../../../src/extension/webview-html');
  const html = buildWebviewHtml(webview as never, ext as never, { title: 'Flame <b>&"', script: 'dist/webview/flame.js', styles: ['media/flame.css'], bodyAttributes: { 'data-view': 'fl"ame', 'on click': 'x' } });
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1]!.replace(/&#39;/g, "'");
  const nonce = /script-src 'nonce-([^']+)'/.exec(csp)![1]!;
  assert.ok(nonce.length >= 16);
  assert.equal(csp, `default-src 'none'; img-src https://csp.example data:; style-src https://csp.example; script-src 'nonce-${nonce}'; font-src https://csp.example`);
  assert.ok(!/unsafe-(inline|eval)/.test(html));
  const scripts = [...html.matchAll(/<script([^>]*)>/g)].map((m) => m[1]!);
  assert.equal(scripts.length, 1);
  assert.match(scripts[0]!, new RegExp(`nonce="${nonce.replace(/[+/=]/g, (c) => '\\' + c)}" src="https://webview.example/ext/dist/webview/flame.js"`));
  assert.match(html, /<link rel="stylesheet" href="https:\/\/webview.example\/ext\/media\/flame.css">/);
  assert.match(html, /<title>Flame &#60;b&#62;&#38;&#34;<\/title>/);
  assert.match(html, /data-view="fl&#34;ame"/);
  assert.ok(!html.includes('on click'), 'attribute names are restricted');
  assert.ok(!/\bon[a-z]+=/.test(html), 'no inline handlers');
  const again = buildWebviewHtml(webview as never, ext as never, { title: 't', script: 'dist/webview/flame.js' });
  assert.notEqual(/nonce-([^'&]+)/.exec(again)![1], nonce, 'a new nonce per load');
  const opts = webviewOptions(ext as never);
  assert.equal(opts.enableScripts, true);
  assert.deepEqual((opts.localResourceRoots as unknown as { fsPath: string }[]).map((u) => u.fsPath), ['/ext/dist/webview', '/ext/media']);
});
