/**
 * An optional, bounded in-process cache of online rows, off by default (maxEntries 0).
 *
 * It holds what one store read returned for one (group, entity key): the tile rows or the
 * value row, with the time it was read. An entry lives `ttlMs` (short: a cached answer is
 * that much staler than the store) and the least recently used entry is dropped past
 * `maxEntries`. Only requests at "now" use it: tile rows read for an earlier time may lack
 * tiles a later time needs, but rows read at now cover every later now within the TTL,
 * since the oldest tile a window needs only moves forward.
 *
 * Failed reads are never cached, so an outage is not remembered past its end.
 */
export interface RowCacheOptions {
  readonly maxEntries: number;
  readonly ttlMs: number;
}

export class RowCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();

  constructor(readonly options: RowCacheOptions) {}

  get enabled(): boolean {
    return this.options.maxEntries > 0 && this.options.ttlMs > 0;
  }

  get size(): number {
    return this.entries.size;
  }

  get(key: string, now: number): V | undefined {
    const e = this.entries.get(key);
    if (e === undefined) return undefined;
    if (e.expires <= now) {
      this.entries.delete(key);
      return undefined;
    }
    // Map keeps insertion order: re-insert to mark as most recently used.
    this.entries.delete(key);
    this.entries.set(key, e);
    return e.value;
  }

  set(key: string, value: V, now: number): void {
    if (!this.enabled) return;
    this.entries.delete(key);
    this.entries.set(key, { value, expires: now + this.options.ttlMs });
    while (this.entries.size > this.options.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
