/**
 * Moving a SpanTable between threads without blocking the receiver: the typed-array columns are transferred (no
 * copy), and everything else goes in bounded pieces — the string table and the sparse event/link maps in chunks of
 * at most CHUNK entries — so no single message takes long to deserialize on the receiving event loop. Generic over
 * the table's own fields (in constructor order), so a new column travels without changes here.
 */
import { StringTable } from './intern';
import { SpanTable } from './span-table';

/** Entries per chunk message: 5k strings deserialize and intern in a few ms. */
export const CHUNK = 5_000;

type TypedArray = Uint8Array | Uint32Array | Int32Array | Float64Array | Float32Array | Uint16Array | Int16Array | Int8Array;

export type FieldKind = 'typed' | 'strings' | 'map' | 'plain';

/** The table's shape: every own field in constructor order, with how it travels. */
export interface TableHeader {
  fields: { key: string; kind: FieldKind }[];
  /** typed arrays and plain values (numbers, resources, scopes, anomalies…) */
  values: Record<string, unknown>;
}

/** One message of the stream: the header (with transferables), then string / map chunks. */
export type TablePiece =
  | { piece: 'header'; header: TableHeader }
  | { piece: 'strings'; values: string[] }
  | { piece: 'map'; key: string; entries: [number, unknown][] };

const isTyped = (v: unknown): v is TypedArray => ArrayBuffer.isView(v) && !(v instanceof DataView);

/**
 * Split a table into messages. The first carries the typed arrays; `transfer` lists their buffers (each once).
 * After posting with that transfer list the table's columns are detached on the sending side.
 */
export function tablePieces(t: SpanTable): { pieces: TablePiece[]; transfer: ArrayBuffer[] } {
  const fields: TableHeader['fields'] = [];
  const values: Record<string, unknown> = {};
  const buffers = new Set<ArrayBuffer>();
  const rest: TablePiece[] = [];
  for (const [key, v] of Object.entries(t)) {
    if (isTyped(v)) {
      fields.push({ key, kind: 'typed' });
      values[key] = v;
      if (v.buffer instanceof ArrayBuffer) buffers.add(v.buffer);
    } else if (v instanceof StringTable) {
      fields.push({ key, kind: 'strings' });
      const n = v.size;
      for (let i = 0; i < n; i += CHUNK) {
        const chunk: string[] = new Array(Math.min(CHUNK, n - i));
        for (let j = 0; j < chunk.length; j++) chunk[j] = v.get(i + j);
        rest.push({ piece: 'strings', values: chunk });
      }
    } else if (v instanceof Map) {
      fields.push({ key, kind: 'map' });
      const entries = [...(v as Map<number, unknown>).entries()];
      for (let i = 0; i < entries.length; i += CHUNK) rest.push({ piece: 'map', key, entries: entries.slice(i, i + CHUNK) });
    } else {
      fields.push({ key, kind: 'plain' });
      values[key] = v;
    }
  }
  return { pieces: [{ piece: 'header', header: { fields, values } }, ...rest], transfer: [...buffers] };
}

/**
 * The same table with every typed-array column copied into a SharedArrayBuffer (strings, maps and plain fields are
 * the same objects). Posted through tablePieces, such columns are shared with the receiver, not transferred: both
 * threads read the same memory (the columns are never written after loading) and the sender keeps a usable table.
 * Returns the table itself where SharedArrayBuffer is not available.
 */
export function shareColumns(t: SpanTable): SpanTable {
  if (typeof SharedArrayBuffer !== 'function') return t;
  const args = Object.values(t).map((v) => {
    if (!isTyped(v) || !(v.buffer instanceof ArrayBuffer)) return v;
    const Ctor = v.constructor as new (b: SharedArrayBuffer) => TypedArray;
    const copy = new Ctor(new SharedArrayBuffer(v.byteLength));
    (copy as Uint8Array).set(v as Uint8Array);
    return copy;
  });
  return new (SpanTable as unknown as new (...a: unknown[]) => SpanTable)(...args);
}

/** Whether a table's columns are all shared (see {@link shareColumns}). */
export function columnsShared(t: SpanTable): boolean {
  return Object.values(t).every((v) => !isTyped(v) || !(v.buffer instanceof ArrayBuffer));
}

/** Rebuilds a table from its pieces, one piece at a time (each step is bounded work). */
export class TableAssembler {
  private header: TableHeader | undefined;
  private readonly strings = new StringTable();
  private stringCount = 0;
  private readonly maps = new Map<string, Map<number, unknown>>();

  add(p: TablePiece): void {
    if (p.piece === 'header') this.header = p.header;
    else if (p.piece === 'strings') {
      // ids are positions: the sender's table holds each string once, in id order ('' is id 0 in both)
      for (const s of p.values) {
        const id = this.strings.intern(s);
        if (id !== this.stringCount) throw new Error(`string table out of order at ${this.stringCount}`);
        this.stringCount++;
      }
    } else {
      let m = this.maps.get(p.key);
      if (!m) this.maps.set(p.key, (m = new Map()));
      for (const [k, v] of p.entries) m.set(k, v);
    }
  }

  finish(): SpanTable {
    const h = this.header;
    if (!h) throw new Error('span table header missing');
    const args = h.fields.map(({ key, kind }) => (kind === 'strings' ? this.strings : kind === 'map' ? (this.maps.get(key) ?? new Map()) : h.values[key]));
    return new (SpanTable as unknown as new (...a: unknown[]) => SpanTable)(...args);
  }
}
