/** `palette catalog list|show|search`: the feature catalog in the terminal; `palette ui`: in a browser. */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../runtime/errors.js';
import { wholeNumber } from './option-parsers.js';
import { listCatalog, renderList, renderSearch, renderShow, searchCatalog, showCatalog } from '../catalog/catalog.js';
import type { Registry } from '../ir/ir.js';
import { configFor } from '../project/repository.js';
import { REGISTRY_FILE } from '../targets/registry-target.js';
import type { PaletteConfig } from '../../runtime/config/palette-config.js';
import type { OnlineStore } from '../../runtime/stores/online-store.js';
import { REGISTRY_ARTIFACT, newestPublished } from '../../runtime/stores/published.js';
import { compileOrExit, readRegistry } from './compile-commands.js';

/** The compiled registry (build/registry.json), or the definitions compiled now if there is none; with --published, the one `palette apply` published. */
async function loadRegistry(opts: { registry?: string; config?: string; published?: boolean }): Promise<Registry> {
  if (opts.published) {
    const published = await PublishedRegistry.open(configFor([], opts.config));
    try {
      return (await published.newest())!.registry;
    } finally {
      await published.close();
    }
  }
  if (opts.registry) return readRegistry(opts.registry);
  const config = configFor([], opts.config);
  const path = join(config.build, REGISTRY_FILE);
  if (existsSync(path)) return readRegistry(path);
  return (await compileOrExit([], { config: opts.config, quiet: true })).registry;
}

/** The registries `palette apply` publishes in the online store of palette.yaml (runtime/stores/published.ts). */
class PublishedRegistry {
  private constructor(private readonly store: OnlineStore, private readonly where: string) {}

  static async open(config: PaletteConfig): Promise<PublishedRegistry> {
    const { openOnlineStore } = await import('../../runtime/stores/open-store.js');
    const where = config.online.store === 'cassandra' ? `keyspace ${config.online.cassandra.keyspace}` : config.online.path;
    return new PublishedRegistry(openOnlineStore(config.online, { readonly: true }), where);
  }

  /** The newest one; with `ifNot`, null when the newest has that hash (nothing new to read). */
  async newest(ifNot?: string): Promise<{ registry: Registry; hash: string } | null> {
    const p = await newestPublished(this.store, REGISTRY_ARTIFACT, ifNot);
    if (!p) {
      if (ifNot !== undefined) return null; // the newest is the one already read (or none is left: keep it)
      throw new UserError(`no registry is published in the online store (${this.where})`, 'run `palette apply` to publish the current build');
    }
    const registry = p.value as Registry;
    if (registry.irVersion !== 1) throw new UserError(`the registry published in the online store (${this.where}) was written by an incompatible Palette (IR version ${String(registry.irVersion)})`);
    return { registry, hash: p.publication.registryHash };
  }

  close(): Promise<void> {
    return this.store.close();
  }
}

/**
 * The registry for `palette ui`, read again when it changes: the registry file when a new
 * `palette compile` replaces it, the published one (--published, one store connection for
 * the ui's life) when a new `palette apply` publishes another (looked for at most every 2 s).
 * Without either, the definitions compiled once now.
 */
async function registrySource(opts: { registry?: string; config?: string; published?: boolean }): Promise<{ source: () => Promise<Registry>; from: string; close: () => Promise<void> }> {
  const nothing = async () => {};
  if (opts.published) {
    const config = configFor([], opts.config);
    const published = await PublishedRegistry.open(config);
    let current: { registry: Registry; hash: string };
    try {
      current = (await published.newest())!;
    } catch (e) {
      await published.close();
      throw e;
    }
    let lookedAt = Date.now();
    return {
      source: async () => {
        if (Date.now() - lookedAt >= 2000) {
          lookedAt = Date.now();
          current = (await published.newest(current.hash)) ?? current;
        }
        return current.registry;
      },
      from: `published in the online store (${config.online.store})`,
      close: () => published.close(),
    };
  }
  const path = opts.registry ?? join(configFor([], opts.config).build, REGISTRY_FILE);
  if (!opts.registry && !existsSync(path)) {
    const r = (await compileOrExit([], { config: opts.config, quiet: true })).registry;
    return { source: async () => r, from: 'the definitions (compiled now; run `palette compile` to follow changes)', close: nothing };
  }
  let cached = readRegistry(path);
  let stamp = statSync(path).mtimeMs;
  return {
    source: async () => {
      const now = existsSync(path) ? statSync(path).mtimeMs : null;
      if (now === null) throw new UserError(`the registry ${path} is gone`);
      if (now !== stamp) { cached = readRegistry(path); stamp = now; }
      return cached;
    },
    from: path,
    close: nothing,
  };
}

export function registerCatalogCommands(program: Command): void {
  const catalog = program.command('catalog').description('browse the feature catalog: namespaces, entities, sources, groups, features, models');
  const common = (c: Command) => c.option('-r, --registry <file>', 'registry.json to read (default: build/registry.json, else compile)')
    .option('-c, --config <file>', 'palette.yaml to use').option('--json', 'output JSON')
    .option('--published', 'the registry `palette apply` published in the online store (what is applied), not the local build');

  common(catalog.command('list').description('everything in the registry, by namespace'))
    .addHelpText('after', '\nExample:\n  palette catalog list --json\n')
    .action(async (opts) => {
      const r = await loadRegistry(opts);
      process.stdout.write(opts.json ? `${JSON.stringify(listCatalog(r), null, 2)}\n` : renderList(r));
    });

  common(catalog.command('show').description('one entity, source, group, feature or model, and what uses it').argument('<name>', 'qualified or unique name, e.g. rides.driver_trip_stats.trips_7d'))
    .addHelpText('after', '\nExample:\n  palette catalog show driver_trip_stats.avg_fare_7d\n')
    .action(async (name: string, opts) => {
      const r = await loadRegistry(opts);
      const found = showCatalog(r, name);
      if ('candidates' in found) {
        throw new UserError(`nothing called \`${name}\` in the catalog`,
          found.candidates.length ? `did you mean: ${found.candidates.slice(0, 8).join('; ')}` : 'try `palette catalog search <words>`');
      }
      process.stdout.write(opts.json ? `${JSON.stringify({ kind: found.kind, ...(found.value as object) }, null, 2)}\n` : renderShow(found.kind, found.value));
    });

  common(catalog.command('search').description('features whose name, tags, description, owner or definition match').argument('<words...>', 'words to look for'))
    .addHelpText('after', '\nExample:\n  palette catalog search fare pricing\n')
    .action(async (words: string[], opts) => {
      const r = await loadRegistry(opts);
      const results = searchCatalog(r, words.join(' '));
      process.stdout.write(opts.json ? `${JSON.stringify(results, null, 2)}\n` : renderSearch(results));
    });

  program
    .command('ui')
    .description('the feature catalog in a browser: a read-only web page over the registry (runs until Ctrl-C)')
    .option('-r, --registry <file>', 'registry.json to read (default: build/registry.json, else compile)')
    .option('-c, --config <file>', 'palette.yaml to use')
    .option('--published', 'the registry `palette apply` published in the online store (what is applied), followed as new ones are published')
    .option('--host <host>', 'address to bind', '127.0.0.1')
    .option('--port <port>', 'port (0 = any free port)', wholeNumber('--port', 0, 65535), 8710)
    .addHelpText('after', '\nExample:\n  palette ui --port 8710   # then open http://127.0.0.1:8710\n')
    .action(async (opts) => {
      const port = opts.port as number;
      const { source, from, close } = await registrySource(opts);
      const { createCatalogServer } = await import('../catalog/catalog-server.js');
      const ui = createCatalogServer(source);
      let url: string;
      try {
        url = await ui.listen(opts.host, port);
      } catch (e) {
        await close();
        const err = e as NodeJS.ErrnoException;
        throw new UserError(`cannot listen on ${opts.host}:${port}: ${err.code === 'EADDRINUSE' ? 'the port is in use' : err.message}`, err.code === 'EADDRINUSE' ? 'pick another with --port (0 = any free port)' : undefined);
      }
      process.stdout.write(`palette catalog on ${url} (registry: ${from}); Ctrl-C to stop\n`);
      await new Promise<void>((resolve) => {
        const stop = () => { ui.close().then(close).then(resolve, resolve); };
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
    });
}
