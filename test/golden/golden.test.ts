/**
 * Golden tests: text in, the IR (compact printout) and every target's artifact out, as
 * readable files under test/golden/expected/<case>/. Cases are the folders of
 * test/golden/cases/ and the example repositories. Regenerate after an intended change
 * with `UPDATE_GOLDEN=1 npm run test:unit` and review the diff.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compileSources } from '../../compiler/compile.js';
import { DEFAULT_TARGET_OPTIONS, TARGETS } from '../../compiler/targets/index.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const update = process.env.UPDATE_GOLDEN === '1';

function palFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? palFiles(join(dir, d.name)) : d.name.endsWith('.pal') ? [join(dir, d.name)] : []).sort();
}

const cases: { name: string; dir: string }[] = [
  ...readdirSync(join(root, 'test/golden/cases')).sort().map((n) => ({ name: n, dir: join(root, 'test/golden/cases', n) })),
  ...readdirSync(join(root, 'examples')).sort().filter((n) => existsSync(join(root, 'examples', n, 'palette.yaml')))
    .map((n) => ({ name: `example-${n}`, dir: join(root, 'examples', n) })),
];

for (const c of cases) {
  test(`golden: ${c.name}`, () => {
    const inputs = palFiles(c.dir).map((f) => ({ path: relative(c.dir, f), text: readFileSync(f, 'utf8') }));
    assert.ok(inputs.length > 0, `no .pal files in ${c.dir}`);
    const result = compileSources(inputs);
    assert.deepEqual(result.diagnostics.map((d) => `${d.span.file}:${d.span.line}:${d.span.col} ${d.code}: ${d.message}`), []);
    const artifacts = TARGETS.flatMap((t) => t.emit(result.registry!, DEFAULT_TARGET_OPTIONS)).filter((a) => a.path !== 'registry.json');
    const expectedDir = join(root, 'test/golden/expected', c.name);
    for (const artifact of artifacts) {
      // JSON artifacts are compact (machine-read, large); golden files keep them indented to be reviewable.
      const a = artifact.path.endsWith('.json') ? { ...artifact, content: `${JSON.stringify(JSON.parse(artifact.content), null, 2)}\n` } : artifact;
      const path = join(expectedDir, a.path);
      if (update) {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, a.content);
        continue;
      }
      assert.ok(existsSync(path), `missing golden file ${relative(root, path)} (run with UPDATE_GOLDEN=1)`);
      assert.equal(a.content, readFileSync(path, 'utf8'), `${relative(root, path)} differs`);
    }
    // Every golden file is still produced: a target dropped from TARGETS must not pass silently.
    if (!update) {
      const listFiles = (d: string): string[] => readdirSync(d, { withFileTypes: true })
        .flatMap((e) => (e.isDirectory() ? listFiles(join(d, e.name)) : [relative(expectedDir, join(d, e.name))]));
      assert.deepEqual(listFiles(expectedDir).sort(), artifacts.map((a) => a.path).sort(), `golden files of ${c.name} and emitted artifacts differ`);
    }
  });
}
