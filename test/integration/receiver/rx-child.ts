/**
 * A receiver in its own process, for tests that measure memory (peak RSS of a fresh process) or that must survive a
 * crash of the receiver. Prints `{"endpoint": …}` once listening; then answers each stdin line:
 *   mem   → {"maxRss": bytes (peak since start), "rss", "heapUsed", "arrayBuffers", "peakJs", "stats"}
 *   gc    → a full garbage collection (when node runs with --expose-gc), then the same as mem
 *   watch → starts sampling heapUsed + arrayBuffers every millisecond; `peakJs` = the highest sum since `watch` (the
 *           memory the receiver's JavaScript holds — request bodies, inflate chunks, parsed trees — without the
 *           allocator's and the GC's slack that peak RSS includes); answers {"watching": true}
 *   exit  → closes the receiver and exits 0
 * argv: [outDir] [json options for startReceiver]
 */
import { createInterface } from 'node:readline';
import { startReceiver } from '../../../src/sources/receiver/server';

async function main() {
const [outDir, optsJson] = process.argv.slice(2);
const rx = await startReceiver({ port: 0, outDir: outDir && outDir !== '-' ? outDir : undefined, ...(optsJson ? JSON.parse(optsJson) : {}) });
process.stdout.write(JSON.stringify({ endpoint: rx.endpoint }) + '\n');
let peakJs = 0;
let sampler: NodeJS.Timeout | undefined;
const sample = () => {
  const m = process.memoryUsage();
  peakJs = Math.max(peakJs, m.heapUsed + m.arrayBuffers);
  return m;
};
const mem = () => {
  const m = sample();
  return JSON.stringify({ maxRss: process.resourceUsage().maxRSS * 1024, rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, peakJs, stats: rx.stats() }) + '\n';
};
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'mem') {
    process.stdout.write(mem());
  } else if (line === 'gc') {
    (globalThis as { gc?: () => void }).gc?.();
    process.stdout.write(mem());
  } else if (line === 'watch') {
    peakJs = 0;
    sample();
    sampler ??= setInterval(sample, 1);
    process.stdout.write(JSON.stringify({ watching: true }) + '\n');
  } else if (line === 'exit') {
    if (sampler) clearInterval(sampler);
    await rx.close(1000);
    process.exit(0);
  }
}
}
void main();
