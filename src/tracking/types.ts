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

/**
 * One metric point as logged; `model_id` and the dataset fields tie it to a logged model.
 * JSON has no spelling for NaN and ±Infinity, and int64 may travel as strings, so the value may be
 * "NaN", "Infinity" or "-Infinity" and timestamp/step numeric strings.
 */
export interface MetricInput {
  readonly key: string;
  readonly value: number | string;
  readonly timestamp: number | string;
  /** Default 0. */
  readonly step?: number | string;
  readonly model_id?: string;
  readonly dataset_name?: string;
  readonly dataset_digest?: string;
}

/** One point of a metric's history; `run_id` is set when several runs are read together. */
export interface MetricPoint extends Metric {
  readonly run_id?: string;
}

/** Fields of a new experiment. */
export interface CreateExperimentInput {
  readonly name: string;
  /** Defaults to `mlflow-artifacts:/<experiment_id>`. */
  readonly artifact_location?: string;
  readonly tags?: Tag[];
}

/** Search over experiments. */
export interface SearchExperimentsInput {
  readonly filter?: string;
  readonly order_by?: string[];
  /** 1..50000, default 1000. */
  readonly max_results?: number;
  readonly page_token?: string;
  readonly view_type?: ViewType;
}

/** Fields of a new run. */
export interface CreateRunInput {
  /** Defaults to the Default experiment, "0". */
  readonly experiment_id?: string;
  readonly user_id?: string;
  /** Generated when absent (and not given as the tag `mlflow.runName`). */
  readonly run_name?: string;
  /** Defaults to now. */
  readonly start_time?: number;
  readonly tags?: Tag[];
  /** Makes this a nested run: sets the tag `mlflow.parentRunId`; the parent must exist. */
  readonly parent_run_id?: string;
}

/** Fields of a run that may change; absent fields keep their value. */
export interface UpdateRunInput {
  readonly status?: RunStatus;
  readonly end_time?: number;
  readonly run_name?: string;
}

/** Metrics, params and tags written together, all or nothing. */
export interface LogBatchInput {
  readonly metrics?: MetricInput[];
  readonly params?: Tag[];
  readonly tags?: Tag[];
}

/** Dataset and model inputs of a run. */
export interface LogInputsInput {
  readonly datasets?: { tags?: Tag[]; dataset: Dataset }[];
  readonly models?: { model_id: string }[];
}

/** Search over runs. */
export interface SearchRunsInput {
  readonly experiment_ids: string[];
  readonly filter?: string;
  readonly run_view_type?: ViewType;
  /** 1..50000, default 1000. */
  readonly max_results?: number;
  readonly order_by?: string[];
  readonly page_token?: string;
}

/** A page of metric history. */
export interface MetricHistoryInput {
  readonly max_results?: number;
  readonly page_token?: string;
}

/** Sampled history of one metric across runs, as MLflow's UI charts read it. */
export interface MetricHistoryBulkIntervalInput {
  /** 1..100 run ids. */
  readonly run_ids: string[];
  readonly metric_key: string;
  readonly start_step?: number;
  readonly end_step?: number;
  /** 1..2500, default 2500. */
  readonly max_results?: number;
}

/** Fields of a new logged model (MLflow 3). */
export interface CreateLoggedModelInput {
  readonly experiment_id: string;
  /** Generated when absent. */
  readonly name?: string;
  readonly model_type?: string;
  readonly source_run_id?: string;
  readonly params?: Tag[];
  readonly tags?: Tag[];
}

/** One structured order term of a logged-model search. */
export interface LoggedModelOrderBy {
  /** An attribute (`name`, `creation_timestamp`, …) or `metrics.<key>`. */
  readonly field_name: string;
  readonly ascending?: boolean;
  readonly dataset_name?: string;
  readonly dataset_digest?: string;
}

/** Search over logged models. */
export interface SearchLoggedModelsInput {
  readonly experiment_ids: string[];
  readonly filter?: string;
  /** Restricts metric filters and ordering to these datasets. */
  readonly datasets?: { dataset_name: string; dataset_digest?: string }[];
  /** 1..50000, default 100. */
  readonly max_results?: number;
  readonly order_by?: LoggedModelOrderBy[];
  readonly page_token?: string;
}
