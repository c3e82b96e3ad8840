/**
 * Load trace files (or directories of them) from disk into one SpanTable. JSON Lines files are streamed; single JSON
 * documents are parsed whole (up to MAX_DOCUMENT_BYTES). Formats are detected from content.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { fileInput, InputError, readAllBytes, streamInput, throughWhat, type InputBytes, type StreamKind, type WaitInfo } from './input-bytes';
import { decodeTraceRequestProto } from './receiver/proto';
import { SpanTableBuilder } from '../core/model/builder';
import { anomalyIssues, fileOfRows } from '../core/parse/anomalies';
import type { SpanTable } from '../core/model/span-table';
import {
  JsonlReader,
  ParseContext,
  readDocument,
  type ParseIssue,
  TraceParseError,
  type TraceFormat,
  detectTextMode,
  firstContent,
  formatIssue,
  lineColOf,
  parseTraceText,
  parseTraceTextInto,
  sniffBinary,
} from '../core/parse/index';
import { MAX_RECORD_CHARS, MAX_RECORD_TEXT } from '../core/parse/jsonl';

export { parseTraceText };
export type { ParseIssue, TraceFormat };

/**
 * Largest single JSON document read whole, and largest JSON line (MAX_RECORD_CHARS: 512 MiB less 24 bytes, V8's
 * longest string); bigger documents must be JSON Lines (streamed).
 */
export const MAX_DOCUMENT_BYTES = MAX_RECORD_CHARS;
const DEFAULT_MAX_FILES = 10_000;
const HEAD_BYTES = 65536;
const TRACE_EXTENSIONS = new Set(['.json', '.jsonl', '.ndjson', '.txt', '', '.gz', '.pb', '.binpb', '.protobuf', '.otlp']);
/** a file with one of these extensions that cannot be read is worth a warning even inside a directory */
const JSON_EXTENSIONS = new Set(['.json', '.jsonl', '.ndjson', '.gz', '.pb', '.binpb', '.protobuf', '.otlp']);

export interface LoadedRun {
  model: SpanTable;
  files: string[];
  formats: string[];
  skipped: number;
  issues: ParseIssue[];
}

export interface LoadProgress {
  file: string;
  /** bytes read so far over all files of this load */
  bytesRead: number;
  /** the sum of the files' sizes; NaN when an input's size is not known before it ends (a pipe) */
  totalBytes: number;
  spans: number;
}

export interface LoadOptions {
  signal?: AbortSignal;
  onProgress?: (p: LoadProgress) => void;
  /** at most this many files from directories (default 10000) */
  maxFiles?: number;
  /**
   * at most this many bytes from an input whose size is not known before it ends — a pipe, a process substitution,
   * a character device, a /proc file (default DEFAULT_MAX_STREAM_BYTES, 4 GiB)
   */
  maxStreamBytes?: number;
  /** how the caller raises maxStreamBytes, for the message when an input passes it (the CLI: '--max-stream SIZE') */
  streamLimitHint?: string;
  /** such an input has sent nothing for a second: what is awaited (for a person at a terminal) */
  onWait?: (w: WaitInfo) => void;
  /** the input named `-`: read as a stream like a pipe (the CLI passes process.stdin) */
  stdin?: import('node:stream').Readable;
}

export type { WaitInfo };

/** A file that cannot be read as traces. `message` names the file, the position and what was expected. */
export class TraceLoadError extends Error {
  constructor(
    message: string,
    readonly issue: ParseIssue,
    /** the file is not JSON text at all (binary, or does not start with '{' or '[') */
    readonly notJson = false,
  ) {
    super(message);
    this.name = 'TraceLoadError';
  }
  static of(issue: ParseIssue): TraceLoadError {
    return new TraceLoadError(formatIssue(issue), issue);
  }
}

function loadError(file: string, message: string, pos?: { line?: number; column?: number; offset?: number }, notJson = false): TraceLoadError {
  const issue: ParseIssue = { file, message, severity: 'error' };
  if (pos?.line !== undefined) issue.line = pos.line;
  if (pos?.column !== undefined) issue.column = pos.column;
  if (pos?.offset !== undefined) issue.offset = pos.offset;
  return new TraceLoadError(formatIssue(issue), issue, notJson);
}

function checkAbort(signal?: AbortSignal): void {
  if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new DOMException('trace loading aborted', 'AbortError');
}

interface Target {
  path: string;
  /** 0 for an input of unknown size (`stream`) */
  size: number;
  /** found by walking a directory: a non-trace file there is a warning, not a failure */
  fromDir: boolean;
  /** read as a stream, its size unknown until it ends: a pipe, a character device, a regular file that says 0 bytes */
  stream?: StreamKind;
}

async function walkDir(dir: string, out: Target[], limit: number, issues: ParseIssue[], signal?: AbortSignal): Promise<void> {
  checkAbort(signal);
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (e) {
    issues.push({ file: dir, message: `cannot read directory: ${(e as Error).message}`, severity: 'warning' });
    return;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const ent of entries) {
    if (out.length >= limit) return;
    const p = join(dir, ent.name);
    if (ent.isDirectory()) {
      if (ent.name === 'node_modules' || ent.name === '.git') continue;
      await walkDir(p, out, limit, issues, signal);
    } else if (ent.isFile() || ent.isSymbolicLink()) {
      if (!TRACE_EXTENSIONS.has(extname(ent.name).toLowerCase())) continue;
      try {
        const st = await stat(p);
        if (st.isFile()) out.push({ path: p, size: st.size, fromDir: true });
      } catch {
        /* dangling link */
      }
    }
  }
}

/** What a path that is neither a regular file, a directory, a pipe nor a character device is, for messages. */
function notAFile(st: import('node:fs').Stats): string {
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

async function collectTargets(paths: string[], maxFiles: number, issues: ParseIssue[], signal?: AbortSignal, stdin?: unknown): Promise<Target[]> {
  const out: Target[] = [];
  for (const p of paths) {
    if (p === '-' && stdin) {
      out.push({ path: '-', size: 0, fromDir: false, stream: 'stdin' });
      continue;
    }
    let st;
    try {
      st = await stat(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw loadError(p, code === 'ENOENT' ? 'no such file or directory' : `cannot read: ${(e as Error).message}`);
    }
    if (st.isDirectory()) {
      const before = out.length;
      const found: Target[] = [];
      await walkDir(p, found, maxFiles + 1, issues, signal);
      if (found.length > maxFiles) {
        found.length = maxFiles;
        issues.push({ file: p, message: `more than ${maxFiles} candidate files; only the first ${maxFiles} were read`, severity: 'warning' });
      }
      out.push(...found);
      if (out.length === before) throw loadError(p, 'directory holds no candidate trace files (.json, .jsonl, .ndjson, .txt, .gz or no extension)');
    } else if (st.isFIFO() || st.isCharacterDevice()) {
      // `stats <(zcat x.json.gz)`, a named pipe, /dev/stdin: read once as a stream
      out.push({ path: p, size: 0, fromDir: false, stream: st.isFIFO() ? 'pipe' : 'device' });
    } else if (!st.isFile()) {
      throw loadError(p, `${notAFile(st)}, not a trace file: only files, directories and pipes are read (save the data to a file first)`);
    } else out.push({ path: p, size: st.size, fromDir: false, ...(st.size === 0 ? { stream: 'file' as const } : {}) });
  }
  // the same file named twice (or a file inside a directory also given) is read once
  const seen = new Set<string>();
  return out.filter((t) => {
    const key = resolve(t.path);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

interface FileResult {
  formats: TraceFormat[];
  spans: number;
  skipped: number;
}

function tooBig(bytes: number | undefined): string {
  return (
    `single JSON document ${bytes === undefined ? 'larger than the' : `of ${bytes.toLocaleString('en-US')} bytes (${(bytes / 1048576).toFixed(1)} MiB) is larger than the`} ` +
    `${MAX_RECORD_TEXT} limit for one JSON document or line; write it as JSON Lines (one ExportTraceServiceRequest ` +
    `per line, as the OpenTelemetry Collector file exporter does), which is streamed`
  );
}

/** End a JSON Lines file: its counts, or an error when no line held a trace record. */
function finishJsonl(file: string, reader: JsonlReader): FileResult {
  reader.end();
  if (reader.goodLines === 0) {
    const first = reader.firstProblem;
    // the per-line issues are already recorded; the error repeats the first one
    throw loadError(file, `no valid trace record in ${reader.skipped} JSON line(s); first problem: ${first?.message ?? 'no content'}`, {
      line: first?.line,
      column: first?.column,
      offset: first?.offset,
    });
  }
  return { formats: [...reader.formats], spans: reader.spans, skipped: reader.skipped };
}

/** " (a pipe, read to its end after N bytes)" for messages about an input of unknown size; "" for a file. */
function streamNote(src: InputBytes): string {
  if (!src.stream) return '';
  const what = src.stream === 'pipe' ? 'a pipe' : src.stream === 'device' ? 'a device' : src.stream === 'stdin' ? 'stdin' : 'a file of unknown size';
  return ` (${what}; ${src.bytesRead().toLocaleString('en-US')} bytes read before it ended)`;
}

async function loadOne(
  t: Target,
  b: SpanTableBuilder,
  issues: ParseIssue[],
  progress: { base: number; total: number; spans: number },
  opts: LoadOptions,
): Promise<FileResult> {
  const file = t.path;
  const kind = t.stream ?? (t.size === 0 ? 'file' : undefined);
  let src: InputBytes;
  try {
    src = kind
      ? await streamInput(file, kind, HEAD_BYTES, {
          signal: opts.signal,
          maxStreamBytes: opts.maxStreamBytes,
          limitHint: opts.streamLimitHint,
          onWait: opts.onWait,
          ...(kind === 'stdin' && opts.stdin ? { readable: opts.stdin } : {}),
        })
      : await fileInput(file, t.size, HEAD_BYTES);
  } catch (e) {
    if (e instanceof InputError) throw loadError(file, e.message);
    throw e;
  }
  try {
    return await loadFrom(src, b, issues, progress, opts);
  } catch (e) {
    if (e instanceof InputError) throw loadError(file, e.message);
    throw e;
  } finally {
    src.close();
  }
}

async function loadFrom(
  src: InputBytes,
  b: SpanTableBuilder,
  issues: ParseIssue[],
  progress: { base: number; total: number; spans: number },
  opts: LoadOptions,
): Promise<FileResult> {
  const file = src.file;
  const head = src.head;
  if (head.length === 0 && src.complete) throw loadError(file, `empty file: no trace data${src.stream ? ` (nothing came through ${throughWhat(src.stream)} before it ended)` : ''}`);
  if (head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b) return loadGzip(src, b, issues, progress, opts);
  const bin = sniffBinary(head, !src.complete);
  if (bin) {
    const pb = await loadProtobuf(src, b, issues, progress, opts);
    if (pb) return pb;
    throw loadError(file, bin, undefined, true);
  }
  const headText = new TextDecoder().decode(head);
  const mode = detectTextMode(headText, src.complete);
  if (mode.mode === 'empty') throw loadError(file, 'empty file: only whitespace, no trace data');
  if (mode.mode === 'not-json') {
    const p = lineColOf(headText, mode.offset);
    throw loadError(file, `not JSON: expected '{' or '[' but found ${JSON.stringify(mode.found)}`, { line: p.line, column: p.column, offset: mode.offset }, true);
  }
  // a first line longer than the head is read as JSON Lines (a one-line document is a one-line JSON Lines file); when
  // the file is over the limit and has no line break in its head, that line is too: refuse before reading, like a
  // document
  const oneRecord = mode.mode === 'json' || headText.indexOf('\n', firstContent(headText)) < 0;
  if (oneRecord && src.size !== undefined && src.size > MAX_DOCUMENT_BYTES) throw loadError(file, tooBig(src.size));
  const ctx = new ParseContext(b, file, issues);
  try {
    if (mode.mode === 'jsonl') {
      const reader = new JsonlReader(ctx);
      const spansBefore = progress.spans;
      const dec = new StringDecoder('utf8');
      for await (const chunk of src.bytes()) {
        checkAbort(opts.signal);
        reader.push(dec.write(chunk));
        if (opts.onProgress) {
          opts.onProgress({ file, bytesRead: progress.base + src.bytesRead(), totalBytes: progress.total, spans: spansBefore + reader.spans });
        }
      }
      const rest = dec.end();
      if (rest) reader.push(rest);
      return finishJsonl(file, reader);
    }
    let text: string;
    if (src.size !== undefined) {
      try {
        text = await readFile(file, 'utf8');
      } catch (e) {
        throw loadError(file, `cannot read: ${(e as Error).message}`);
      }
    } else {
      // a document from a stream: its size is known only once it ends, so the limit is checked while it arrives
      text = (await readAllBytes(src, MAX_DOCUMENT_BYTES, () => tooBig(undefined))).toString('utf8');
    }
    checkAbort(opts.signal);
    let r: FileResult;
    try {
      r = parseTraceTextInto(text, ctx);
    } catch (e) {
      // a document cut short by its writer (zcat failed, the job was killed): say that the stream ended there
      if (e instanceof TraceParseError && src.stream) throw TraceLoadError.of({ ...e.issue, message: `${e.issue.message}${streamNote(src)}` });
      throw e;
    }
    opts.onProgress?.({ file, bytesRead: progress.base + (src.size ?? src.bytesRead()), totalBytes: progress.total, spans: progress.spans + r.spans });
    return r;
  } catch (e) {
    if (e instanceof TraceParseError) throw TraceLoadError.of(e.issue);
    throw e;
  } finally {
    ctx.finish();
  }
}

/**
 * OTLP protobuf files: one ExportTraceServiceRequest (`.binpb`, what `otlp` exporters send), or the Collector file
 * exporter's `format: proto` — each request preceded by its length as a 4-byte big-endian integer. Returns null when
 * the bytes do not look like either (the caller then reports binary data).
 */
async function loadProtobuf(
  src: InputBytes,
  b: SpanTableBuilder,
  issues: ParseIssue[],
  progress: { base: number; total: number; spans: number },
  opts: LoadOptions,
): Promise<FileResult | null> {
  const file = src.file;
  const head = src.head;
  // ExportTraceServiceRequest starts with field 1 (resource_spans), wire type 2: tag byte 0x0a
  const framedLen = head.length >= 5 ? ((head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!) >>> 0 : -1;
  const framed = framedLen > 0 && framedLen <= MAX_DOCUMENT_BYTES && (src.size === undefined || framedLen + 4 <= src.size) && head[4] === 0x0a;
  if (!framed && head[0] !== 0x0a) return null;
  const ctx = new ParseContext(b, file, issues);
  let spans = 0;
  let skipped = 0;
  let good = 0;
  let rejected = 0;
  let firstRejected: string | undefined;
  const readMessage = (bytes: Uint8Array, offset: number, n: number): boolean => {
    let conv;
    try {
      conv = decodeTraceRequestProto(bytes);
    } catch (e) {
      if (!framed) return false;
      skipped++;
      ctx.add({ file, offset, message: `protobuf message ${n} skipped: not an ExportTraceServiceRequest (${(e as Error).message})`, severity: 'warning' });
      return true;
    }
    if (conv.rejected > 0) {
      ctx.warn(`${conv.rejected} span(s) with invalid ids dropped (first: ${conv.firstError})`);
      rejected += conv.rejected;
      firstRejected ??= conv.firstError;
    }
    const r = readDocument(conv.request, ctx);
    if (r.format !== null) {
      spans += r.spans;
      good++;
    }
    return true;
  };
  try {
    if (!framed) {
      let bytes: Uint8Array;
      if (src.size !== undefined) {
        if (src.size > MAX_DOCUMENT_BYTES) return null;
        bytes = new Uint8Array(await readFile(file));
      } else {
        // not one protobuf message under the limit: binary data, as the caller says
        try {
          bytes = await readAllBytes(src, MAX_DOCUMENT_BYTES, () => '');
        } catch (e) {
          if (e instanceof InputError && e.message === '') return null;
          throw e;
        }
      }
      if (!readMessage(bytes, 0, 1)) return null;
      // an ExportTraceServiceRequest whose every span was refused: say why, not "binary data"
      if (spans === 0 && rejected > 0) throw loadError(file, `an OTLP protobuf request with no usable span: all ${rejected} span(s) have invalid ids (first: ${firstRejected})`);
      if (spans === 0) return null;
      opts.onProgress?.({ file, bytesRead: progress.base + bytes.length, totalBytes: progress.total, spans: progress.spans + spans });
      return { formats: ['otlp-proto'], spans, skipped };
    }
    // framed: stream the frames
    let buf: Buffer = Buffer.alloc(0);
    let offset = 0;
    let n = 0;
    for await (const chunk of src.bytes()) {
      checkAbort(opts.signal);
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk]);
      for (;;) {
        if (buf.length < 4) break;
        const len = buf.readUInt32BE(0);
        if (len > MAX_DOCUMENT_BYTES) throw loadError(file, `protobuf frame ${n + 1} at offset ${offset} claims ${len} bytes: not a length-prefixed OTLP file or corrupt`, { offset });
        if (buf.length < 4 + len) break;
        n++;
        readMessage(buf.subarray(4, 4 + len), offset, n);
        buf = buf.subarray(4 + len);
        offset += 4 + len;
      }
      opts.onProgress?.({ file, bytesRead: progress.base + src.bytesRead(), totalBytes: progress.total, spans: progress.spans + spans });
    }
    if (buf.length > 0) {
      skipped++;
      ctx.add({ file, offset, message: `last protobuf frame truncated: ${buf.length} byte(s) at offset ${offset} do not make a whole message${streamNote(src)}`, severity: 'warning' });
    }
    if (good === 0) throw loadError(file, `no OTLP trace request in ${n} length-prefixed protobuf frame(s)`);
    return { formats: ['otlp-proto'], spans, skipped };
  } finally {
    ctx.finish();
  }
}

/**
 * A gzip-compressed trace file (`traces.json.gz`, `spans.jsonl.gz`, `traces.binpb.gz`): decompressed as a stream, then
 * read as usual — JSON text, or OTLP protobuf when the decompressed head is binary.
 */
async function loadGzip(
  src: InputBytes,
  b: SpanTableBuilder,
  issues: ParseIssue[],
  progress: { base: number; total: number; spans: number },
  opts: LoadOptions,
): Promise<FileResult> {
  const file = src.file;
  const raw = Readable.from(src.bytes(), { objectMode: false });
  const gunzip = createGunzip();
  raw.on('error', (e) => gunzip.destroy(e));
  raw.pipe(gunzip);
  const it = (gunzip as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  const compressedRead = () => `${src.bytesRead().toLocaleString('en-US')}${src.size !== undefined ? ` of ${src.size.toLocaleString('en-US')}` : ''} compressed bytes read`;
  // the decompressed head decides between text and protobuf
  const headParts: Buffer[] = [];
  let headLength = 0;
  let ended = false;
  let headError: Error | undefined;
  try {
    while (headLength < HEAD_BYTES) {
      checkAbort(opts.signal);
      const r = await it.next();
      if (r.done) {
        ended = true;
        break;
      }
      headParts.push(r.value);
      headLength += r.value.length;
    }
  } catch (e) {
    if (e instanceof TraceLoadError || e instanceof InputError || (e as Error)?.name === 'AbortError' || opts.signal?.aborted) {
      raw.destroy();
      gunzip.destroy();
      throw e;
    }
    // corrupt within the head: what came before it is read as usual, then the damage is reported where it is
    headError = e as Error;
    ended = true;
  }
  const headBytes = Buffer.concat(headParts);
  const bin = sniffBinary(headBytes.subarray(0, HEAD_BYTES), !ended);
  if (bin && !bin.startsWith('gzip')) {
    if (headError) {
      raw.destroy();
      gunzip.destroy();
      throw loadError(file, `gzip data is corrupt or truncated (${headError.message}) after ${headLength.toLocaleString('en-US')} bytes of decompressed data, ${compressedRead()}`);
    }
    const inner: InputBytes = {
      file,
      size: undefined,
      head: headBytes.subarray(0, HEAD_BYTES),
      complete: ended,
      async *bytes() {
        if (headBytes.length) yield headBytes;
        if (ended) return;
        for (;;) {
          const r = await it.next();
          if (r.done) return;
          yield r.value;
        }
      },
      bytesRead: () => src.bytesRead(),
      close: () => {
        raw.destroy();
        gunzip.destroy();
      },
    };
    try {
      const pb = await loadProtobuf(inner, b, issues, progress, opts);
      if (pb) return pb;
    } catch (e) {
      if (e instanceof TraceLoadError || e instanceof InputError || (e as Error)?.name === 'AbortError' || opts.signal?.aborted) throw e;
      throw loadError(file, `gzip data is corrupt or truncated (${(e as Error).message}), ${compressedRead()}`);
    } finally {
      inner.close();
    }
    throw loadError(file, `${bin.replace(/, not a JSON trace file$/, '')} after gunzip, not a JSON or OTLP protobuf trace file`, undefined, true);
  }
  const text = new StringDecoder('utf8');
  const ctx = new ParseContext(b, file, issues);
  let mode: 'jsonl' | 'json' | undefined;
  let head = '';
  let reader: JsonlReader | undefined;
  const parts: string[] = [];
  let textLength = 0;
  /** characters decompressed so far (for the position in a corrupt-data message) */
  let decoded = 0;
  let corrupt: string | undefined;
  const spansBefore = progress.spans;
  const decide = (complete: boolean) => {
    const nul = head.indexOf('\u0000');
    if (nul >= 0 && nul < HEAD_BYTES) throw loadError(file, `binary data after gunzip (NUL byte at offset ${nul}), not a JSON trace file`, undefined, true);
    const m = detectTextMode(head, complete);
    if (m.mode === 'empty') throw loadError(file, 'empty file after gunzip: no trace data');
    if (m.mode === 'not-json') {
      const p = lineColOf(head, m.offset);
      throw loadError(file, `not JSON after gunzip: expected '{' or '[' but found ${JSON.stringify(m.found)}`, { line: p.line, column: p.column, offset: m.offset }, true);
    }
    mode = m.mode;
    if (mode === 'jsonl') reader = new JsonlReader(ctx);
    consume(head);
    head = '';
  };
  const consume = (chunk: string) => {
    if (reader) reader.push(chunk);
    else {
      textLength += chunk.length;
      if (textLength > MAX_DOCUMENT_BYTES) {
        throw loadError(file, `single JSON document larger than ${MAX_RECORD_TEXT} after gunzip; write it as JSON Lines, which is streamed`);
      }
      parts.push(chunk);
    }
  };
  const compressed = compressedRead;
  const take = (chunk: string) => {
    decoded += chunk.length;
    if (mode === undefined) {
      head += chunk;
      if (head.length >= HEAD_BYTES) decide(false);
    } else consume(chunk);
    opts.onProgress?.({ file, bytesRead: progress.base + src.bytesRead(), totalBytes: progress.total, spans: spansBefore + (reader?.spans ?? 0) });
  };
  try {
    try {
      take(text.write(headBytes));
      if (headError) throw headError;
      if (!ended) {
        for (;;) {
          checkAbort(opts.signal);
          const r = await it.next();
          if (r.done) break;
          take(text.write(r.value));
        }
      }
      const rest = text.end();
      if (rest) take(rest);
    } catch (e) {
      if (e instanceof TraceLoadError || e instanceof InputError || (e as Error)?.name === 'AbortError' || opts.signal?.aborted) throw e;
      const where = `after ${decoded.toLocaleString('en-US')} characters of decompressed text, ${compressed()}`;
      // JSON Lines: the complete lines before the damage are good records, as in an uncompressed file cut short (a
      // copy of a file the Collector was still writing); the last, partial line is reported by the reader's end()
      if (!reader || reader.goodLines === 0) throw loadError(file, `gzip data is corrupt or truncated (${(e as Error).message}) ${where}`);
      corrupt = `gzip data is corrupt or truncated (${(e as Error).message}) ${where}: the ${reader.lines.toLocaleString('en-US')} complete line(s) before it were read, the rest of the file is lost (truncated file?)`;
    } finally {
      raw.destroy();
      gunzip.destroy();
    }
    if (mode === undefined) decide(true);
    if (reader) {
      if (corrupt) ctx.add({ file, message: corrupt, severity: 'warning' });
      return finishJsonl(file, reader);
    }
    return parseTraceTextInto(parts.join(''), ctx);
  } catch (e) {
    if (e instanceof TraceParseError) throw TraceLoadError.of(e.issue);
    throw e;
  } finally {
    ctx.finish();
  }
}

/**
 * Load one or more files or directories into one model. A directory means every trace file under it (recursively,
 * skipping node_modules and .git); there, files that are not traces are reported as warnings and skipped. A file
 * named explicitly that cannot be read as traces throws TraceLoadError.
 */
export async function loadTraces(pathOrPaths: string | string[], opts: LoadOptions = {}): Promise<LoadedRun> {
  // paths are kept as given (relative ones stay relative) so messages show what the user typed
  const paths = Array.isArray(pathOrPaths) ? pathOrPaths : [pathOrPaths];
  if (paths.length === 0) throw loadError('', 'no input files given');
  const issues: ParseIssue[] = [];
  const targets = await collectTargets(paths, opts.maxFiles ?? DEFAULT_MAX_FILES, issues, opts.signal, opts.stdin);
  const b = new SpanTableBuilder();
  // an input of unknown size (a pipe) makes the total unknown
  const total = targets.some((t) => t.stream) ? NaN : targets.reduce((s, t) => s + t.size, 0);
  const progress = { base: 0, total, spans: 0 };
  const files: string[] = [];
  const formats = new Set<string>();
  let skipped = 0;
  const dirFailures: TraceLoadError[] = [];
  const starts: number[] = [];
  for (const t of targets) {
    checkAbort(opts.signal);
    // a file that fails half-way (a framed protobuf file with a bad frame, a document whose reading throws) takes back
    // the spans it added: it is reported as not loaded, so none of its spans may stay in the model
    const mark = b.mark();
    try {
      const first = b.size;
      const r = await loadOne(t, b, issues, progress, opts);
      files.push(t.path);
      starts.push(first);
      r.formats.forEach((f) => formats.add(f));
      skipped += r.skipped;
      progress.spans += r.spans;
    } catch (e) {
      if (!(e instanceof TraceLoadError) || !t.fromDir) throw e;
      b.rollback(mark);
      // README, LICENSE, notes.txt … next to the traces: not worth a warning
      if (e.notJson && !JSON_EXTENSIONS.has(extname(t.path).toLowerCase())) {
        progress.base += t.size;
        continue;
      }
      // a non-trace file inside a directory: note it and go on
      dirFailures.push(e);
      issues.push({ ...e.issue, message: `not loaded: ${e.issue.message}`, severity: 'warning' });
    }
    progress.base += t.size;
  }
  if (files.length === 0) {
    const first = dirFailures[0];
    throw loadError(
      paths.join(', '),
      `no trace file found (${targets.length} candidate file(s) looked at)${first ? `; first problem: ${first.message}` : ''}`,
    );
  }
  const model = b.build();
  issues.push(...anomalyIssues(model, fileOfRows(files, starts)));
  return { model, files, formats: [...formats], skipped, issues };
}
