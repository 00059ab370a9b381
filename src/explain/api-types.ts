import type { ExplainMethod } from './hosted.js';

/** Options of `POST /serve/{model}/{ref}/explain`, sent as `params` (snake_case, as on the wire). */
export interface ExplainParams {
  readonly method?: ExplainMethod;
  /** Background records for kernel and permutation (default: the bundle's input example). */
  readonly background?: readonly Record<string, unknown>[];
  /** Summarise the background by k-means into this many weighted rows. */
  readonly background_kmeans?: number;
  /** Without a summary, sample a larger background down to this many rows (default 100). */
  readonly background_rows?: number;
  readonly nsamples?: number | 'auto';
  readonly max_evals?: number;
  readonly link?: 'identity' | 'logit';
  readonly seed?: number;
  /** 'drop': ignore columns the model does not take (listed in `ignored_columns`); default: refuse them. */
  readonly extra_columns?: 'drop' | 'error';
}

/** Options of `POST /serve/{model}/{ref}/importance`. */
export interface ImportanceParams {
  /** The label column of the rows. */
  readonly target: string;
  /** Default: auc (binary), accuracy (multiclass), rmse (regression). */
  readonly metric?: string;
  readonly repeats?: number;
  readonly seed?: number;
  readonly threshold?: number;
  readonly extra_columns?: 'drop' | 'error';
}

/** The answer of `POST /serve/{model}/{ref}/importance`: columns by the score lost when shuffled, largest first. */
export interface ImportanceResult {
  readonly model: string;
  readonly version: number;
  readonly metric: string;
  readonly higher_is_better: boolean;
  /** The score on the rows as they are. */
  readonly baseline: number;
  readonly rows: number;
  readonly repeats: number;
  readonly importances: { readonly column: string; readonly importance: number; readonly std: number }[];
  readonly ignored_columns?: string[];
}
