/**
 * The serving manifest from the online store (`serving.manifest: store`, or `palette serve
 * --manifest store`): `palette apply` publishes it there (runtime/stores/published.ts), the
 * sidecar starts from the newest publication and then follows new ones.
 *
 * Following: every `refreshMs` the follower reads the newest publication's registry hash
 * (one small row); when it differs from the one served, it reads the manifest, checks it
 * like a manifest file, and swaps the service's catalog (FeatureService.replaceCatalog).
 * Anything that goes wrong (store down, a manifest that does not check) keeps the current
 * manifest and is logged, with the number of failed looks since the last success; the
 * sidecar never stops serving for it.
 */
import { type Publication, SERVING_MANIFEST_ARTIFACT, newestPublished } from '../runtime/stores/published.js';
import type { OnlineStore } from '../runtime/stores/online-store.js';
import { UserError } from '../runtime/errors.js';
import type { FeatureService } from './feature-service.js';
import { checkManifest } from './manifest-loader.js';
import { ServingCatalog } from './serving-catalog.js';

export interface FollowerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** The newest published serving manifest as a catalog; a UserError if there is none. */
export async function loadPublishedCatalog(store: OnlineStore): Promise<{ catalog: ServingCatalog; publication: Publication }> {
  const p = await newestPublished(store, SERVING_MANIFEST_ARTIFACT);
  if (!p) {
    throw new UserError(`no serving manifest is published in the online store (${store.kind})`,
      'run `palette apply` (it publishes the manifest of the current build), or serve the build folder\'s manifest (--manifest PATH)');
  }
  return { catalog: catalogOf(p), publication: p.publication };
}

function catalogOf({ publication: p, value }: { publication: Publication; value: unknown }): ServingCatalog {
  return new ServingCatalog(checkManifest(value, `the serving manifest published in the online store at ${new Date(p.publishedAt).toISOString()} (registry ${p.registryHash})`));
}

export class ManifestFollower {
  private timer: NodeJS.Timeout | null = null;
  private looking: Promise<void> | null = null;
  private failures = 0;
  private served: string;

  constructor(
    private readonly service: FeatureService,
    initial: Publication,
    private readonly log: FollowerLog,
    /** Called after each swap and each failed look (metrics). */
    private readonly events: { swapped?: (p: Publication) => void; failed?: (err: Error) => void } = {},
  ) {
    this.served = initial.registryHash;
  }

  /** The registry hash of the manifest served now. */
  get registryHash(): string {
    return this.served;
  }

  start(refreshMs: number): void {
    if (refreshMs <= 0 || this.timer) return;
    this.timer = setInterval(() => { void this.lookOnce(); }, refreshMs);
    this.timer.unref();
  }

  /** Stops looking and waits for a look in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.looking;
  }

  /** One look at the store (one at a time); resolves when done, never rejects. */
  lookOnce(): Promise<void> {
    this.looking ??= this.look().finally(() => { this.looking = null; });
    return this.looking;
  }

  private async look(): Promise<void> {
    try {
      const next = await newestPublished(this.service.store, SERVING_MANIFEST_ARTIFACT, this.served);
      if (next) {
        const full = next.publication;
        const catalog = catalogOf(next);
        const before = this.served;
        this.service.replaceCatalog(catalog);
        this.served = full.registryHash;
        this.log.info({ from: before, to: full.registryHash, publishedAt: new Date(full.publishedAt).toISOString(), models: catalog.summary().models.length },
          'serving a newer published manifest');
        this.events.swapped?.(full);
      }
      this.failures = 0;
    } catch (e) {
      this.failures++;
      this.events.failed?.(e as Error);
      this.log.warn({ err: (e as Error).message, failures: this.failures, serving: this.served },
        'cannot look for a newer published manifest; serving the current one');
    }
  }
}
