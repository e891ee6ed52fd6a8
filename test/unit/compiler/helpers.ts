/** Shared helpers for compiler tests. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileSources } from '../../../compiler/compile.js';
import type { Registry } from '../../../compiler/ir/ir.js';

export const root = fileURLToPath(new URL('../../..', import.meta.url));

export function exampleInputs(name: string): { path: string; text: string }[] {
  const dir = join(root, 'examples', name, 'definitions');
  return readdirSync(dir).filter((f) => f.endsWith('.pal')).sort().map((f) => ({ path: f, text: readFileSync(join(dir, f), 'utf8') }));
}

/** Compile, failing loudly with the diagnostics if there are errors. */
export function compileOk(inputs: { path: string; text: string }[]): Registry {
  const r = compileSources(inputs);
  if (!r.registry) throw new Error(r.diagnostics.map((d) => `${d.span.file}:${d.span.line}:${d.span.col} ${d.code}: ${d.message}`).join('\n'));
  return r.registry;
}

export function compileText(text: string): Registry {
  return compileOk([{ path: 'main.pal', text }]);
}
