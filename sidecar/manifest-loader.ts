/**
 * Loading the serving manifest (build/serving-manifest.json) that `palette compile` emits.
 * The sidecar reads this file and nothing else of the build: it never loads the compiler.
 *
 * A manifest from an incompatible Palette (another manifestVersion) or a file that is not a
 * manifest is a UserError with the path and what to do; the shape checks here are the
 * ones whose absence would otherwise surface as a confusing TypeError at the first request.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { MANIFEST_VERSION, type ServingManifest } from '../runtime/contracts/manifest.js';
import { UserError } from '../runtime/errors.js';

export const MANIFEST_FILE = 'serving-manifest.json';

/** `path` is the manifest file or a build folder holding it. */
export function manifestPath(path: string): string {
  return existsSync(path) && statSync(path).isDirectory() ? join(path, MANIFEST_FILE) : path;
}

export function loadServingManifest(path: string): ServingManifest {
  const file = manifestPath(path);
  if (!existsSync(file)) throw new UserError(`no serving manifest at ${file}`, 'run `palette compile` first, or pass --manifest PATH');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UserError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  return checkManifest(raw, file);
}

export function checkManifest(raw: unknown, where: string): ServingManifest {
  const bad = (what: string): never => {
    throw new UserError(`${where} is not a Palette serving manifest: ${what}`, 'run `palette compile` to write it again');
  };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) bad('not a JSON object');
  const m = raw as Record<string, unknown>;
  if (m.manifestVersion !== MANIFEST_VERSION) {
    throw new UserError(`${where} has manifest version ${String(m.manifestVersion)}; this Palette reads version ${MANIFEST_VERSION}`,
      'compile the definitions with the same Palette version as the sidecar');
  }
  if (!Array.isArray(m.groups)) bad('no `groups` list');
  if (!Array.isArray(m.models)) bad('no `models` list');
  for (const g of m.groups as Record<string, unknown>[]) {
    if (typeof g?.name !== 'string' || typeof g.version !== 'string') bad('a group without name or version');
    if (g.kind !== 'windowed' && g.kind !== 'snapshot') bad(`group ${String(g.name)} has kind ${String(g.kind)}`);
    if (!Array.isArray(g.features) || !Array.isArray(g.aggregations) || typeof g.layout !== 'object' || g.layout === null) bad(`group ${String(g.name)} is incomplete`);
    if (!Array.isArray((g.entity as { keys?: unknown })?.keys)) bad(`group ${String(g.name)} has no entity keys`);
  }
  for (const x of m.models as Record<string, unknown>[]) {
    if (typeof x?.name !== 'string' || !Array.isArray(x.features) || !Array.isArray(x.derived) || !Array.isArray(x.groups) || !Array.isArray(x.keys)) {
      bad(`model ${String(x?.name)} is incomplete`);
    }
  }
  return raw as ServingManifest;
}
