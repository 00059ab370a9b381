/**
 * The shapes of preprocessing specs (what a user asks for) and of fitted steps (what the
 * manifest stores). Field names are snake_case because they are written to `puente.json` as
 * they are, beside sklearn-minded readers.
 */

/** One raw input record: column name → value. null, undefined, NaN and '' count as missing. */
export type Row = Record<string, number | string | boolean | null>;

/**
 * A category of a one-hot or ordinal column. Matching is strict: the number 3 and the string
 * '3' are different categories. Booleans are read as 1 and 0.
 */
export type CategoryValue = string | number;

/** 'keep': a missing value stays missing (NaN in the output); 'error': it is refused. */
export type MissingPolicy = 'keep' | 'error';

export const IMPUTE_STRATEGIES = ['mean', 'median', 'most_frequent', 'constant'] as const;
export type ImputeStrategy = (typeof IMPUTE_STRATEGIES)[number];

export const STEP_TYPES = ['impute', 'standard_scale', 'min_max_scale', 'one_hot', 'ordinal', 'bucketize', 'passthrough'] as const;
export type StepType = (typeof STEP_TYPES)[number];

/** Replaces missing values of each column by a value fitted per column (or a constant). */
export interface ImputeSpec {
  readonly type: 'impute';
  readonly columns: readonly string[];
  readonly strategy: ImputeStrategy;
  /** Required with strategy 'constant', refused otherwise. */
  readonly fill_value?: CategoryValue;
}

/** (x - mean) / std with the population std; a constant column is divided by 1. Emits its columns. */
export interface StandardScaleSpec {
  readonly type: 'standard_scale';
  readonly columns: readonly string[];
  /** Default 'keep' (missing values are left out of the fit and stay NaN). */
  readonly handle_missing?: MissingPolicy;
}

/** Maps [data_min, data_max] linearly onto `range` (default [0, 1]). Emits its columns. */
export interface MinMaxScaleSpec {
  readonly type: 'min_max_scale';
  readonly columns: readonly string[];
  readonly range?: readonly [number, number];
  /** Clamp values outside the fitted data range to `range`. Default false. */
  readonly clip?: boolean;
  /** Default 'keep'. */
  readonly handle_missing?: MissingPolicy;
}

/** One 0/1 feature per category, named `column=value`. */
export interface OneHotSpec {
  readonly type: 'one_hot';
  readonly column: string;
  /** Given categories keep their order; fitted ones are sorted. */
  readonly categories?: readonly CategoryValue[];
  /** 'error' (default) refuses a category outside the list; 'ignore' encodes it as all zeros. */
  readonly handle_unknown?: 'error' | 'ignore';
  /** Same choices for a missing value; defaults to handle_unknown. */
  readonly handle_missing?: 'error' | 'ignore';
}

/** The index of the value in `categories` (0..k-1), as one feature named `output`. */
export interface OrdinalSpec {
  readonly type: 'ordinal';
  readonly column: string;
  /** Feature name; defaults to the column, which is then replaced by its codes. */
  readonly output?: string;
  readonly categories?: readonly CategoryValue[];
  /** 'error' (default), 'nan', or 'value' (gives `unknown_value`). */
  readonly handle_unknown?: 'error' | 'nan' | 'value';
  readonly unknown_value?: number;
  /** Default 'keep': a missing value gives NaN. */
  readonly handle_missing?: MissingPolicy;
}

/**
 * The bucket index of a number: how many boundaries are <= x, so with b boundaries the index is
 * in [0, b]. Boundaries are given, or fitted from `n_bins` by quantiles or equal widths.
 */
export interface BucketizeSpec {
  readonly type: 'bucketize';
  readonly column: string;
  /** Feature name; defaults to the column, which is then replaced by its bucket index. */
  readonly output?: string;
  readonly boundaries?: readonly number[];
  readonly n_bins?: number;
  /** Default 'quantile'. */
  readonly strategy?: 'quantile' | 'uniform';
  /** Default 'error': a bucket index needs a value. */
  readonly handle_missing?: MissingPolicy;
}

/** Numeric columns used as features as they are. */
export interface PassthroughSpec {
  readonly type: 'passthrough';
  readonly columns: readonly string[];
  /** Default 'keep': missing values reach the model as NaN (XGBoost's "missing"). */
  readonly handle_missing?: MissingPolicy;
}

export type StepSpec = ImputeSpec | StandardScaleSpec | MinMaxScaleSpec | OneHotSpec | OrdinalSpec | BucketizeSpec | PassthroughSpec;

/**
 * Steps run in order; each reads columns as the earlier steps left them. `output` is the order
 * of the model's features; by default every feature in the order the steps produce them.
 * `{ passthrough: [...] }` is accepted as a shorthand step.
 */
export interface PipelineSpec {
  readonly steps: readonly (StepSpec | { readonly passthrough: readonly string[] })[];
  readonly output?: readonly string[];
}

export interface FittedImpute extends ImputeSpec {
  /** The fill value of each column, in `columns` order. */
  readonly values: readonly CategoryValue[];
}

export interface FittedStandardScale extends StandardScaleSpec {
  readonly handle_missing: MissingPolicy;
  readonly mean: readonly number[];
  /** Population standard deviation (0 for a constant column, which is then divided by 1). */
  readonly std: readonly number[];
}

export interface FittedMinMaxScale extends MinMaxScaleSpec {
  readonly range: readonly [number, number];
  readonly clip: boolean;
  readonly handle_missing: MissingPolicy;
  readonly data_min: readonly number[];
  readonly data_max: readonly number[];
}

export interface FittedOneHot extends OneHotSpec {
  readonly categories: readonly CategoryValue[];
  readonly handle_unknown: 'error' | 'ignore';
  readonly handle_missing: 'error' | 'ignore';
}

export interface FittedOrdinal extends OrdinalSpec {
  readonly output: string;
  readonly categories: readonly CategoryValue[];
  readonly handle_unknown: 'error' | 'nan' | 'value';
  readonly handle_missing: MissingPolicy;
}

export interface FittedBucketize extends BucketizeSpec {
  readonly output: string;
  readonly boundaries: readonly number[];
  readonly handle_missing: MissingPolicy;
}

export interface FittedPassthrough extends PassthroughSpec {
  readonly handle_missing: MissingPolicy;
}

export type FittedStep =
  | FittedImpute | FittedStandardScale | FittedMinMaxScale | FittedOneHot | FittedOrdinal | FittedBucketize | FittedPassthrough;

export const PIPELINE_FORMAT = 'puente.preprocessing/1';

/** The JSON form of a fitted pipeline, as stored in a bundle manifest. */
export interface FittedPipelineJSON {
  readonly format: typeof PIPELINE_FORMAT;
  readonly steps: readonly FittedStep[];
  readonly output: readonly string[];
}
