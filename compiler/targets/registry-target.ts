/** The registry itself (the IR as JSON) and its compact printout. */
import type { Registry } from '../ir/ir.js';
import { printRegistry } from '../ir/printer.js';
import { type Artifact, type Target, defineTarget } from './target.js';

export const REGISTRY_FILE = 'registry.json';

export const registryTarget: Target = defineTarget({
  name: 'registry',
  description: 'The IR (registry.json) and its readable printout (registry.txt)',
  *artifacts(registry: Registry): Generator<Artifact> {
    yield { path: REGISTRY_FILE, content: `${JSON.stringify(registry)}\n` };
    yield { path: 'registry.txt', content: printRegistry(registry) };
  },
});
