/** `palette init [dir]`: scaffold a feature repository from the rides example. */
import { cpSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from 'commander';
import { UserError } from '../../runtime/errors.js';

/** The examples folder of this installation (works from dist/ and from sources). */
export function examplesDir(): string {
  let dir = fileURLToPath(new URL('.', import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'examples', 'rides', 'palette.yaml'))) return join(dir, 'examples');
    dir = resolve(dir, '..');
  }
  throw new Error('the examples folder is missing from this installation of Palette');
}

export function scaffold(target: string, example = 'rides'): string[] {
  const dir = resolve(target);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new UserError(`${target} is not empty`, 'choose a new or empty folder');
  }
  const from = join(examplesDir(), example);
  if (!existsSync(from)) throw new UserError(`no example called ${example}`);
  mkdirSync(dir, { recursive: true });
  cpSync(from, dir, { recursive: true, filter: (src) => !/[/\\](build|data)([/\\]|$)/.test(relative(from, src) ? `/${relative(from, src)}` : '') });
  const files: string[] = [];
  const walk = (d: string) => { for (const n of readdirSync(d, { withFileTypes: true })) n.isDirectory() ? walk(join(d, n.name)) : files.push(relative(dir, join(d, n.name))); };
  walk(dir);
  return files.sort();
}

export function registerInitCommand(program: Command): void {
  program
    .command('init')
    .description('scaffold a feature repository (palette.yaml and example definitions)')
    .argument('[dir]', 'folder to create', 'features')
    .option('--example <name>', 'example to start from (rides, payments)', 'rides')
    .addHelpText('after', '\nExample:\n  palette init my-features && cd my-features && palette compile\n')
    .action((dir: string, opts) => {
      const files = scaffold(dir, opts.example);
      process.stdout.write(`created ${dir}/ with:\n${files.map((f) => `  ${f}`).join('\n')}\nnext: cd ${dir} && palette compile\n`);
    });
}
