import { appendFile, copyFile, mkdir, readFile, rename, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * JSON Lines log of every LLM request, response and tool call (timings, token counts, model, settings), the
 * final answers, and user feedback joined by `id`. Node-only: the extension passes a path in its globalStorageUri.
 */
export type LogEntry =
  | { type: 'request'; id: string; turn: number; provider: string; model: string; endpoint: string; settings: Record<string, unknown>; messages: unknown[]; tools?: string[]; structured?: string }
  | { type: 'response'; id: string; turn: number; ms: number; content: string; toolCalls?: unknown[]; usage?: unknown; model?: string; finishReason?: string; attempts?: number; cut?: boolean }
  | { type: 'tool'; id: string; turn: number; name: string; args: unknown; ok: boolean; ms: number; truncated: boolean; resultChars: number; repeated?: boolean }
  | { type: 'retry'; id: string; turn: number; attempt: number; delayMs: number; reason: string }
  | { type: 'error'; id: string; turn?: number; kind: string; message: string }
  | { type: 'result'; id: string; origin: unknown; label: string; diagnosis: unknown; agreement?: unknown; engine?: unknown; ms: number }
  | { type: 'feedback'; id: string; rating: 'up' | 'down'; comment?: string }
  | { type: 'eval'; id: string; case: string; mode: string; trial: number };

export type LoggedEntry = LogEntry & { ts: string };

export interface LlmLogSink {
  write(e: LogEntry): void;
}

export class LlmLog implements LlmLogSink {
  private queue: Promise<void> = Promise.resolve();
  private failed = false;

  constructor(
    readonly file: string,
    private readonly maxBytes = 20 * 1024 * 1024,
    private readonly onError: (e: Error) => void = () => undefined,
  ) {}

  write(e: LogEntry): void {
    const line = JSON.stringify({ ts: new Date().toISOString(), ...e }) + '\n';
    this.queue = this.queue.then(async () => {
      try {
        await mkdir(dirname(this.file), { recursive: true });
        const size = await stat(this.file).then((s) => s.size, () => 0);
        if (size > 0 && size + line.length > this.maxBytes) await rename(this.file, this.file + '.1');
        await appendFile(this.file, line, 'utf8');
      } catch (err) {
        if (!this.failed) this.onError(err as Error);
        this.failed = true;
      }
    });
  }

  /** resolves when everything written so far is on disk */
  flush(): Promise<void> {
    return this.queue;
  }

  async entries(): Promise<LoggedEntry[]> {
    await this.flush();
    const text = await readFile(this.file, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as LoggedEntry);
  }

  /** copy the log (rotated part first, if any) to `dest` */
  async exportTo(dest: string): Promise<number> {
    await this.flush();
    const prev = await readFile(this.file + '.1', 'utf8').catch(() => '');
    const cur = await readFile(this.file, 'utf8').catch(() => '');
    if (!prev) {
      if (!cur) throw new Error('The LLM log is empty: nothing has been sent to a model yet.');
      await copyFile(this.file, dest);
    } else {
      const { writeFile } = await import('node:fs/promises');
      await writeFile(dest, prev + cur, 'utf8');
    }
    return (prev + cur).split('\n').filter((l) => l.trim()).length;
  }
}

/** A sink that keeps entries in memory (tests, eval). */
export class MemoryLog implements LlmLogSink {
  readonly entries: LogEntry[] = [];
  write(e: LogEntry): void {
    this.entries.push(e);
  }
}
