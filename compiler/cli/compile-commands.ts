/** `palette check`, `palette compile`, `palette plan`: the compiler's commands. */
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../runtime/errors.js';
import type { Registry } from '../ir/ir.js';
import { printRegistry } from '../ir/printer.js';
import { diffRegistries, renderDiff } from '../plan/registry-diff.js';
import { type LoadedRepository, compileRepository } from '../project/repository.js';
import { REGISTRY_FILE, registryTarget } from '../targets/registry-target.js';
import { DEFAULT_TARGET_OPTIONS, TARGETS, type TargetOptions } from '../targets/index.js';
import { ExitWithCode } from './exit.js';
import { diagnosticsJson, printDiagnostics, summary } from './output.js';

/** Compile and print diagnostics; exit 1 if there are errors. */
export async function compileOrExit(paths: string[], opts: { config?: string; json?: boolean; quiet?: boolean }): Promise<LoadedRepository & { registry: Registry }> {
  const repo = await compileRepository(paths, opts.config);
  const { result } = repo;
  if (opts.json) process.stdout.write(`${diagnosticsJson(result.diagnostics)}\n`);
  else printDiagnostics(result.diagnostics, result.files);
  if (!result.registry) {
    if (!opts.json) process.stderr.write(`${summary(result.diagnostics, repo.fileCount)}\n`);
    throw new ExitWithCode(1);
  }
  if (!opts.quiet && !opts.json && result.diagnostics.length > 0) process.stderr.write(`${summary(result.diagnostics, repo.fileCount)}\n`);
  return { ...repo, registry: result.registry };
}

export function targetOptions(repo: LoadedRepository): TargetOptions {
  return { keyspace: repo.config.online.cassandra.keyspace, replication: repo.config.online.cassandra.replication ?? DEFAULT_TARGET_OPTIONS.replication };
}

/**
 * Write every artifact into `outDir`. A file whose content is unchanged is not rewritten (a
 * recompile of a large repository touches only what changed); a changed file is written
 * under a temporary name and renamed into place, so no reader sees half a file; files no
 * target emits any more are removed; registry.json is written last, so a build is complete
 * once its registry is. The registry it replaces is kept as previous-registry.json.
 *
 * Artifacts are taken one at a time from each target (Target.artifacts) and let go once
 * written: a large repository's artifacts are tens of MB, and holding them all (or a whole
 * target's) at once costs memory and garbage collection. Each is encoded once into a reused
 * buffer, compared with the old file's bytes (read into another reused buffer) and written
 * from the same buffer.
 */
export function writeBuild(registry: Registry, outDir: string, options: TargetOptions): string[] {
  const out = resolve(outDir);
  mkdirSync(out, { recursive: true });
  const previous = `previous-${REGISTRY_FILE}`;
  const written: string[] = [];
  const dirs = new Set<string>([out]);
  const next = new ReusedBuffer();
  const old = new ReusedBuffer();
  // One target at a time, the registry last.
  const ordered = [...TARGETS.filter((t) => t !== registryTarget), registryTarget];
  for (const target of ordered) {
    for (const a of target.artifacts(registry, options)) {
      written.push(a.path);
      const p = join(out, a.path);
      const bytes = next.encode(a.content);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st?.isFile() && st.size === bytes.length && old.readFile(p, st.size).equals(bytes)) continue;
      if (a.path === REGISTRY_FILE && st) renameSync(p, join(out, previous));
      const dir = dirname(p);
      if (!dirs.has(dir)) {
        mkdirSync(dir, { recursive: true });
        dirs.add(dir);
      }
      const tmp = `${p}.tmp-${process.pid}`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, p);
    }
  }
  const keep = new Set([...written, previous]);
  const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [relative(out, join(dir, e.name))]));
  for (const f of walk(out)) if (!keep.has(f)) rmSync(join(out, f), { force: true });
  return written;
}

/** A buffer that grows to the largest content it has held and is reused for every file. */
class ReusedBuffer {
  private buf = Buffer.allocUnsafe(1 << 16);

  private ensure(size: number): void {
    if (size > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(size, this.buf.length * 2));
  }

  /** `text` as UTF-8 (a view valid until the next call). */
  encode(text: string): Buffer {
    const size = Buffer.byteLength(text);
    this.ensure(size);
    this.buf.write(text, 0, size, 'utf8');
    return this.buf.subarray(0, size);
  }

  /** The first `size` bytes of the file at `path` (a view valid until the next call; shorter if the file is). */
  readFile(path: string, size: number): Buffer {
    this.ensure(size);
    const fd = openSync(path, 'r');
    try {
      let n = 0;
      while (n < size) {
        const r = readSync(fd, this.buf, n, size - n, n);
        if (r === 0) break;
        n += r;
      }
      return this.buf.subarray(0, n);
    } finally {
      closeSync(fd);
    }
  }
}

/** `registry.json, online/ (1 file), spark/ (1010 files)`: a short account of a build folder. */
export function describeBuild(paths: readonly string[]): string {
  const top = new Map<string, number>();
  for (const p of paths) {
    const i = p.indexOf('/');
    const key = i < 0 ? p : `${p.slice(0, i)}/`;
    top.set(key, (top.get(key) ?? 0) + 1);
  }
  return [...top].map(([k, n]) => (k.endsWith('/') ? `${k} (${n} file${n === 1 ? '' : 's'})` : k)).join(', ');
}

export function readRegistry(path: string): Registry {
  if (!existsSync(path)) throw new UserError(`no registry at ${path}`, 'run `palette compile` first');
  try {
    const r = JSON.parse(readFileSync(path, 'utf8')) as Registry;
    if (r.irVersion !== 1) throw new UserError(`${path} was written by an incompatible Palette (IR version ${String(r.irVersion)})`);
    return r;
  } catch (e) {
    if (e instanceof UserError) throw e;
    throw new UserError(`${path} is not a Palette registry: ${(e as Error).message}`);
  }
}

export function registerCompileCommands(program: Command): void {
  program
    .command('check')
    .description('parse and type-check definitions; print diagnostics only')
    .argument('[paths...]', '.pal files or folders (default: the definitions of palette.yaml)')
    .option('-c, --config <file>', 'palette.yaml to use')
    .option('--json', 'diagnostics as JSON')
    .addHelpText('after', '\nExample:\n  palette check examples/rides\n')
    .action(async (paths: string[], opts) => {
      const repo = await compileOrExit(paths, { ...opts, quiet: true });
      if (!opts.json) {
        const r = repo.registry;
        const features = r.groups.reduce((n, g) => n + g.features.length, 0);
        process.stdout.write(`ok: ${repo.fileCount} file(s), ${r.groups.length} group(s), ${features} feature(s), ${r.models.length} model(s); ${summary(repo.result.diagnostics, repo.fileCount)}\n`);
      }
    });

  program
    .command('compile')
    .description('compile definitions into the registry (IR), Cassandra CQL, Hive DDL, the materializer plan and the serving manifest')
    .argument('[paths...]', '.pal files or folders (default: the definitions of palette.yaml)')
    .option('-c, --config <file>', 'palette.yaml to use')
    .option('-o, --out <dir>', 'output folder (default: build of palette.yaml)')
    .option('--explain', 'print the compiled IR in its compact form')
    .addHelpText('after', '\nExample:\n  palette compile examples/rides -o build/\n')
    .action(async (paths: string[], opts) => {
      const repo = await compileOrExit(paths, opts);
      const outDir = opts.out ?? repo.config.build;
      const written = writeBuild(repo.registry, outDir, targetOptions(repo));
      if (opts.explain) process.stdout.write(printRegistry(repo.registry));
      const rel = relative(process.cwd(), resolve(outDir)) || '.';
      process.stdout.write(`compiled ${repo.registry.groups.length} group(s), ${repo.registry.models.length} model(s) into ${rel}/: ${describeBuild(written)}\n`);
    });

  program
    .command('plan')
    .description('show what changes against the previous build: groups and features added, removed, changed in meaning (needs backfill) or in metadata only')
    .argument('[paths...]', '.pal files or folders')
    .option('-c, --config <file>', 'palette.yaml to use')
    .option('--against <registry>', 'registry.json of the previous build (default: <build>/registry.json)')
    .option('--json', 'the difference as JSON')
    .addHelpText('after', '\nExample:\n  palette plan --against build/registry.json\n')
    .action(async (paths: string[], opts) => {
      const repo = await compileOrExit(paths, opts);
      const against = opts.against ?? join(repo.config.build, REGISTRY_FILE);
      const before = existsSync(against) ? readRegistry(against) : null;
      if (!before && !opts.json) process.stdout.write(`No previous build at ${against}: everything is new.\n`);
      const diff = diffRegistries(before, repo.registry);
      process.stdout.write(opts.json ? `${JSON.stringify(diff, null, 2)}\n` : renderDiff(diff));
    });
}
