import type { FastifyPluginAsync } from 'fastify';
import type { AppServices } from '../services.js';
import type { LogInputsInput, Metric, MetricInput, MetricPoint, Run, RunInfo, RunStatus, Tag, ViewType } from '../../tracking/index.js';
import { InvalidParameterError } from '../../errors/index.js';
import {
  bodyObject,
  listField,
  optionalString,
  parseOptionalInt,
  queryList,
  queryValue,
  requireJsonContentType,
  requireString,
  toWireDouble,
} from './wire.js';
import { readableExperimentIds } from '../access/index.js';

const MODEL_HISTORY_TAG = 'mlflow.log-model.history';
const TAG_VALUE_LIMIT = 8000;

/** RunInfo as MLflow's JSON has it: `run_uuid` beside `run_id`, no `end_time` while running. */
export function toWireRunInfo(info: RunInfo): Record<string, unknown> {
  return {
    run_id: info.run_id,
    run_uuid: info.run_id,
    run_name: info.run_name,
    experiment_id: info.experiment_id,
    user_id: info.user_id,
    status: info.status,
    start_time: info.start_time,
    ...(info.end_time !== null ? { end_time: info.end_time } : {}),
    artifact_uri: info.artifact_uri,
    lifecycle_stage: info.lifecycle_stage,
  };
}

/** A metric point with NaN/±Infinity as MLflow's strings. */
export function toWireMetric(m: Metric | MetricPoint): Record<string, unknown> {
  return { ...m, value: toWireDouble(m.value) };
}

/** A run as MLflow's JSON has it. */
export function toWireRun(run: Run): Record<string, unknown> {
  return {
    info: toWireRunInfo(run.info),
    data: { metrics: run.data.metrics.map(toWireMetric), params: run.data.params, tags: run.data.tags },
    inputs: run.inputs,
    // MLflow leaves empty repeated fields out: no outputs reads as `{}`.
    outputs: run.outputs.model_outputs.length > 0 ? run.outputs : {},
  };
}

// The client sends run_id and, for old servers, run_uuid with the same value.
function runIdOf(src: Record<string, unknown>, fromQuery = false): string {
  const id = fromQuery ? (queryValue(src, 'run_id') ?? queryValue(src, 'run_uuid')) : (src.run_id ?? src.run_uuid);
  return requireString(id === '' ? undefined : id, 'run_id');
}

function requiredValue(body: Record<string, unknown>, field: string): unknown {
  if (body[field] === undefined || body[field] === null) requireString(undefined, field);
  return body[field];
}

/** MLflow-compatible runs and metrics endpoints (`runs/...`, `metrics/...`). */
export const runsRoutes: FastifyPluginAsync<{ services: AppServices }> = async (app, { services }) => {
  const tracking = services.tracking;
  requireJsonContentType(app);

  app.post('/runs/create', async (request) => {
    const body = bodyObject(request.body);
    const run = await tracking.createRun({
      experiment_id: body.experiment_id === undefined || body.experiment_id === null ? undefined : String(body.experiment_id),
      user_id: optionalString(body.user_id, 'user_id'),
      run_name: optionalString(body.run_name, 'run_name'),
      start_time: parseOptionalInt(body.start_time, 'start_time'),
      tags: listField<Tag>(body.tags, 'tags'),
    });
    return { run: toWireRun(run) };
  });

  app.get('/runs/get', async (request) => {
    const run = await tracking.getRun(runIdOf(request.query as Record<string, unknown>, true));
    return { run: toWireRun(run) };
  });

  app.post('/runs/update', async (request) => {
    const body = bodyObject(request.body);
    const info = await tracking.updateRun(runIdOf(body), {
      status: optionalString(body.status, 'status') as RunStatus | undefined,
      end_time: parseOptionalInt(body.end_time, 'end_time'),
      run_name: optionalString(body.run_name, 'run_name'),
    });
    return { run_info: toWireRunInfo(info) };
  });

  app.post('/runs/delete', async (request) => {
    await tracking.deleteRun(runIdOf(bodyObject(request.body)));
    return {};
  });

  app.post('/runs/restore', async (request) => {
    await tracking.restoreRun(runIdOf(bodyObject(request.body)));
    return {};
  });

  app.post('/runs/log-metric', async (request) => {
    const body = bodyObject(request.body);
    const runId = runIdOf(body);
    requireString(body.key, 'key');
    requiredValue(body, 'value');
    requiredValue(body, 'timestamp');
    await tracking.logMetric(runId, body as unknown as MetricInput);
    return {};
  });

  app.post('/runs/log-parameter', async (request) => {
    const body = bodyObject(request.body);
    const runId = runIdOf(body);
    const key = requireString(body.key, 'key');
    requiredValue(body, 'value');
    await tracking.logParam(runId, key, body.value as string);
    return {};
  });

  app.post('/runs/set-tag', async (request) => {
    const body = bodyObject(request.body);
    const runId = runIdOf(body);
    const key = requireString(body.key, 'key');
    requiredValue(body, 'value');
    await tracking.setTag(runId, key, body.value as string);
    return {};
  });

  app.post('/runs/delete-tag', async (request) => {
    const body = bodyObject(request.body);
    await tracking.deleteTag(runIdOf(body), requireString(body.key, 'key'));
    return {};
  });

  app.post('/runs/log-batch', async (request) => {
    const body = bodyObject(request.body);
    // Metric values and int64 fields are read in the service's single validation pass.
    await tracking.logBatch(runIdOf(body), {
      metrics: listField<MetricInput>(body.metrics, 'metrics'),
      params: listField<Tag>(body.params, 'params'),
      tags: listField<Tag>(body.tags, 'tags'),
    });
    return {};
  });

  app.post('/runs/log-inputs', async (request) => {
    const body = bodyObject(request.body);
    await tracking.logInputs(runIdOf(body), {
      datasets: listField<NonNullable<LogInputsInput['datasets']>[number]>(body.datasets, 'datasets'),
      models: listField<{ model_id: string }>(body.models, 'models'),
    });
    return {};
  });

  app.post('/runs/outputs', async (request) => {
    const body = bodyObject(request.body);
    await tracking.logOutputs(runIdOf(body), listField<{ model_id: string; step?: number }>(body.models, 'models'));
    return {};
  });

  // MLflow 2's record_logged_model: the model's MLmodel as JSON, appended to a history tag.
  app.post('/runs/log-model', async (request) => {
    const body = bodyObject(request.body);
    const runId = runIdOf(body);
    const text = requireString(body.model_json, 'model_json');
    let model: unknown;
    try {
      model = JSON.parse(text);
    } catch {
      throw new InvalidParameterError("Invalid value for parameter 'model_json': expected a JSON object.", 'model_json');
    }
    if (model === null || typeof model !== 'object' || Array.isArray(model)) {
      throw new InvalidParameterError("Invalid value for parameter 'model_json': expected a JSON object.", 'model_json');
    }
    const run = await tracking.getRun(runId);
    const previous = run.data.tags.find((t) => t.key === MODEL_HISTORY_TAG)?.value;
    let history: unknown[] = [];
    try {
      const parsed: unknown = previous ? JSON.parse(previous) : [];
      if (Array.isArray(parsed)) history = parsed;
    } catch {
      history = [];
    }
    history.push(model);
    // The tag value has a length limit: the oldest entries give way.
    let value = JSON.stringify(history);
    while (value.length > TAG_VALUE_LIMIT && history.length > 1) {
      history.shift();
      value = JSON.stringify(history);
    }
    if (value.length > TAG_VALUE_LIMIT) throw new InvalidParameterError(`'model_json' is longer than ${TAG_VALUE_LIMIT} characters.`, 'model_json');
    await tracking.setTag(runId, MODEL_HISTORY_TAG, value);
    return {};
  });

  app.post('/runs/search', async (request) => {
    const body = bodyObject(request.body);
    const page = await tracking.searchRuns({
      experiment_ids: readableExperimentIds(request, listField(body.experiment_ids, 'experiment_ids').map((e) => String(e))),
      filter: optionalString(body.filter, 'filter'),
      run_view_type: optionalString(body.run_view_type, 'run_view_type') as ViewType | undefined,
      max_results: parseOptionalInt(body.max_results, 'max_results'),
      order_by: listField<string>(body.order_by, 'order_by'),
      page_token: optionalString(body.page_token, 'page_token'),
    });
    return { runs: page.items.map(toWireRun), ...(page.next_page_token ? { next_page_token: page.next_page_token } : {}) };
  });

  app.get('/metrics/get-history', async (request) => {
    const q = (request.query ?? {}) as Record<string, unknown>;
    const page = await tracking.getMetricHistory(runIdOf(q, true), requireString(queryValue(q, 'metric_key'), 'metric_key'), {
      max_results: parseOptionalInt(queryValue(q, 'max_results'), 'max_results'),
      page_token: queryValue(q, 'page_token'),
    });
    return { metrics: page.items.map(toWireMetric), ...(page.next_page_token ? { next_page_token: page.next_page_token } : {}) };
  });

  app.get('/metrics/get-history-bulk-interval', async (request) => {
    const q = (request.query ?? {}) as Record<string, unknown>;
    const metrics = await tracking.getMetricHistoryBulkInterval({
      run_ids: queryList(q.run_ids),
      metric_key: requireString(queryValue(q, 'metric_key'), 'metric_key'),
      start_step: parseOptionalInt(queryValue(q, 'start_step'), 'start_step'),
      end_step: parseOptionalInt(queryValue(q, 'end_step'), 'end_step'),
      max_results: parseOptionalInt(queryValue(q, 'max_results'), 'max_results'),
    });
    return { metrics: metrics.map(toWireMetric) };
  });
};
