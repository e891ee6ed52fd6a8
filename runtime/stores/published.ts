/**
 * Artifacts published into the online store by `palette apply`: the serving manifest, so that
 * a sidecar can start from the store alone (`palette serve --manifest store`) and follow each
 * new apply without a redeploy, as Chronon's fetchers read the metadata its upload puts in
 * the KV store; and the registry (the IR), so that the catalog can show what is applied
 * (`palette catalog --published`, `palette ui --published`), as Feast's UI reads its
 * shared registry. Each publication is a row (artifact name, publish time,
 * registry hash, gzip of the JSON text); the newest row is the current one, the older ones
 * stay as history.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { UserError } from '../errors.js';

/** The artifact name of the serving manifest. */
export const SERVING_MANIFEST_ARTIFACT = 'serving-manifest';
/** The artifact name of the registry (build/registry.json). */
export const REGISTRY_ARTIFACT = 'registry';

/** Table (SQLite) or table in the keyspace (Cassandra) holding the publications. */
export const PUBLISHED_TABLE = 'palette_published';

/** The newest publication of an artifact; `json` only when asked for. */
export interface Publication {
  readonly artifact: string;
  readonly registryHash: string;
  readonly publishedAt: number;
  readonly json?: string;
}

export function encodePublication(json: string): Buffer {
  return gzipSync(Buffer.from(json, 'utf8'));
}

export function decodePublication(blob: Buffer | Uint8Array, where: string): string {
  try {
    return gunzipSync(blob).toString('utf8');
  } catch (e) {
    throw new UserError(`the publication ${where} cannot be read: ${(e as Error).message}`, 'publish it again with `palette apply`');
  }
}
