// Starts and stops the local test services. Everything a run makes is in the run folder:
//   <runDir>/logs/<name>.log   stdout+stderr of each server (kept after down)
//   <runDir>/data/<name>/      its data (removed by down unless --keep-data)
//   <runDir>/conf/<name>/      configuration rendered from scripts/services/<name>/
//   <runDir>/pids/<name>.pid   process id of a server this manager started
//   <runDir>/services.json     serviceConfig(): addresses, metastore URL, warehouse, SPARK_HOME
//
// Services: cassandra, kafka, metastore (Derby network server holding the Hive metastore),
// spark (Spark Thrift Server = HiveServer2; needs metastore).
//
// Why a Derby *network* server for the metastore: embedded Derby lets one JVM open the database,
// but the Thrift Server and every spark-submit job must see the same tables at the same time.
// The network server is one small JVM from Maven jars of the very Derby release inside pyspark
// (so the schema Hive creates is read by the same code everywhere), needs no root-only setup or
// extra OS user (PostgreSQL from Debian does), and no second Hive install (a standalone metastore
// service would need hive-metastore jars and their Hadoop dependencies beside Spark's).
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceConfig, sparkSubmitArgs } from './config.mjs';

export const SERVICES = ['cassandra', 'kafka', 'metastore', 'spark'];
const DEPENDS = { spark: ['metastore'] };
const here = dirname(fileURLToPath(import.meta.url));
const env = process.env;
const TIMEOUT_S = Number(env.PALETTE_SERVICES_TIMEOUT || 300); // cold starts on 2 cores are slow
const STOP_TIMEOUT_S = 30;
const log = (msg) => console.log(`[services] ${msg}`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const seconds = (t0) => `${((Date.now() - t0) / 1000).toFixed(1)} s`;

function paths(config, name) {
  return {
    data: join(config.runDir, 'data', name),
    conf: join(config.runDir, 'conf', name),
    log: join(config.runDir, 'logs', `${name}.log`),
    pid: join(config.runDir, 'pids', `${name}.pid`),
  };
}

const render = (file, vars) => readFileSync(join(here, file), 'utf8').replace(/\{\{(\w+)\}\}/g, (_, k) => String(vars[k]));

// ---- how each service starts -------------------------------------------------------------
// Each returns { cmd, args, cwd?, env?, ready? } after writing its configuration. Every server
// gets -Dpalette.service=<name>, so `down` can tell our process from a recycled pid.

const starters = {
  cassandra(config, p) {
    const { host, port, storagePort, home } = config.cassandra;
    writeFileSync(join(p.conf, 'cassandra.yaml'), render('cassandra/cassandra.yaml', { host, port, storagePort }));
    const jpms = readFileSync(join(here, 'cassandra', 'jvm17.options'), 'utf8')
      .split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).flatMap((l) => l.split(/\s+/));
    const lib = join(home, 'lib');
    const jamm = readdirSync(lib).find((f) => /^jamm-.*\.jar$/.test(f));
    const heap = env.PALETTE_CASSANDRA_HEAP || '1g';
    // Optional GC log (its pauses set the tail of every read latency measured against it).
    const gcLog = env.PALETTE_CASSANDRA_GC_LOG ? [`-Xlog:gc:file=${env.PALETTE_CASSANDRA_GC_LOG}`] : [];
    // Which collector, and its options: replaces the default below (space-separated JVM flags).
    const gc = (env.PALETTE_CASSANDRA_GC_OPTS || '-XX:+UseG1GC').split(/\s+/).filter(Boolean);
    return {
      cmd: 'java',
      args: [
        `-Xms${heap}`, `-Xmx${heap}`, '-Xss256k', ...gc, ...gcLog, '-XX:+ExitOnOutOfMemoryError',
        '-Dpalette.service=cassandra', `-javaagent:${join(lib, jamm)}`, ...jpms,
        '-Dio.netty.tryReflectionSetAccessible=true', '-Djava.net.preferIPv4Stack=true', '-Dchronicle.analytics.disable=true',
        `-Dcassandra.config=file://${join(p.conf, 'cassandra.yaml')}`, `-Dcassandra.storagedir=${p.data}`,
        `-Dcassandra.logdir=${p.data}/logs`, `-Dlogback.configurationFile=${join(here, 'cassandra', 'logback.xml')}`,
        // without cassandra-foreground the daemon closes stdout/stderr (and so its log)
        '-Dcassandra-foreground=yes', '-Dcassandra.skip_wait_for_gossip_to_settle=0',
        // test-only speedups: no fsync, no flush of system tables / schema changes
        '-Dcassandra.skip_sync=true', '-Dcassandra.unsafesystem=true', '-Dcassandra.test.flush_local_schema_changes=false',
        '-Dcassandra.available_processors=2',
        '-cp', `${lib}/*`, 'org.apache.cassandra.service.CassandraDaemon',
      ],
    };
  },

  kafka(config, p) {
    const { host, port, controllerPort, home } = config.kafka;
    const props = join(p.conf, 'server.properties');
    writeFileSync(props, render('kafka/server.properties', { host, port, controllerPort, dataDir: p.data }));
    const cp = `${join(home, 'lib')}/*`;
    if (!existsSync(join(p.data, 'meta.properties'))) {
      // KRaft storage must be formatted once with a cluster id (22 chars of URL-safe base64).
      let id;
      do id = randomBytes(16).toString('base64url'); while (id.startsWith('-'));
      const fmt = spawnSync('java', ['-cp', cp, 'kafka.tools.StorageTool', 'format', '-t', id, '-c', props, '--ignore-formatted'], { encoding: 'utf8' });
      writeFileSync(p.log, `${fmt.stdout}${fmt.stderr}`, { flag: 'a' });
      if (fmt.status !== 0) throw new Error(`kafka: storage format failed (exit ${fmt.status})`);
    }
    const heap = env.PALETTE_KAFKA_HEAP || '512m';
    return {
      cmd: 'java',
      args: [
        `-Xms${heap}`, `-Xmx${heap}`, '-XX:+UseG1GC', '-Djava.awt.headless=true', '-Dpalette.service=kafka',
        '-Dorg.slf4j.simpleLogger.showDateTime=true', "-Dorg.slf4j.simpleLogger.dateTimeFormat=yyyy-MM-dd'T'HH:mm:ss.SSS",
        '-cp', cp, 'kafka.Kafka', props,
      ],
      // the port opens a moment before the broker has registered with its controller
      ready: (logText) => logText.includes('Kafka Server started'),
    };
  },

  metastore(config, p) {
    const { host, port, home } = config.metastore;
    return {
      cmd: 'java',
      args: [
        '-Xmx256m', '-Dpalette.service=metastore', `-Dderby.system.home=${p.data}`, '-cp', `${join(home, 'lib')}/*`,
        'org.apache.derby.drda.NetworkServerControl', 'start', '-h', host, '-p', String(port), '-noSecurityManager',
      ],
    };
  },

  spark(config, p) {
    const { host, port } = config.hive;
    // pyspark has no sbin/start-thriftserver.sh; spark-submit runs the server's main class directly.
    return {
      cmd: config.spark.sparkSubmit,
      args: [
        ...sparkSubmitArgs(config, { driverMemory: env.PALETTE_SPARK_DRIVER_MEMORY || '1g' }),
        '--driver-java-options', '-Dpalette.service=spark',
        '--name', 'palette-thrift-server', '--class', 'org.apache.spark.sql.hive.thriftserver.HiveThriftServer2',
        '--hiveconf', `hive.server2.thrift.bind.host=${host}`, '--hiveconf', `hive.server2.thrift.port=${port}`,
        '--hiveconf', 'hive.server2.authentication=NONE', // SASL PLAIN: hive-driver's PlainTcpAuthentication
      ],
      env: config.spark.env,
      cwd: p.data, // stray files (spark-warehouse/, derby.log, ...) land in the run folder
    };
  },
};

const endpoint = (config, name) => (name === 'spark' ? config.hive : config[name]);

// ---- process helpers ----------------------------------------------------------------------

export function portOpen(host, port, timeoutMs = 1000) {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok) => { socket.destroy(); resolve(ok); };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); // a zombie is dead
  } catch {
    return true; // no /proc: trust kill(0)
  }
}

/** The pid recorded for `name`, if that process is alive and is really our server. */
function ourPid(config, name) {
  const file = paths(config, name).pid;
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8'));
  let ours = alive(pid);
  if (ours && existsSync(`/proc/${pid}/cmdline`))
    ours = readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`-Dpalette.service=${name}`);
  if (!ours) rmSync(file, { force: true }); // stale
  return ours ? pid : null;
}

function rssMiB(pid) {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
    return Math.round(kb / 1024);
  } catch {
    return null;
  }
}

function tail(file, lines = 40) {
  if (!existsSync(file)) return '(no log)';
  return readFileSync(file, 'utf8').split('\n').slice(-lines - 1).join('\n');
}

// ---- up -----------------------------------------------------------------------------------

/** Starts one service unless it is already serving its port; adds it to `started` if it spawns it. */
async function ensure(config, name, started) {
  const { host, port } = endpoint(config, name);
  const p = paths(config, name);
  if (await portOpen(host, port)) {
    const pid = ourPid(config, name);
    log(`${name}: already running on ${host}:${port}${pid ? ` (pid ${pid})` : ''}, reusing it`);
    return;
  }
  for (const dir of [p.data, p.conf, dirname(p.log), dirname(p.pid)]) mkdirSync(dir, { recursive: true });
  const t0 = Date.now();
  let pid = ourPid(config, name); // ours, still starting (another `up` is waiting for it too)
  let spec = {};
  if (!pid) {
    writeFileSync(p.log, `=== ${name} starting at ${new Date().toISOString()}\n`);
    spec = starters[name](config, p);
    writeFileSync(p.log, `$ ${spec.cmd} ${spec.args.join(' ')}\n`, { flag: 'a' });
    const out = openSync(p.log, 'a');
    const child = spawn(spec.cmd, spec.args, {
      cwd: spec.cwd ?? p.data,
      env: { ...process.env, ...spec.env },
      detached: true, // own process group: Ctrl-C in the terminal does not reach it, down stops the group
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    child.on('error', (e) => writeFileSync(p.log, `spawn failed: ${e.message}\n`, { flag: 'a' }));
    child.unref();
    pid = child.pid;
    if (!pid) throw new Error(`${name}: could not start ${spec.cmd}`);
    writeFileSync(p.pid, String(pid));
    started.push(name);
  }
  const deadline = t0 + TIMEOUT_S * 1000;
  for (;;) {
    if (!alive(pid)) throw new Error(`${name}: exited during start`);
    if ((await portOpen(host, port)) && (!spec.ready || spec.ready(readFileSync(p.log, 'utf8')))) break;
    if (Date.now() > deadline) throw new Error(`${name}: not ready on ${host}:${port} after ${TIMEOUT_S} s`);
    await sleep(500);
  }
  log(`${name}: ready on ${host}:${port} in ${seconds(t0)} (pid ${pid})`);
}

function checkInstalled(config, names) {
  const homes = { cassandra: config.cassandra.home, kafka: config.kafka.home, metastore: config.metastore.home, spark: dirname(config.spark.venv) };
  const missing = names.filter((n) => !existsSync(join(homes[n], '.installed')));
  if (missing.length) throw new Error(`not installed: ${missing.join(', ')}; run: npm run services -- install`);
}

/**
 * Starts the named services (default: all) and their dependencies in parallel, reusing any that
 * already serve their port. Returns the names this call started (pass them to down()).
 * On failure it stops what it started, prints the log tails and the run folder, and throws.
 */
export async function up(names = SERVICES) {
  const config = serviceConfig();
  const wanted = [...new Set(names.flatMap((n) => [...(DEPENDS[n] ?? []), n]))];
  checkInstalled(config, wanted);
  mkdirSync(config.runDir, { recursive: true });
  const t0 = Date.now();
  const started = [];
  const tasks = new Map();
  const start = (name) => {
    if (!tasks.has(name))
      tasks.set(name, (async () => {
        for (const dep of DEPENDS[name] ?? [])
          await start(dep).catch(() => { throw new Error(`${name}: not started because ${dep} failed`); });
        await ensure(config, name, started).catch((e) => {
          throw Object.assign(e, { service: name }); // its log is worth showing
        });
      })());
    return tasks.get(name);
  };
  const results = await Promise.allSettled(wanted.map(start));
  const failures = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  if (failures.length) {
    for (const e of failures) {
      console.error(`\n[services] ${e.message}`);
      if (e.service) console.error(`--- last lines of ${paths(config, e.service).log}\n${tail(paths(config, e.service).log)}`);
    }
    console.error(`\n[services] run folder: ${config.runDir}`);
    await down(started, { keepData: true, quiet: true });
    throw new Error(`services failed to start: ${failures.map((e) => e.message).join('; ')}`);
  }
  writeFileSync(join(config.runDir, 'services.json'), JSON.stringify(config, null, 2) + '\n');
  log(`up in ${seconds(t0)}; run folder ${config.runDir}`);
  return started;
}

// ---- down, status, logs -------------------------------------------------------------------

async function stop(config, name, quiet) {
  const pid = ourPid(config, name);
  if (!pid) {
    if (!quiet) log(`${name}: nothing to stop (not running, or not started by this manager)`);
    return;
  }
  const t0 = Date.now();
  const signal = (sig) => { try { process.kill(-pid, sig); } catch { try { process.kill(pid, sig); } catch {} } };
  signal('SIGTERM');
  while (alive(pid) && Date.now() - t0 < STOP_TIMEOUT_S * 1000) await sleep(250);
  const killed = alive(pid);
  if (killed) signal('SIGKILL');
  while (alive(pid)) await sleep(100);
  rmSync(paths(config, name).pid, { force: true });
  if (!quiet) log(`${name}: stopped pid ${pid} in ${seconds(t0)}${killed ? ' (killed after timeout)' : ''}`);
}

/** Stops the named services (default: all) if this manager started them, then removes their data. */
export async function down(names = SERVICES, { keepData = false, quiet = false } = {}) {
  const config = serviceConfig();
  // spark before the metastore it uses; the rest in parallel
  if (names.includes('spark')) await stop(config, 'spark', quiet);
  await Promise.all(names.filter((n) => n !== 'spark').map((n) => stop(config, n, quiet)));
  if (keepData) return;
  for (const name of names) {
    const { host, port } = endpoint(config, name);
    if (await portOpen(host, port)) continue; // someone else's server: not our data to remove
    const p = paths(config, name);
    rmSync(p.data, { recursive: true, force: true });
    rmSync(p.conf, { recursive: true, force: true });
  }
}

/** Prints one line per service; returns true if all named services are up. */
export async function status(names = SERVICES) {
  const config = serviceConfig();
  let allUp = true;
  for (const name of names) {
    const { host, port } = endpoint(config, name);
    const up = await portOpen(host, port);
    const pid = ourPid(config, name);
    allUp &&= up;
    const who = pid ? `pid ${pid}, RSS ${rssMiB(pid)} MiB` : up ? 'not started by this manager' : '';
    console.log(`${name.padEnd(10)} ${(up ? 'up' : 'down').padEnd(5)} ${`${host}:${port}`.padEnd(16)} ${who}`);
  }
  console.log(`run folder: ${config.runDir}`);
  return allUp;
}

export function logs(names = SERVICES, lines = 50) {
  const config = serviceConfig();
  for (const name of names) console.log(`==> ${paths(config, name).log} <==\n${tail(paths(config, name).log, lines)}`);
}
