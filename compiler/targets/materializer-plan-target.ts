/**
 * The streaming materializer plan: for every windowed group whose source has a stream,
 * how to decode, check, filter and aggregate its events into online tiles.
 */
import { type MaterializerPlan, PLAN_VERSION } from '../../runtime/contracts/index.js';
import type { Registry } from '../ir/ir.js';
import { runtimeGroup } from './runtime-group.js';
import { type Artifact, type Target, defineTarget } from './target.js';

export function materializerPlan(registry: Registry): MaterializerPlan {
  const streamed = registry.groups.filter((g) => {
    const s = registry.sources.find((x) => x.name === g.source);
    return g.kind === 'windowed' && s?.stream;
  });
  const sourceNames = [...new Set(streamed.map((g) => g.source))].sort();
  return {
    planVersion: PLAN_VERSION,
    registryHash: registry.registryHash,
    sources: sourceNames.map((name) => {
      const s = registry.sources.find((x) => x.name === name)!;
      return { name, fields: s.fields, timestampField: s.timestampField!, stream: s.stream! };
    }),
    groups: streamed.map((g) => {
      const lifetime = g.aggregations.some((a) => a.window.kind === 'lifetime');
      const longest = Math.max(...g.aggregations.map((a) => (a.window.kind === 'sliding' ? a.window.sizeMs + a.window.hopMs : 0)));
      return {
        group: runtimeGroup(registry, g),
        source: g.source,
        filter: g.filter,
        lets: g.lets,
        keyColumns: g.keyColumns,
        // Late events: older than the longest window (plus its hop) can no longer change any
        // servable value. Lifetime windows accept events of any age.
        maxEventAgeMs: lifetime ? Number.MAX_SAFE_INTEGER : longest,
      };
    }),
  };
}

export const materializerPlanTarget: Target = defineTarget({
  name: 'materializer-plan',
  description: 'The streaming materializer plan (topics, decoding, filters, aggregations, online layout)',
  *artifacts(registry: Registry): Generator<Artifact> {
    yield { path: 'materializer-plan.json', content: `${JSON.stringify(materializerPlan(registry))}\n` };
  },
});
