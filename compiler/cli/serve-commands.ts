/**
 * `palette serve` (the sidecar) and `palette fetch` (feature values in the terminal, through
 * a running sidecar or straight from the online store). Both are thin: the work is in
 * sidecar/ (sidecar-setup.ts, feature-service.ts, fetch-client.ts).
 */
import type { Command } from 'commander';
import { findConfigFile, loadConfig, type PaletteConfig } from '../../runtime/config/palette-config.js';
import { UserError } from '../../runtime/errors.js';
import { wholeNumber } from './option-parsers.js';
import type { FeatureResponse } from '../../sidecar/feature-service.js';
import type { CatalogSummary } from '../../sidecar/serving-catalog.js';
import type { ServingOverrides } from '../../sidecar/sidecar-setup.js';
import type { Sidecar } from '../../sidecar/server.js';
import { ExitWithCode } from './exit.js';

// The sidecar (node:http, prom-client, pino, the store drivers) loads inside the actions: the
// command tree must build without them (compiler/README.md, "CLI rule: start fast").


function configOf(path: string | undefined): PaletteConfig {
  return loadConfig(path ?? findConfigFile(process.cwd()));
}

function overrides(opts: Record<string, unknown>): ServingOverrides {
  return {
    manifest: opts.manifest as string | undefined,
    host: opts.host as string | undefined,
    port: opts.port as number | undefined,
    deadlineMs: opts.deadlineMs as number | undefined,
    maxEntities: opts.maxEntities as number | undefined,
    cacheEntries: opts.cacheEntries as number | undefined,
    cacheTtlMs: opts.cacheTtlMs as number | undefined,
    tokenFile: opts.tokenFile as string | undefined,
    maxInFlight: opts.maxInFlight as number | undefined,
    manifestRefreshMs: opts.manifestRefreshMs as number | undefined,
    socket: opts.socket as string | undefined,
  };
}

export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description('the serving sidecar: an HTTP/JSON server answering POST /v1/features from the online store (runs until SIGTERM/SIGINT, then drains)')
    .option('-c, --config <file>', 'palette.yaml to use (default: found from the current folder up)')
    .option('--manifest <path>', 'serving-manifest.json, the build folder holding it, or `store`: the newest one `palette apply` published in the online store, followed as new ones are published (default: serving.manifest, the build of palette.yaml)')
    .option('--manifest-refresh-ms <ms>', 'with --manifest store: how often to look for a newer published manifest; 0 = never (default: serving.manifestRefreshMs, 30000)', wholeNumber('--manifest-refresh-ms'))
    .option('--host <host>', 'address to bind (default: serving.host, 127.0.0.1)')
    .option('--port <port>', 'port (default: serving.port, 8700; 0 = any free port)', wholeNumber('--port'))
    .option('--socket <path>', 'also answer on this Unix domain socket, for a model in the same pod (default: serving.socket, none); probes and metrics stay on TCP')
    .option('--deadline-ms <ms>', 'per-request deadline for store reads (default: serving.deadlineMs, 100)', wholeNumber('--deadline-ms', 1))
    .option('--max-entities <n>', 'most entities in one request (default: serving.maxEntities, 1000)', wholeNumber('--max-entities', 1))
    .option('--max-in-flight <n>', 'most requests answered at once; more get 503 (default: serving.maxInFlight, 256)', wholeNumber('--max-in-flight', 1))
    .option('--cache-entries <n>', 'row cache size; 0 = off (default: serving.cache.maxEntries, 0)', wholeNumber('--cache-entries'))
    .option('--cache-ttl-ms <ms>', 'row cache time to live (default: serving.cache.ttlMs, 1000)', wholeNumber('--cache-ttl-ms', 1))
    .option('--token-file <file>', 'file holding the bearer token for /v1/* (or set PALETTE_SERVING_TOKEN)')
    .option('--log-level <level>', 'fatal, error, warn, info, debug', 'info')
    .addHelpText('after', `
Example:
  palette compile && palette serve --port 8700
  curl -s localhost:8700/v1/features -H 'content-type: application/json' \\
    -d '{"model": "rides.eta_v3", "entities": [{"driver_id": "d1"}]}'
`)
    .action(async (opts) => {
      const config = configOf(opts.config);
      const { default: pino } = await import('pino');
      const { manifestFromStore, openSidecar, openSidecarFromStore } = await import('../../sidecar/sidecar-setup.js');
      const log = pino({ level: opts.logLevel, base: { app: 'palette-sidecar' } }, pino.destination({ fd: 2, sync: false }));
      let sidecar: Sidecar;
      let manifest: string;
      if (manifestFromStore(config, overrides(opts))) {
        const s = await openSidecarFromStore(config, overrides(opts), log);
        sidecar = s;
        manifest = `published in the online store (registry ${s.follower.registryHash}, refreshed every ${opts.manifestRefreshMs ?? config.serving.manifestRefreshMs} ms)`;
      } else {
        sidecar = openSidecar(config, overrides(opts), log);
        manifest = opts.manifest ?? config.build;
      }
      const url = await sidecar.listen();
      const socket = sidecar.socketPath;
      log.info({ url, socket, store: config.online.store, manifest }, 'palette sidecar listening');
      process.stderr.write(`palette sidecar listening on ${url}${socket ? ` and on the Unix socket ${socket}` : ''} (online store: ${config.online.store}; manifest: ${manifest}); Ctrl-C to stop\n`);
      await new Promise<void>((resolve) => {
        const stop = (signal: string) => {
          log.info({ signal }, 'draining');
          sidecar.close().then(resolve, (e: Error) => { log.error({ err: e }, 'error while stopping'); resolve(); });
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
      });
      log.flush?.();
      // Everything is closed; if a library still holds a handle (cassandra-driver can, after
      // requests that timed out), do not linger: a drained sidecar that does not exit would
      // hold its pod in Terminating until SIGKILL.
      setTimeout(() => {
        process.stderr.write('palette serve: exiting with handles still open after shutdown\n');
        process.exit(process.exitCode ?? 0);
      }, 2000).unref();
    });

  program
    .command('fetch')
    .description('feature values of one entity for a model or a group, as a table or JSON: straight from the online store, or through a running sidecar (--via)')
    .argument('<name>', 'a model or a group (qualified, or the local name when unique)')
    .argument('<keys...>', 'the entity keys as key=value')
    .option('-c, --config <file>', 'palette.yaml to use (default: found from the current folder up)')
    .option('--manifest <path>', 'without --via: serving-manifest.json, its build folder, or `store`: the newest one `palette apply` published in the online store (default: serving.manifest, the build of palette.yaml)')
    .option('--at <time>', 'request time: ISO 8601 with a zone, or epoch ms (default: now)')
    .option('--json', 'print the answer as JSON')
    .option('--via <url>', 'ask the sidecar at this URL instead of reading the store (e.g. http://127.0.0.1:8700, or unix:/path/to/sidecar.sock for its Unix socket)')
    .option('--token-file <file>', 'with --via: file holding the bearer token (or set PALETTE_SERVING_TOKEN)')
    .option('--deadline-ms <ms>', 'without --via: deadline for the store reads (default: serving.deadlineMs)', wholeNumber('--deadline-ms', 1))
    .addHelpText('after', `
Examples:
  palette fetch rides.eta_v3 driver_id=d1
  palette fetch pricing_v1 driver_id=d1 rider_id=r7 --at 2026-01-10T12:00:00Z --json
  palette fetch driver_trip_stats driver_id=d1 --via http://127.0.0.1:8700
`)
    .action(async (name: string, pairs: string[], opts) => {
      const t0 = performance.now();
      let response: FeatureResponse;
      const { callSidecar, renderResponse, requestBody } = await import('../../sidecar/fetch-client.js');
      const { openFeatureServiceFor, readToken } = await import('../../sidecar/sidecar-setup.js');
      const { RequestError } = await import('../../sidecar/request-error.js');
      if (opts.via) {
        const token = readToken(opts.tokenFile ?? null);
        const summary = await callSidecar<CatalogSummary>(opts.via, 'v1/catalog', { token });
        response = await callSidecar<FeatureResponse>(opts.via, 'v1/features', { body: requestBody(summary, name, pairs, opts.at), token });
      } else {
        const config = configOf(opts.config);
        // A generous default deadline: a one-off command also pays for connecting to the store.
        const service = await openFeatureServiceFor(config, { ...overrides(opts), deadlineMs: opts.deadlineMs ?? Math.max(config.serving.deadlineMs, 5000) });
        try {
          response = await service.handle(requestBody(service.catalog.summary(), name, pairs, opts.at));
        } catch (e) {
          if (e instanceof RequestError) throw new UserError(e.message, e.hint);
          throw e;
        } finally {
          await service.store.close();
        }
      }
      const took = performance.now() - t0;
      process.stdout.write(opts.json ? `${JSON.stringify(response, null, 2)}\n` : `${renderResponse(response, took, name)}\n`);
      const failed = response.results.flatMap((r) => Object.entries(r.groups).filter(([, g]) => g.status === 'error').map(([g, x]) => `${g}: ${x.error}`));
      if (failed.length > 0) {
        process.stderr.write(`error: ${failed.length} group read(s) failed:\n${failed.map((f) => `  ${f}`).join('\n')}\n`);
        throw new ExitWithCode(1);
      }
    });
}
