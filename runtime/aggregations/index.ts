/** Aggregations with partial states, shared by the materializer, the sidecar and training sets. */
export type { AggState, Aggregator } from './aggregators.js';
export { makeAggregator, makeAggregatorFor } from './aggregators.js';
export type { Comparator } from './order.js';
export {
  compareBooleans, compareCodePoints, compareNumbers, compareStrings, compareValues, comparatorFor,
} from './order.js';
export { readNumber, valueReader } from './field-values.js';
