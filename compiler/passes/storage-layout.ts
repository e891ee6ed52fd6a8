/**
 * The storage layout pass: decides once, for every group, its online table (Cassandra or
 * SQLite), its offline tables (Hive or Parquet) and every column's name, type and order.
 * Writers, readers and DDL targets all read the result (runtime/contracts/layout.ts).
 *
 * Names: online tables are `<namespace>_<group>_<hash8>` cut to fit Cassandra's 48
 * characters; offline tables live in database `palette_<namespace>` as
 * `<group>_<hash8>_tiles` and `<group>_<hash8>_daily`. Including the hash in every name
 * means a change of meaning never writes into the old version's tables.
 */
import {
  type GroupLayout, type PalType, type StorageColumn, PARTITION_COLUMN, SNAPSHOT_DS_COLUMN,
  STREAM_OFFSET_COLUMN, STREAM_PARTITION_COLUMN, TILE_HOP_COLUMN, TILE_RETENTION_GRACE_MS, TILE_START_COLUMN,
  UPDATED_AT_COLUMN, scalar, stateFields,
} from '../../runtime/contracts/index.js';
import type { GroupDraft } from '../checker/check.js';
import type * as ir from '../ir/ir.js';

const CASSANDRA_NAME_LIMIT = 48;

export function sqlName(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9_]/g, '_');
}

export function onlineTableName(group: GroupDraft, hash: string): string {
  const suffix = `_${hash.slice(0, 8)}`;
  const base = sqlName(`${group.namespace}_${group.localName}`);
  return base.slice(0, CASSANDRA_NAME_LIMIT - suffix.length) + suffix;
}

export function offlineDatabase(namespace: string): string {
  return `palette_${sqlName(namespace)}`;
}

export function aggregationColumn(index: number, field: string): string {
  return `a${index}_${field}`;
}

export function decideLayout(group: GroupDraft, entity: ir.Entity, hash: string): GroupLayout {
  const keys: StorageColumn[] = entity.keys.map((k) => ({ name: k.name, type: k.type }));
  const database = offlineDatabase(group.namespace);
  const base = `${sqlName(group.localName)}_${hash.slice(0, 8)}`;
  const nn = (t: PalType): PalType => ({ ...t, nullable: false });

  if (group.kind === 'snapshot') {
    const values = valueColumns(group);
    return {
      online: {
        kind: 'values',
        table: onlineTableName(group, hash),
        partitionKey: keys,
        clustering: [],
        columns: [...values, { name: SNAPSHOT_DS_COLUMN, type: scalar('string', true) }, { name: UPDATED_AT_COLUMN, type: scalar('timestamp', true) }],
        ttlSeconds: group.ttlMs === null ? null : Math.ceil(group.ttlMs / 1000),
      },
      aggregations: [],
      featureColumns: values.map((c) => ({ feature: c.name, column: c.name })),
      offline: {
        tiles: null,
        daily: { database, table: `${base}_daily`, columns: [...keys, ...values], partitionColumn: PARTITION_COLUMN },
      },
    };
  }

  const stateCols: StorageColumn[] = [];
  const aggregations = group.aggregations.map((a) => {
    const fields = stateFields(a.fn, a.input ? a.input.type : null);
    const columns = fields.map((f) => ({ field: f.name, column: aggregationColumn(a.index, f.name) }));
    fields.forEach((f, i) => stateCols.push({ name: columns[i].column, type: f.type }));
    return { aggregationIndex: a.index, hopMs: a.window.hopMs, columns };
  });
  // TTL: a tile is needed while some window can still reach it: its window + its hop, per hop
  // (null: a lifetime window, for ever). The table's is the longest of its hops'.
  const needByHop = new Map<number, number | null>();
  for (const a of group.aggregations) {
    const need = a.window.kind === 'lifetime' ? null : a.window.sizeMs + a.window.hopMs;
    const before = needByHop.get(a.window.hopMs);
    needByHop.set(a.window.hopMs, before === null || need === null ? null : Math.max(before ?? 0, need));
  }
  const needs = [...needByHop.values()];
  const ttlMs = needs.includes(null) ? null : Math.max(0, ...(needs as number[]));
  // Each hop keeps its own, plus the grace for reads back in time, within the table's TTL
  // (contracts/layout.ts, OnlineTable.hopTtls).
  const hopTtls = [...needByHop].sort((a, b) => a[0] - b[0]).map(([hopMs, need]) => ({
    hopMs,
    ttlSeconds: need === null ? null : Math.ceil(Math.min(need + TILE_RETENTION_GRACE_MS, ttlMs ?? Infinity) / 1000),
  }));
  const clustering: StorageColumn[] = [
    { name: TILE_HOP_COLUMN, type: nn(scalar('long')) },
    { name: TILE_START_COLUMN, type: nn(scalar('timestamp')) },
  ];
  // Online rows also carry their writer (see contracts/layout.ts); offline tiles do not.
  const onlineClustering: StorageColumn[] = [...clustering, { name: STREAM_PARTITION_COLUMN, type: nn(scalar('int')) }];
  const values = valueColumns(group);
  return {
    online: {
      kind: 'tiles',
      table: onlineTableName(group, hash),
      partitionKey: keys,
      clustering: onlineClustering,
      columns: [...stateCols, { name: STREAM_OFFSET_COLUMN, type: scalar('long', true) }, { name: UPDATED_AT_COLUMN, type: scalar('timestamp', true) }],
      ttlSeconds: ttlMs === null ? null : Math.ceil(ttlMs / 1000),
      hopTtls,
    },
    aggregations,
    featureColumns: [],
    offline: {
      tiles: { database, table: `${base}_tiles`, columns: [...keys, ...clustering, ...stateCols], partitionColumn: PARTITION_COLUMN },
      daily: { database, table: `${base}_daily`, columns: [...keys, ...values], partitionColumn: PARTITION_COLUMN },
    },
  };
}

/**
 * One value column per feature, sorted by name: the order features are written in is not
 * part of a group's meaning (nor of its hash), so it must not be part of its storage.
 */
function valueColumns(group: GroupDraft): StorageColumn[] {
  return [...group.features].sort((a, b) => (a.localName < b.localName ? -1 : 1))
    .map((f) => ({ name: f.localName, type: { ...f.type, nullable: true } }));
}
