/**
 * The benchmarks' raw cassandra-driver client: the floor the sidecar is measured against
 * (bench/sidecar-bench.ts, bench/serving-path-bench.ts, bench/lib/read-proxy.ts). It has the
 * Cassandra store's driver settings (runtime/stores/cassandra-store.ts): token-aware routing
 * over the local data center, LOCAL_ONE, prepared statements, one connection per node, maps
 * as ES Maps, blobs as slices of the network buffer (not copied). It runs the store's
 * statements (one partition each: a group's packed tile rows or its value row), decoded by the
 * driver; it does not decode the tile blobs.
 */
import cassandra from 'cassandra-driver';
import type { ServingManifest } from '../../runtime/contracts/manifest.js';
import { cassandraTable } from '../../runtime/stores/cql.js';

/** A client with the store's settings; `contactPoint` is host:port. Not yet connected. */
export function rawCassandraClient(contactPoint: string, localDataCenter = 'datacenter1'): cassandra.Client {
  return new cassandra.Client({
    contactPoints: [contactPoint], localDataCenter,
    policies: { loadBalancing: new cassandra.policies.loadBalancing.TokenAwarePolicy(new cassandra.policies.loadBalancing.DCAwareRoundRobinPolicy(localDataCenter)) },
    queryOptions: { consistency: cassandra.types.consistencies.localOne, prepare: true },
    pooling: { coreConnectionsPerHost: { [cassandra.types.distance.local]: 1 } },
    encoding: { map: Map, copyBuffer: false },
  });
}

/** Per group, the SELECT of one entity's partition the store runs (its key columns as `?`, in order). */
export function rawReadStatements(groups: ServingManifest['groups'], keyspace: string): string[] {
  return groups.map((g) => {
    const t = cassandraTable(g.layout.online);
    const cols = (g.kind === 'windowed' ? [...t.clustering, ...t.columns] : [...t.partitionKey, ...t.columns]).map((c) => c.name).join(', ');
    return `SELECT ${cols} FROM ${keyspace}.${t.table} WHERE ${t.partitionKey.map((c) => `${c.name} = ?`).join(' AND ')}`;
  });
}
