/**
 * The Python part every generated Spark job shares (spark-jobs-target.ts appends it after
 * the job's constants: KIND, NAME, VERSION, SOURCES, STEPS and, per kind, OUTPUTS, CHECKS,
 * KEYS, FEATURES). It is copied into each job, not imported, so that a job is one file a
 * scheduler can submit as it is.
 *
 * Contract with runtime/offline/spark-submit.ts: progress and errors are stdout lines
 * `PALETTE {json}`; exit code 0 done, 1 bad input or a Spark failure (one `error` event
 * with kind "input" or "spark" and a short message), anything else a crash.
 */
export const SPARK_JOB_RUNTIME = String.raw`
# ---------------------------------------------------------------------------------------------
# Everything below is the same in every Palette job.

import argparse
import datetime
import json
import sys
import threading
import traceback

from pyspark.sql import SparkSession


def emit(event, **fields):
    """A progress line for palette (or a person reading the log)."""
    print("PALETTE " + json.dumps(dict(event=event, **fields), default=str), flush=True)


class JobError(Exception):
    """Bad input (a missing table, partition or column, a column of the wrong type)."""


def day_arg(text):
    try:
        value = datetime.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError("not a day (YYYY-MM-DD): " + text)
    if value.isoformat() != text:
        raise argparse.ArgumentTypeError("not a day (YYYY-MM-DD): " + text)
    return value


def days(first, last):
    d = first
    while d <= last:
        yield d.isoformat()
        d += datetime.timedelta(days=1)


BACKTICK = chr(96)


def quote(name):
    """A Spark SQL identifier."""
    return BACKTICK + name.replace(BACKTICK, BACKTICK + BACKTICK) + BACKTICK


def session():
    # UTC: Palette's times are UTC; ANSI off: a bad cast is null, as the definition language says.
    spark = (SparkSession.builder.appName("palette " + KIND + " " + NAME).enableHiveSupport()
             .config("spark.sql.session.timeZone", "UTC")
             .config("spark.sql.ansi.enabled", "false")
             .config("spark.sql.sources.partitionOverwriteMode", "dynamic")
             .config("hive.exec.dynamic.partition.mode", "nonstrict")
             .getOrCreate())
    for key, value in [("spark.sql.session.timeZone", "UTC"), ("spark.sql.ansi.enabled", "false"),
                       ("spark.sql.sources.partitionOverwriteMode", "dynamic")]:
        spark.conf.set(key, value)
    spark.sparkContext.setLogLevel("WARN")
    return spark


def watch_stages(spark, stop):
    """Reports the running Spark stages (polled once a second)."""
    tracker = spark.sparkContext.statusTracker()
    seen = {}
    while not stop.wait(1.0):
        for sid in tracker.getActiveStageIds():
            info = tracker.getStageInfo(sid)
            if info is None:
                continue
            state = (info.numCompletedTasks, info.numTasks)
            if seen.get(sid) != state:
                seen[sid] = state
                emit("stage", id=sid, name=info.name, done=info.numCompletedTasks, tasks=info.numTasks)


def source_partitions(spark, src):
    """Checks a source table against its definition; returns its partitions (sorted days)."""
    name = src["database"] + "." + src["table"]
    if not spark.catalog.tableExists(src["database"] + "." + src["table"]):
        raise JobError("source table " + name + " does not exist (source " + src["source"] + ")")
    actual = {f.name: f.dataType.simpleString() for f in spark.table(quote(src["database"]) + "." + quote(src["table"])).schema}
    for column, expected in src["columns"]:
        if column not in actual:
            raise JobError(name + ": column " + column + " is missing (source " + src["source"] + " declares it as " + expected + ")")
        if actual[column] != expected:
            raise JobError(name + ": column " + column + " is " + actual[column] + " in Hive but " + expected
                           + " in the definition of " + src["source"])
    part = src["partition"]
    try:
        rows = spark.sql("SHOW PARTITIONS " + quote(src["database"]) + "." + quote(src["table"])).collect()
    except Exception:
        raise JobError(name + " is not partitioned (the definition says: partition " + part + ")")
    values = []
    for row in rows:
        for level in row[0].split("/"):
            key, _, value = level.partition("=")
            if key == part:
                values.append(value)
    return sorted(set(values))


def read_source(spark, src, first, last, required_first, required_last):
    """A temporary view of the partitions [first, last] (first None: from the first one).

    Days in [required_first, required_last] must exist; a gap after the table's first
    partition is an error (missing history would silently change windows); days before it
    read as empty and are reported."""
    name = src["database"] + "." + src["table"]
    present = source_partitions(spark, src)
    have = set(present)
    start = first if first is not None else (datetime.date.fromisoformat(present[0]) if present else required_first)
    start = min(start, required_first)
    wanted = list(days(start, last))
    missing = [d for d in wanted if required_first.isoformat() <= d <= required_last.isoformat() and d not in have]
    if missing:
        more = " (and %d more day(s))" % (len(missing) - 1) if len(missing) > 1 else ""
        raise JobError(name + ": partition " + src["partition"] + "=" + missing[0] + " is missing" + more)
    if present:
        gaps = [d for d in wanted if present[0] < d < required_first.isoformat() and d not in have]
        if gaps:
            why = " (the table ends at " + present[-1] + ")" if gaps[0] > present[-1] else " (history the windows need)"
            raise JobError(name + ": partition " + src["partition"] + "=" + gaps[0] + " is missing" + why)
        later = [d for d in wanted if d > required_last.isoformat() and d not in have]
        if later:
            emit("note", message=name + " has no partition " + later[0] + ": tiles that end after --to see no events of it")
        before = [d for d in wanted if d < present[0]]
        if before:
            emit("note", message=name + " has no partitions before " + present[0] + ": windows see no events on "
                 + before[0] + " to " + before[-1])
    used = [d for d in wanted if d in have]
    emit("note", message="reading " + name + " " + (used[0] + " to " + used[-1] if used else "(no partitions)")
         + " (%d partition(s))" % len(used))
    table = spark.table(quote(src["database"]) + "." + quote(src["table"]))
    lo = used[0] if used else "9999-12-31"
    hi = used[-1] if used else "0000-01-01"
    table.where((table[src["partition"]] >= lo) & (table[src["partition"]] <= hi)).createOrReplaceTempView(src["view"])


def run_steps(spark, params):
    for step, description, sql in STEPS:
        emit("step", name=step, description=description)
        spark.sql(sql, args=params).createOrReplaceTempView(step)


def backfill(spark, args):
    first, last = args.from_day, args.to_day
    if first > last:
        raise JobError("--from " + first.isoformat() + " is after --to " + last.isoformat())
    for src in SOURCES:
        if src["kind"] == "snapshot":
            read_source(spark, src, first, last, first, last)
        else:
            start = None if src["lifetime"] else first - datetime.timedelta(days=src["history_days"])
            read_source(spark, src, start, last + datetime.timedelta(days=src["after_days"]), first, last)
    params = {"from_ds": first, "to_ds": last}
    for message, sql in CHECKS:
        rows = spark.sql(sql, args=params).limit(5).collect()
        if rows:
            raise JobError(message + "; for example " + ", ".join(str(r.asDict()) for r in rows))
    run_steps(spark, params)
    # The input step (the source rows after filter and keys) feeds several steps: cache it
    # (lazily: the first step to read it fills the cache) so the source is read once.
    spark.sql("CACHE LAZY TABLE " + quote(INPUT_STEP))
    # One INSERT OVERWRITE per output table (dynamic partitions): Spark writes the new
    # partitions to a staging folder and swaps them in only when the whole statement has
    # succeeded, so a failure leaves the previous partitions as they were. Days without
    # rows are then replaced by empty partitions.
    counts = {}
    all_days = list(days(first, last))
    for out in OUTPUTS:
        target = quote(out["database"]) + "." + quote(out["table"])
        columns = ", ".join(quote(c) for c in out["columns"])
        emit("step", name="write", description="computing and writing " + out["database"] + "." + out["table"])
        spark.sql("INSERT OVERWRITE TABLE " + target + " PARTITION (ds) SELECT " + columns + ", ds FROM "
                  + quote(out["step"]) + " WHERE ds BETWEEN '" + first.isoformat() + "' AND '" + last.isoformat() + "'")
        counts[out["table"]] = {r[0]: r[1] for r in spark.sql(
            "SELECT ds, count(*) FROM " + target + " WHERE ds BETWEEN '" + first.isoformat() + "' AND '" + last.isoformat()
            + "' GROUP BY ds").collect()}
        for d in all_days:
            if counts[out["table"]].get(d, 0) == 0:
                spark.sql("INSERT OVERWRITE TABLE " + target + " PARTITION (ds = '" + d + "') SELECT " + columns
                          + " FROM " + quote(out["step"]) + " WHERE FALSE")
    for i, d in enumerate(all_days):
        emit("day", day=d, done=i + 1, total=len(all_days), rows={t: c.get(d, 0) for t, c in counts.items()})
    input_rows = spark.table(INPUT_STEP).count()
    spark.sql("UNCACHE TABLE IF EXISTS " + quote(INPUT_STEP))
    emit("done", days=len(all_days), input_rows=input_rows,
         rows={t: sum(c.get(d, 0) for d in all_days) for t, c in counts.items()})


def load_spine(spark, spine, at):
    if spine.endswith(".parquet") or spine.endswith("/"):
        df = spark.read.parquet(spine)
    elif spine.endswith(".csv"):
        df = spark.read.option("header", True).csv(spine)
    else:
        if "." not in spine or not spark.catalog.tableExists(spine):
            raise JobError("spine table " + spine + " does not exist (give a Hive table db.table or a .parquet/.csv path)")
        df = spark.table(spine)
    for column in [at] + [k for k, _ in KEYS]:
        if column not in df.columns:
            raise JobError("spine " + spine + " has no column " + column + " (columns: " + ", ".join(df.columns) + ")")
    for name, _ in FEATURES:
        if name in df.columns:
            raise JobError("spine " + spine + " already has a column " + name + ", which is a feature of the model")
    from pyspark.sql import functions as F
    from pyspark.sql.window import Window
    # __row: the row's position in the spine (file order), as the other engines number it.
    df = df.withColumn("__row", F.row_number().over(Window.orderBy(F.monotonically_increasing_id())) - 1)
    df.createOrReplaceTempView("spine_raw")
    keys = ", ".join("CAST(" + quote(k) + " AS " + t + ") AS " + quote(k) for k, t in KEYS)
    at_type = dict((f.name, f.dataType.simpleString()) for f in df.schema)[at]
    t = quote(at) if at_type in ("timestamp", "timestamp_ntz", "date") else "CAST(" + quote(at) + " AS TIMESTAMP)"
    spark.sql("SELECT __row, timestamp_millis(unix_millis(CAST(" + t + " AS TIMESTAMP))) AS __t, " + keys + " FROM spine_raw") \
        .createOrReplaceTempView("spine")
    bad = spark.sql("SELECT __row FROM spine WHERE __t IS NULL ORDER BY __row LIMIT 1").collect()
    if bad:
        raise JobError("spine " + spine + ": row " + str(bad[0][0]) + " has no valid time in column " + at)
    return [c for c in df.columns if c != "__row"]


def training_set(spark, args):
    columns = load_spine(spark, args.spine, args.at)
    # Days as text from Spark (UTC): Python datetimes would be in the machine's time zone.
    # Rows see events before their time: the last day read is the day of max(t) - 1 ms.
    stats = spark.sql("SELECT count(*), date_format(min(__t), 'yyyy-MM-dd'), "
                      "date_format(timestamp_millis(max(unix_millis(__t)) - 1), 'yyyy-MM-dd') FROM spine").collect()[0]
    if stats[0] == 0:
        raise JobError("spine " + args.spine + " has no rows")
    emit("note", message="spine: %d row(s) from %s to %s" % (stats[0], stats[1], stats[2]))
    min_day, max_day = datetime.date.fromisoformat(stats[1]), datetime.date.fromisoformat(stats[2])
    for src in SOURCES:
        if src["kind"] == "snapshot" or src["lookback_ms"] is None:
            first = None
        else:
            first = min_day - datetime.timedelta(days=-(-src["lookback_ms"] // 86400000))
        present = source_partitions(spark, src)
        start = first if first is not None else (datetime.date.fromisoformat(present[0]) if present else min_day)
        read_source(spark, src, start, max_day, max_day + datetime.timedelta(days=1), max_day)
    run_steps(spark, {})
    last_step = STEPS[-1][0]
    features = ", ".join("f." + quote(name) for name, _ in FEATURES)
    spine_columns = ", ".join("s." + quote(c) for c in columns)
    result = spark.sql("SELECT " + spine_columns + ", " + features + " FROM spine_raw s LEFT JOIN " + quote(last_step)
                       + " f ON f.__row = s.__row ORDER BY s.__row")
    emit("step", name="write", description="writing " + args.output_table)
    result.write.mode("overwrite").format("parquet").saveAsTable(args.output_table)
    rows = spark.table(args.output_table).count()
    emit("done", rows=rows, table=args.output_table)


def main():
    parser = argparse.ArgumentParser(description="Palette " + KIND.replace("_", " ") + " job for " + NAME + " (" + VERSION + ")")
    if KIND == "backfill":
        parser.add_argument("--from", dest="from_day", type=day_arg, required=True, help="first day written (YYYY-MM-DD)")
        parser.add_argument("--to", dest="to_day", type=day_arg, required=True, help="last day written (YYYY-MM-DD)")
    else:
        parser.add_argument("--spine", required=True, help="Hive table db.table, or a .parquet/.csv file, with the keys and a time column")
        parser.add_argument("--at", default="ts", help="spine column holding each row's time (default: ts)")
        parser.add_argument("--output-table", required=True, help="Hive table db.table to (re)write")
    args = parser.parse_args()
    spark = session()
    stop = threading.Event()
    threading.Thread(target=watch_stages, args=(spark, stop), daemon=True).start()
    code = 0
    try:
        (backfill if KIND == "backfill" else training_set)(spark, args)
    except JobError as e:
        emit("error", kind="input", message=str(e))
        code = 1
    except Exception as e:  # a Spark failure: the short message for palette, the trace for the log
        traceback.print_exc()
        lines = [l for l in str(e).strip().splitlines() if l.strip()]
        emit("error", kind="spark", message="\n".join(lines[:8]) or type(e).__name__)
        code = 1
    finally:
        stop.set()
    spark.stop()
    sys.exit(code)


if __name__ == "__main__":
    main()
`;
