// Keeps the screenshots of the last e2e run where CI (and a person) finds them: test-output/e2e/latest/.
// Called by run-all.mjs at the end of every run (also a failed one).
import fs from 'node:fs';
import path from 'node:path';

/**
 * Copy `shots/` and the result files of every run directory created since `sinceMs` (this run's layers) into
 * `<e2eDir>/latest/<layer>/`, replacing the previous `latest/`, and write `latest/INDEX.md` listing them.
 * Returns the folder.
 */
export function collectLatest(e2eDir, sinceMs, summary) {
  const latest = path.join(e2eDir, 'latest');
  fs.rmSync(latest, { recursive: true, force: true });
  fs.mkdirSync(latest, { recursive: true });
  const runs = fs.existsSync(e2eDir)
    ? fs.readdirSync(e2eDir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && d.name !== 'latest' && fs.statSync(path.join(e2eDir, d.name)).birthtimeMs >= sinceMs - 1000)
        .map((d) => d.name)
        .sort()
    : [];
  const lines = ['# Last e2e run', '', `${new Date().toISOString()} — ${summary}`, ''];
  for (const name of runs) {
    const layer = name.replace(/^\d{4}-\d\d-\d\dT[\d-]+-/, '');
    const src = path.join(e2eDir, name);
    const dst = path.join(latest, layer);
    fs.mkdirSync(dst, { recursive: true });
    const shots = path.join(src, 'shots');
    const pngs = fs.existsSync(shots) ? fs.readdirSync(shots).filter((f) => f.endsWith('.png')).sort() : [];
    if (pngs.length) fs.cpSync(shots, path.join(dst, 'shots'), { recursive: true });
    for (const f of fs.readdirSync(src)) if (/result\.json$|\.png$/.test(f)) fs.cpSync(path.join(src, f), path.join(dst, f));
    lines.push(`## ${layer} (from ${name})`, '', ...pngs.map((p) => `- [${p}](${layer}/shots/${p})`), '');
  }
  fs.writeFileSync(path.join(latest, 'INDEX.md'), lines.join('\n') + '\n');
  return latest;
}
