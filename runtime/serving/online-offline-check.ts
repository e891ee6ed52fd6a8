/**
 * The online/offline consistency check behind `palette verify`: for a sample of the entities
 * in a group's offline daily state of day D, the values the sidecar would serve at the end of
 * D (online rows merged at t = D + 1 day by GroupEvaluator, as in serving) against the values
 * the offline store holds for D (what a training set of that time sees). Equal values are the
 * product's promise; a difference is training/serving skew, or an online store that is behind
 * (not uploaded, not streamed up to t) or past its retention (tiles older than the TTL).
 *
 * Comparison: both null; numbers equal within `relTolerance` relative (absolute below 1e-12,
 * where relative is meaningless); lists element-wise; anything else strictly equal.
 *
 * Snapshot groups: the online row holds the latest uploaded snapshot only; an entity whose
 * online snapshot is of another day than D is reported as such, not compared.
 */
import type { GroupRuntime } from '../contracts/group-runtime.js';
import type { Value } from '../contracts/types.js';
import type { OnlineStore } from '../stores/online-store.js';
import type { OfflineReader } from '../upload/offline-reader.js';
import { GroupEvaluator } from './group-evaluator.js';

const DAY_MS = 86_400_000;

export interface FeatureDiff {
  readonly feature: string;
  /** Entities whose value differs. */
  readonly mismatches: number;
  /** The first of them. */
  readonly example: { readonly key: readonly Value[]; readonly online: Value; readonly offline: Value } | null;
}

export interface GroupCheck {
  readonly group: string;
  readonly day: string;
  /** t = end of day, epoch ms: when the online values are evaluated. */
  readonly at: number;
  /** Entities compared (at most the sample size). */
  readonly entities: number;
  /** Entities with every feature equal. */
  readonly matching: number;
  /** Entities with no online row at all. */
  readonly missingOnline: number;
  /** Snapshot groups: entities whose online snapshot is of another day (not compared). */
  readonly otherSnapshotDay: number;
  /** Per feature, in the group's feature order; only features with mismatches. */
  readonly diffs: readonly FeatureDiff[];
}

export function valuesEqual(a: Value | undefined, b: Value | undefined, relTolerance: number): boolean {
  if (a === null || a === undefined) return b === null || b === undefined;
  if (b === null || b === undefined) return false;
  if (typeof a === 'number' && typeof b === 'number') {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b);
    if (a === b) return true;
    const scale = Math.max(Math.abs(a), Math.abs(b));
    return scale < 1e-12 ? Math.abs(a - b) < 1e-12 : Math.abs(a - b) / scale <= relTolerance;
  }
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => valuesEqual(x, b[i], relTolerance));
  return a === b;
}

export async function checkGroup(opts: {
  readonly group: GroupRuntime;
  readonly reader: OfflineReader;
  readonly store: OnlineStore;
  readonly day: string;
  readonly sample: number;
  readonly relTolerance: number;
}): Promise<GroupCheck> {
  const { group, reader, store, day, sample, relTolerance } = opts;
  const daily = group.layout.offline.daily;
  const at = Date.parse(`${day}T00:00:00Z`) + DAY_MS;
  const nKeys = group.entity.keys.length;
  const features = group.features.map((f) => f.name);
  const column = new Map(daily.columns.map((c, i) => [c.name, i]));
  const evaluator = new GroupEvaluator(group);
  const since = group.kind === 'windowed' ? evaluator.oldestTileNeeded(at) : null;
  const diffs = new Map<string, { mismatches: number; example: FeatureDiff['example'] }>();
  let entities = 0;
  let matching = 0;
  let missingOnline = 0;
  let otherSnapshotDay = 0;

  // The first `sample` rows of the day's partition, in the reader's order.
  outer: for await (const chunk of reader.readPartition(daily, day)) {
    for (const row of chunk) {
      if (entities >= sample) break outer;
      entities++;
      const key = row.slice(0, nKeys);
      let online: Readonly<Record<string, Value>>;
      if (group.kind === 'windowed') {
        const tiles = await store.readTiles(group, key, since);
        if (tiles.length === 0) missingOnline++;
        online = evaluator.fromTiles(tiles, at).values;
      } else {
        const vr = await store.readValues(group, key);
        if (vr === null) missingOnline++;
        else if (vr.snapshotDs !== day) { otherSnapshotDay++; continue; }
        online = evaluator.fromValues(vr).values;
      }
      let all = true;
      for (const f of features) {
        const i = column.get(f);
        const offline = i === undefined ? null : row[i];
        if (valuesEqual(online[f], offline, relTolerance)) continue;
        all = false;
        const d = diffs.get(f) ?? { mismatches: 0, example: null };
        d.mismatches++;
        d.example ??= { key, online: online[f] ?? null, offline };
        diffs.set(f, d);
      }
      if (all) matching++;
    }
  }
  return {
    group: group.name, day, at, entities, matching, missingOnline, otherSnapshotDay,
    diffs: features.filter((f) => diffs.has(f)).map((f) => ({ feature: f, ...diffs.get(f)! })),
  };
}
