/**
 * A receiver in its own process, for tests that measure memory (peak RSS of a fresh process) or that must survive a
 * crash of the receiver. Prints `{"endpoint": …}` once listening; then answers each stdin line:
 *   mem  → {"maxRss": bytes (peak since start), "rss", "heapUsed", "arrayBuffers"}
 *   exit → closes the receiver and exits 0
 * argv: [outDir] [json options for startReceiver]
 */
import { createInterface } from 'node:readline';
import { startReceiver } from '../../../src/sources/receiver/server';

async function main() {
const [outDir, optsJson] = process.argv.slice(2);
const rx = await startReceiver({ port: 0, outDir: outDir && outDir !== '-' ? outDir : undefined, ...(optsJson ? JSON.parse(optsJson) : {}) });
process.stdout.write(JSON.stringify({ endpoint: rx.endpoint }) + '\n');
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'mem') {
    const m = process.memoryUsage();
    process.stdout.write(JSON.stringify({ maxRss: process.resourceUsage().maxRSS * 1024, rss: m.rss, heapUsed: m.heapUsed, arrayBuffers: m.arrayBuffers, stats: rx.stats() }) + '\n');
  } else if (line === 'exit') {
    await rx.close(1000);
    process.exit(0);
  }
}
}
void main();
