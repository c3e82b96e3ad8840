/**
 * One entry point for "traces from somewhere": local files/directories go to loadTraces (./file.ts), URLs to the
 * query sources (./query). CLI commands and the extension can take a path or a URL with the same call:
 *
 *   loadInput('runs/normal.json')
 *   loadInput('http://jaeger:16686/api/traces?service=checkout&lookback=15m', { token })
 *   loadInput('jaeger+http://jaeger:16686?service=checkout&last=15m')
 *   loadInput(['a.json', 'b.jsonl'])                   // several files into one model
 */
import { loadTraces, type LoadedRun, type LoadOptions } from './file';
import { fetchTraces, specFromUrl, type QueryOptions, type TimeWindow } from './query/index';

export function isUrlInput(s: string): boolean {
  return /^(https?|jaeger\+https?|tempo\+https?|zipkin\+https?):\/\//i.test(s.trim());
}

export interface InputOptions extends LoadOptions, Omit<QueryOptions, 'signal' | 'onProgress'> {
  /** progress of a URL fetch (files report through onProgress from LoadOptions) */
  onFetchProgress?: QueryOptions['onProgress'];
  /** the window for backend URLs that carry none (default: last hour) */
  window?: TimeWindow;
  /** the service for backend URLs that carry none */
  service?: string;
}

export interface LoadedInput extends LoadedRun {
  /** set when the traces came from a URL */
  source?: { kind: string; api: string; urls: string[]; traces: number; truncated: boolean };
}

export async function loadInput(pathOrUrl: string | string[], opts: InputOptions = {}): Promise<LoadedInput> {
  const list = Array.isArray(pathOrUrl) ? pathOrUrl : [pathOrUrl];
  const urls = list.filter(isUrlInput);
  if (urls.length === 0) return loadTraces(pathOrUrl, opts);
  if (urls.length !== list.length) throw new Error('mix of files and URLs: load them separately');
  if (urls.length > 1) throw new Error('one URL at a time (use fetchBaselineAndIncident for two)');
  const spec = specFromUrl(urls[0]!, { window: opts.window, service: opts.service });
  const run = await fetchTraces(spec, { ...opts, signal: opts.signal, onProgress: opts.onFetchProgress });
  return { model: run.model, files: run.files, formats: run.formats, skipped: run.skipped, issues: run.issues, source: run.source };
}
