/**
 * Rotating OTLP JSON Lines writer: one ExportTraceServiceRequest per line, appended with group commit.
 *
 * - Every start opens a NEW file (`traces-<UTC time>-<pid>-<seq>.jsonl`, created with O_EXCL), so a restart never
 *   touches, truncates or interleaves with what an earlier run wrote: nothing is lost across restarts.
 * - append() resolves only once write(2) returned for that line, so a 200 sent after it means the data is in the OS
 *   (a crash of this process loses nothing). fsync runs every `fsyncIntervalMs`, on rotation and on close
 *   (`fsync: 'always'` fsyncs each group before resolving, for power-loss safety at some throughput cost).
 * - A file is rotated when the next line would take it past `maxFileBytes` (a line is never split across files).
 * - Concurrent appends are batched into one writev (group commit); a failed write (a full disk…) rejects the batch (the
 *   receiver answers 503 so the exporter retries) and the file is truncated back to its last complete line, so it never
 *   ends in a torn line and the next write goes to the same file: a full disk does not leave a trail of empty files.
 *   Only if that truncation fails is the file closed (and removed when it holds nothing) and a new one opened later.
 */
import { promises as fsp } from 'node:fs';
import { join } from 'node:path';

/** The output directory cannot be used (it is a file, not writable…): a clear message, `code` kept from the cause. */
export class OutDirError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

export interface JsonlWriterOptions {
  dir: string;
  /** rotate when a file would exceed this many bytes (default 64 MiB) */
  maxFileBytes?: number;
  /** 'interval' (default): fsync every fsyncIntervalMs; 'always': before each append resolves; 'never' */
  fsync?: 'interval' | 'always' | 'never';
  fsyncIntervalMs?: number;
  /** file name prefix (default 'traces') */
  prefix?: string;
  /** test seam: how files are opened (default fs.promises.open) */
  openFile?: (path: string, flags: string) => Promise<fsp.FileHandle>;
}

interface Pending {
  buf: Buffer;
  resolve: () => void;
  reject: (e: Error) => void;
}

const NL = Buffer.from('\n');

function stamp(d = new Date()): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

export class RotatingJsonlWriter {
  readonly dir: string;
  private readonly maxFileBytes: number;
  private readonly fsyncMode: 'interval' | 'always' | 'never';
  private readonly prefix: string;
  private readonly openFile: (path: string, flags: string) => Promise<fsp.FileHandle>;
  private fh: fsp.FileHandle | null = null;
  private path = '';
  private size = 0;
  private seq = 0;
  private dirty = false;
  private queue: Pending[] = [];
  private writing = false;
  private closed = false;
  private timer: NodeJS.Timeout | null = null;
  private readonly allFiles: string[] = [];
  private drainWaiters: (() => void)[] = [];
  /** lines and bytes written so far */
  lines = 0;
  bytes = 0;

  constructor(opts: JsonlWriterOptions) {
    this.dir = opts.dir;
    this.maxFileBytes = opts.maxFileBytes ?? 64 * 1024 * 1024;
    this.fsyncMode = opts.fsync ?? 'interval';
    this.prefix = opts.prefix ?? 'traces';
    this.openFile = opts.openFile ?? ((p, f) => fsp.open(p, f));
    if (this.fsyncMode === 'interval') {
      this.timer = setInterval(() => void this.syncIfDirty(), opts.fsyncIntervalMs ?? 1000);
      this.timer.unref();
    }
  }

  /** Files written by this writer, oldest first. */
  get files(): readonly string[] {
    return this.allFiles;
  }
  get currentFile(): string {
    return this.path;
  }

  /** Create the directory and the first file (so a bad --out fails at start, not at the first request). */
  async open(): Promise<void> {
    try {
      await fsp.mkdir(this.dir, { recursive: true });
      await this.openNext();
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const st = await fsp.stat(this.dir).catch(() => null);
      if (st && !st.isDirectory()) throw new OutDirError(`'${this.dir}' is a file, not a directory: give a directory for the received spans`, 'ENOTDIR');
      const why =
        err.code === 'EEXIST' || err.code === 'ENOTDIR'
          ? 'a part of that path is a file, not a directory'
          : err.code === 'EACCES' || err.code === 'EPERM'
            ? 'permission denied'
            : err.code === 'EROFS'
              ? 'read-only file system'
              : err.code === 'ENOSPC'
                ? 'no space left on the device'
                : err.message;
      throw new OutDirError(`cannot write received spans to '${this.dir}': ${why}`, err.code);
    }
  }

  private async openNext(): Promise<void> {
    for (;;) {
      const p = join(this.dir, `${this.prefix}-${stamp()}-${process.pid}-${String(this.seq++).padStart(4, '0')}.jsonl`);
      try {
        this.fh = await this.openFile(p, 'ax'); // O_EXCL: never reuse an existing file; O_APPEND: writes follow a truncation
        this.path = p;
        this.size = 0;
        this.allFiles.push(p);
        if (this.fsyncMode !== 'never') await syncDir(this.dir);
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
    }
  }

  private async closeCurrent(): Promise<void> {
    const fh = this.fh;
    this.fh = null;
    if (!fh) return;
    try {
      if (this.dirty && this.fsyncMode !== 'never') await fh.sync();
    } finally {
      this.dirty = false;
      await fh.close();
    }
  }

  private async syncIfDirty(): Promise<void> {
    if (!this.dirty || !this.fh || this.writing) return;
    this.dirty = false;
    try {
      await this.fh.sync();
    } catch {
      this.dirty = true;
    }
  }

  /**
   * Append one line (must not contain '\n'; a trailing newline is added). Resolves once written to the OS.
   */
  append(line: Buffer | string): Promise<void> {
    if (this.closed) return Promise.reject(new Error('writer is closed'));
    const buf = typeof line === 'string' ? Buffer.from(line) : line;
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ buf, resolve, reject });
      if (!this.writing) void this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    this.writing = true;
    try {
      while (this.queue.length > 0) {
        const batch: Pending[] = [];
        try {
          if (!this.fh) await this.openNext();
          // take a batch that fits in the current file (at least one line)
          let batchBytes = 0;
          while (this.queue.length > 0) {
            const n = this.queue[0]!.buf.length + 1;
            if (batch.length > 0 && this.size + batchBytes + n > this.maxFileBytes) break;
            if (batch.length === 0 && this.size > 0 && this.size + n > this.maxFileBytes) {
              await this.closeCurrent();
              await this.openNext();
            }
            batch.push(this.queue.shift()!);
            batchBytes += n;
            if (batch.length >= 512) break;
          }
          const bufs: Buffer[] = [];
          for (const p of batch) bufs.push(p.buf, NL);
          await writeAll(this.fh!, bufs, batchBytes);
          this.size += batchBytes;
          this.bytes += batchBytes;
          this.lines += batch.length;
          this.dirty = true;
          if (this.fsyncMode === 'always') {
            await this.fh!.sync();
            this.dirty = false;
          }
          for (const p of batch) p.resolve();
        } catch (e) {
          // opening, rotating or writing failed: fail this batch (at least the oldest line, so the loop progresses);
          // the receiver answers 503 and the exporter retries.
          const failed = batch.length > 0 ? batch : this.queue.splice(0, 1);
          for (const p of failed) p.reject(e as Error);
          await this.recover();
        }
      }
    } finally {
      this.writing = false;
      const w = this.drainWaiters;
      this.drainWaiters = [];
      for (const f of w) f();
    }
  }

  /**
   * After a failed write: cut the file back to its last complete line (a partial write may have left a torn one) and
   * keep writing to it. If that fails, close it, remove it when it holds no complete line, and open a new one later.
   */
  private async recover(): Promise<void> {
    const fh = this.fh;
    if (!fh) return;
    try {
      await fh.truncate(this.size);
      return;
    } catch {
      /* fall through: give this file up */
    }
    this.fh = null;
    this.dirty = false;
    await fh.close().catch(() => {});
    if (this.size === 0) {
      await fsp.unlink(this.path).catch(() => {});
      const i = this.allFiles.lastIndexOf(this.path);
      if (i >= 0) this.allFiles.splice(i, 1);
    }
  }

  /** Wait for queued lines, fsync and close. Further appends are rejected. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    if (this.writing) await new Promise<void>((r) => this.drainWaiters.push(r));
    await this.closeCurrent();
  }
}

/** fsync a directory so a newly created file's entry survives a power loss (a no-op where unsupported). */
async function syncDir(dir: string): Promise<void> {
  let d: fsp.FileHandle | undefined;
  try {
    d = await fsp.open(dir, 'r');
    await d.sync();
  } catch {
    /* Windows and some file systems cannot fsync a directory */
  } finally {
    await d?.close().catch(() => {});
  }
}

async function writeAll(fh: fsp.FileHandle, bufs: Buffer[], total: number): Promise<void> {
  const { bytesWritten } = await fh.writev(bufs);
  if (bytesWritten === total) return;
  // short write (rare for regular files): write the remainder
  const rest = Buffer.concat(bufs).subarray(bytesWritten);
  let off = 0;
  while (off < rest.length) {
    const r = await fh.write(rest, off, rest.length - off);
    if (r.bytesWritten <= 0) throw new Error('short write');
    off += r.bytesWritten;
  }
}
