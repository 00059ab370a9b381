/*
 * Domain types of experiment tracking. Field names follow MLflow's wire names where MLflow has
 * the concept, so the MLflow-compatible API maps them without renaming. Ids are strings;
 * times are epoch milliseconds.
 */

export interface Tag {
  readonly key: string;
  readonly value: string;
}

export type LifecycleStage = 'active' | 'deleted';
export type RunStatus = 'RUNNING' | 'SCHEDULED' | 'FINISHED' | 'FAILED' | 'KILLED';
export type ViewType = 'ACTIVE_ONLY' | 'DELETED_ONLY' | 'ALL';

export interface Experiment {
  readonly experiment_id: string;
  readonly name: string;
  readonly artifact_location: string;
  readonly lifecycle_stage: LifecycleStage;
  readonly creation_time: number;
  readonly last_update_time: number;
  readonly tags: Tag[];
}

export interface Metric {
  readonly key: string;
  /** NaN and ±Infinity are allowed. */
  readonly value: number;
  readonly timestamp: number;
  readonly step: number;
}

export interface RunInfo {
  readonly run_id: string;
  readonly run_name: string;
  readonly experiment_id: string;
  readonly user_id: string;
  readonly status: RunStatus;
  readonly start_time: number;
  readonly end_time: number | null;
  /** `mlflow-artifacts:/<experiment>/<run>/artifacts`. */
  readonly artifact_uri: string;
  readonly lifecycle_stage: LifecycleStage;
}

export interface Dataset {
  readonly name: string;
  readonly digest: string;
  readonly source_type: string;
  readonly source: string;
  readonly schema?: string;
  readonly profile?: string;
}

export interface DatasetInput {
  readonly tags: Tag[];
  readonly dataset: Dataset;
}

export interface Run {
  readonly info: RunInfo;
  readonly data: {
    /** Latest value per key, by (step, timestamp, value). */
    readonly metrics: Metric[];
    readonly params: Tag[];
    readonly tags: Tag[];
  };
  readonly inputs: { readonly dataset_inputs: DatasetInput[]; readonly model_inputs: { model_id: string }[] };
  readonly outputs: { readonly model_outputs: { model_id: string; step: number }[] };
}

export type LoggedModelStatus = 'LOGGED_MODEL_PENDING' | 'LOGGED_MODEL_READY' | 'LOGGED_MODEL_UPLOAD_FAILED';

export interface LoggedModel {
  readonly info: {
    readonly model_id: string;
    readonly experiment_id: string;
    readonly name: string;
    readonly creation_timestamp_ms: number;
    readonly last_updated_timestamp_ms: number;
    /** `mlflow-artifacts:/<experiment>/models/<model_id>/artifacts`. */
    readonly artifact_uri: string;
    readonly status: LoggedModelStatus;
    readonly model_type?: string;
    readonly source_run_id?: string;
    readonly status_message?: string;
    readonly tags: Tag[];
    readonly registrations: { name: string; version: string }[];
  };
  readonly data: {
    readonly params: Tag[];
    readonly metrics: (Metric & { dataset_name?: string; dataset_digest?: string; model_id: string; run_id: string })[];
  };
}

/** One page of a search, with the token of the next page when there is one. */
export interface Page<T> {
  readonly items: T[];
  readonly next_page_token?: string;
}
