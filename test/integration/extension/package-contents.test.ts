/**
 * The .vsix holds only the bundles, media, the manifest and the docs (.vscodeignore), and the manifest's icon and
 * contributed media exist. Uses `vsce ls` (what `vsce package` would include) on the built tree.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');

test('vsce ls: only dist bundles (no maps), media, package.json, README, LICENSE, CHANGELOG', { skip: !existsSync(join(ROOT, 'dist', 'extension.js')) && 'run npm run build first' }, () => {
  const out = execFileSync(process.execPath, [join(ROOT, 'node_modules', '@vscode', 'vsce', 'vsce'), 'ls', '--no-dependencies'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  const files = out.split('\n').map((l) => l.trim()).filter(Boolean);
  const allowed = /^(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/[^/]+\.js|dist\/example\/.+|dist\/webview\/[^/]+\.(js|css)|dist\/webview\/codicons\/codicon\.(css|ttf)|media\/.+)$/;
  assert.deepEqual(files.filter((f) => !allowed.test(f)), [], 'unexpected files in the package');
  for (const f of ['package.json', 'dist/extension.js', 'dist/tokenizer.js', 'dist/example/traces/spiked.json.gz', 'dist/example/preprocessor/preprocessor.py', 'dist/example/README.md', 'dist/webview/flame.js', 'dist/webview/codicons/codicon.css', 'dist/webview/codicons/codicon.ttf', 'media/icon.png', 'media/activity.svg', 'media/root-cause.svg']) {
    assert.ok(files.includes(f), `${f} missing from the package`);
  }
});

test('the tokenizer ships as dist/tokenizer.js, required on first use by the extension and the CLI, not inside them', { skip: !existsSync(join(ROOT, 'dist', 'tokenizer.js')) && 'run npm run build first' }, () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const tok = require(join(ROOT, 'dist', 'tokenizer.js')) as { countTokens(s: string): number };
  assert.equal(tok.countTokens('hello world'), 2);
  for (const b of ['extension.js', 'cli.js']) {
    const src = readFileSync(join(ROOT, 'dist', b), 'utf8');
    assert.ok(!src.includes('node_modules/gpt-tokenizer/'), `${b} holds gpt-tokenizer itself`);
    const calls = src.match(/require\("\.\/tokenizer\.js"\)/g) ?? [];
    assert.equal(calls.length, 1, `${b} requires ./tokenizer.js once (in src/llm/tokens.ts's first count)`);
  }
});

test('manifest: icon is a 128×128 PNG, contributed media exist, menus name declared commands', () => {
  const pj = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const png = readFileSync(join(ROOT, pj.icon));
  assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
  assert.equal(png.readUInt32BE(16), 128);
  assert.equal(png.readUInt32BE(20), 128);
  for (const c of pj.contributes.viewsContainers.activitybar) assert.ok(existsSync(join(ROOT, c.icon)), c.icon);
  for (const v of pj.contributes.views['trace-doctor']) assert.ok(!v.icon || existsSync(join(ROOT, v.icon)), v.icon);
  const ids = new Set(pj.contributes.commands.map((c: { command: string }) => c.command));
  for (const [menu, items] of Object.entries(pj.contributes.menus as Record<string, { command: string }[]>)) {
    for (const it of items) assert.ok(ids.has(it.command), `${menu} refers to undeclared ${it.command}`);
  }
  assert.ok(pj.activationEvents.includes('onWebviewPanel:traceDoctor.flame'), 'the flame panel can be restored');
  // commands that act on loaded traces are not offered in the palette before anything is loaded (issue 13 item 6)
  const palette = new Map((pj.contributes.menus.commandPalette as { command: string; when?: string }[]).map((m) => [m.command, m.when]));
  for (const id of ['traceDoctor.askInChat', 'traceDoctor.closeTraces', 'traceDoctor.reload', 'traceDoctor.showFlameGraph']) {
    assert.match(palette.get(id) ?? '', /traceDoctor\.loaded|^false$/, `${id} needs a when clause in the command palette`);
  }
});

test('walkthrough: media exist, every button and completion event names a declared command or view', () => {
  const pj = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const ids = new Set(pj.contributes.commands.map((c: { command: string }) => c.command));
  const views = new Set(Object.values(pj.contributes.views as Record<string, { id: string }[]>).flat().map((v) => v.id));
  const known = (cmd: string) => ids.has(cmd) || (cmd.endsWith('.focus') && views.has(cmd.slice(0, -'.focus'.length)));
  const [walk, ...more] = pj.contributes.walkthroughs as { id: string; steps: { id: string; description: string; media: Record<string, string>; completionEvents?: string[] }[] }[];
  assert.ok(walk && more.length === 0, 'one walkthrough');
  assert.ok(walk.steps.length >= 3 && walk.steps.length <= 7, 'a handful of steps');
  for (const s of walk.steps) {
    for (const f of Object.values(s.media).filter((v) => /\.(md|svg|png)$/.test(v))) assert.ok(existsSync(join(ROOT, f)), `${s.id}: ${f} missing`);
    const buttons = [...s.description.matchAll(/\]\(command:([\w.]+)/g)].map((m) => m[1]!);
    assert.ok(buttons.length > 0, `${s.id}: a step without an action`);
    for (const b of buttons) assert.ok(known(b), `${s.id}: button runs undeclared ${b}`);
    for (const e of s.completionEvents ?? []) {
      const m = /^(onCommand|onView):(.+)$/.exec(e);
      if (m) assert.ok(m[1] === 'onCommand' ? ids.has(m[2]!) : views.has(m[2]!), `${s.id}: completion event ${e} names nothing declared`);
      else assert.match(e, /^onContext:traceDoctor\.\w+$/, `${s.id}: ${e}`);
    }
  }
});
