/**
 * A feature repository on disk: palette.yaml plus a folder of `.pal` files.
 * Finds the files, reads them and runs the compiler pipeline.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { type PaletteConfig, findConfigFile, loadConfig } from '../../runtime/config/palette-config.js';
import { UserError } from '../../runtime/errors.js';
import type { CompileResult } from '../compile.js';

const SKIP_DIRS = new Set(['node_modules', '.git', 'build', 'dist', 'data', '.palette']);

export function findPalFiles(path: string): string[] {
  const p = resolve(path);
  if (!existsSync(p)) throw new UserError(`no such file or folder: ${path}`);
  if (statSync(p).isFile()) {
    if (!p.endsWith('.pal')) throw new UserError(`${path} is not a .pal file`);
    return [p];
  }
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir).sort()) {
      const full = join(dir, name);
      const st = statSync(full);
      if (st.isDirectory()) {
        if (!SKIP_DIRS.has(name) && !name.startsWith('.')) walk(full);
      } else if (name.endsWith('.pal')) out.push(full);
    }
  };
  walk(p);
  return out;
}

export interface LoadedRepository {
  readonly config: PaletteConfig;
  readonly result: CompileResult;
  readonly fileCount: number;
}

/** The config for `paths` (palette.yaml in the first path or its parents, or --config). */
export function configFor(paths: readonly string[], configPath?: string): PaletteConfig {
  if (configPath) {
    if (!existsSync(configPath)) throw new UserError(`no such config file: ${configPath}`);
    return loadConfig(configPath);
  }
  const start = paths[0] ? resolve(paths[0]) : process.cwd();
  const dir = existsSync(start) && statSync(start).isFile() ? resolve(start, '..') : start;
  return loadConfig(findConfigFile(dir), dir);
}

/**
 * Compile the given paths (default: the configured definitions folder). The compiler (and
 * Chevrotain, ~0.3 s to load) is imported on first use, so commands that do not compile start fast.
 */
export async function compileRepository(paths: readonly string[], configPath?: string): Promise<LoadedRepository> {
  const config = configFor(paths, configPath);
  const roots = paths.length > 0 ? paths : [config.definitions];
  const files = [...new Set(roots.flatMap(findPalFiles))];
  if (files.length === 0) throw new UserError(`no .pal files in ${roots.join(', ')}`, 'definitions are files ending in .pal; `palette init` creates an example');
  const cwd = process.cwd();
  const inputs = files.map((f) => ({ path: relative(cwd, f) || f, text: readFileSync(f, 'utf8') }));
  const { compileSources } = await import('../compile.js');
  return { config, result: compileSources(inputs), fileCount: files.length };
}
