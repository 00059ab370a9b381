import type { Generated } from 'kysely';

/*
 * Row types of every table. They stay inside repositories: services and routes see domain types.
 * Times are milliseconds since the epoch (bigint columns, read as JS numbers).
 */

export interface ExperimentsTable {
  experiment_id: Generated<number>;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  creation_time: number;
  last_update_time: number;
}

export interface ExperimentTagsTable {
  experiment_id: number;
  key: string;
  value: string;
}

export interface RunsTable {
  run_id: string;
  experiment_id: number;
  run_name: string;
  user_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  artifact_uri: string;
  lifecycle_stage: string;
  deleted_time: number | null;
}

export interface KeyValueOfRun {
  run_id: string;
  key: string;
  value: string;
}

export interface MetricsTable {
  run_id: string;
  key: string;
  value: number;
  timestamp: number;
  step: number;
  /** NaN cannot be stored in SQLite (it reads back as NULL), so it is a flag and value is 0. */
  is_nan: number;
}

export interface LatestMetricsTable extends MetricsTable {}

export interface DatasetsTable {
  dataset_id: string;
  experiment_id: number;
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema: string | null;
  profile: string | null;
}

export interface RunInputsTable {
  run_id: string;
  dataset_id: string;
  /** JSON array of {key, value} input tags (e.g. mlflow.data.context). */
  tags: string;
  /** The value of the input tag mlflow.data.context, for `datasets.context` filters. */
  context: string | null;
}

export interface RunModelInputsTable {
  run_id: string;
  model_id: string;
}

export interface LoggedModelsTable {
  model_id: string;
  experiment_id: number;
  name: string;
  artifact_location: string;
  creation_timestamp_ms: number;
  last_updated_timestamp_ms: number;
  status: string;
  model_type: string | null;
  source_run_id: string | null;
  status_message: string | null;
  lifecycle_stage: string;
}

export interface KeyValueOfLoggedModel {
  model_id: string;
  key: string;
  value: string;
}

export interface LoggedModelMetricsTable {
  model_id: string;
  run_id: string;
  key: string;
  value: number;
  timestamp: number;
  step: number;
  is_nan: number;
  dataset_name: string | null;
  dataset_digest: string | null;
}

export interface RunOutputsTable {
  run_id: string;
  model_id: string;
  step: number;
}

export interface RegisteredModelsTable {
  name: string;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string | null;
  description: string | null;
  last_version: Generated<number>;
}

export interface RegisteredModelTagsTable {
  name: string;
  key: string;
  value: string;
}

export interface ModelVersionsTable {
  name: string;
  version: number;
  creation_timestamp: number;
  last_updated_timestamp: number;
  user_id: string | null;
  current_stage: string;
  description: string | null;
  source: string;
  storage_location: string;
  run_id: string | null;
  run_link: string | null;
  status: string;
  status_message: string | null;
  model_id: string | null;
}

export interface ModelVersionTagsTable {
  name: string;
  version: number;
  key: string;
  value: string;
}

export interface RegisteredModelAliasesTable {
  name: string;
  alias: string;
  version: number;
}

export interface UsersTable {
  user_id: Generated<number>;
  username: string;
  password_hash: string | null;
  created_at: number;
  disabled: number;
}

export interface ApiTokensTable {
  token_id: Generated<number>;
  user_id: number;
  name: string;
  token_hash: string;
  scope: string;
  created_at: number;
  expires_at: number | null;
  last_used_at: number | null;
  revoked_at: number | null;
  rate_limit_per_minute: number | null;
}

export interface GrantsTable {
  grant_id: Generated<number>;
  user_id: number;
  role: string;
  resource_type: string;
  resource_id: string;
  created_at: number;
  created_by: string | null;
}

export interface AuditLogTable {
  seq: number;
  at: number;
  actor: string;
  action: string;
  resource_type: string;
  resource_id: string;
  status: number;
  source: string;
  summary: string;
  prev_hash: string;
  hash: string;
}

export interface AuditHeadTable {
  id: number;
  seq: number;
  hash: string;
}

export interface ArtifactDataKeysTable {
  object_key: string;
  master_key_id: string;
  wrapped_key: string;
  created_at: number;
}

export interface DatasetNamesTable {
  name: string;
  description: string | null;
  creator: string | null;
  creation_time: number;
  last_update_time: number;
  last_version: Generated<number>;
}

export interface DatasetVersionsTable {
  name: string;
  version: number;
  digest: string;
  row_count: number;
  size: number;
  parent: number | null;
  message: string;
  source: string;
  creator: string | null;
  creation_time: number;
  schema_json: string;
  profile_json: string;
  sketch_key: string | null;
}

export interface DatasetBlobsTable {
  digest: string;
  size: number;
  /** JSON array of {key, size}: the store objects whose bytes, in order, are the content. */
  parts_json: string;
  created_at: number;
}

export interface DatasetVersionFilesTable {
  name: string;
  version: number;
  path: string;
  digest: string;
  size: number;
  format: string | null;
  row_count: number | null;
  options_json: string | null;
}

export interface DatasetValidationsTable {
  validation_id: Generated<number>;
  name: string;
  version: number;
  suite_name: string;
  success: number;
  evaluated: number;
  failed: number;
  result_json: string;
  creator: string | null;
  created_at: number;
}

/** Every table Puente owns, for Kysely's typed query builder. */
export interface DeploymentsTable {
  name: string;
  description: string;
  revision: number;
  /** JSON of the DeploymentSpec. */
  spec: string;
  created_at: number;
  updated_at: number;
  created_by: string | null;
}

export interface DeploymentRevisionsTable {
  name: string;
  revision: number;
  spec: string;
  created_at: number;
  created_by: string | null;
  reason: string;
}

export interface DeploymentStatsTable {
  stat_id: Generated<number>;
  deployment: string;
  model: string;
  version: number;
  role: string;
  period_start: number;
  period_end: number;
  requests: number;
  errors: number;
  /** JSON object: latency bucket index → count. */
  latency: string;
  /** JSON object: prediction bin → count. */
  predictions: string;
  shadow_compared: number;
  shadow_agreed: number;
}

export interface PredictionsTable {
  prediction_id: string;
  row_index: number;
  deployment: string | null;
  model: string;
  version: number;
  role: string | null;
  at: number;
  latency_ms: number;
  /** JSON of the input record. */
  inputs: string;
  /** JSON of the row's prediction. */
  output: string;
  /** JSON of the ground-truth label, once feedback arrived. */
  label: string | null;
  label_at: number | null;
  /** JSON {method, base_value, contributions} when the deployment stores explanations. */
  explanation: string | null;
}

export interface AlertRulesTable {
  name: string;
  /** JSON of the validated rule (without name and secret). */
  spec: string;
  webhook_secret: string | null;
  created_at: number;
  updated_at: number;
  created_by: string | null;
}

export interface AlertInstancesTable {
  rule: string;
  fingerprint: string;
  /** JSON object of the alert's labels. */
  labels: string;
  state: string;
  value: number | null;
  active_since: number;
  fired_at: number | null;
  evaluated_at: number;
}

export interface AlertHistoryTable {
  event_id: Generated<number>;
  rule: string;
  fingerprint: string;
  labels: string;
  state: string;
  severity: string;
  value: number | null;
  threshold: number | null;
  at: number;
  /** JSON list of webhook deliveries, once they finished. */
  notifications: string | null;
}

export interface MonitoringReferencesTable {
  model: string;
  version: number;
  source: string;
  rows: number;
  /** JSON of the input profile (sketches module form). */
  profile: string;
  /** JSON of the prediction profile, or null. */
  predictions: string | null;
  /** JSON of the model's quality on the reference rows, or null. */
  performance: string | null;
  /** JSON list of inputs left out, with the reason. */
  skipped: string;
  created_at: number;
  created_by: string | null;
}

export interface MonitoringWindowsTable {
  window_id: Generated<number>;
  deployment: string;
  model: string;
  version: number;
  window_start: number;
  window_end: number;
  rows: number;
  drift_share: number | null;
  /** 1 when the share of drifted inputs reached the dataset threshold. */
  dataset_drifted: number;
  /** JSON of the window report (drift per input and for predictions, data quality, bin counts). */
  report: string;
  created_at: number;
}

export interface MonitoringSettingsTable {
  deployment: string;
  /** JSON of the drift settings (tests, thresholds, drift share). */
  settings: string;
  updated_at: number;
  updated_by: string | null;
}

export interface Database {
  experiments: ExperimentsTable;
  experiment_tags: ExperimentTagsTable;
  runs: RunsTable;
  params: KeyValueOfRun;
  tags: KeyValueOfRun;
  metrics: MetricsTable;
  latest_metrics: LatestMetricsTable;
  datasets: DatasetsTable;
  run_inputs: RunInputsTable;
  run_model_inputs: RunModelInputsTable;
  logged_models: LoggedModelsTable;
  logged_model_tags: KeyValueOfLoggedModel;
  logged_model_params: KeyValueOfLoggedModel;
  logged_model_metrics: LoggedModelMetricsTable;
  run_outputs: RunOutputsTable;
  registered_models: RegisteredModelsTable;
  registered_model_tags: RegisteredModelTagsTable;
  model_versions: ModelVersionsTable;
  model_version_tags: ModelVersionTagsTable;
  registered_model_aliases: RegisteredModelAliasesTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  grants: GrantsTable;
  audit_log: AuditLogTable;
  audit_head: AuditHeadTable;
  artifact_data_keys: ArtifactDataKeysTable;
  dataset_names: DatasetNamesTable;
  dataset_versions: DatasetVersionsTable;
  dataset_blobs: DatasetBlobsTable;
  dataset_version_files: DatasetVersionFilesTable;
  dataset_validations: DatasetValidationsTable;
  deployments: DeploymentsTable;
  deployment_revisions: DeploymentRevisionsTable;
  deployment_stats: DeploymentStatsTable;
  predictions: PredictionsTable;
  alert_rules: AlertRulesTable;
  alert_instances: AlertInstancesTable;
  alert_history: AlertHistoryTable;
  monitoring_references: MonitoringReferencesTable;
  monitoring_windows: MonitoringWindowsTable;
  monitoring_settings: MonitoringSettingsTable;
}
