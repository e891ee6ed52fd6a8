/**
 * `palette fetch` and `palette quickstart`'s side of the sidecar: turning
 * `NAME key=value...` into a request body (with key values typed by the catalog), sending it
 * to a running sidecar over HTTP, and printing an answer as a table.
 *
 * The request body is the sidecar's own format (feature-request.ts), whether it then goes
 * over HTTP (--via) or straight to FeatureService.handle: one request path, two transports.
 */
import { request } from 'node:http';
import type { Value } from '../runtime/contracts/types.js';
import { UserError } from '../runtime/errors.js';
import type { FeatureResponse } from './feature-service.js';
import type { CatalogSummary } from './serving-catalog.js';

/** A model or a group (all its features), by qualified or unique local name. */
export function requestBody(summary: CatalogSummary, name: string, pairs: readonly string[], at?: string): Record<string, unknown> {
  const short = (q: string) => q.slice(q.indexOf('.') + 1);
  const pick = <T extends { name: string }>(list: readonly T[]): T | 'ambiguous' | null => {
    const exact = list.find((x) => x.name === name);
    if (exact) return exact;
    const local = list.filter((x) => short(x.name) === name);
    return local.length > 1 ? 'ambiguous' : local[0] ?? null;
  };
  const model = pick(summary.models);
  const group = model === null ? pick(summary.groups) : null;
  if (model === 'ambiguous' || group === 'ambiguous') throw new UserError(`\`${name}\` names more than one ${model ? 'model' : 'group'}`, 'use the qualified name (namespace.name)');
  if (!model && !group) {
    throw new UserError(`no model or group called \`${name}\``,
      `models: ${summary.models.map((m) => m.name).join(', ') || '(none)'}; groups: ${summary.groups.map((g) => g.name).join(', ') || '(none)'}`);
  }
  const keys = (model ?? group)!.keys;
  const entity: Record<string, Value> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UserError(`\`${p}\` is not key=value`, `keys: ${keys.map((k) => k.name).join(', ')}`);
    const k = p.slice(0, eq);
    const spec = keys.find((x) => x.name === k);
    // Keys the target does not use are passed on as text: the sidecar reports them clearly.
    entity[k] = spec ? typedKey(spec.type, p.slice(eq + 1)) : p.slice(eq + 1);
  }
  const body: Record<string, unknown> = model ? { model: model.name } : { features: [`${group!.name}.*`] };
  body.entities = [entity];
  if (at !== undefined) body.at = /^\d+$/.test(at) ? Number(at) : at;
  return body;
}

/** A command-line key value in its JSON type (by the key's type name, e.g. `long`, `string`). */
function typedKey(type: string, text: string): Value {
  const base = type.replace(/\?$/, '');
  if (['int', 'long', 'float', 'double'].includes(base)) return text.trim() !== '' && Number.isFinite(Number(text)) ? Number(text) : text;
  if (base === 'boolean') return text === 'true' ? true : text === 'false' ? false : text;
  if (base === 'timestamp' && /^\d+$/.test(text)) return Number(text);
  return text;
}

/**
 * GET or POST JSON to a sidecar; a 4xx becomes a UserError with the sidecar's message.
 * `base` is its URL (http://host:port) or `unix:/path/to.sock` for its Unix socket.
 */
export async function callSidecar<T>(base: string, path: string, opts: { body?: unknown; token?: string | null; timeoutMs?: number } = {}): Promise<T> {
  const socketPath = base.startsWith('unix:') ? base.slice(5) : null;
  if (socketPath === '') throw new UserError('`unix:` needs the socket\'s path, e.g. unix:/var/run/palette/sidecar.sock');
  const url = new URL(path, socketPath !== null ? 'http://localhost/' : base.endsWith('/') ? base : `${base}/`);
  const where = socketPath !== null ? `unix:${socketPath}` : url.origin;
  if (url.protocol !== 'http:') throw new UserError(`cannot reach the sidecar at ${base}: only http:// URLs and unix:PATH are supported`);
  const headers: Record<string, string> = { accept: 'application/json' };
  const body = opts.body === undefined ? undefined : JSON.stringify(opts.body);
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  let res: { status: number; text: string };
  try {
    res = await new Promise((resolve, reject) => {
      const req = request({
        ...(socketPath !== null ? { socketPath } : { host: url.hostname, port: url.port || 80 }),
        path: url.pathname + url.search, method: body === undefined ? 'GET' : 'POST', headers, timeout: opts.timeoutMs ?? 10_000,
      }, (r) => {
        const chunks: Buffer[] = [];
        r.on('data', (c: Buffer) => chunks.push(c));
        r.on('end', () => resolve({ status: r.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        r.on('error', reject);
      });
      req.on('timeout', () => req.destroy(Object.assign(new Error(`no answer within ${opts.timeoutMs ?? 10_000} ms`), { code: 'TIMEOUT' })));
      req.on('error', reject);
      req.end(body);
    });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new UserError(`cannot reach the sidecar at ${where}: ${err.code ?? err.message}`, 'is `palette serve` running there?');
  }
  let json: unknown;
  try {
    json = JSON.parse(res.text);
  } catch {
    throw new UserError(`the sidecar at ${where} answered HTTP ${res.status} with something that is not JSON: ${res.text.slice(0, 200)}`);
  }
  if (res.status < 200 || res.status >= 300) {
    const err = (json as { error?: { message?: string; hint?: string } }).error;
    throw new UserError(`the sidecar refused the request (HTTP ${res.status}): ${err?.message ?? res.text.slice(0, 200)}`, err?.hint);
  }
  return json as T;
}

const show = (v: Value): string => (v === null ? 'null' : typeof v === 'string' ? v : JSON.stringify(v));

function age(ms: number | null): string {
  if (ms === null) return '-';
  const neg = ms < 0;
  let s = Math.round(Math.abs(ms) / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86_400], ['h', 3600], ['m', 60]] as const) {
    if (s >= size) { parts.push(`${Math.floor(s / size)}${unit}`); s %= size; }
  }
  if (s > 0 || parts.length === 0) parts.push(`${s}s`);
  return `${neg ? '-' : ''}${parts.slice(0, 2).join(' ')}`;
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}

/** A response as text: per entity, its features (value, status) and its groups (version, status, freshness). */
export function renderResponse(r: FeatureResponse, tookMs?: number, title?: string): string {
  const out: string[] = [];
  const versions = new Map(r.groups.map((g) => [g.name, g.version]));
  for (const e of r.results) {
    const keys = Object.entries(e.key).map(([k, v]) => `${k}=${show(v)}`).join(' ');
    out.push(`${r.model ?? title ?? 'features'} for ${keys} at ${new Date(r.at).toISOString()}${tookMs === undefined ? '' : ` (${tookMs.toFixed(1)} ms)`}`);
    out.push(table([['feature', 'value', 'status'], ...r.features.map((f) => [f, show(e.values[f]), e.statuses[f]])]));
    out.push(table([['group', 'version', 'status', 'data as of', 'age'], ...Object.entries(e.groups).map(([g, x]) => [
      g, versions.get(g) ?? '?', x.status, x.dataTime === null ? '-' : new Date(x.dataTime).toISOString(), x.error ?? age(x.ageMs),
    ])]));
    out.push('');
  }
  return out.join('\n');
}
