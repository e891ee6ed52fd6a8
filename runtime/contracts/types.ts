/**
 * Palette's value types, shared by the compiler (which decides them) and the runtime
 * (which stores and computes with them). Plain JSON data: no classes, no dependencies.
 *
 * Runtime representation of values (the evaluator, the stores and the sidecar agree):
 *   string → JS string; int, long, float, double → JS number (long loses precision above
 *   2^53, as in JSON); boolean → JS boolean; timestamp → epoch milliseconds (number, UTC);
 *   date → 'YYYY-MM-DD' string (UTC calendar day); list<T> → JS array; null → null.
 */

/**
 * A value at run time, as described above (an event field, a let, an aggregate or a
 * feature value). Added for the runtime (evaluator, aggregations, stores, sidecar).
 */
export type Value = string | number | boolean | null | readonly Value[];

export type ScalarTypeName =
  | 'string' | 'int' | 'long' | 'float' | 'double' | 'boolean' | 'timestamp' | 'date';

export const SCALAR_TYPE_NAMES: readonly ScalarTypeName[] = [
  'string', 'int', 'long', 'float', 'double', 'boolean', 'timestamp', 'date',
];

export type PalType =
  | { readonly kind: 'scalar'; readonly name: ScalarTypeName; readonly nullable: boolean }
  | { readonly kind: 'list'; readonly element: PalType; readonly nullable: boolean };

export function scalar(name: ScalarTypeName, nullable = false): PalType {
  return { kind: 'scalar', name, nullable };
}

export function listOf(element: PalType, nullable = false): PalType {
  return { kind: 'list', element, nullable };
}

export function withNullable(t: PalType, nullable: boolean): PalType {
  return t.nullable === nullable ? t : { ...t, nullable };
}

const NUMERIC_RANK: Partial<Record<ScalarTypeName, number>> = { int: 1, long: 2, float: 3, double: 4 };

export function isNumeric(t: PalType): boolean {
  return t.kind === 'scalar' && NUMERIC_RANK[t.name] !== undefined;
}

export function isIntegral(t: PalType): boolean {
  return t.kind === 'scalar' && (t.name === 'int' || t.name === 'long');
}

/** The wider of two numeric types (int < long < float < double). */
export function widerNumeric(a: ScalarTypeName, b: ScalarTypeName): ScalarTypeName {
  return (NUMERIC_RANK[a] ?? 0) >= (NUMERIC_RANK[b] ?? 0) ? a : b;
}

/** `string`, `double?`, `list<int>`: the spelling used in the language and in messages. */
export function typeToString(t: PalType): string {
  const base = t.kind === 'scalar' ? t.name : `list<${typeToString(t.element)}>`;
  return t.nullable ? `${base}?` : base;
}

/** Same type ignoring nullability. */
export function sameBaseType(a: PalType, b: PalType): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === 'scalar' && b.kind === 'scalar') return a.name === b.name;
  if (a.kind === 'list' && b.kind === 'list') return sameBaseType(a.element, b.element);
  return false;
}
