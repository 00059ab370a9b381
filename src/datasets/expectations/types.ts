import type { ColumnType } from '../types.js';
import type { CellValue } from '../formats/records.js';

/*
 * Expectation suites, after Great Expectations: a named list of checks on a table. A suite is
 * written in YAML or JSON; each expectation names its kind (`expect`) and arguments. The long
 * Great Expectations names (expect_column_values_to_not_be_null, min_value/max_value, …) are
 * read as well.
 */

/** A column's values meet the check on at least this share of its non-null rows (1 by default). */
interface Mostly {
  readonly mostly?: number;
}

export type Expectation =
  | { readonly expect: 'column_exists'; readonly column: string }
  | ({ readonly expect: 'column_type'; readonly column: string; readonly type: ColumnType } & Mostly)
  | ({ readonly expect: 'not_null'; readonly column: string } & Mostly)
  | ({ readonly expect: 'unique'; readonly column: string } & Mostly)
  | ({ readonly expect: 'between'; readonly column: string; readonly min?: number; readonly max?: number } & Mostly)
  | ({ readonly expect: 'in_set'; readonly column: string; readonly values: (string | number | boolean)[] } & Mostly)
  | ({ readonly expect: 'regex'; readonly column: string; readonly pattern: string } & Mostly)
  | { readonly expect: 'row_count_between'; readonly min?: number; readonly max?: number }
  | { readonly expect: 'mean_between'; readonly column: string; readonly min?: number; readonly max?: number }
  | { readonly expect: 'median_between'; readonly column: string; readonly min?: number; readonly max?: number }
  | { readonly expect: 'quantile_between'; readonly column: string; readonly quantile: number; readonly min?: number; readonly max?: number }
  | {
      readonly expect: 'distribution_close_to';
      readonly column: string;
      /** A dataset version, `name@version`, whose column is the reference. */
      readonly reference: string;
      /** Fails when PSI reaches this (default 0.2). */
      readonly max_psi?: number;
      /** Numeric columns: also fails when the KS p-value is below this. */
      readonly min_ks_p_value?: number;
    };

export type ExpectationKind = Expectation['expect'];

/** Expectations that look at each row (and so can be applied to requests one at a time). */
export const ROW_EXPECTATIONS: readonly ExpectationKind[] = ['column_type', 'not_null', 'unique', 'between', 'in_set', 'regex'];

export interface ExpectationSuite {
  readonly name: string;
  readonly expectations: Expectation[];
}

/** A failing row, as found. */
export interface FailingValue {
  /** Line in the file (row number for Parquet and records). */
  readonly line: number;
  readonly value: CellValue;
}

/** The outcome of one expectation. */
export interface ExpectationResult {
  readonly expectation: Expectation;
  readonly success: boolean;
  /** The aggregate compared (row count, mean, median, quantile, PSI), when there is one. */
  readonly observed?: number | string | null;
  /** Row checks: rows looked at, rows failing, and the failing share of the non-null rows. */
  readonly element_count?: number;
  readonly missing_count?: number;
  readonly unexpected_count?: number;
  readonly unexpected_percent?: number;
  readonly unexpected_samples?: FailingValue[];
  /** Drift checks: the statistics behind the verdict. */
  readonly details?: Record<string, number | string | null>;
  /** Why the expectation could not be evaluated (a missing column, an unknown reference). */
  readonly error?: string;
}

/** A row that failed at least one expectation, with the expectations it failed (by index). */
export interface FailingRow {
  readonly line: number;
  readonly row: Record<string, CellValue>;
  readonly failed: number[];
}

/** The outcome of a suite on a table. */
export interface ValidationResult {
  readonly suite_name: string;
  readonly success: boolean;
  /** The version validated, when it is a stored one. */
  readonly dataset?: { readonly name: string; readonly version: number; readonly digest: string };
  readonly row_count: number;
  readonly statistics: { readonly evaluated: number; readonly successful: number; readonly failed: number; readonly success_percent: number };
  readonly results: ExpectationResult[];
  /** A sample of failing rows (seeded, so the same data gives the same sample). */
  readonly failing_rows: FailingRow[];
  readonly suite: ExpectationSuite;
  readonly run_time_ms: number;
}

/** A stored validation, linked to its dataset version. */
export interface ValidationRecord {
  readonly validation_id: number;
  readonly name: string;
  readonly version: number;
  readonly suite_name: string;
  readonly success: boolean;
  readonly evaluated: number;
  readonly failed: number;
  readonly creator: string | null;
  readonly created_at: number;
}
