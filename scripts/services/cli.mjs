#!/usr/bin/env node
// npm run services -- install|up|down|status|logs [name...] [--keep-data] [--lines N]
//   install   fetch the pinned versions into the cache (no-op when already there)
//   up        install if needed, then start the services (reusing any already serving their port)
//   down      stop what this manager started; removes their data unless --keep-data
//   status    up/down, pid and memory (RSS) of each
//   logs      last lines of each service's log (--lines N, default 50)
// Names: cassandra, kafka, metastore, spark (default: all). See docs/services.md.
import { install } from './install.mjs';
import { SERVICES, down, logs, status, up } from './manager.mjs';

const [command, ...rest] = process.argv.slice(2);
const names = [];
const flags = new Set();
let lines = 50;
for (let i = 0; i < rest.length; i++) {
  if (rest[i] === '--lines') lines = Number(rest[++i]);
  else if (rest[i].startsWith('--')) flags.add(rest[i]);
  else names.push(rest[i]);
}
const unknown = names.filter((n) => !SERVICES.includes(n));
const selected = names.length ? names : SERVICES;

function usage(code) {
  console.error('usage: npm run services -- install|up|down|status|logs [cassandra|kafka|metastore|spark ...] [--keep-data] [--lines N]');
  process.exit(code);
}
if (unknown.length) {
  console.error(`unknown service: ${unknown.join(', ')}`);
  usage(2);
}

try {
  switch (command) {
    case 'install':
      await install();
      break;
    case 'up':
      await install();
      await up(selected);
      break;
    case 'down':
      await down(selected, { keepData: flags.has('--keep-data') });
      break;
    case 'status':
      process.exitCode = (await status(selected)) ? 0 : 3;
      break;
    case 'logs':
      logs(selected, lines);
      break;
    default:
      usage(command ? 2 : 0);
  }
} catch (e) {
  console.error(`[services] ${e.message}`);
  process.exit(1);
}
