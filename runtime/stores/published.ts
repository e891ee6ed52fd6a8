/**
 * Artifacts published into the online store by `palette apply`: the serving manifest, so that
 * a sidecar can start from the store alone (`palette serve --manifest store`) and follow each
 * new apply without a redeploy, as Chronon's fetchers read the metadata its upload puts in
 * the KV store; and the registry (the IR), so that the catalog can show what is applied
 * (`palette catalog --published`, `palette ui --published`), as Feast's UI reads its
 * shared registry. Each publication is a row (artifact name, publish time,
 * registry hash, gzip of the JSON text); the newest row is the current one, the older ones
 * stay as history, the newest PUBLICATIONS_KEPT of them by default (`palette apply
 * --keep-publications`; OnlineStore.prunePublications).
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import { UserError } from '../errors.js';
import type { OnlineStore } from './online-store.js';

/** The artifact name of the serving manifest. */
export const SERVING_MANIFEST_ARTIFACT = 'serving-manifest';
/** The artifact name of the registry (build/registry.json). */
export const REGISTRY_ARTIFACT = 'registry';

/** What `palette apply` publishes, registry first (a sidecar that sees a manifest finds its registry). */
export const PUBLISHED_ARTIFACTS = [REGISTRY_ARTIFACT, SERVING_MANIFEST_ARTIFACT] as const;

/** Publications of each artifact `palette apply` keeps by default (--keep-publications). */
export const PUBLICATIONS_KEPT = 20;

/**
 * Of publication times newest first, the time below which publications go when `keep` stay
 * (null: nothing to remove). Shared by the stores so that they prune alike.
 */
export function pruneBefore(newestFirst: readonly number[], keep: number): number | null {
  if (!Number.isSafeInteger(keep) || keep < 1) throw new Error(`palette: keep at least 1 publication, not ${keep}`);
  return newestFirst.length > keep ? newestFirst[keep - 1] : null;
}

/** How many of these publication times (newest first) pruning to `keep` removes. */
export function prunedCount(newestFirst: readonly number[], keep: number): number {
  const before = pruneBefore(newestFirst, keep);
  return before === null ? 0 : newestFirst.filter((t) => t < before).length;
}

/**
 * The newest publication of `artifact` with its JSON parsed (a UserError that names it when
 * the JSON does not parse). Null when nothing is published, or when the newest has the hash
 * `ifNot`: then only its small row is read, which is how followers look for a newer one.
 */
export async function newestPublished(store: Pick<OnlineStore, 'newestPublication'>, artifact: string, ifNot?: string): Promise<{ publication: Publication; value: unknown } | null> {
  if (ifNot !== undefined) {
    const head = await store.newestPublication(artifact, false);
    if (head === null || head.registryHash === ifNot) return null;
  }
  const publication = await store.newestPublication(artifact, true);
  if (publication === null) return null;
  try {
    return { publication, value: JSON.parse(publication.json ?? '') };
  } catch (e) {
    throw new UserError(`the ${artifact} published in the online store at ${new Date(publication.publishedAt).toISOString()} (registry ${publication.registryHash}) is not valid JSON: ${(e as Error).message}`);
  }
}

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
