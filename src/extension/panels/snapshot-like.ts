import type { AggTree } from '../../core/aggregate/types';
import type { DiffTree } from '../../core/diff/types';
import type { Diagnosis } from '../../core/rca/diagnosis';

/** The parts of a TraceSnapshot (../state.ts) that pure code reads; lets it be tested without `vscode`. */
export interface TraceSnapshotLike {
  mode: 'none' | 'single' | 'diff';
  autoSplit: boolean;
  baseline?: { paths: string[]; agg: AggTree };
  incident?: { paths: string[]; agg: AggTree };
  diff?: DiffTree;
  diagnosis?: Diagnosis | null;
}
