/**
 * The compiler pipeline, one public function per stage:
 *   text → parse (dsl/) → check (names, types, rules) → passes (semantic hash, storage
 *   layout) → Registry (the IR) → targets (artifacts).
 * `compileSources` never throws on user input; diagnostics come back as data.
 */
import { type Diagnostic, DiagnosticBag, parseFile, SourceFile } from '../dsl/index.js';
import type * as ast from '../dsl/ast.js';
import { checkProgram } from './checker/check.js';
import { IR_VERSION, type Group, type Registry } from './ir/ir.js';
import { registryHash, semanticHash } from './passes/semantic-hash.js';
import { decideLayout } from './passes/storage-layout.js';
import { validateRegistry } from './passes/validate.js';

export interface CompileResult {
  /** Null when there are errors. */
  readonly registry: Registry | null;
  readonly diagnostics: readonly Diagnostic[];
  readonly files: ReadonlyMap<string, SourceFile>;
}

export function compileSources(inputs: readonly { path: string; text: string }[]): CompileResult {
  const diags = new DiagnosticBag();
  const files = new Map<string, SourceFile>();
  const asts: ast.File[] = [];
  for (const input of inputs) {
    const file = new SourceFile(input.path, input.text);
    files.set(input.path, file);
    const parsed = parseFile(file);
    diags.addAll(parsed.diagnostics);
    asts.push(parsed.ast);
  }
  const checked = checkProgram(asts, diags);
  if (diags.hasErrors) return { registry: null, diagnostics: diags.all, files };
  const entities = new Map(checked.entities.map((e) => [e.name, e]));
  const sources = new Map(checked.sources.map((s) => [s.name, s]));
  const groups: Group[] = checked.groups.map((draft) => {
    const entity = entities.get(draft.entity)!;
    const hash = semanticHash(draft, entity, sources.get(draft.source)!);
    return { ...draft, semanticHash: hash, layout: decideLayout(draft, entity, hash) };
  });
  const registry: Registry = {
    irVersion: IR_VERSION,
    registryHash: registryHash(groups, checked.models),
    namespaces: checked.namespaces,
    files: inputs.map((i) => i.path).sort(),
    entities: checked.entities,
    sources: checked.sources,
    groups,
    models: checked.models,
  };
  const problems = validateRegistry(registry);
  if (problems.length > 0) throw new Error(`IR invariants violated (a bug in Palette):\n  ${problems.join('\n  ')}`);
  return { registry, diagnostics: diags.all, files };
}
