/**
 * Assembling SQL scripts: the helper definitions a set of statements needs (macros, in
 * dependency order) and readable formatting.
 */
import type { SqlDialect } from './dialect.js';
import { HELPERS, type SqlHelper } from './helpers.js';

const BY_NAME = new Map<string, SqlHelper>(Object.values(HELPERS).map((h) => [h.name, h]));

/** Names of the helpers called in `sql` (macro dialects only), dependencies first. */
export function helpersUsed(d: SqlDialect, sql: string): SqlHelper[] {
  if (!d.macros) return [];
  const out: SqlHelper[] = [];
  const seen = new Set<string>();
  const visit = (text: string) => {
    for (const m of text.matchAll(/\b(pal_[a-z_]+)\(/g)) {
      const h = BY_NAME.get(m[1]);
      if (!h || seen.has(h.name)) continue;
      seen.add(h.name);
      visit(h.body(h.params, d));
      out.push(h);
    }
  };
  visit(sql);
  return out;
}

/** `CREATE MACRO` statements for the helpers the statements use (empty without macros). */
export function helperPrelude(d: SqlDialect, statements: readonly string[]): string[] {
  return helpersUsed(d, statements.join('\n')).map((h) => d.defineHelper(h));
}
