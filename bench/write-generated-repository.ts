/** Writes the generated benchmark repository to a folder: `node --import tsx bench/write-generated-repository.ts DIR [groups] [features]`. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { generateRepository } from './generate-repository.js';

const dir = process.argv[2];
if (!dir) throw new Error('usage: write-generated-repository.ts DIR [groups] [features]');
const files = generateRepository(Number(process.argv[3] ?? 1000), Number(process.argv[4] ?? 10));
for (const f of files) {
  mkdirSync(dirname(join(dir, f.path)), { recursive: true });
  writeFileSync(join(dir, f.path), f.text);
}
writeFileSync(join(dir, 'palette.yaml'), 'name: generated\ndefinitions: gen\nbuild: build\n');
console.log(`wrote ${files.length} files to ${dir}`);
