/**
 * The checker: names, types and rules over all files of a repository, producing the IR.
 * It never throws on user input: every problem is a located diagnostic, and a declaration
 * with errors is left out of the IR (so later checks do not cascade from it).
 */
import type * as ast from '../../dsl/ast.js';
import { DiagnosticBag, didYouMean } from '../../dsl/diagnostics.js';
import type { Span } from '../../dsl/source.js';
import {
  type AggregationSpec, type Expr, type KeySpec, type PalType, typeToString,
} from '../../runtime/contracts/index.js';
import type * as ir from '../ir/ir.js';
import { aggregationText, formatWindow } from '../ir/printer.js';
import { type AggregationRequest, type ExprContext, ExprChecker } from './expressions.js';
import { type DeclEntry, ProgramScope, article } from './scope.js';
import { resolveType } from './types.js';

/** A group before the passes decide its hash and layout. */
export type GroupDraft = Omit<ir.Group, 'semanticHash' | 'layout'>;

export interface CheckedProgram {
  readonly entities: ir.Entity[];
  readonly sources: ir.Source[];
  readonly groups: GroupDraft[];
  readonly models: ir.Model[];
  readonly namespaces: string[];
}

/** Column names Palette's own tables use; features and keys may not take them. */
export const RESERVED_COLUMNS = new Set(['ds', 'hop_ms', 'tile_start', 'stream_partition', 'stream_offset', 'updated_at', 'snapshot_ds']);

const META_ALLOWED: Record<ast.Decl['kind'], ReadonlySet<string>> = {
  entity: new Set(['description', 'owner', 'tags']),
  source: new Set(['description', 'owner', 'tags']),
  group: new Set(['description', 'owner', 'tags', 'ttl', 'version']),
  model: new Set(['description', 'owner', 'tags', 'version']),
};

export function checkProgram(files: readonly ast.File[], diags: DiagnosticBag): CheckedProgram {
  return new Checker(files, diags).run();
}

class Checker {
  private readonly scope: ProgramScope;
  private readonly exprs: ExprChecker;
  private readonly entities = new Map<string, ir.Entity | null>();
  private readonly sources = new Map<string, ir.Source | null>();
  private readonly groups = new Map<string, GroupDraft | null>();

  constructor(private readonly files: readonly ast.File[], private readonly diags: DiagnosticBag) {
    this.scope = new ProgramScope(files, diags);
    this.exprs = new ExprChecker(diags);
  }

  run(): CheckedProgram {
    const entries = [...this.scope.decls.values()];
    for (const e of entries) if (e.kind === 'entity') this.entities.set(e.qualified, this.entity(e));
    for (const e of entries) if (e.kind === 'source') this.sources.set(e.qualified, this.source(e));
    for (const e of entries) if (e.kind === 'group') this.groups.set(e.qualified, this.group(e));
    const models: ir.Model[] = [];
    for (const e of entries) if (e.kind === 'model') { const m = this.model(e); if (m) models.push(m); }
    const keep = <T>(m: Map<string, T | null>) => [...m.values()].filter((v): v is T => v !== null).sort((a: any, b: any) => a.name.localeCompare(b.name));
    return {
      entities: keep(this.entities),
      sources: keep(this.sources),
      groups: keep(this.groups),
      models: models.sort((a, b) => a.name.localeCompare(b.name)),
      namespaces: [...this.scope.namespaces].sort(),
    };
  }

  // ------------------------------------------------------------------------------------
  // metadata

  private meta(kind: ast.Decl['kind'], items: readonly ast.MetaItem[]) {
    const seen = new Map<string, Span>();
    let description: string | null = null;
    let owner: string | null = null;
    let tags: string[] = [];
    let ttlMs: number | null = null;
    let version = 1;
    for (const m of items) {
      if (!META_ALLOWED[kind].has(m.key)) {
        this.diags.error('misplaced-metadata', m.span, `\`${m.key}\` does not apply to ${article(kind)}`,
          `${article(kind)} takes: ${[...META_ALLOWED[kind]].map((k) => `\`${k}\``).join(', ')}`);
        continue;
      }
      if (seen.has(m.key)) {
        this.diags.error('duplicate-metadata', m.span, `\`${m.key}\` is given twice`, 'keep one');
        continue;
      }
      seen.set(m.key, m.span);
      switch (m.key) {
        case 'description': description = m.value.value; break;
        case 'owner': owner = m.value.value; break;
        case 'tags': {
          const uniq = new Set<string>();
          for (const t of m.tags) {
            if (uniq.has(t.text)) this.diags.warning('duplicate-tag', t.span, `tag \`${t.text}\` is listed twice`);
            uniq.add(t.text);
          }
          tags = [...uniq];
          break;
        }
        case 'ttl':
          if (m.duration.ms <= 0) this.diags.error('invalid-ttl', m.duration.span, 'a ttl must be longer than zero');
          else ttlMs = m.duration.ms;
          break;
        case 'version':
          if (!Number.isInteger(m.version) || m.version < 1) this.diags.error('invalid-version', m.span, 'a version is a whole number of at least 1');
          else version = m.version;
          break;
      }
    }
    return { meta: { description, owner, tags }, ttlMs, version };
  }

  private keyType(t: PalType | null, span: Span, what: string): boolean {
    if (!t) return false;
    if (t.nullable) {
      this.diags.error('invalid-key-type', span, `${what} cannot be nullable`, 'remove the `?`');
      return false;
    }
    if (t.kind !== 'scalar' || !['string', 'int', 'long'].includes(t.name)) {
      this.diags.error('invalid-key-type', span, `${what} must be a string, int or long, not ${typeToString(t)}`);
      return false;
    }
    return true;
  }

  // ------------------------------------------------------------------------------------
  // entity

  private entity(e: DeclEntry): ir.Entity | null {
    const node = e.node as ast.Entity;
    const { meta } = this.meta('entity', node.meta);
    const keys: KeySpec[] = [];
    let ok = true;
    const seen = new Set<string>();
    for (const k of node.keys) {
      if (seen.has(k.name.text)) {
        this.diags.error('duplicate-key', k.name.span, `key \`${k.name.text}\` is declared twice in entity \`${e.localName}\``);
        ok = false;
        continue;
      }
      seen.add(k.name.text);
      if (RESERVED_COLUMNS.has(k.name.text)) {
        this.diags.error('reserved-name', k.name.span, `\`${k.name.text}\` is a name Palette's tables use; pick another key name`);
        ok = false;
      }
      const t = resolveType(k.type, this.diags);
      if (!this.keyType(t, k.type.span, `the key \`${k.name.text}\``)) { ok = false; continue; }
      keys.push({ name: k.name.text, type: t! });
    }
    if (node.keys.length === 0) {
      this.diags.error('entity-without-keys', node.name.span, `entity \`${e.localName}\` has no key`, 'add one, e.g. `key driver_id: string`');
      ok = false;
    }
    if (!ok) return null;
    return { name: e.qualified, namespace: e.namespace, localName: e.localName, keys, meta, span: node.name.span };
  }

  // ------------------------------------------------------------------------------------
  // source

  private source(e: DeclEntry): ir.Source | null {
    const node = e.node as ast.Source;
    let ok = true;
    const once = <T extends { span: Span }>(items: T[], what: string): T | undefined => {
      for (const extra of items.slice(1)) {
        this.diags.error('duplicate-source-item', extra.span, `\`${what}\` is given twice in source \`${e.localName}\``);
        ok = false;
      }
      return items[0];
    };
    const items = node.items;
    const kinds = items.filter((i): i is Extract<ast.SourceItem, { kind: 'source-kind' }> => i.kind === 'source-kind');
    const kindItem = kinds[0];
    for (const extra of kinds.slice(1)) {
      const conflict = extra.value !== kindItem.value;
      this.diags.error(conflict ? 'source-kind-conflict' : 'duplicate-source-item', extra.span,
        conflict ? `source \`${e.localName}\` is declared both \`${kindItem.value}\` and \`${extra.value}\`` : `\`${extra.value}\` is given twice`);
      ok = false;
    }
    const stream = once(items.filter((i): i is ast.StreamDecl => i.kind === 'stream'), 'stream');
    const table = once(items.filter((i): i is ast.TableDecl => i.kind === 'table'), 'table');
    const tsItem = once(items.filter((i): i is Extract<ast.SourceItem, { kind: 'timestamp' }> => i.kind === 'timestamp'), 'timestamp');
    const fieldItems = items.filter((i): i is Extract<ast.SourceItem, { kind: 'fields' }> => i.kind === 'fields');
    const { meta } = this.meta('source', items.filter((i): i is ast.MetaItem => i.kind === 'meta'));

    if (!kindItem) {
      this.diags.error('source-kind-missing', node.name.span, `source \`${e.localName}\` does not say whether it is \`events\` or \`snapshot\``,
        '`events`: immutable events with a time; `snapshot`: a full daily copy of a table');
      ok = false;
    }
    const kind = kindItem?.value ?? 'events';

    const fields: ir.SourceField[] = [];
    const names = new Set<string>();
    for (const fi of fieldItems) {
      for (const f of fi.fields) {
        if (names.has(f.name.text)) {
          this.diags.error('duplicate-field', f.name.span, `field \`${f.name.text}\` is declared twice in source \`${e.localName}\``);
          ok = false;
          continue;
        }
        names.add(f.name.text);
        const t = resolveType(f.type, this.diags);
        if (!t) { ok = false; continue; }
        fields.push({ name: f.name.text, type: t });
      }
    }
    if (fieldItems.length === 0) {
      this.diags.error('source-without-fields', node.name.span, `source \`${e.localName}\` declares no fields`, 'add `fields { name: type, ... }`');
      ok = false;
    }

    let streamOut: ir.Source['stream'] = null;
    if (stream) {
      if (kind === 'snapshot') {
        this.diags.error('stream-on-snapshot', stream.span, `a snapshot source has no stream; snapshots are read from tables`, 'remove the `stream` line, or make the source `events`');
        ok = false;
      } else if (stream.system.text !== 'kafka') {
        this.diags.error('unsupported-stream', stream.system.span, `Palette reads streams from \`kafka\`, not \`${stream.system.text}\``);
        ok = false;
      } else if (stream.format && stream.format.text !== 'json') {
        this.diags.error('unsupported-format', stream.format.span, `stream format \`${stream.format.text}\` is not supported`, 'use `format json`');
        ok = false;
      } else if (stream.topic.value.trim() === '') {
        this.diags.error('invalid-topic', stream.topic.span, 'the topic name is empty');
        ok = false;
      } else {
        streamOut = { kind: 'kafka', topic: stream.topic.value, format: 'json' };
      }
    }
    let tableOut: ir.Source['table'] = null;
    if (table) {
      if (table.system.text !== 'hive') {
        this.diags.error('unsupported-table', table.system.span, `Palette reads tables from \`hive\`, not \`${table.system.text}\``);
        ok = false;
      } else if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(table.name.value)) {
        this.diags.error('invalid-table-name', table.name.span, `\`${table.name.value}\` is not a table name like \`db.table\``);
        ok = false;
      } else {
        const partition = table.partition?.text ?? 'ds';
        if (names.has(partition)) {
          this.diags.error('partition-is-field', table.partition?.span ?? table.span, `the partition column \`${partition}\` is also declared as a field`, 'partition columns are not fields; remove it from `fields`');
          ok = false;
        }
        tableOut = { kind: 'hive', name: table.name.value, partition };
      }
    }
    if (kind === 'snapshot' && !table) {
      this.diags.error('snapshot-without-table', node.name.span, `snapshot source \`${e.localName}\` needs a \`table\``, 'add `table hive "db.table" partition ds`');
      ok = false;
    }
    if (kind === 'events' && !stream && !table) {
      this.diags.error('source-without-location', node.name.span, `events source \`${e.localName}\` has neither a \`stream\` nor a \`table\``);
      ok = false;
    }

    let timestampField: string | null = null;
    if (kind === 'events') {
      if (!tsItem) {
        if (kindItem) {
          this.diags.error('events-without-timestamp', node.name.span, `events source \`${e.localName}\` does not name its time column`,
            didYouMean('event_time', names) ? `add \`timestamp ${[...names].find((n) => fields.find((f) => f.name === n)?.type.kind === 'scalar' && (fields.find((f) => f.name === n)!.type as any).name === 'timestamp') ?? 'event_time'}\`` : 'add `timestamp <field>`');
          ok = false;
        }
      } else {
        const f = fields.find((x) => x.name === tsItem.field.text);
        if (!f) {
          if (names.has(tsItem.field.text)) ok = false; // the field itself had an error
          else {
            this.diags.error('unknown-field', tsItem.field.span, `no field called \`${tsItem.field.text}\` in source \`${e.localName}\``, didYouMean(tsItem.field.text, names));
            ok = false;
          }
        } else if (f.type.kind !== 'scalar' || f.type.name !== 'timestamp' || f.type.nullable) {
          this.diags.error('timestamp-type', tsItem.field.span, `the time column \`${f.name}\` must be a non-null timestamp, not ${typeToString(f.type)}`);
          ok = false;
        } else timestampField = f.name;
      }
    } else if (tsItem) {
      this.diags.error('timestamp-on-snapshot', tsItem.span, 'a snapshot source has no event time: its time is the partition day', 'remove the `timestamp` line');
      ok = false;
    }
    if (!ok) return null;
    return {
      name: e.qualified, namespace: e.namespace, localName: e.localName, kind, fields, timestampField,
      stream: streamOut, table: tableOut, meta, span: node.name.span,
    };
  }

  // ------------------------------------------------------------------------------------
  // group

  private group(e: DeclEntry): GroupDraft | null {
    const node = e.node as ast.Group;
    const entityEntry = this.scope.resolve(e.file, node.entity, 'entity');
    const sourceEntry = this.scope.resolve(e.file, node.source, 'source');
    const { meta, ttlMs, version } = this.meta('group', node.items.filter((i): i is ast.MetaItem => i.kind === 'meta'));
    const entity = entityEntry ? this.entities.get(entityEntry.qualified) : undefined;
    const source = sourceEntry ? this.sources.get(sourceEntry.qualified) : undefined;
    if (!entity || !source) return null; // unresolved or broken: already reported
    let ok = true;
    const windowed = source.kind === 'events';
    const columns = new Map<string, PalType>(source.fields.map((f) => [f.name, f.type]));
    const sourceName = source.localName;
    const rowCtx = (where: string): ExprContext => ({ mode: 'row', columns, sourceName, snapshot: !windowed, where });

    // lets: row-level columns, each may use the ones before it
    const lets: { name: string; expr: Expr }[] = [];
    for (const item of node.items) {
      if (item.kind !== 'let') continue;
      if (columns.has(item.name.text)) {
        const isField = source.fields.some((f) => f.name === item.name.text);
        this.diags.error('duplicate-column', item.name.span, isField
          ? `\`${item.name.text}\` is already a field of \`${sourceName}\``
          : `\`${item.name.text}\` is already defined by an earlier \`let\``);
        ok = false;
        continue;
      }
      const expr = this.exprs.check(item.expr, rowCtx('a `let`'));
      if (!expr) { ok = false; columns.set(item.name.text, { kind: 'scalar', name: 'string', nullable: true }); continue; }
      lets.push({ name: item.name.text, expr });
      columns.set(item.name.text, expr.type);
    }

    // key mapping: explicit `key k = column`, else by name
    const keyMaps = new Map<string, Extract<ast.GroupItem, { kind: 'key-map' }>>();
    for (const item of node.items) {
      if (item.kind !== 'key-map') continue;
      if (!entity.keys.some((k) => k.name === item.key.text)) {
        this.diags.error('unknown-key', item.key.span, `entity \`${entity.localName}\` has no key \`${item.key.text}\``, didYouMean(item.key.text, entity.keys.map((k) => k.name)));
        ok = false;
        continue;
      }
      if (keyMaps.has(item.key.text)) {
        this.diags.error('duplicate-key', item.key.span, `key \`${item.key.text}\` is mapped twice`);
        ok = false;
        continue;
      }
      keyMaps.set(item.key.text, item);
    }
    const keyColumns: string[] = [];
    for (const key of entity.keys) {
      const map = keyMaps.get(key.name);
      let column: string;
      let span: Span;
      if (map) {
        const expr = this.exprs.check(map.expr, rowCtx('a key mapping'));
        if (!expr) { ok = false; continue; }
        if (expr.kind !== 'column') {
          this.diags.error('key-map-not-column', map.expr.span, 'a key is mapped to a column of the source, not an expression', 'compute it with `let k = ...` and map `key ... = k`');
          ok = false;
          continue;
        }
        column = expr.name;
        span = map.expr.span;
      } else {
        if (!columns.has(key.name)) {
          this.diags.error('key-not-in-source', node.entity.span,
            `entity key \`${key.name}\` is not a column of \`${sourceName}\``,
            didYouMean(key.name, columns.keys())
              ? `${didYouMean(key.name, columns.keys())} map it with \`key ${key.name} = <column>\``
              : `map it explicitly: \`key ${key.name} = <column of ${sourceName}>\``);
          ok = false;
          continue;
        }
        column = key.name;
        span = node.entity.span;
      }
      const ct = columns.get(column)!;
      const compatible = ct.kind === 'scalar' && key.type.kind === 'scalar' &&
        (ct.name === key.type.name || (['int', 'long'].includes(ct.name) && ['int', 'long'].includes(key.type.name)));
      if (!compatible) {
        this.diags.error('key-type-mismatch', span, `entity key \`${key.name}\` is ${typeToString(key.type)} but column \`${column}\` is ${typeToString(ct)}`,
          `cast it: \`let ${key.name}_key = cast(${column} as ${typeToString({ ...key.type, nullable: false })})\` and \`key ${key.name} = ${key.name}_key\``);
        ok = false;
        continue;
      }
      if (ct.nullable) {
        this.diags.warning('nullable-key', span, `column \`${column}\` is nullable; rows where it is null are skipped`);
      }
      keyColumns.push(column);
    }

    // row filter
    let filter: Expr | null = null;
    const wheres = node.items.filter((i): i is Extract<ast.GroupItem, { kind: 'where' }> => i.kind === 'where');
    for (const extra of wheres.slice(1)) {
      this.diags.error('duplicate-where', extra.span, 'a group has one `where`', 'combine the conditions with `and`');
      ok = false;
    }
    if (wheres[0]) {
      filter = this.exprs.check(wheres[0].expr, rowCtx('a row filter (`where`)'));
      if (!filter) ok = false;
      else if (filter.type.kind !== 'scalar' || filter.type.name !== 'boolean') {
        this.diags.error('filter-not-boolean', wheres[0].expr.span, `\`where\` needs a boolean condition, got ${typeToString(filter.type)}`);
        ok = false;
        filter = null;
      }
    }

    // features: checked on demand so derived features can refer to any other feature
    const decls = new Map<string, ast.FeatureDecl>();
    for (const item of node.items) {
      if (item.kind !== 'feature') continue;
      if (decls.has(item.name.text)) {
        this.diags.error('duplicate-feature', item.name.span, `feature \`${item.name.text}\` is defined twice in group \`${e.localName}\``);
        ok = false;
        continue;
      }
      if (entity.keys.some((k) => k.name === item.name.text) || RESERVED_COLUMNS.has(item.name.text)) {
        this.diags.error('reserved-name', item.name.span, `a feature cannot be called \`${item.name.text}\`: ${RESERVED_COLUMNS.has(item.name.text) ? "Palette's tables use that name" : 'it is a key of the entity'}`);
        ok = false;
        continue;
      }
      decls.set(item.name.text, item);
    }
    if (decls.size === 0 && ok) {
      this.diags.error('group-without-features', node.name.span, `group \`${e.localName}\` defines no features`, 'add one, e.g. `feature trips_7d = count() over 7d`');
      ok = false;
    }

    const aggregations: AggregationSpec[] = [];
    const aggIndex = new Map<string, number>();
    const registerAgg = (req: AggregationRequest): number => {
      const display = aggregationText(req);
      const found = aggIndex.get(display);
      if (found !== undefined) return found;
      const index = aggregations.length;
      aggregations.push({ index, fn: req.fn, input: req.input, k: req.k, window: req.window, resultType: req.resultType, display });
      aggIndex.set(display, index);
      return index;
    };

    const done = new Map<string, ir.Feature | null>();
    const order: ir.Feature[] = [];
    const stack: string[] = [];
    const checkFeature = (name: string): ir.Feature | null => {
      if (done.has(name)) return done.get(name)!;
      const decl = decls.get(name)!;
      stack.push(name);
      const deps = new Set<string>();
      const aggsUsed = new Set<number>();
      const ctx: ExprContext = {
        mode: windowed ? 'feature' : 'row',
        columns,
        sourceName,
        snapshot: !windowed,
        where: `feature \`${name}\``,
        featureNames: [...decls.keys()],
        aggregation: windowed ? (req) => { const i = registerAgg(req); aggsUsed.add(i); return i; } : undefined,
        feature: (ref) => {
          if (ref.parts.length !== 1) return undefined;
          const target = ref.parts[0].text;
          if (!decls.has(target)) return undefined;
          if (!windowed && columns.has(target)) return undefined; // snapshot: columns win over features of the same name
          if (stack.includes(target)) {
            const cycle = [...stack.slice(stack.indexOf(target)), target].join(' → ');
            this.diags.error(target === name ? 'self-reference' : 'feature-cycle', ref.span,
              target === name ? `feature \`${name}\` refers to itself` : `features refer to each other in a cycle: ${cycle}`);
            return null;
          }
          const f = checkFeature(target);
          if (!f) return null;
          deps.add(target);
          return { name: target, type: f.type };
        },
      };
      // Snapshot groups may also refer to other features by name.
      const expr = this.exprs.check(decl.expr, ctx);
      stack.pop();
      if (!expr) { done.set(name, null); return null; }
      const aggs = [...aggsUsed].sort((a, b) => a - b);
      const windows = new Set(aggs.map((i) => formatWindow(aggregations[i].window)));
      const feature: ir.Feature = {
        name: `${e.qualified}.${name}`,
        localName: name,
        expr,
        type: expr.type,
        description: decl.description?.value ?? null,
        aggregations: aggs,
        dependsOn: [...deps].sort(),
        window: windows.size === 1 ? [...windows][0] : null,
        span: decl.name.span,
      };
      done.set(name, feature);
      order.push(feature);
      return feature;
    };
    for (const name of decls.keys()) if (!checkFeature(name)) ok = false;

    if (windowed) {
      for (const f of order) {
        if (f.aggregations.length === 0 && f.dependsOn.length === 0) {
          this.diags.error('feature-needs-aggregation', f.span, `feature \`${f.localName}\` neither aggregates events nor uses another feature`,
            'a windowed group computes features from aggregations like `count() over 7d`');
          ok = false;
        }
      }
    }
    if (!ok) return null;
    const canonical = canonicalAggregationOrder(aggregations, order);
    return {
      name: e.qualified, namespace: e.namespace, localName: e.localName,
      kind: windowed ? 'windowed' : 'snapshot',
      entity: entity.name, source: source.name, keyColumns, lets, filter,
      aggregations: canonical.aggregations, features: canonical.features,
      meta, ttlMs, version, span: node.name.span,
    };
  }

  // ------------------------------------------------------------------------------------
  // model

  private model(e: DeclEntry): ir.Model | null {
    const node = e.node as ast.Model;
    const { meta } = this.meta('model', node.items.filter((i): i is ast.MetaItem => i.kind === 'meta'));
    const scope = this.scope.fileScopes.get(e.file);
    if (!scope) return null;
    let ok = true;
    const features: ir.ModelFeature[] = [];
    const outputs = new Map<string, Span>();
    const groupsUsed = new Set<string>();
    const addOutput = (name: string, span: Span): boolean => {
      const prev = outputs.get(name);
      if (prev) {
        this.diags.error('duplicate-model-output', span, `model \`${e.localName}\` already returns a value named \`${name}\` (${prev.file}:${prev.line}:${prev.col})`, 'rename one with `as`');
        ok = false;
        return false;
      }
      outputs.set(name, span);
      return true;
    };

    // Resolve `group.feature` / `ns.group.feature` / `group.*` against the scope.
    const resolveGroup = (parts: ast.Name[], span: Span): { group: GroupDraft; entry: DeclEntry } | null | undefined => {
      const found = this.scope.lookup(scope, parts.map((p) => p.text));
      if (found === 'not-imported') {
        const ns = parts.slice(0, -1).map((p) => p.text).join('.');
        this.diags.error('not-imported', span, `\`${parts.map((p) => p.text).join('.')}\` is in namespace \`${ns}\`, which this file does not import`, `add \`import ${ns}\``);
        return null;
      }
      if (!found || found.kind !== 'group') return undefined;
      const group = this.groups.get(found.qualified);
      return group ? { group, entry: found } : null; // null: the group had errors
    };

    const featureRef = (ref: ast.QualifiedName | ast.RefExpr): { feature: ir.Feature; group: GroupDraft } | null | undefined => {
      const parts = ref.parts;
      if (parts.length < 2) return undefined;
      const g = resolveGroup(parts.slice(0, -1) as ast.Name[], ref.span);
      if (g === null) return null;
      if (g === undefined) {
        const groupText = parts.slice(0, -1).map((p) => p.text).join('.');
        this.diags.error('unknown-group', ref.span, `no group called \`${groupText}\``, didYouMean(groupText, this.scope.visibleNames(scope, 'group')));
        return null;
      }
      const fname = parts[parts.length - 1].text;
      const f = g.group.features.find((x) => x.localName === fname);
      if (!f) {
        this.diags.error('unknown-feature', parts[parts.length - 1].span, `group \`${g.group.localName}\` has no feature \`${fname}\``,
          didYouMean(fname, g.group.features.map((x) => x.localName)));
        return null;
      }
      return { feature: f, group: g.group };
    };

    for (const item of node.items) {
      if (item.kind !== 'features') continue;
      for (const sel of item.selections) {
        if (sel.star) {
          const g = resolveGroup([...sel.ref.parts], sel.ref.span);
          if (g === null) { ok = false; continue; }
          if (g === undefined) {
            const text = sel.ref.parts.map((p) => p.text).join('.');
            this.diags.error('unknown-group', sel.ref.span, `no group called \`${text}\``, didYouMean(text, this.scope.visibleNames(scope, 'group')));
            ok = false;
            continue;
          }
          if (sel.alias) {
            this.diags.error('alias-on-star', sel.alias.span, '`as` renames one feature; it cannot apply to `group.*`');
            ok = false;
          }
          groupsUsed.add(g.group.name);
          for (const f of g.group.features) {
            const out = `${g.group.localName}.${f.localName}`;
            if (addOutput(out, sel.span)) features.push({ feature: f.name, outputName: out });
          }
          continue;
        }
        const r = featureRef(sel.ref);
        if (r === undefined) {
          this.diags.error('unknown-feature', sel.ref.span, `\`${sel.ref.parts.map((p) => p.text).join('.')}\` does not name a feature`, 'write `group.feature` or `group.*`');
          ok = false;
          continue;
        }
        if (!r) { ok = false; continue; }
        groupsUsed.add(r.group.name);
        const out = sel.alias?.text ?? `${r.group.localName}.${r.feature.localName}`;
        if (addOutput(out, sel.alias?.span ?? sel.span)) features.push({ feature: r.feature.name, outputName: out });
      }
    }

    const derived: { outputName: string; expr: Expr; type: PalType; description: string | null }[] = [];
    const derivedTypes = new Map<string, PalType>();
    for (const item of node.items) {
      if (item.kind !== 'feature') continue;
      const ctx: ExprContext = {
        mode: 'model', columns: new Map(), sourceName: null, snapshot: false, where: `model \`${e.localName}\``,
        feature: (ref) => {
          if (ref.parts.length === 1 && derivedTypes.has(ref.parts[0].text)) {
            return { name: ref.parts[0].text, type: derivedTypes.get(ref.parts[0].text)! };
          }
          const r = featureRef(ref);
          if (r === null) return null;
          if (!r) return undefined;
          groupsUsed.add(r.group.name);
          return { name: r.feature.name, type: r.feature.type };
        },
      };
      const expr = this.exprs.check(item.expr, ctx);
      if (!expr) { ok = false; continue; }
      if (!addOutput(item.name.text, item.name.span)) continue;
      derived.push({ outputName: item.name.text, expr, type: expr.type, description: item.description?.value ?? null });
      derivedTypes.set(item.name.text, expr.type);
    }

    if (ok && features.length === 0 && derived.length === 0) {
      this.diags.error('empty-model', node.name.span, `model \`${e.localName}\` selects no features`, 'add `features group.*` or `features group.feature, ...`');
      ok = false;
    }

    // Keys: the union of the entity keys of its groups, by name.
    const keys: KeySpec[] = [];
    for (const gname of [...groupsUsed].sort()) {
      const g = this.groups.get(gname);
      const ent = g ? this.entities.get(g.entity) : null;
      if (!ent) continue;
      for (const k of ent.keys) {
        const prev = keys.find((x) => x.name === k.name);
        if (!prev) keys.push(k);
        else if (typeToString(prev.type) !== typeToString(k.type)) {
          this.diags.error('model-key-conflict', node.name.span, `model \`${e.localName}\` needs key \`${k.name}\` as both ${typeToString(prev.type)} and ${typeToString(k.type)}`);
          ok = false;
        }
      }
    }
    if (!ok) return null;
    return {
      name: e.qualified, namespace: e.namespace, localName: e.localName, features, derived,
      groups: [...groupsUsed].sort(), keys, meta, span: node.name.span,
    };
  }
}

/**
 * Aggregations are numbered in the order of their canonical text, not of first use, so the
 * storage columns (a<index>_<field>) of a group do not depend on the order its features are
 * written in: reordering features keeps the semantic hash and the layout together.
 */
function canonicalAggregationOrder(aggs: readonly AggregationSpec[], features: readonly ir.Feature[]) {
  const sorted = [...aggs].sort((a, b) => (a.display < b.display ? -1 : a.display > b.display ? 1 : 0));
  const newIndex = new Map(sorted.map((a, i) => [a.index, i]));
  const remap = (e: Expr): Expr => {
    switch (e.kind) {
      case 'aggregate': return { ...e, index: newIndex.get(e.index)! };
      case 'call': return { ...e, args: e.args.map(remap) };
      case 'binary': return { ...e, left: remap(e.left), right: remap(e.right) };
      case 'unary': return { ...e, operand: remap(e.operand) };
      case 'cast': return { ...e, operand: remap(e.operand) };
      case 'case': return { ...e, branches: e.branches.map((b) => ({ when: remap(b.when), then: remap(b.then) })), else: e.else ? remap(e.else) : null };
      default: return e;
    }
  };
  return {
    aggregations: sorted.map((a, i) => ({ ...a, index: i })),
    features: features.map((f) => ({ ...f, expr: remap(f.expr), aggregations: f.aggregations.map((i) => newIndex.get(i)!).sort((a, b) => a - b) })),
  };
}
