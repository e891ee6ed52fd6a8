/**
 * Every target, in emission order. A new target (Spark SQL jobs, DuckDB SQL) is one entry
 * here plus its module; see README.md in this folder.
 */
import { cqlTarget } from './cql-target.js';
import { duckdbSqlTarget } from './duckdb-sql-target.js';
import { hiveDdlTarget } from './hive-ddl-target.js';
import { materializerPlanTarget } from './materializer-plan-target.js';
import { registryTarget } from './registry-target.js';
import { servingManifestTarget } from './serving-manifest-target.js';
import { sparkJobsTarget } from './spark-jobs-target.js';
import type { Target } from './target.js';

export const TARGETS: readonly Target[] = [registryTarget, cqlTarget, hiveDdlTarget, materializerPlanTarget, servingManifestTarget, duckdbSqlTarget, sparkJobsTarget];

export * from './target.js';
