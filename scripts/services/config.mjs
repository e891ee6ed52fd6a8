// Where the local test services live and how to reach them. Other code (tests, the Spark job
// runner) imports serviceConfig() and sparkSubmitArgs() from here, so that everything uses the
// same addresses, the same metastore and the same warehouse. `npm run services -- up` also
// writes this object to <runDir>/services.json for tools that are not Node.
//
// Environment (all optional):
//   PALETTE_CACHE_DIR      installed jars and the pyspark venv     (default ~/.cache/palette)
//   PALETTE_SERVICES_DIR   run folder: data, logs, pids            (default <cache>/run)
//   PALETTE_SERVICES_HOST  address the local servers bind to       (default 127.0.0.1)
//   PALETTE_{CASSANDRA,KAFKA,HIVE,METASTORE}_HOST   one service elsewhere (default the above)
//   PALETTE_CASSANDRA_PORT 9042, PALETTE_CASSANDRA_STORAGE_PORT 7000, PALETTE_CASSANDRA_DC datacenter1,
//   PALETTE_KAFKA_PORT 19092, PALETTE_KAFKA_CONTROLLER_PORT 19093,
//   PALETTE_HIVE_PORT 10000 (HiveServer2), PALETTE_METASTORE_PORT 1527 (Derby network server),
//   PALETTE_PYTHON         python used to create the venv          (default python3)
// Real clusters instead of the local ones (see docs/services.md):
//   PALETTE_SPARK_MASTER   spark-submit --master                   (default local[2])
//   PALETTE_METASTORE_URIS thrift://... of a Hive metastore service; replaces the Derby JDBC settings
//   PALETTE_WAREHOUSE_DIR  warehouse URI (hdfs://, s3a://, file://) (default <run>/data/metastore/warehouse)
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const versions = JSON.parse(readFileSync(new URL('./versions.json', import.meta.url), 'utf8'));

const env = process.env;
const port = (name, fallback) => Number(env[name] || fallback);

export function serviceConfig() {
  const cacheDir = env.PALETTE_CACHE_DIR || join(homedir(), '.cache', 'palette');
  const runDir = env.PALETTE_SERVICES_DIR || join(cacheDir, 'run');
  const host = env.PALETTE_SERVICES_HOST || '127.0.0.1';
  const hostOf = (service) => env[`PALETTE_${service}_HOST`] || host;

  // Installed software: one folder per pinned version, so a version bump installs afresh.
  const cassandraHome = join(cacheDir, `cassandra-${versions.cassandra}`);
  const kafkaHome = join(cacheDir, `kafka-${versions.kafka}`);
  const derbyHome = join(cacheDir, `derby-${versions.derby}`);
  const venv = join(cacheDir, `pyspark-${versions.pyspark}`, 'venv');
  // install links this to the venv's site-packages/pyspark (which is a complete SPARK_HOME)
  const sparkHome = join(cacheDir, `pyspark-${versions.pyspark}`, 'spark-home');

  const metastore = { host: hostOf('METASTORE'), port: port('PALETTE_METASTORE_PORT', 1527) };
  // The Hive metastore lives in a Derby network server (one database, many JVMs); the warehouse
  // is a local folder. Both belong to the "metastore" service's data folder: they only make
  // sense together.
  const hiveDataDir = join(runDir, 'data', 'metastore');
  const warehouseDir = join(hiveDataDir, 'warehouse');
  const warehouseUri = env.PALETTE_WAREHOUSE_DIR || `file://${warehouseDir}`;
  const metastoreUrl = `jdbc:derby://${metastore.host}:${metastore.port}/metastore_db;create=true`;
  const derbyClientJar = join(derbyHome, 'lib', `derbyclient-${versions.derby}.jar`);

  return {
    versions,
    cacheDir,
    runDir,
    host,
    cassandra: {
      host: hostOf('CASSANDRA'),
      port: port('PALETTE_CASSANDRA_PORT', 9042),
      storagePort: port('PALETTE_CASSANDRA_STORAGE_PORT', 7000),
      localDataCenter: env.PALETTE_CASSANDRA_DC || 'datacenter1',
      home: cassandraHome,
    },
    kafka: {
      host: hostOf('KAFKA'),
      port: port('PALETTE_KAFKA_PORT', 19092),
      controllerPort: port('PALETTE_KAFKA_CONTROLLER_PORT', 19093),
      brokers: [`${hostOf('KAFKA')}:${port('PALETTE_KAFKA_PORT', 19092)}`],
      home: kafkaHome,
    },
    metastore: { ...metastore, jdbcUrl: metastoreUrl, driver: 'org.apache.derby.jdbc.ClientDriver', home: derbyHome },
    hive: { host: hostOf('HIVE'), port: port('PALETTE_HIVE_PORT', 10000), auth: 'NONE' },
    spark: {
      home: sparkHome,
      venv,
      python: join(venv, 'bin', 'python'),
      sparkSubmit: join(sparkHome, 'bin', 'spark-submit'),
      master: env.PALETTE_SPARK_MASTER || 'local[2]',
      warehouseDir: warehouseUri,
      hiveDataDir,
      driverClassPath: derbyClientJar,
      // Every Spark JVM (Thrift Server and spark-submit jobs) gets these, so they share one catalog.
      conf: {
        'spark.sql.catalogImplementation': 'hive',
        'spark.sql.warehouse.dir': warehouseUri,
        ...(env.PALETTE_METASTORE_URIS
          ? { 'spark.hadoop.hive.metastore.uris': env.PALETTE_METASTORE_URIS }
          : {
              'spark.hadoop.javax.jdo.option.ConnectionURL': metastoreUrl,
              'spark.hadoop.javax.jdo.option.ConnectionDriverName': 'org.apache.derby.jdbc.ClientDriver',
              // Hive creates its schema in the fresh Derby database on first use
              'spark.hadoop.datanucleus.schema.autoCreateAll': 'true',
              'spark.hadoop.hive.metastore.schema.verification': 'false',
            }),
        'spark.ui.enabled': 'false',
        'spark.sql.shuffle.partitions': '2',
      },
      // Environment for spark-submit: loopback only, and the venv's python for PySpark workers.
      env: { SPARK_HOME: sparkHome, SPARK_LOCAL_IP: env.SPARK_LOCAL_IP || host, PYSPARK_PYTHON: join(venv, 'bin', 'python') },
    },
  };
}

/** Arguments for `spark-submit` (before the application) that attach a job to the shared metastore. */
export function sparkSubmitArgs(config = serviceConfig(), { driverMemory = '1g' } = {}) {
  const { spark } = config;
  const args = ['--master', spark.master, '--driver-memory', driverMemory, '--driver-class-path', spark.driverClassPath];
  for (const [key, value] of Object.entries(spark.conf)) args.push('--conf', `${key}=${value}`);
  return args;
}
