/** The online store that palette.yaml's `online` section names. */
import type { PaletteConfig } from '../config/palette-config.js';
import { CassandraStore } from './cassandra-store.js';
import type { OnlineStore } from './online-store.js';
import { SqliteStore } from './sqlite-store.js';

export function openOnlineStore(online: PaletteConfig['online'], opts: { readonly?: boolean } = {}): OnlineStore {
  if (online.store === 'cassandra') {
    const c = online.cassandra;
    return new CassandraStore({
      contactPoints: c.contactPoints, localDataCenter: c.localDataCenter, keyspace: c.keyspace,
      replication: c.replication, consistency: c.consistency,
    });
  }
  return new SqliteStore({ path: online.path, readonly: opts.readonly });
}
