/** The registry itself (the IR as JSON) and its compact printout. */
import type { Registry } from '../ir/ir.js';
import { printRegistry } from '../ir/printer.js';
import type { Artifact, Target } from './target.js';

export const REGISTRY_FILE = 'registry.json';

export const registryTarget: Target = {
  name: 'registry',
  description: 'The IR (registry.json) and its readable printout (registry.txt)',
  emit(registry: Registry): Artifact[] {
    return [
      { path: REGISTRY_FILE, content: `${JSON.stringify(registry)}\n` },
      { path: 'registry.txt', content: printRegistry(registry) },
    ];
  },
};
