/**
 * An in-memory OnlineStore for the sidecar's unit tests, with knobs for faults: a delay per
 * group, a group whose reads fail, a group whose reads never answer, a failing ping. It
 * keeps the interface's contract (rows by entity key, `sinceMs` filters tile starts) and
 * counts reads so that tests can check one read per (group, entity key).
 */
import type { GroupRuntime } from '../../../runtime/contracts/group-runtime.js';
import type { Value } from '../../../runtime/contracts/types.js';
import { type OnlineStore, type Publication, type ReadOptions, type TileRow, type TileSink, type ValueRow, scanTileRows } from '../../../runtime/stores/online-store.js';
import { pruneBefore } from '../../../runtime/stores/published.js';

export class FakeStore implements OnlineStore {
  readonly kind = 'cassandra' as const;
  private readonly tiles = new Map<string, TileRow[]>();
  private readonly values = new Map<string, ValueRow>();
  /** Reads issued, as `group|key`. */
  readonly reads: string[] = [];
  /** Deadlines the store was given. */
  readonly deadlines: (number | undefined)[] = [];
  delayMs = new Map<string, number>();
  failing = new Set<string>();
  hanging = new Set<string>();
  pingFails = false;
  closed = false;

  private id(group: GroupRuntime, key: readonly Value[]): string {
    return `${group.name}|${JSON.stringify(key)}`;
  }

  async ensureTables(): Promise<void> {}

  private async before(group: GroupRuntime, key: readonly Value[], opts?: ReadOptions): Promise<void> {
    this.reads.push(this.id(group, key));
    this.deadlines.push(opts?.deadline);
    if (this.hanging.has(group.name)) await new Promise(() => {});
    const d = this.delayMs.get(group.name);
    if (d) await new Promise((r) => setTimeout(r, d));
    if (this.failing.has(group.name)) throw new Error(`connection refused (fake outage of ${group.name})`);
  }

  async readTiles(group: GroupRuntime, key: readonly Value[], sinceMs: number | null, opts?: ReadOptions): Promise<TileRow[]> {
    await this.before(group, key, opts);
    const rows = this.tiles.get(this.id(group, key)) ?? [];
    return rows.filter((r) => sinceMs === null || r.tileStart >= sinceMs);
  }

  async scanTiles(group: GroupRuntime, key: readonly Value[], sinceMs: number | null, sink: TileSink, opts?: ReadOptions): Promise<void> {
    scanTileRows(await this.readTiles(group, key, sinceMs, opts), group.layout, sink);
  }

  async readValues(group: GroupRuntime, key: readonly Value[], opts?: ReadOptions): Promise<ValueRow | null> {
    await this.before(group, key, opts);
    return this.values.get(this.id(group, key)) ?? null;
  }

  async writeTiles(group: GroupRuntime, rows: readonly { key: readonly Value[]; row: TileRow }[]): Promise<void> {
    for (const { key, row } of rows) {
      const id = this.id(group, key);
      const list = (this.tiles.get(id) ?? []).filter((r) => !(r.hopMs === row.hopMs && r.tileStart === row.tileStart && r.streamPartition === row.streamPartition));
      list.push(row);
      this.tiles.set(id, list);
    }
  }

  async writeValues(group: GroupRuntime, rows: readonly { key: readonly Value[]; row: ValueRow }[]): Promise<void> {
    for (const { key, row } of rows) this.values.set(this.id(group, key), row);
  }

  /** Publications, newest last. */
  readonly publications: Required<Publication>[] = [];

  async publish(artifact: string, registryHash: string, json: string, publishedAt: number): Promise<boolean> {
    const newest = await this.newestPublication(artifact, false);
    if (newest?.registryHash === registryHash) return false;
    this.publications.push({ artifact, registryHash, json, publishedAt });
    return true;
  }

  async listPublications(artifact: string): Promise<Publication[]> {
    return this.publications.filter((x) => x.artifact === artifact).reverse().map((p) => ({ artifact: p.artifact, registryHash: p.registryHash, publishedAt: p.publishedAt }));
  }

  async prunePublications(artifact: string, keep: number): Promise<number> {
    const before = pruneBefore(this.publications.filter((x) => x.artifact === artifact).map((x) => x.publishedAt).reverse(), keep);
    if (before === null) return 0;
    const n = this.publications.length;
    this.publications.splice(0, n, ...this.publications.filter((x) => x.artifact !== artifact || x.publishedAt >= before));
    return n - this.publications.length;
  }

  async newestPublication(artifact: string, withJson: boolean): Promise<Publication | null> {
    if (this.pingFails) throw new Error('fake store unreachable');
    const p = this.publications.filter((x) => x.artifact === artifact).at(-1);
    if (!p) return null;
    return withJson ? p : { artifact: p.artifact, registryHash: p.registryHash, publishedAt: p.publishedAt };
  }

  async ping(): Promise<void> {
    if (this.pingFails) throw new Error('fake store unreachable');
  }

  async close(): Promise<void> {
    this.closed = true;
  }
}
