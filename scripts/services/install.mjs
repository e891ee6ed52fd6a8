// Installs the pinned versions (versions.json) into the cache folder, outside the repository:
//   <cache>/cassandra-<v>/lib   jars of org.apache.cassandra:cassandra-all   (Maven Central)
//   <cache>/kafka-<v>/lib       jars of org.apache.kafka:kafka_2.13 + slf4j-simple
//   <cache>/derby-<v>/lib       Derby network server and client (the shared metastore)
//   <cache>/pyspark-<v>/venv    a Python venv with pyspark (Spark, Hive, Thrift Server jars)
// Each folder gets a `.installed` stamp when complete; a second install does nothing.
// Maven keeps its own download cache in ~/.m2, pip in ~/.cache/pip.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serviceConfig, versions } from './config.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const log = (msg) => console.log(`[services] ${msg}`);

function run(cmd, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${cmd} ${args.join(' ')} exited with ${code}\n${out.slice(-4000)}`)),
    );
  });
}

/** Runs `fn(dir)` unless dir/.installed exists; the stamp is written only when fn succeeds. */
async function once(name, dir, fn) {
  const stamp = join(dir, '.installed');
  if (existsSync(stamp)) return false;
  const t0 = Date.now();
  log(`installing ${name} into ${dir}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  await fn(dir);
  writeFileSync(stamp, JSON.stringify({ versions, installedAt: new Date().toISOString() }, null, 2) + '\n');
  log(`installed ${name} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return true;
}

/** mvn dependency:copy-dependencies of scripts/services/<service>/pom.xml into <dir>/lib. */
function copyDependencies(service, dir) {
  const plugin = `org.apache.maven.plugins:maven-dependency-plugin:${versions.mavenDependencyPlugin}:copy-dependencies`;
  return run('mvn', [
    '-q', '-B', '-f', join(here, service, 'pom.xml'), plugin,
    `-DoutputDirectory=${join(dir, 'lib')}`, '-DincludeScope=runtime',
    `-Dcassandra.version=${versions.cassandra}`, `-Dkafka.version=${versions.kafka}`,
    `-Dslf4j.version=${versions.slf4j}`, `-Dderby.version=${versions.derby}`,
  ]);
}

async function installPyspark(dir, sparkHome) {
  const python = process.env.PALETTE_PYTHON || 'python3';
  const venv = join(dir, 'venv');
  await run(python, ['-m', 'venv', venv]);
  // Never set PYSPARK_HADOOP_VERSION / PYSPARK_HIVE_VERSION here: with them, pyspark's setup
  // downloads a Spark distribution from apache.org instead of using the jars it ships.
  const env = { ...process.env };
  delete env.PYSPARK_HADOOP_VERSION;
  delete env.PYSPARK_HIVE_VERSION;
  await run(join(venv, 'bin', 'pip'), ['install', '--no-input', `pyspark==${versions.pyspark}`], { env });
  const site = (await run(join(venv, 'bin', 'python'), ['-c', 'import pyspark, os; print(os.path.dirname(pyspark.__file__))'])).trim();
  symlinkSync(site, sparkHome);
  // The metastore's Derby server and Spark's Derby client must be the same release.
  const derbyJar = `derby-${versions.derby}.jar`;
  if (!readdirSync(join(site, 'jars')).includes(derbyJar)) {
    const found = readdirSync(join(site, 'jars')).filter((f) => f.startsWith('derby'));
    throw new Error(`pyspark ${versions.pyspark} ships ${found.join(', ')}, not ${derbyJar}: fix "derby" in versions.json`);
  }
}

export async function install() {
  const config = serviceConfig();
  mkdirSync(config.cacheDir, { recursive: true });
  const t0 = Date.now();
  // Maven runs one after the other (two mvn processes on one ~/.m2 can trip over each other);
  // pip runs beside them.
  const maven = (async () => {
    await once(`cassandra ${versions.cassandra}`, config.cassandra.home, (dir) => copyDependencies('cassandra', dir));
    await once(`kafka ${versions.kafka}`, config.kafka.home, async (dir) => {
      await copyDependencies('kafka', dir);
      const slf4j = readdirSync(join(dir, 'lib')).filter((f) => f.startsWith('slf4j-api-'));
      if (slf4j.length !== 1 || slf4j[0] !== `slf4j-api-${versions.slf4j}.jar`)
        throw new Error(`kafka brings ${slf4j.join(', ')}: set "slf4j" in versions.json to match`);
    });
    await once(`derby ${versions.derby}`, config.metastore.home, (dir) => copyDependencies('metastore', dir));
  })();
  const pyspark = once(`pyspark ${versions.pyspark}`, dirname(config.spark.venv), (dir) => installPyspark(dir, config.spark.home));
  const failed = (await Promise.allSettled([maven, pyspark])).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
  log(`install done in ${((Date.now() - t0) / 1000).toFixed(1)} s (cache: ${config.cacheDir})`);
}
