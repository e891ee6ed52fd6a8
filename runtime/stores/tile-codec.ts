/**
 * The binary form of one tile's partial states, as the Cassandra online store keeps it: a
 * tile table row per (entity key, hop, writer) holds its tiles in a `map<timestamp, blob>`
 * (tile start → this encoding). Why: a served read merges tens of tiles per group, and
 * Cassandra's and the driver's cost grow with the cells read and decoded; one map cell per
 * tile instead of one row of ~10 cells per tile halves the read cost on both sides
 * (bench/online-layout-bench.ts).
 *
 * A hop's blob holds the state columns of the aggregations with that hop, in layout order
 * (hopStateColumns in contracts/layout.ts): exactly the non-null state cells a per-tile row
 * would have. The codec is a pure function of the layout.
 *
 * Format (little endian), version 1:
 *   byte 0: version (1)
 *   per column: one byte 0 (null) or 1 (value), then the value:
 *     int                                  int32
 *     long, float, double, timestamp       float64 (the runtime's numbers; long is exact to 2^53,
 *                                          as everywhere in the runtime)
 *     boolean                              one byte 0/1
 *     string, date                         uint32 byte length, UTF-8 bytes
 *     list<T>                              uint32 element count, then each element as a column
 *                                          (null byte or value byte, then the value)
 * A blob of another version, or one that ends early, is an error naming the table and tile.
 */
import { type GroupLayout, type StorageColumn, hopStateColumns } from '../contracts/layout.js';
import type { PalType, Value } from '../contracts/types.js';

export const TILE_BLOB_VERSION = 1;

const EMPTY = Buffer.alloc(0);

/** One hop's state columns, and how to turn their values into a blob and back. */
export interface HopCodec {
  readonly hopMs: number;
  readonly columns: readonly StorageColumn[];
  encode(states: Readonly<Record<string, Value>>): Buffer;
  /** Decodes into `into` (column name → value; nulls left out), which it returns. */
  decode(blob: Buffer, into?: Record<string, Value>): Record<string, Value>;
  /**
   * Decodes into `fields` by position (columns' order, nulls included): no object per tile,
   * for the sidecar's path (OnlineStore.scanTiles). Returns `fields`; without it, the codec's
   * own scratch array, valid until the codec's next call.
   */
  decodeFields(blob: Buffer, fields?: Value[]): Value[];
}

/** Per hop (ms) of a windowed group's layout, its codec. */
export function tileCodecs(layout: GroupLayout): Map<number, HopCodec> {
  const types = new Map(layout.online.columns.map((c) => [c.name, c.type]));
  const out = new Map<number, HopCodec>();
  for (const [hopMs, hop] of hopStateColumns(layout)) {
    const columns = hop.columns.map((name) => {
      const type = types.get(name);
      if (!type) throw new Error(`palette: state column ${name} is not in online table ${layout.online.table}`);
      return { name, type };
    });
    out.set(hopMs, hopCodec(layout.online.table, hopMs, columns));
  }
  return out;
}

function hopCodec(table: string, hopMs: number, columns: readonly StorageColumn[]): HopCodec {
  const names = columns.map((c) => c.name);
  // Made only when a blob is bad: decode is on the sidecar's per-tile path.
  const fail = (why: string) => new Error(`online table ${table}: tile blob of hop ${hopMs} ms ${why}`);
  const types = columns.map((c) => c.type);
  // One reader per codec, reset per blob: decode is synchronous, and this is the sidecar's
  // per-tile path (an object per blob was a measurable share of its allocations).
  const r: { buf: Buffer; pos: number } = { buf: EMPTY, pos: 0 };
  // The positional scratch of decode and decodeFields (both synchronous).
  const scratch: Value[] = new Array(columns.length).fill(null);
  const decodeFields = (blob: Buffer, fields: Value[] = scratch): Value[] => {
    if (blob.length < 1) throw fail('is empty');
    if (blob[0] !== TILE_BLOB_VERSION) throw fail(`has format version ${blob[0]}, this Palette reads version ${TILE_BLOB_VERSION}`);
    r.buf = blob;
    r.pos = 1;
    try {
      for (let i = 0; i < types.length; i++) fields[i] = readValue(r, types[i]);
    } catch (e) {
      if (e instanceof RangeError) throw fail(`ends early (${blob.length} bytes)`);
      throw e;
    } finally {
      r.buf = EMPTY; // hold no reference to the blob past the call
    }
    if (r.pos !== blob.length) throw fail(`has ${blob.length - r.pos} bytes after its ${names.length} columns`);
    return fields;
  };
  return {
    hopMs,
    columns,
    encode(states) {
      const w = new Writer();
      w.u8(TILE_BLOB_VERSION);
      for (let i = 0; i < names.length; i++) writeValue(w, states[names[i]] ?? null, types[i]);
      return w.done();
    },
    decode(blob, into = {}) {
      decodeFields(blob, scratch);
      for (let i = 0; i < names.length; i++) {
        if (scratch[i] !== null) into[names[i]] = scratch[i];
        scratch[i] = null;
      }
      return into;
    },
    decodeFields,
  };
}

class Writer {
  private buf = Buffer.allocUnsafe(64);
  private pos = 0;
  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }
  u8(v: number): void { this.room(1); this.buf[this.pos++] = v; }
  u32(v: number): void { this.room(4); this.buf.writeUInt32LE(v, this.pos); this.pos += 4; }
  i32(v: number): void { this.room(4); this.buf.writeInt32LE(v, this.pos); this.pos += 4; }
  f64(v: number): void { this.room(8); this.buf.writeDoubleLE(v, this.pos); this.pos += 8; }
  str(s: string): void {
    const n = Buffer.byteLength(s, 'utf8');
    this.u32(n);
    this.room(n);
    this.buf.write(s, this.pos, n, 'utf8');
    this.pos += n;
  }
  done(): Buffer { return Buffer.from(this.buf.subarray(0, this.pos)); }
}

function writeValue(w: Writer, v: Value, t: PalType): void {
  if (v === null || v === undefined) {
    w.u8(0);
    return;
  }
  w.u8(1);
  if (t.kind === 'list') {
    const xs = v as readonly Value[];
    w.u32(xs.length);
    for (const x of xs) writeValue(w, x, t.element);
    return;
  }
  switch (t.name) {
    case 'int': w.i32(v as number); return;
    case 'long': case 'float': case 'double': case 'timestamp': w.f64(v as number); return;
    case 'boolean': w.u8(v ? 1 : 0); return;
    case 'string': case 'date': w.str(v as string); return;
  }
}

function readValue(r: { buf: Buffer; pos: number }, t: PalType): Value {
  const b = r.buf;
  const present = b.readUInt8(r.pos++);
  if (present === 0) return null;
  if (t.kind === 'list') {
    const n = b.readUInt32LE(r.pos);
    r.pos += 4;
    const xs: Value[] = new Array(n);
    for (let i = 0; i < n; i++) xs[i] = readValue(r, t.element);
    return xs;
  }
  switch (t.name) {
    case 'int': { const v = b.readInt32LE(r.pos); r.pos += 4; return v; }
    case 'long': case 'float': case 'double': case 'timestamp': { const v = b.readDoubleLE(r.pos); r.pos += 8; return v; }
    case 'boolean': return b.readUInt8(r.pos++) === 1;
    case 'string': case 'date': {
      const n = b.readUInt32LE(r.pos);
      const end = r.pos + 4 + n;
      if (end > b.length) throw new RangeError('string past the end');
      const s = b.toString('utf8', r.pos + 4, end);
      r.pos = end;
      return s;
    }
  }
}
