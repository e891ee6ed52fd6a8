/** The contracts between the compiler and the runtime: plain data types, no dependencies. */
export * from './types.js';
export * from './expr.js';
export * from './aggregation.js';
export * from './layout.js';
export * from './group-runtime.js';
export * from './plan.js';
export * from './manifest.js';
