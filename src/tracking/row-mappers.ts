import type { Selectable } from 'kysely';
import type {
  DatasetsTable,
  ExperimentsTable,
  LoggedModelMetricsTable,
  LoggedModelsTable,
  MetricsTable,
  RunInputsTable,
  RunsTable,
} from '../db/index.js';
import type {
  DatasetInput,
  Experiment,
  LifecycleStage,
  LoggedModel,
  LoggedModelStatus,
  Metric,
  MetricPoint,
  Run,
  RunInfo,
  RunStatus,
  Tag,
} from './types.js';

/*
 * The one place where tracking rows become domain values. Numeric ids become strings, NaN comes
 * back from its flag, optional columns that are NULL are left out.
 */

/** Experiment row plus its tags. */
export function toExperiment(row: Selectable<ExperimentsTable>, tags: Tag[]): Experiment {
  return {
    experiment_id: String(row.experiment_id),
    name: row.name,
    artifact_location: row.artifact_location,
    lifecycle_stage: row.lifecycle_stage as LifecycleStage,
    creation_time: Number(row.creation_time),
    last_update_time: Number(row.last_update_time),
    tags,
  };
}

/** Run row without its data. */
export function toRunInfo(row: Selectable<RunsTable>): RunInfo {
  return {
    run_id: row.run_id,
    run_name: row.run_name,
    experiment_id: String(row.experiment_id),
    user_id: row.user_id,
    status: row.status as RunStatus,
    start_time: Number(row.start_time),
    end_time: row.end_time === null ? null : Number(row.end_time),
    artifact_uri: row.artifact_uri,
    lifecycle_stage: row.lifecycle_stage as LifecycleStage,
  };
}

/** The parts of a run that live in other tables, already grouped by run. */
export interface RunParts {
  metrics: Metric[];
  params: Tag[];
  tags: Tag[];
  dataset_inputs: DatasetInput[];
  model_inputs: { model_id: string }[];
  model_outputs: { model_id: string; step: number }[];
}

/** Empty parts, for a run that has nothing logged yet. */
export function emptyRunParts(): RunParts {
  return { metrics: [], params: [], tags: [], dataset_inputs: [], model_inputs: [], model_outputs: [] };
}

/** A whole run. */
export function toRun(row: Selectable<RunsTable>, parts: RunParts): Run {
  return {
    info: toRunInfo(row),
    data: { metrics: parts.metrics, params: parts.params, tags: parts.tags },
    inputs: { dataset_inputs: parts.dataset_inputs, model_inputs: parts.model_inputs },
    outputs: { model_outputs: parts.model_outputs },
  };
}

/** A stored metric point. */
export function toMetric(row: Pick<MetricsTable, 'key' | 'value' | 'timestamp' | 'step' | 'is_nan'>): Metric {
  return {
    key: row.key,
    value: Number(row.is_nan) === 1 ? NaN : Number(row.value),
    timestamp: Number(row.timestamp),
    step: Number(row.step),
  };
}

/** A stored metric point that names its run. */
export function toMetricPoint(row: Pick<MetricsTable, 'run_id' | 'key' | 'value' | 'timestamp' | 'step' | 'is_nan'>): MetricPoint {
  return { ...toMetric(row), run_id: row.run_id };
}

/** A run's dataset input: the shared dataset row plus the input's own tags. */
export function toDatasetInput(input: Pick<RunInputsTable, 'tags'>, ds: Selectable<DatasetsTable>): DatasetInput {
  return {
    tags: JSON.parse(input.tags) as Tag[],
    dataset: {
      name: ds.name,
      digest: ds.digest,
      source_type: ds.source_type,
      source: ds.source,
      ...(ds.schema !== null ? { schema: ds.schema } : {}),
      ...(ds.profile !== null ? { profile: ds.profile } : {}),
    },
  };
}

/** The parts of a logged model that live in other tables. */
export interface LoggedModelParts {
  tags: Tag[];
  params: Tag[];
  metrics: Selectable<LoggedModelMetricsTable>[];
}

/** The tag through which the registry records the versions made from a logged model. */
export const MODEL_VERSIONS_TAG = 'mlflow.modelVersions';

/** A whole logged model; `registrations` come from its `mlflow.modelVersions` tag. */
export function toLoggedModel(row: Selectable<LoggedModelsTable>, parts: LoggedModelParts): LoggedModel {
  return {
    info: {
      model_id: row.model_id,
      experiment_id: String(row.experiment_id),
      name: row.name,
      creation_timestamp_ms: Number(row.creation_timestamp_ms),
      last_updated_timestamp_ms: Number(row.last_updated_timestamp_ms),
      artifact_uri: row.artifact_location,
      status: row.status as LoggedModelStatus,
      ...(row.model_type !== null ? { model_type: row.model_type } : {}),
      ...(row.source_run_id !== null ? { source_run_id: row.source_run_id } : {}),
      ...(row.status_message !== null ? { status_message: row.status_message } : {}),
      tags: parts.tags,
      registrations: registrationsOf(parts.tags),
    },
    data: {
      params: parts.params,
      metrics: parts.metrics.map((m) => ({
        ...toMetric(m),
        model_id: m.model_id,
        run_id: m.run_id,
        ...(m.dataset_name !== null ? { dataset_name: m.dataset_name } : {}),
        ...(m.dataset_digest !== null ? { dataset_digest: m.dataset_digest } : {}),
      })),
    },
  };
}

// A malformed tag (written by hand) reads as no registrations rather than failing the read.
function registrationsOf(tags: Tag[]): { name: string; version: string }[] {
  const tag = tags.find((t) => t.key === MODEL_VERSIONS_TAG);
  if (!tag) return [];
  try {
    const parsed: unknown = JSON.parse(tag.value);
    if (!Array.isArray(parsed)) return [];
    return parsed
      .filter((r): r is { name: unknown; version: unknown } => r !== null && typeof r === 'object' && 'name' in r && 'version' in r)
      .map((r) => ({ name: String(r.name), version: String(r.version) }))
      // The client may list a version the server already recorded: keep each (name, version) once.
      .filter((r, i, all) => all.findIndex((o) => o.name === r.name && o.version === r.version) === i);
  } catch {
    return [];
  }
}

/** Groups rows by a key, keeping their order. */
export function groupBy<T, K>(rows: readonly T[], keyOf: (row: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const row of rows) {
    const k = keyOf(row);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}
