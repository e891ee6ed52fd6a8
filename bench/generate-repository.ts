/**
 * Generates a large feature repository for the compiler benchmark: `groups` groups with
 * `featuresPerGroup` windowed features each, spread over files of 50 groups, one
 * namespace, a few entities and sources, and one model per 100 groups.
 */
export function generateRepository(groups: number, featuresPerGroup: number): { path: string; text: string }[] {
  const files: { path: string; text: string }[] = [];
  files.push({
    path: 'gen/common.pal',
    text: `namespace gen

entity user { key user_id: string }
entity item { key item_id: long }

source events {
  events
  stream kafka "gen.events" format json
  table hive "raw.events" partition ds
  timestamp ts
  fields { user_id: string, item_id: long, kind: string, amount: double, quantity: int?, ts: timestamp }
}
`,
  });
  const aggs = ['count()', 'sum(amount)', 'avg(amount)', 'max(amount)', 'min(quantity)', 'count_distinct(kind)', 'last(kind)', 'stddev(amount)', 'count(quantity)', 'first(amount)'];
  const windows = ['1h', '1d', '7d', '30d', '10m every 5m', 'all'];
  let text = '';
  let fileIndex = 0;
  const flush = () => { if (text) files.push({ path: `gen/groups_${String(fileIndex++).padStart(3, '0')}.pal`, text: `namespace gen\n\n${text}` }); text = ''; };
  for (let g = 0; g < groups; g++) {
    const entity = g % 2 === 0 ? 'user' : 'item';
    const lines = [`group g${g} on ${entity} from events {`, `  where kind != "test_${g % 7}"`, `  owner "team${g % 13}@example"`, `  tags t${g % 5}, generated`, `  let value_${g} = amount * ${(g % 10) + 1}.5`];
    for (let f = 0; f < featuresPerGroup - 1; f++) {
      const agg = aggs[(g + f) % aggs.length];
      lines.push(`  feature f${f} = ${agg.replace('amount', `value_${g}`)} over ${windows[(g * 3 + f) % windows.length]}  "feature ${f} of group ${g}"`);
    }
    lines.push(`  feature f0_text = coalesce(cast(f0 as string), "none")`);
    lines.push('}', '');
    text += `${lines.join('\n')}\n`;
    if ((g + 1) % 50 === 0) flush();
  }
  flush();
  const models: string[] = [];
  for (let m = 0; m * 100 < groups; m++) {
    const sel = [];
    for (let g = m * 100; g < Math.min(groups, m * 100 + 10); g += 2) sel.push(`g${g}.*`);
    models.push(`model m${m} {\n  features ${sel.join(', ')}\n}\n`);
  }
  files.push({ path: 'gen/models.pal', text: `namespace gen\n\n${models.join('\n')}` });
  return files;
}
