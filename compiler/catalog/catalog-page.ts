/**
 * The page `palette ui` serves: one HTML document with its style and script inline, no
 * outside assets (the server's content security policy allows none). It reads the JSON
 * routes of catalog-server.ts. Navigation lives in the URL fragment (#/show/NAME,
 * #/search/WORDS), so a link to a feature can be shared. Every value from the registry is
 * put into the page as text (textContent), never as markup.
 */
export const CATALOG_PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Palette catalog</title>
<style>
  :root { --fg: #1d2330; --muted: #687086; --line: #e3e6ee; --accent: #3451b2; --bg: #f7f8fb; }
  * { box-sizing: border-box; }
  body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
  header { display: flex; gap: 16px; align-items: center; padding: 10px 18px; background: #fff; border-bottom: 1px solid var(--line); }
  header h1 { font-size: 17px; margin: 0; }
  header .meta { color: var(--muted); font-size: 12px; }
  header input { flex: 1; max-width: 520px; padding: 7px 10px; border: 1px solid var(--line); border-radius: 6px; font: inherit; }
  main { display: grid; grid-template-columns: 320px 1fr; min-height: calc(100vh - 52px); }
  nav { border-right: 1px solid var(--line); background: #fff; padding: 10px 0; overflow-y: auto; max-height: calc(100vh - 52px); }
  nav h2 { font-size: 13px; margin: 14px 16px 4px; }
  nav h3 { font-size: 11px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); margin: 8px 16px 2px; }
  nav a { display: block; padding: 2px 16px 2px 24px; color: var(--fg); text-decoration: none; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
  nav a:hover, nav a.current { background: #eef1fa; color: var(--accent); }
  section#view { padding: 18px 26px; overflow-x: auto; }
  h2.title { margin: 0 0 2px; font-size: 20px; }
  .kind { color: var(--muted); font-size: 12px; text-transform: uppercase; letter-spacing: .05em; }
  table { border-collapse: collapse; margin: 10px 0 18px; background: #fff; }
  td, th { text-align: left; vertical-align: top; padding: 5px 12px 5px 0; border-bottom: 1px solid var(--line); }
  th { color: var(--muted); font-weight: 500; white-space: nowrap; }
  code, pre { font: 12.5px/1.4 ui-monospace, SFMono-Regular, Menlo, monospace; }
  pre { margin: 0; white-space: pre-wrap; }
  a { color: var(--accent); }
  .tag { display: inline-block; padding: 0 7px; margin-right: 4px; border-radius: 9px; background: #eef1fa; font-size: 12px; }
  .muted { color: var(--muted); }
  .error { color: #a12a2a; }
</style>
</head>
<body>
<header>
  <h1>Palette catalog</h1>
  <input id="q" type="search" placeholder="Search features by name, tag, description, owner…" autocomplete="off">
  <span class="meta" id="meta"></span>
</header>
<main>
  <nav id="nav"></nav>
  <section id="view"><p class="muted">Loading…</p></section>
</main>
<script>
"use strict";
const $ = (id) => document.getElementById(id);
function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}
const link = (name, text) => el('a', { href: '#/show/' + encodeURIComponent(name) }, text || name);
const list = (xs, f) => { const s = el('span'); xs.forEach((x, i) => { if (i) s.append(', '); s.append(f ? f(x) : x); }); return s; };
const tags = (xs) => { const s = el('span'); for (const t of xs || []) s.append(el('span', { class: 'tag' }, t)); return s; };
async function api(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await res.json();
  if (!res.ok) { const e = new Error(body.error ? body.error.message : 'HTTP ' + res.status); e.body = body; throw e; }
  return body;
}
function facts(rows) {
  const t = el('table');
  for (const [k, v] of rows) if (v !== null && v !== undefined && v !== '' && !(Array.isArray(v) && v.length === 0)) t.append(el('tr', {}, el('th', {}, k), el('td', {}, v)));
  return t;
}
function show(view, kind, name, ...content) {
  view.replaceChildren(el('div', { class: 'kind' }, kind), el('h2', { class: 'title' }, name), ...content);
}
const render = {
  feature(v) {
    return [facts([
      ['type', el('code', {}, v.type)], ['definition', el('pre', {}, v.definition)], ['window', v.window], ['description', v.description],
      ['group', link(v.group)], ['entity', link(v.entity)], ['owner', v.owner], ['tags', v.tags.length ? tags(v.tags) : null],
      ['used by', v.usedBy.length ? list(v.usedBy, (m) => link(m)) : el('span', { class: 'muted' }, 'no model yet')],
      ['version', el('code', {}, v.version)], ['defined at', el('code', {}, v.definedAt)],
    ])];
  },
  group(v) {
    const ft = el('table', {}, el('tr', {}, el('th', {}, 'feature'), el('th', {}, 'type'), el('th', {}, 'definition'), el('th', {}, 'description')));
    for (const f of v.features) ft.append(el('tr', {}, el('td', {}, link(f.name, f.name.split('.').pop())), el('td', {}, el('code', {}, f.type)), el('td', {}, el('pre', {}, f.definition)), el('td', {}, f.description || '')));
    return [facts([
      ['kind', v.kind], ['entity', link(v.entity)], ['source', link(v.source)], ['description', v.description], ['owner', v.owner],
      ['tags', v.tags.length ? tags(v.tags) : null], ['where', v.filter ? el('pre', {}, v.filter) : null], ['version', el('code', {}, v.version)],
      ['online table', el('code', {}, v.online)], ['offline tables', v.offline.length ? list(v.offline, (t) => el('code', {}, t)) : null],
      ['defined at', el('code', {}, v.definedAt)],
    ]), el('h3', {}, 'Features'), ft];
  },
  model(v) {
    const ft = el('table', {}, el('tr', {}, el('th', {}, 'output'), el('th', {}, 'from')));
    for (const f of v.features) ft.append(el('tr', {}, el('td', {}, el('code', {}, f.outputName)), el('td', {}, link(f.feature))));
    for (const d of v.derived) ft.append(el('tr', {}, el('td', {}, el('code', {}, d.outputName)), el('td', {}, el('pre', {}, '= ' + d.definition))));
    return [facts([
      ['description', v.meta.description], ['owner', v.meta.owner], ['keys', list(v.keys.map((k) => k.name), (k) => el('code', {}, k))],
      ['groups', list(v.groups, (g) => link(g))],
    ]), el('h3', {}, 'Features'), ft];
  },
  entity(v) {
    return [facts([
      ['keys', list(v.keys, (k) => el('code', {}, k.name))], ['description', v.meta.description], ['owner', v.meta.owner],
      ['used by', v.usedBy.length ? list(v.usedBy, (g) => link(g)) : null],
    ])];
  },
  source(v) {
    const ft = el('table', {}, el('tr', {}, el('th', {}, 'field'), el('th', {}, 'type')));
    for (const f of v.fields) ft.append(el('tr', {}, el('td', {}, el('code', {}, f.name)), el('td', {}, el('code', {}, typeText(f.type)))));
    return [facts([
      ['kind', v.kind], ['stream', v.stream ? el('code', {}, 'kafka: ' + v.stream.topic) : null], ['table', v.table ? el('code', {}, 'hive: ' + v.table.name) : null],
      ['timestamp', v.timestampField], ['used by', v.usedBy.length ? list(v.usedBy, (g) => link(g)) : null],
    ]), el('h3', {}, 'Fields'), ft];
  },
};
function typeText(t) {
  if (!t) return '?';
  if (t.kind === 'list') return 'list<' + typeText(t.element) + '>';
  return t.name + (t.nullable ? '?' : '');
}
async function route() {
  const view = $('view');
  const hash = decodeURIComponent(location.hash.slice(1));
  for (const a of document.querySelectorAll('nav a')) a.classList.toggle('current', a.getAttribute('href') === location.hash);
  try {
    if (hash.startsWith('/show/')) {
      const name = hash.slice(6);
      const r = await api('/api/show?name=' + encodeURIComponent(name));
      show(view, r.kind, r.value.name, ...render[r.kind](r.value));
    } else if (hash.startsWith('/search/')) {
      const q = hash.slice(8);
      if ($('q').value !== q) $('q').value = q;
      const r = await api('/api/search?q=' + encodeURIComponent(q));
      const t = el('table', {}, el('tr', {}, el('th', {}, 'feature'), el('th', {}, 'type'), el('th', {}, 'window'), el('th', {}, 'description')));
      for (const f of r.results) t.append(el('tr', {}, el('td', {}, link(f.name)), el('td', {}, el('code', {}, f.type)), el('td', {}, f.window || ''), el('td', {}, f.description || '')));
      show(view, 'search', q, el('p', { class: 'muted' }, r.total + ' feature' + (r.total === 1 ? '' : 's') + ' match'), r.total ? t : '');
    } else {
      const c = window.catalog;
      show(view, 'registry', c.registryHash, el('p', {}, c.counts.groups + ' groups, ' + c.counts.features + ' features, ' + c.counts.models + ' models in ' + c.namespaces.length + ' namespace(s). Pick one on the left, or search.'));
    }
  } catch (e) {
    const cands = e.body && e.body.error && e.body.error.candidates;
    show(view, 'not found', hash.replace(/^\\/(show|search)\\//, ''), el('p', { class: 'error' }, e.message),
      cands && cands.length ? el('p', {}, 'Did you mean: ', list(cands, (c) => link(c.split(' ').slice(1).join(' '), c))) : '');
  }
}
async function start() {
  const c = await api('/api/catalog');
  window.catalog = c;
  $('meta').textContent = c.counts.groups + ' groups · ' + c.counts.features + ' features · ' + c.counts.models + ' models · registry ' + c.registryHash;
  const nav = $('nav');
  for (const ns of c.namespaces) {
    nav.append(el('h2', {}, ns.name));
    const part = (title, items, text) => { if (!items.length) return; nav.append(el('h3', {}, title)); for (const x of items) nav.append(link(x.name, text(x))); };
    part('Models', ns.models, (m) => m.name.slice(ns.name.length + 1) + ' (' + m.features + ')');
    part('Groups', ns.groups, (g) => g.name.slice(ns.name.length + 1) + ' (' + g.features + ')');
    part('Entities', ns.entities, (e) => e.name.slice(ns.name.length + 1));
    part('Sources', ns.sources, (s) => s.name.slice(ns.name.length + 1));
  }
  let timer;
  $('q').addEventListener('input', (ev) => {
    clearTimeout(timer);
    const q = ev.target.value.trim();
    timer = setTimeout(() => { location.hash = q ? '#/search/' + encodeURIComponent(q) : ''; }, 200);
  });
  window.addEventListener('hashchange', route);
  await route();
}
start().catch((e) => { $('view').replaceChildren(el('p', { class: 'error' }, 'Cannot load the catalog: ' + e.message)); });
</script>
</body>
</html>
`;
