/** The real engine pieces (A's loader, B's analyze and source index) behind EngineApi, with test knobs. */
import { aggregate } from '../../../../src/core/aggregate/tree';
import { analyze } from '../../../../src/core/rca/analyze';
import { codeAttrsByOperation, opKey } from '../../../../src/core/source/code-attrs';
import { modelStats } from '../../../../src/core/stats/run-stats';
import type { EngineApi, LoadedRunLike } from '../../../../src/extension/engine-api';
import { loadTraces } from '../../../../src/sources/file';
import { scanWorkspace } from '../../../../src/sources/workspace-scan';

export function realEngine(opts: { loadDelayMs?: Record<string, number> } = {}) {
  const e = {
    aborted: 0,
    failSplit: false,
    async load(paths: string[], o: { signal?: AbortSignal } = {}): Promise<LoadedRunLike> {
      const delay = Math.max(0, ...paths.map((p) => opts.loadDelayMs?.[p] ?? 0));
      if (delay) {
        await new Promise<void>((res, rej) => {
          const t = setTimeout(res, delay);
          o.signal?.addEventListener('abort', () => {
            clearTimeout(t);
            e.aborted++;
            rej(new Error('aborted'));
          });
        });
      }
      return loadTraces(paths.length === 1 ? paths[0]! : paths, { signal: o.signal });
    },
    stats: (run: LoadedRunLike) => {
      const s = modelStats(run.model);
      return { spans: s.spans, traces: s.traces, services: s.services, operations: s.operations, skipped: run.skipped, errors: s.errors, spansPerService: [] };
    },
    aggregate: (m: Parameters<EngineApi['aggregate']>[0]) => aggregate(m),
    compare: (b: Parameters<EngineApi['compare']>[0], i: Parameters<EngineApi['compare']>[1], src?: Parameters<EngineApi['compare']>[2]) => {
      const a = analyze(b, i, src ? { sourceIndex: src } : {});
      return { diff: a.diff, diagnosis: a.diagnosis, baselineAgg: a.baseline.tree, incidentAgg: a.incident.tree };
    },
    diagnoseSingle: (i: Parameters<EngineApi['diagnoseSingle']>[0], src?: Parameters<EngineApi['diagnoseSingle']>[1]) => {
      if (e.failSplit) throw new Error('too few traces to split');
      const a = analyze(null, i, src ? { sourceIndex: src } : {});
      return { diff: a.diff, diagnosis: a.diagnosis, baselineAgg: a.baseline.tree, incidentAgg: a.incident.tree };
    },
    async sourceResolver(folders: string[], models: Parameters<EngineApi['aggregate']>[0][]) {
      const idx = await Promise.all(folders.map((f) => scanWorkspace(f)));
      const attrs = models.map((m) => codeAttrsByOperation(m));
      return (service: string, name: string) => {
        for (const a of attrs) {
          const l = a.get(opKey(service, name));
          if (l) return l;
        }
        for (const r of idx) {
          const b = r.index.best(name, service);
          if (b) return b;
        }
        return undefined;
      };
    },
  };
  return e satisfies EngineApi;
}
