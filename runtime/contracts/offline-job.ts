/**
 * Offline jobs: what the compiler hands to an offline engine (DuckDB embedded, later
 * Spark). A job is plain data: the SQL to run (a pure function of the IR, emitted by
 * compiler/targets/sql/), the source partitions it reads and the tables it writes. The
 * engine never re-derives meaning: it checks partitions, binds the parameters, runs the
 * statements and swaps the written partitions into place.
 *
 * Parameters: the SQL reads `from_ds` and `to_ds` (DATE) as session variables (DuckDB
 * `getvariable('from_ds')`); the engine sets them before running. Source tables are read
 * by their Hive names (`"raw"."trips"`); the engine maps each to the partitions it decided
 * to read, and the training-set SQL reads the spine as a table called `spine`.
 */
import type { KeySpec } from './group-runtime.js';
import type { OfflineTable } from './layout.js';
import type { PalType } from './types.js';

/** A UTC day, 'YYYY-MM-DD'. */
export type Day = string;

/** The partitioned source table behind `table hive "db.table" partition ds`. */
export interface SourceTable {
  /** `namespace.source`, for messages. */
  readonly source: string;
  readonly kind: 'events' | 'snapshot';
  readonly database: string;
  readonly table: string;
  /** The partition column of the table (a folder level `ds=YYYY-MM-DD` in the embedded store). */
  readonly partitionColumn: string;
  /** The columns the SQL reads, with their declared types (checked before anything runs). */
  readonly columns: readonly { readonly name: string; readonly type: PalType }[];
}

/**
 * Which partitions of a source a backfill reads: every day in [from, to].
 * - Days in [requiredFrom, to] must exist: a missing one is an error naming table and day.
 * - Days before requiredFrom are history for windows: those before the table's first
 *   partition are treated as empty (and reported); a gap after it is an error.
 * - from === null: from the table's first partition (lifetime windows).
 */
export interface SourceRead extends SourceTable {
  readonly from: Day | null;
  readonly to: Day;
  readonly requiredFrom: Day;
  /** Why these days (printed to the user), e.g. "windows up to 30d need history from 2024-01-02". */
  readonly reason: string;
}

/** One SQL statement of a job; its result becomes the temporary table `name`. */
export interface JobStep {
  readonly name: string;
  /** What the step computes, for progress messages. */
  readonly description: string;
  readonly sql: string;
}

/** A query that must return no rows; otherwise the job fails with `message` and the first rows. */
export interface JobCheck {
  readonly sql: string;
  readonly message: string;
}

export interface BackfillJob {
  /** `namespace.group`. */
  readonly group: string;
  /** The group's semantic hash. */
  readonly version: string;
  readonly from: Day;
  readonly to: Day;
  readonly sources: readonly SourceRead[];
  /** Statements run first, without results (helper macros). */
  readonly prelude: readonly string[];
  readonly steps: readonly JobStep[];
  readonly checks: readonly JobCheck[];
  /**
   * Tables written. For every day ds in [from, to] the partition ds of `table` is replaced
   * by the rows of step `step` whose column `ds` equals that day (an empty partition if
   * none), so re-running a range replaces it. The step's other columns are the table's
   * columns, in order.
   */
  readonly outputs: readonly { readonly step: string; readonly table: OfflineTable }[];
  /** The step whose row count is the number of source rows processed (for rows/s). */
  readonly inputStep: string;
}

/**
 * How far back (and whether) a training set reads a source, relative to the spine's times.
 * Events: the days holding [min t - lookbackMs, max t) (lookbackMs null: from the first
 * partition). Snapshots: the partitions ds with ds + 1 day in [min t, max t].
 * Days before the table's first partition read as empty (reported); gaps are errors.
 */
export interface TrainingSetSource extends SourceTable {
  readonly lookbackMs: number | null;
}

export interface TrainingSetJob {
  /** `namespace.model`. */
  readonly model: string;
  /** Key columns the spine must have (cast to these types). */
  readonly keys: readonly KeySpec[];
  readonly sources: readonly TrainingSetSource[];
  /** Statements run first, without results (helper macros). */
  readonly prelude: readonly string[];
  /**
   * Statements over the table `spine` (columns: `__row` BIGINT, the 0-based spine row;
   * `__t` TIMESTAMP, the row's time; the key columns). The last step returns one row per
   * spine row: `__row` and then the features, in `features` order.
   */
  readonly steps: readonly JobStep[];
  readonly features: readonly { readonly name: string; readonly type: PalType }[];
}
