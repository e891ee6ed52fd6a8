// Types of config.mjs, for TypeScript code that imports it (tsconfig has no allowJs).
export interface Versions {
  cassandra: string;
  kafka: string;
  slf4j: string;
  pyspark: string;
  derby: string;
  mavenDependencyPlugin: string;
}

export interface ServiceConfig {
  versions: Versions;
  cacheDir: string;
  runDir: string;
  host: string;
  cassandra: { host: string; port: number; storagePort: number; localDataCenter: string; home: string };
  kafka: { host: string; port: number; controllerPort: number; brokers: string[]; home: string };
  metastore: { host: string; port: number; jdbcUrl: string; driver: string; home: string };
  hive: { host: string; port: number; auth: 'NONE' };
  spark: {
    home: string;
    venv: string;
    python: string;
    sparkSubmit: string;
    master: string;
    warehouseDir: string;
    hiveDataDir: string;
    driverClassPath: string;
    conf: Record<string, string>;
    env: { SPARK_HOME: string; SPARK_LOCAL_IP: string; PYSPARK_PYTHON: string };
  };
}

export const versions: Versions;
export function serviceConfig(): ServiceConfig;
export function sparkSubmitArgs(config?: ServiceConfig, options?: { driverMemory?: string }): string[];
