/**
 * The dependency rule of design.md: the runtime and the sidecar deploy without the compiler,
 * so no file under runtime/ or sidecar/ imports compiler/, dsl/ or Chevrotain (statically,
 * dynamically or by re-export), and the sidecar reaches nothing outside runtime/ and itself.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../..', import.meta.url));

function tsFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsFiles(p) : n.endsWith('.ts') ? [p] : [];
  });
}

/** Every module specifier of a file: import/export ... from, import '...', import(...). */
export function specifiers(text: string): string[] {
  const out: string[] = [];
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)(['"])([^'"]+)\1/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[2]);
  return out;
}

/** `allowed(target, relative)`: target is a path from the repository root for relative imports, else the package. */
function violations(folder: string, allowed: (target: string, isRelative: boolean) => boolean): string[] {
  const bad: string[] = [];
  for (const file of tsFiles(join(root, folder))) {
    for (const spec of specifiers(readFileSync(file, 'utf8'))) {
      const target = spec.startsWith('.') ? relative(root, resolve(dirname(file), spec)) : spec;
      if (!allowed(target, spec.startsWith('.'))) bad.push(`${relative(root, file)} imports ${spec}`);
    }
  }
  return bad;
}

const forbidden = (t: string) => t.startsWith('compiler/') || t.startsWith('dsl/') || t === 'chevrotain' || t.startsWith('chevrotain/');

test('the specifier scan finds every form of import', () => {
  assert.deepEqual(specifiers(`import a from '../x.js';\nimport { b } from "./y.js";\nexport * from '../../compiler/z.js';\nimport './side.js';\nconst m = await import('../dsl/p.js');`),
    ['../x.js', './y.js', '../../compiler/z.js', './side.js', '../dsl/p.js']);
});

test('runtime/ imports neither the compiler, the dsl nor Chevrotain', () => {
  assert.deepEqual(violations('runtime', (t) => !forbidden(t)), []);
});

test('sidecar/ imports only runtime/, itself and npm packages other than Chevrotain', () => {
  assert.deepEqual(violations('sidecar', (t, rel) => !forbidden(t) && (!rel || t.startsWith('runtime/') || t.startsWith('sidecar/'))), []);
});
