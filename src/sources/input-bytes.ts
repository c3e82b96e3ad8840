/**
 * The bytes of one input, for the loader (./file.ts): a regular file read by position (its size known up front), or
 * an input whose size is unknown until it ends — a named pipe or process substitution (`stats <(zcat x.json.gz)`,
 * `/dev/stdin` as a pipe), a character device, a regular file that reports size 0 but has content (`/proc/…`). Such a
 * stream is read once, from the start: its head is buffered for format detection and then replayed, so the loader
 * never seeks. It is bounded like a file (the caller bounds one document or line; here the whole stream, by
 * `maxStreamBytes`), answers an AbortSignal while it waits, and says when it has been waiting for a while (`onWait`).
 */
import { createReadStream, constants, open, close as closeFd } from 'node:fs';
import { open as openP } from 'node:fs/promises';
import { Socket } from 'node:net';
import { isatty } from 'node:tty';
import type { Readable } from 'node:stream';

/** Largest input of unknown size read (4 GiB): about 14 M spans of OTLP JSON Lines, more than fits in memory as a model. */
export const DEFAULT_MAX_STREAM_BYTES = 4 * 1024 ** 3;
/** Silence on a stream for this long makes `onWait` say what is awaited. */
export const WAIT_NOTICE_MS = 1000;

export type StreamKind = 'pipe' | 'device' | 'file' | 'stdin';

export interface WaitInfo {
  file: string;
  kind: StreamKind;
  /** bytes read so far (0: nothing has been written into it yet) */
  bytesRead: number;
}

export interface InputBytes {
  file: string;
  /** bytes, when known before reading (a regular file); undefined for a stream (a pipe, a device, a /proc file) */
  size: number | undefined;
  /** set for an input of unknown size */
  stream?: StreamKind;
  /** the first bytes (up to `headBytes`, fewer when the input is shorter) */
  head: Uint8Array;
  /** the head is the whole input */
  complete: boolean;
  /** the whole input from byte 0 (the head included), as Buffers; iterate once */
  bytes(): AsyncIterable<Buffer>;
  /** bytes read from the input so far */
  bytesRead(): number;
  close(): void;
}

/** A failure reading an input, turned into a TraceLoadError by the caller. */
export class InputError extends Error {}

export interface StreamOptions {
  /** read this stream instead of opening `file` (stdin: the CLI's `-`) */
  readable?: Readable;
  signal?: AbortSignal;
  maxStreamBytes?: number;
  /** how the caller raises `maxStreamBytes`, named in the message when it is passed (the CLI: '--max-stream SIZE') */
  limitHint?: string;
  onWait?: (w: WaitInfo) => void;
}

/** "this pipe", "stdin", … for messages */
export const throughWhat = (k: StreamKind) => (k === 'stdin' ? 'stdin' : `this ${k}`);

function gib(n: number): string {
  return n >= 1024 ** 3 ? `${+(n / 1024 ** 3).toFixed(2)} GiB` : n >= 1024 ** 2 ? `${+(n / 1024 ** 2).toFixed(1)} MiB` : `${+(n / 1024).toFixed(1)} KiB`;
}

/** A regular file whose size is known: the head by position, the body as a stream from byte 0. */
export async function fileInput(file: string, size: number, headBytes: number): Promise<InputBytes> {
  let head: Uint8Array;
  try {
    const fh = await openP(file, 'r');
    try {
      const buf = new Uint8Array(Math.min(size, headBytes));
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      head = buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new InputError(`cannot read: ${(e as Error).message}`);
  }
  let stream: ReturnType<typeof createReadStream> | undefined;
  return {
    file,
    size,
    head,
    complete: head.length >= size,
    bytes() {
      stream = createReadStream(file, { highWaterMark: 1 << 16 });
      return stream as AsyncIterable<Buffer>;
    },
    bytesRead: () => stream?.bytesRead ?? 0,
    close: () => stream?.destroy(),
  };
}

function openFd(file: string, flags: number): Promise<number> {
  return new Promise((resolve, reject) => open(file, flags, (e, fd) => (e ? reject(e) : resolve(fd))));
}

/**
 * An input of unknown size, read once as a stream. A named pipe is opened without blocking (O_NONBLOCK: the open
 * returns at once even when no writer has opened it yet) and read through the event loop, so waiting for a writer
 * holds no thread and Ctrl-C / the AbortSignal end it at once; end of input is when the last writer closes.
 */
export async function streamInput(file: string, kind: StreamKind, headBytes: number, opts: StreamOptions = {}): Promise<InputBytes> {
  const max = opts.maxStreamBytes ?? DEFAULT_MAX_STREAM_BYTES;
  let readable: Readable;
  try {
    if (opts.readable) readable = opts.readable;
    else if (kind === 'pipe' && process.platform !== 'win32') {
      const fd = await openFd(file, constants.O_RDONLY | constants.O_NONBLOCK);
      readable = new Socket({ fd, readable: true, writable: false });
    } else {
      const fd = await openFd(file, constants.O_RDONLY);
      if (isatty(fd)) {
        closeFd(fd, () => {});
        throw new InputError('a terminal, not a trace file: give a file, or pipe the traces in (… | trace-doctor … -)');
      }
      readable = createReadStream(file, { fd, highWaterMark: 1 << 16 });
    }
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read: ${(e as Error).message}`);
  }
  let n = 0;
  const it = (readable as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const onAbort = () => readable.destroy(opts.signal?.reason instanceof Error ? opts.signal.reason : new DOMException('trace loading aborted', 'AbortError'));
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  const next = async (): Promise<IteratorResult<Buffer>> => {
    const timer = opts.onWait ? setTimeout(() => opts.onWait!({ file, kind, bytesRead: n }), WAIT_NOTICE_MS) : undefined;
    try {
      const r = await it.next();
      if (!r.done) {
        n += r.value.length;
        if (n > max) {
          throw new InputError(
            `more than ${max.toLocaleString('en-US')} bytes (${gib(max)}) came through ${throughWhat(kind)}, the limit for an input ` +
              `whose size is not known before it ends; save the traces to a file and give the file` +
              (opts.limitHint ? `, or raise the limit with ${opts.limitHint}` : ''),
          );
        }
      }
      return r;
    } finally {
      if (timer) clearTimeout(timer);
    }
  };
  // the head: buffered, then replayed by bytes()
  const buffered: Buffer[] = [];
  let have = 0;
  let ended = false;
  try {
    while (have < headBytes) {
      const r = await next();
      if (r.done) {
        ended = true;
        break;
      }
      buffered.push(r.value);
      have += r.value.length;
    }
  } catch (e) {
    readable.destroy();
    opts.signal?.removeEventListener('abort', onAbort);
    throw e;
  }
  const all = Buffer.concat(buffered);
  const head = new Uint8Array(all.buffer, all.byteOffset, Math.min(all.length, headBytes));
  return {
    file,
    size: undefined,
    stream: kind,
    head,
    complete: ended && all.length <= headBytes,
    async *bytes() {
      if (all.length) yield all;
      if (ended) return;
      for (;;) {
        const r = await next();
        if (r.done) return;
        yield r.value;
      }
    },
    bytesRead: () => n,
    close: () => {
      opts.signal?.removeEventListener('abort', onAbort);
      readable.destroy();
    },
  };
}

/** Every chunk of `src`, joined, or an InputError `tooBig(limit)` once more than `limit` bytes came. */
export async function readAllBytes(src: InputBytes, limit: number, tooBig: () => string): Promise<Buffer> {
  const parts: Buffer[] = [];
  let len = 0;
  for await (const c of src.bytes()) {
    len += c.length;
    if (len > limit) throw new InputError(tooBig());
    parts.push(c);
  }
  return Buffer.concat(parts, len);
}
