/** Resolves syntactic type references (`double?`, `list<string>`) to IR types. */
import type * as ast from '../../dsl/ast.js';
import { type DiagnosticBag, didYouMean } from '../../dsl/diagnostics.js';
import { type PalType, SCALAR_TYPE_NAMES, type ScalarTypeName } from '../../runtime/contracts/index.js';

export function resolveType(t: ast.TypeRef, diags: DiagnosticBag): PalType | null {
  const name = t.name.text;
  if (name === 'list') {
    if (!t.element) {
      diags.error('unknown-type', t.span, '`list` needs an element type, e.g. `list<string>`');
      return null;
    }
    const element = resolveType(t.element, diags);
    if (!element) return null;
    if (element.nullable) {
      diags.error('unknown-type', t.element.span, 'list elements cannot be nullable; the list itself can be (`list<T>?`)');
      return null;
    }
    return { kind: 'list', element, nullable: t.nullable };
  }
  if (t.element) {
    diags.error('unknown-type', t.span, `\`${name}\` takes no type argument; only \`list<T>\` does`);
    return null;
  }
  if (!(SCALAR_TYPE_NAMES as readonly string[]).includes(name)) {
    diags.error('unknown-type', t.name.span, `no type called \`${name}\``,
      didYouMean(name, [...SCALAR_TYPE_NAMES, 'list']) ?? `types: ${SCALAR_TYPE_NAMES.join(', ')}, list<T>; add \`?\` for nullable`);
    return null;
  }
  return { kind: 'scalar', name: name as ScalarTypeName, nullable: t.nullable };
}
