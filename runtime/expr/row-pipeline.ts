/**
 * The row-level part of a group: lets, evaluated in order into the row (each may use the
 * source columns and earlier lets), then the filter. Used by the streaming materializer
 * and the offline TypeScript path.
 */
import type { Expr } from '../contracts/expr.js';
import { compileExpr, type EvalContext, type Row } from './compile-expr.js';

/**
 * Returns true if the row is kept (the filter is true or absent), false if the filter is
 * null or false. Mutates `row`: each let is written to row[name] before the next runs;
 * pass a copy to keep the source row intact.
 */
export type RowPipeline = (row: Row, ctx?: EvalContext) => boolean;

export function compileRowPipeline(
  lets: readonly { readonly name: string; readonly expr: Expr }[],
  filter: Expr | null,
): RowPipeline {
  const names = lets.map((l) => l.name);
  const fns = lets.map((l) => compileExpr(l.expr));
  const keep = filter === null ? null : compileExpr(filter);
  const n = fns.length;
  if (n === 0) return keep === null ? () => true : (row, ctx) => keep(row, ctx) === true;
  return (row, ctx) => {
    for (let i = 0; i < n; i++) row[names[i]] = fns[i](row, ctx);
    return keep === null || keep(row, ctx) === true;
  };
}
