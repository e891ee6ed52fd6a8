/**
 * Name resolution across files: declarations are grouped by namespace; a file sees its own
 * namespace, the declarations it imports (`import ns.decl [as x]`) and the namespaces it
 * imports (`import ns [as x]`, then `ns.decl`). Referring to another namespace needs an import.
 */
import type * as ast from '../../dsl/ast.js';
import { type DiagnosticBag, didYouMean } from '../../dsl/diagnostics.js';
import type { Span } from '../../dsl/source.js';

export type DeclKind = ast.Decl['kind'];

export interface DeclEntry {
  readonly kind: DeclKind;
  readonly namespace: string;
  readonly localName: string;
  readonly qualified: string;
  readonly node: ast.Decl;
  readonly file: ast.File;
}

type ImportTarget = { kind: 'decl'; entry: DeclEntry } | { kind: 'namespace'; namespace: string };

export interface FileScope {
  readonly file: ast.File;
  readonly namespace: string;
  readonly imports: ReadonlyMap<string, ImportTarget>;
}

export class ProgramScope {
  readonly decls = new Map<string, DeclEntry>();
  readonly namespaces = new Set<string>();
  readonly fileScopes = new Map<ast.File, FileScope>();

  constructor(files: readonly ast.File[], private readonly diags: DiagnosticBag) {
    for (const file of files) {
      const ns = namespaceOf(file);
      if (ns === null) {
        diags.error('missing-namespace', fileStart(file), 'this file has no `namespace` line',
          'start the file with `namespace <name>`, e.g. `namespace rides`');
        continue;
      }
      this.namespaces.add(ns);
      for (const decl of file.decls) {
        const qualified = `${ns}.${decl.name.text}`;
        const prev = this.decls.get(qualified);
        if (prev) {
          diags.error('duplicate-declaration', decl.name.span,
            `\`${decl.name.text}\` is already declared in namespace \`${ns}\` (as ${article(prev.kind)} at ${where(prev.node.name.span)})`,
            'give one of them another name');
          continue;
        }
        this.decls.set(qualified, { kind: decl.kind, namespace: ns, localName: decl.name.text, qualified, node: decl, file });
      }
    }
    for (const file of files) {
      const ns = namespaceOf(file);
      if (ns !== null) this.fileScopes.set(file, { file, namespace: ns, imports: this.resolveImports(file, ns) });
    }
  }

  private resolveImports(file: ast.File, ns: string): Map<string, ImportTarget> {
    const imports = new Map<string, ImportTarget>();
    for (const imp of file.imports) {
      const parts = imp.target.parts.map((p) => p.text);
      if (parts.length === 0) continue;
      const text = parts.join('.');
      let target: ImportTarget | undefined;
      let localName: string;
      if (this.namespaces.has(text)) {
        target = { kind: 'namespace', namespace: text };
        localName = imp.alias?.text ?? text;
      } else {
        const entry = this.decls.get(text);
        if (entry) target = { kind: 'decl', entry };
        localName = imp.alias?.text ?? parts[parts.length - 1];
      }
      if (!target) {
        const hint = didYouMean(text, [...this.namespaces, ...this.decls.keys()]);
        this.diags.error('unknown-import', imp.target.span, `nothing called \`${text}\` to import: it is neither a namespace nor a declaration`, hint);
        continue;
      }
      if (target.kind === 'namespace' && target.namespace === ns && !imp.alias) {
        this.diags.warning('useless-import', imp.span, `\`${text}\` is this file's own namespace; its names are visible without an import`);
        continue;
      }
      if (imports.has(localName)) {
        this.diags.error('duplicate-import', imp.span, `\`${localName}\` is imported twice in this file`, 'remove one import or use `as` to rename it');
        continue;
      }
      imports.set(localName, target);
    }
    return imports;
  }

  /**
   * Resolve a reference to a declaration of the given kind from a file. Reports a located
   * error and returns undefined when it cannot.
   */
  resolve(from: ast.File, ref: ast.QualifiedName, kind: DeclKind): DeclEntry | undefined {
    const scope = this.fileScopes.get(from);
    if (!scope || ref.parts.length === 0) return undefined;
    const parts = ref.parts.map((p) => p.text);
    const text = parts.join('.');
    const found = this.lookup(scope, parts);
    if (found === 'not-imported') {
      const ns = parts.slice(0, -1).join('.');
      this.diags.error('not-imported', ref.span, `\`${text}\` is in namespace \`${ns}\`, which this file does not import`, `add \`import ${ns}\` at the top of the file`);
      return undefined;
    }
    if (!found) {
      const candidates = this.visibleNames(scope, kind);
      this.diags.error(`unknown-${kind}`, ref.span, `no ${kind} called \`${text}\``, didYouMean(text, candidates) ?? listHint(kind, candidates));
      return undefined;
    }
    if (found.kind !== kind) {
      this.diags.error(`unknown-${kind}`, ref.span, `\`${text}\` is ${article(found.kind)}, not ${article(kind)}`);
      return undefined;
    }
    return found;
  }

  /** Look a name up without reporting. */
  lookup(scope: FileScope, parts: readonly string[]): DeclEntry | undefined | 'not-imported' {
    if (parts.length === 1) {
      const local = this.decls.get(`${scope.namespace}.${parts[0]}`);
      if (local) return local;
      const imp = scope.imports.get(parts[0]);
      return imp?.kind === 'decl' ? imp.entry : undefined;
    }
    const nsParts = parts.slice(0, -1).join('.');
    const last = parts[parts.length - 1];
    if (nsParts === scope.namespace) return this.decls.get(`${nsParts}.${last}`);
    const imp = scope.imports.get(nsParts);
    if (imp?.kind === 'namespace') return this.decls.get(`${imp.namespace}.${last}`);
    if (this.namespaces.has(nsParts)) return this.decls.has(`${nsParts}.${last}`) ? 'not-imported' : undefined;
    return undefined;
  }

  visibleNames(scope: FileScope, kind: DeclKind): string[] {
    const out: string[] = [];
    for (const e of this.decls.values()) {
      if (e.kind !== kind) continue;
      if (e.namespace === scope.namespace) out.push(e.localName);
    }
    for (const [name, imp] of scope.imports) {
      if (imp.kind === 'decl' && imp.entry.kind === kind) out.push(name);
      if (imp.kind === 'namespace') {
        for (const e of this.decls.values()) if (e.kind === kind && e.namespace === imp.namespace) out.push(`${name}.${e.localName}`);
      }
    }
    return out;
  }
}

export function namespaceOf(file: ast.File): string | null {
  return file.namespace && file.namespace.parts.length > 0 ? file.namespace.parts.map((p) => p.text).join('.') : null;
}

function fileStart(file: ast.File): Span {
  return { file: file.path, start: 0, end: 0, line: 1, col: 1, endLine: 1, endCol: 1 };
}

function article(kind: string): string {
  return /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

function where(span: Span): string {
  return `${span.file}:${span.line}:${span.col}`;
}

function listHint(kind: string, names: string[]): string | undefined {
  if (names.length === 0) return `there is no ${kind} in scope yet`;
  if (names.length <= 6) return `${kind}s in scope: ${names.map((n) => `\`${n}\``).join(', ')}`;
  return undefined;
}

export { article, where };
