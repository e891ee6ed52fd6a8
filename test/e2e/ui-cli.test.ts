/**
 * `palette ui` end to end: the built-in catalog server over a compiled example repository,
 * its JSON routes and their errors, a registry that changes on disk (a new `palette compile`
 * shows on the next request), and the page itself run in jsdom against the live server:
 * the namespace list, a feature, a model, a search, an unknown name with its candidates, and
 * a description holding markup shown as text, not run.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { JSDOM } from 'jsdom';
import { scaffold } from '../../compiler/cli/init-command.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'palette-ui-cli-'));
const repo = join(work, 'rides');
const cliArgs = ['--import', import.meta.resolve('tsx'), join(root, 'compiler/cli/main.ts')];

function palette(args: string[]) {
  const r = spawnSync(process.execPath, [...cliArgs, ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Starts `palette ui` and resolves to its base URL once it prints it. */
function startUi(args: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...cliArgs, 'ui', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d;
      const m = /palette catalog on (http:\/\/[^\s]+)/.exec(out);
      if (m) resolve({ child, url: m[1] });
    });
    child.stderr!.on('data', (d: Buffer) => { err += d; });
    child.once('exit', (code) => reject(new Error(`palette ui exited with ${code}: ${err}`)));
  });
}

const MARKUP = '<img src=x onerror=window.hacked=1>';

describe('palette ui', () => {
  let ui: { child: ChildProcess; url: string };
  const api = async (path: string, init?: RequestInit) => {
    const res = await fetch(ui.url + path, init);
    return { status: res.status, headers: res.headers, body: res.headers.get('content-type')?.startsWith('application/json') ? await res.json() as any : await res.text() };
  };

  before(async () => {
    scaffold(repo, 'rides');
    // An entity whose description is markup: the page must show it as text.
    writeFileSync(join(repo, 'definitions', 'markup.pal'), `namespace rides\n\nentity courier {\n  key courier_id: string\n  description "${MARKUP}"\n}\n`);
    const c = palette(['compile']);
    assert.equal(c.code, 0, c.err);
    ui = await startUi(['--port', '0']);
  });
  after(() => {
    ui?.child.kill('SIGTERM');
    rmSync(work, { recursive: true, force: true });
  });

  it('binds loopback by default and serves the page with a strict content policy', async () => {
    assert.match(ui.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await api('/');
    assert.equal(r.status, 200);
    assert.match(r.headers.get('content-type')!, /text\/html/);
    assert.match(r.headers.get('content-security-policy')!, /default-src 'none'/);
    assert.match(r.body, /<title>Palette catalog<\/title>/);
  });

  it('answers the catalog, show and search routes from the compiled registry', async () => {
    const cat = await api('/api/catalog');
    assert.equal(cat.status, 200);
    assert.deepEqual(cat.body.namespaces.map((n: any) => n.name), ['rides']);
    assert.ok(cat.body.namespaces[0].groups.some((g: any) => g.name === 'rides.driver_trip_stats'));
    assert.equal(cat.body.counts.features, cat.body.namespaces[0].groups.reduce((n: number, g: any) => n + g.features, 0));

    const f = await api('/api/show?name=driver_trip_stats.avg_fare_7d');
    assert.equal(f.status, 200);
    assert.equal(f.body.kind, 'feature');
    assert.equal(f.body.value.definition, 'avg(fare) over 7d every 1h');
    assert.ok(f.body.value.usedBy.includes('rides.eta_v3'));

    const m = await api('/api/show?name=rides.eta_v3');
    assert.equal(m.body.kind, 'model');
    assert.ok(m.body.value.features.length > 0);

    const s = await api('/api/search?q=fare');
    assert.equal(s.status, 200);
    assert.ok(s.body.total > 0);
    assert.ok(s.body.results.every((x: any) => /fare/.test(`${x.name} ${x.definition} ${x.description ?? ''}`)));
    assert.deepEqual((await api('/api/search?q=')).body.results, []);
  });

  it('says what is wrong with a bad request', async () => {
    const unknown = await api('/api/show?name=fare');
    assert.equal(unknown.status, 404);
    assert.equal(unknown.body.error.code, 'unknown_name');
    assert.ok(unknown.body.error.candidates.some((c: string) => c.includes('avg_fare_7d')), 'an unknown name lists what it could mean');
    assert.equal((await api('/api/show')).body.error.code, 'missing_name');
    assert.equal((await api(`/api/search?q=${'x'.repeat(501)}`)).status, 400);
    assert.equal((await api('/api/nothing')).status, 404);
    assert.equal((await api('/nothing')).status, 404);
    const post = await api('/api/catalog', { method: 'POST', body: '{}' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  });

  it('refuses a bad port and a port in use with a clear error', () => {
    const bad = palette(['ui', '--port', 'eighty']);
    assert.equal(bad.code, 1);
    assert.match(bad.err, /--port must be a whole number in \[0, 65535\], not `eighty`/);
    const busy = palette(['ui', '--port', new URL(ui.url).port]);
    assert.equal(busy.code, 1);
    assert.match(busy.err, /cannot listen on 127\.0\.0\.1:\d+: the port is in use/);
  });

  it('shows a new compile on the next request', async () => {
    const before = (await api('/api/catalog')).body.counts.features;
    appendFileSync(join(repo, 'definitions', 'markup.pal'), '\ngroup driver_extra on driver from trips {\n  feature trips_2d = count() over 2d\n}\n');
    const c = palette(['compile']);
    assert.equal(c.code, 0, c.err);
    const after = await api('/api/catalog');
    assert.equal(after.body.counts.features, before + 1);
  });

  it('renders in a browser: navigation, feature, model, search, unknown names, markup as text', async () => {
    const html = (await api('/')).body as string;
    const dom = new JSDOM(html, {
      url: `${ui.url}/`, runScripts: 'dangerously', pretendToBeVisual: true,
      beforeParse(window) {
        // jsdom has no fetch: hand the page this process's, aimed at the server.
        (window as any).fetch = (path: string, init?: RequestInit) => fetch(new URL(path, ui.url), init);
      },
    });
    const { window } = dom;
    const view = () => window.document.getElementById('view')!;
    const until = async (what: string, pred: () => boolean) => {
      const end = Date.now() + 5000;
      while (!pred()) {
        if (Date.now() > end) throw new Error(`the page did not show ${what}; it shows: ${view().textContent}`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    try {
      await until('the namespace list', () => window.document.querySelectorAll('nav a').length > 0);
      const links = [...window.document.querySelectorAll('nav a')].map((a) => a.getAttribute('href'));
      assert.ok(links.includes('#/show/rides.eta_v3'), links.join(' '));
      assert.ok(links.includes('#/show/rides.driver_trip_stats'));

      window.location.hash = '#/show/rides.driver_trip_stats.avg_fare_7d';
      await until('the feature', () => /avg\(fare\) over 7d/.test(view().textContent!));
      assert.match(view().textContent!, /rides\.eta_v3/);

      window.location.hash = '#/show/rides.eta_v3';
      await until('the model', () => view().querySelector('.kind')?.textContent === 'model');
      assert.ok(view().querySelectorAll('a[href^="#/show/rides.driver_trip_stats."]').length > 0, 'the model links its features');

      window.location.hash = '#/search/fare';
      await until('search results', () => view().querySelector('.kind')?.textContent === 'search');
      assert.ok(view().querySelectorAll('table a').length > 0);

      window.location.hash = '#/show/fare';
      await until('the not-found view', () => view().querySelector('.kind')?.textContent === 'not found');
      assert.match(view().textContent!, /Did you mean/);

      window.location.hash = '#/show/rides.courier';
      await until('the entity', () => view().querySelector('.kind')?.textContent === 'entity');
      assert.ok(view().textContent!.includes(MARKUP), 'the description is shown as written');
      assert.equal(view().querySelector('img'), null, 'and not as markup');
      assert.equal((window as any).hacked, undefined);
    } finally {
      window.close();
    }
  });
});
