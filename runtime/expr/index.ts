/** The IR expression evaluator: compile once, evaluate per row. Semantics: README.md. */
export { compileExpr } from './compile-expr.js';
export type { CompiledExpr, EvalContext, Row } from './compile-expr.js';
export { compileRowPipeline } from './row-pipeline.js';
export type { RowPipeline } from './row-pipeline.js';
export { castConverter, numberToString } from './casts.js';
export {
  dateTrunc, dayOfWeek, daysFromCivil, civilFromDays, formatDate, formatTimestamp, hourOfDay, parseDate, parseTimestamp,
} from './time.js';
export { codePointLength, roundHalfAway, substrCodePoints } from './scalar-functions.js';
