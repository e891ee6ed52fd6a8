/** Window, hop and tile arithmetic; in-memory tiles; the merge of a window's tiles at t. */
export { floorTo, inWindow, tileStart, windowRange, windowStart } from './window-math.js';
export type { WindowRange } from './window-math.js';
export { TileSet } from './tile-set.js';
export type { TileSource } from './tile-set.js';
export { computeAt, headState, naiveValueAt, stateAt, valueAt } from './window-eval.js';
export type { TimedValue } from './window-eval.js';
