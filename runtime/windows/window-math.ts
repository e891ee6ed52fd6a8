/**
 * Hop and tile arithmetic of sawtooth windows, exactly as contracts/aggregation.ts defines
 * them. All times are epoch ms (integers, possibly negative: before 1970).
 *
 * `agg over W every H` asked at t covers floor(t - W, H) <= e.ts < t. It is computed from
 *   - the full tiles with start in [floor(t - W, H), floor(t, H)), each [start, start + H),
 *   - the head [floor(t, H), t), which is empty when t is on a hop boundary.
 * A lifetime window covers e.ts < t: every tile with start < floor(t, H), plus the head.
 */
import type { Window } from '../contracts/aggregation.js';

/** v rounded down to a multiple of h (towards minus infinity, also for negative v). */
export function floorTo(v: number, h: number): number {
  const r = v % h;
  return r === 0 ? v : r > 0 ? v - r : v - r - h;
}

/** Start of the tile of hop hopMs that holds an event at ts. */
export function tileStart(ts: number, hopMs: number): number {
  return floorTo(ts, hopMs);
}

/** The parts of a window at query time t. */
export interface WindowRange {
  /** First full tile start (inclusive); -Infinity for lifetime windows. */
  readonly from: number;
  /** Start of the head: floor(t, H). Full tiles have start < headStart. */
  readonly headStart: number;
  /** The query time t (exclusive end of the window). */
  readonly end: number;
  readonly hopMs: number;
}

export function windowRange(window: Window, t: number): WindowRange {
  const h = window.hopMs;
  return {
    from: window.kind === 'sliding' ? floorTo(t - window.sizeMs, h) : -Infinity,
    headStart: floorTo(t, h),
    end: t,
    hopMs: h,
  };
}

/** Inclusive start of the window at t: floor(t - W, H), or -Infinity for lifetime windows. */
export function windowStart(window: Window, t: number): number {
  return window.kind === 'sliding' ? floorTo(t - window.sizeMs, window.hopMs) : -Infinity;
}

/** The window definition itself: does the window at t contain an event at ts? */
export function inWindow(window: Window, ts: number, t: number): boolean {
  return ts < t && ts >= windowStart(window, t);
}
