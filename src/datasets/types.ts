/*
 * Domain types of dataset versions, profiles, diffs and lineage. The profile types are the
 * contract other modules build on: monitoring takes a model's reference distribution from the
 * profile of its training dataset version (numeric quantile bins with counts, categorical
 * frequencies).
 */

/** Column types of a dataset schema. */
export type ColumnType = 'integer' | 'float' | 'boolean' | 'string';

export const COLUMN_TYPES: readonly ColumnType[] = ['integer', 'float', 'boolean', 'string'];

/** File formats a dataset version may hold. */
export type DataFormat = 'csv' | 'jsonl' | 'parquet';

/** One column of a schema, in file order. */
export interface SchemaColumn {
  readonly name: string;
  readonly type: ColumnType;
}

/** Column names and types in file order. */
export interface DatasetSchema {
  readonly columns: SchemaColumn[];
}

/**
 * Bins of a numeric column: `edges` has one more entry than `counts`; bin i holds the values v
 * with edges[i] <= v < edges[i+1]. edges[0] is the column's minimum and the last edge lies just
 * above its maximum, so every value falls in exactly one bin. Inner edges sit at quantiles of the
 * column (about ten equally full bins; fewer when the column has few distinct values), and the
 * counts are exact.
 */
export interface NumericHistogram {
  readonly edges: number[];
  readonly counts: number[];
}

/** A value and how many rows hold it. */
export interface ValueCount {
  readonly value: string;
  readonly count: number;
}

/**
 * Frequencies of a categorical column: the most frequent values with their counts, and the
 * number of rows holding any other value. `exact` is false when the column had more distinct
 * values than are counted one by one (then rarer values may be missing from `values`).
 */
export interface CategoryFrequencies {
  readonly values: ValueCount[];
  readonly other_count: number;
  readonly exact: boolean;
}

/** Quantiles of a numeric column, keyed p01 … p99. */
export interface Quantiles {
  readonly p01: number;
  readonly p05: number;
  readonly p25: number;
  readonly p50: number;
  readonly p75: number;
  readonly p95: number;
  readonly p99: number;
}

/** Statistics of one column, computed in one streaming pass. */
export interface ColumnProfile {
  readonly name: string;
  readonly type: ColumnType;
  /** Rows with a value (not missing). */
  readonly count: number;
  readonly missing_count: number;
  /** missing_count / rows, 0 for an empty dataset. */
  readonly missing_share: number;
  /** Distinct values: exact up to a few thousand, then a HyperLogLog estimate (about 1.6% error). */
  readonly distinct_count: number;
  readonly distinct_exact: boolean;
  /** Numeric columns: exact. */
  readonly min?: number;
  readonly max?: number;
  readonly mean?: number;
  /** Sample standard deviation (n - 1), exact up to rounding. */
  readonly std?: number;
  /** Within 0.4% of the true value (relative), from a log-bucket sketch. */
  readonly quantiles?: Quantiles;
  readonly histogram?: NumericHistogram;
  /** Strings and booleans always; numeric columns with at most 32 distinct values. */
  readonly categories?: CategoryFrequencies;
}

/** The profile of a dataset version: one entry per column, in schema order. */
export interface DatasetProfile {
  readonly row_count: number;
  readonly columns: ColumnProfile[];
}

/** One stored file of a version. */
export interface DatasetFile {
  /** Path inside the version ('credit.csv', or 'part-1.csv' under a directory). */
  readonly path: string;
  /** sha256 of its bytes, hex. */
  readonly digest: string;
  readonly size: number;
  /** null for files that are kept but not read as a table. */
  readonly format: DataFormat | null;
  readonly row_count: number | null;
  /** How the file is read (CSV: delimiter, quote, encoding as detected or given); null when there is nothing to say. */
  readonly options?: Record<string, unknown> | null;
}

/** A registered version of a dataset. */
export interface DatasetVersion {
  readonly name: string;
  readonly version: number;
  /**
   * sha256 of the content, hex: of the file's bytes for a single file; for a directory, of its
   * manifest (one `<sha256>  <path>` line per file, sorted by path, as sha256sum prints them).
   */
  readonly digest: string;
  readonly row_count: number;
  readonly size: number;
  readonly schema: DatasetSchema;
  readonly profile: DatasetProfile;
  readonly files: DatasetFile[];
  /** The version this one follows (the previous latest, unless given), null for the first. */
  readonly parent: number | null;
  readonly message: string;
  /** Where the data came from (a local path or URL the client named, or a remote server). */
  readonly source: string;
  readonly creator: string | null;
  readonly creation_timestamp: number;
}

/** A named series of versions. */
export interface Dataset {
  readonly name: string;
  readonly description: string | null;
  readonly creator: string | null;
  readonly creation_timestamp: number;
  readonly last_updated_timestamp: number;
  readonly latest_version: number | null;
}

/** One changed column type, or an added or removed column. */
export interface SchemaChange {
  readonly column: string;
  readonly change: 'added' | 'removed' | 'type_changed';
  readonly from?: ColumnType;
  readonly to?: ColumnType;
}

/** How far one column's distribution moved between two versions. */
export interface ColumnShift {
  readonly column: string;
  readonly type: ColumnType;
  /** Population stability index over the reference's bins (categories for categorical columns). */
  readonly psi: number;
  /** Two-sample Kolmogorov–Smirnov statistic and p-value (numeric columns). */
  readonly ks_statistic?: number;
  readonly ks_p_value?: number;
  readonly mean_from?: number;
  readonly mean_to?: number;
  readonly missing_share_from: number;
  readonly missing_share_to: number;
  /** By the test the column type calls for (KS p < 0.05 for numeric columns, PSI ≥ 0.2 otherwise). */
  readonly drifted: boolean;
}

/** Rows added, removed and changed between two versions, matched by a key column. */
export interface KeyedRowDiff {
  readonly key: string;
  readonly added: number;
  readonly removed: number;
  readonly changed: number;
  readonly unchanged: number;
  /** A few keys of each kind, for a look. */
  readonly examples: { readonly added: string[]; readonly removed: string[]; readonly changed: string[] };
  /** Keys found on more than one row of a version (rows are compared by their last occurrence). */
  readonly duplicate_keys: number;
}

/** What changed from version `from` to version `to`. */
export interface DatasetDiff {
  readonly from: { readonly name: string; readonly version: number; readonly digest: string; readonly row_count: number };
  readonly to: { readonly name: string; readonly version: number; readonly digest: string; readonly row_count: number };
  readonly same_content: boolean;
  readonly row_count_change: number;
  readonly schema_changes: SchemaChange[];
  readonly column_shift: ColumnShift[];
  readonly rows?: KeyedRowDiff;
}
