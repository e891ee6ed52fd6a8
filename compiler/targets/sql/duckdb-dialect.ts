/**
 * DuckDB (1.5): the embedded offline engine. Capabilities on, plus the spellings that
 * differ from the default printer. Everything else is SqlDialect's.
 */
import { SqlDialect } from './dialect.js';

export class DuckDbDialect extends SqlDialect {
  override readonly name = 'duckdb';
  override readonly variableFrames: boolean = true;
  override readonly asofJoin: boolean = true;
  override readonly macros = true;
  override readonly listLambdas = true;

  /** Session variables: the engine runs `SET VARIABLE from_ds = DATE '...'`. */
  override param(name: string): string {
    return `getvariable('${name}')`;
  }

  override epochMs(ts: string): string {
    return `epoch_ms(${ts})`;
  }

  override fromEpochMs(ms: string): string {
    return `epoch_ms(${ms})`;
  }

  override dayString(ts: string): string {
    return `strftime(${ts}, '%Y-%m-%d')`;
  }

  override timestampText(ts: string): string {
    return `strftime(${ts}, '%Y-%m-%dT%H:%M:%S.%gZ')`;
  }

  override dayNumber(date: string): string {
    return `(${date} - DATE '1970-01-01')`;
  }

  override expandRange(first: string, last: string): string {
    return `unnest(generate_series(${first}, ${last}))`;
  }

  override daysBetween(a: string, b: string): string {
    return `(${b} - ${a})`;
  }

  override isoDayOfWeek(x: string): string {
    return `isodow(${x})`;
  }

  override isFinite(x: string): string {
    return `isfinite(${x})`;
  }

  override regexFullMatch(s: string, pattern: string): string {
    return `regexp_full_match(${s}, ${this.string(pattern)})`;
  }

  /** DuckDB's upper maps ß to ẞ; JS (the contract) to SS. Other special casings differ too. */
  override upper(s: string): string {
    return `upper(replace(${s}, 'ß', 'SS'))`;
  }

  override argMin(arg: string, by: string): string {
    return `arg_min(${arg}, ${by})`;
  }

  override argMax(arg: string, by: string): string {
    return `arg_max(${arg}, ${by})`;
  }

  override row(fields: readonly string[]): string {
    return `row(${fields.join(', ')})`;
  }
}

export const DUCKDB = new DuckDbDialect();
