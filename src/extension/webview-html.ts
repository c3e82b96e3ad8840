import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';

/**
 * The HTML shell of every Trace Doctor webview (flame panel, chat view): a strict CSP with a per-load nonce, the
 * bundle and CSS loaded through asWebviewUri, and no data inlined — the host posts the model after `ready`.
 */
export interface WebviewHtmlOptions {
  title: string;
  /** script path relative to the extension root, e.g. 'dist/webview/flame.js' */
  script: string;
  /** CSS paths relative to the extension root, e.g. ['media/flame.css'] */
  styles?: string[];
  /** extra attributes for <body> (escaped here), e.g. { 'data-view': 'flame' } */
  bodyAttributes?: Record<string, string>;
  /** connect-src for views that fetch (none by default) */
  connectSrc?: string[];
  /** load the codicon font stylesheet (id "vscode-codicon-stylesheet", what vscode-elements' icons need) */
  codicons?: boolean;
}

/** Where the build copies @vscode/codicons' stylesheet (esbuild.mjs). */
export const CODICONS_CSS = 'dist/webview/codicons/codicon.css';

export function getNonce(): string {
  return randomBytes(16).toString('base64');
}

/** The folders a Trace Doctor webview may load from: the webview bundles and media, nothing else. */
export function webviewResourceRoots(extensionUri: vscode.Uri): vscode.Uri[] {
  return [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')];
}

/** Options for createWebviewPanel / WebviewView.webview.options. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return { enableScripts: true, localResourceRoots: webviewResourceRoots(extensionUri) };
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function buildCsp(cspSource: string, nonce: string, connectSrc: string[] = []): string {
  return [
    `default-src 'none'`,
    `img-src ${cspSource} data:`,
    `style-src ${cspSource}`,
    `script-src 'nonce-${nonce}'`,
    `font-src ${cspSource}`,
    ...(connectSrc.length ? [`connect-src ${connectSrc.join(' ')}`] : []),
  ].join('; ');
}

export function buildWebviewHtml(webview: vscode.Webview, extensionUri: vscode.Uri, o: WebviewHtmlOptions): string {
  const nonce = getNonce();
  const uri = (rel: string) => webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, ...rel.split('/'))).toString();
  const styles = (o.styles ?? []).map((s) => `<link rel="stylesheet" href="${escapeHtml(uri(s))}">`).join('\n    ');
  const attrs = Object.entries(o.bodyAttributes ?? {})
    .filter(([k]) => /^[a-z][a-z0-9-]*$/.test(k))
    .map(([k, v]) => ` ${k}="${escapeHtml(v)}"`)
    .join('');
  const codicons = o.codicons ? `\n    <link rel="stylesheet" href="${escapeHtml(uri(CODICONS_CSS))}" id="vscode-codicon-stylesheet">` : '';
  return `<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta http-equiv="Content-Security-Policy" content="${escapeHtml(buildCsp(webview.cspSource, nonce, o.connectSrc))}">
    <meta name="viewport" content="width=device-width, initial-scale=1.0">
    ${styles}${codicons}
    <title>${escapeHtml(o.title)}</title>
  </head>
  <body${attrs}>
    <div id="app" role="application" aria-label="${escapeHtml(o.title)}"></div>
    <script nonce="${nonce}" src="${escapeHtml(uri(o.script))}"></script>
  </body>
</html>`;
}
