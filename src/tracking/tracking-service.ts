import { randomBytes, randomUUID } from 'node:crypto';
import type { PuenteDb } from '../db/index.js';
import type { ArtifactStore } from '../artifacts/index.js';
import { InvalidParameterError, NotFoundError, missingParameter } from '../errors/index.js';
import {
  EXPERIMENT_SEARCH,
  LOGGED_MODEL_SEARCH,
  RUN_SEARCH,
  parseFilter,
  parseOrderBy,
  decodePageToken,
  encodePageToken,
} from '../search-filter/index.js';
import {
  LIMITS,
  RUN_STATUSES,
  VIEW_TYPES,
  checkBatch,
  checkExperimentTag,
  checkInteger,
  checkLength,
  checkMaxResults,
  checkOptionalString,
  checkParam,
  checkRunTag,
  checkString,
  checkTimestamp,
} from './limits.js';
import { LoggedModelRepo, loggedModelNotFound } from './logged-model-repo.js';
import { MODEL_VERSIONS_TAG } from './row-mappers.js';
import { generateRunName } from './run-names.js';
import type { ModelOrderTerm } from './search-sql.js';
import { RUN_NAME_TAG, TrackingRepo, experimentNotFound, parseExperimentId, runNotFound, type NewDatasetInput } from './tracking-repo.js';
import type {
  CreateExperimentInput,
  CreateLoggedModelInput,
  CreateRunInput,
  Experiment,
  LogBatchInput,
  LogInputsInput,
  LoggedModel,
  LoggedModelStatus,
  Metric,
  MetricHistoryBulkIntervalInput,
  MetricHistoryInput,
  MetricInput,
  MetricPoint,
  Page,
  Run,
  RunInfo,
  SearchExperimentsInput,
  SearchLoggedModelsInput,
  SearchRunsInput,
  Tag,
  UpdateRunInput,
  ViewType,
} from './types.js';

/** Collaborators of the tracking service. */
export interface TrackingServiceDeps {
  readonly db: PuenteDb;
  readonly artifacts: ArtifactStore;
}

/** Tag naming the parent of a nested run. */
export const PARENT_RUN_TAG = 'mlflow.parentRunId';
const USER_TAG = 'mlflow.user';
const DATASET_CONTEXT_TAG = 'mlflow.data.context';
const FINAL_MODEL_STATUSES: readonly LoggedModelStatus[] = ['LOGGED_MODEL_READY', 'LOGGED_MODEL_UPLOAD_FAILED'];

/**
 * Experiments, runs, params, metrics, tags, inputs, outputs and logged models. Every method
 * validates its input (errors name the field), writes in one transaction, and reports unknown ids
 * with NotFoundError and writes to deleted experiments or runs with InvalidParameterError.
 *
 * @example
 * const tracking = new TrackingService({ db, artifacts });
 * const exp = await tracking.createExperiment({ name: 'churn' });
 * const run = await tracking.createRun({ experiment_id: exp.experiment_id });
 * await tracking.logBatch(run.info.run_id, { metrics: [{ key: 'auc', value: 0.91, timestamp: Date.now(), step: 0 }] });
 */
export class TrackingService {
  readonly #repo: TrackingRepo;
  readonly #models: LoggedModelRepo;

  constructor(deps: TrackingServiceDeps) {
    this.#repo = new TrackingRepo(deps.db);
    this.#models = new LoggedModelRepo(deps.db);
  }

  // ---------------------------------------------------------------- experiments

  /** Creates an experiment; the name must be unique (AlreadyExistsError). */
  async createExperiment(input: CreateExperimentInput): Promise<Experiment> {
    const name = checkString(input.name, 'name', false);
    checkLength('experiment name', name, LIMITS.experimentName, 'name');
    const location = input.artifact_location === '' ? undefined : checkOptionalString(input.artifact_location, 'artifact_location', 65_535);
    const tags = uniqueByKey(checkList(input.tags, 'tags').map((t, i) => checkExperimentTag(t, `tags[${i}]`)));
    const id = await this.#repo.createExperiment(name, location, tags, Date.now());
    return this.getExperiment(id);
  }

  /** One experiment, active or deleted; NotFoundError when there is none. */
  async getExperiment(experimentId: string): Promise<Experiment> {
    const id = checkString(experimentId, 'experiment_id', false);
    const exp = await this.#repo.findExperiment(id);
    if (!exp) throw experimentNotFound(id);
    return exp;
  }

  /** One experiment by exact name; NotFoundError (404) when there is none, which MLflow's set_experiment relies on. */
  async getExperimentByName(name: string): Promise<Experiment> {
    const n = checkString(name, 'experiment_name', false);
    const exp = await this.#repo.findExperimentByName(n);
    if (!exp) throw new NotFoundError(`Could not find experiment with name '${n}'`, 'experiment');
    return exp;
  }

  /** Experiments matching a filter, one page at a time. */
  /** `visibleIds`: only these experiments may appear (the caller's grants); null: all. */
  async searchExperiments(input: SearchExperimentsInput = {}, visibleIds: readonly string[] | null = null): Promise<Page<Experiment>> {
    const limit = checkMaxResults(input.max_results, LIMITS.searchMaxResults, 1000);
    const viewType = checkViewType(input.view_type, 'view_type');
    const clauses = parseFilter(searchText(input.filter, 'filter'), EXPERIMENT_SEARCH);
    const order = parseOrderBy(orderTexts(input.order_by), EXPERIMENT_SEARCH);
    const offset = decodePageToken(input.page_token);
    const visible = visibleIds === null ? null : visibleIds.map(parseExperimentId).filter((n): n is number => n !== undefined);
    const rows = visible?.length === 0 ? [] : await this.#repo.searchExperiments(clauses, order, viewType, offset, limit + 1, visible);
    return page(rows, limit, offset);
  }

  /** Renames an active experiment. */
  async updateExperiment(experimentId: string, fields: { name?: string }): Promise<Experiment> {
    const id = checkString(experimentId, 'experiment_id', false);
    if (fields.name !== undefined && fields.name !== null) {
      const name = checkString(fields.name, 'new_name', false);
      checkLength('experiment name', name, LIMITS.experimentName, 'new_name');
      await this.#repo.renameExperiment(id, name, Date.now());
    } else {
      await this.#repo.requireActiveExperiment(id);
    }
    return this.getExperiment(id);
  }

  /** Marks an experiment and its runs deleted. The Default experiment cannot be deleted. */
  async deleteExperiment(experimentId: string): Promise<void> {
    const id = checkString(experimentId, 'experiment_id', false);
    if (id === '0') throw new InvalidParameterError("Cannot delete the default experiment '0'. This is an internally reserved experiment.", 'experiment_id');
    await this.#repo.setExperimentStage(id, 'deleted', Date.now());
  }

  /** Brings back a deleted experiment and the runs its deletion took. */
  async restoreExperiment(experimentId: string): Promise<void> {
    await this.#repo.setExperimentStage(checkString(experimentId, 'experiment_id', false), 'active', Date.now());
  }

  /** Sets (or replaces) a tag of an active experiment. */
  async setExperimentTag(experimentId: string, key: string, value: string): Promise<void> {
    const id = checkString(experimentId, 'experiment_id', false);
    const tag = checkExperimentTag({ key, value }, 'tag');
    await this.#repo.setExperimentTag(id, tag, Date.now());
  }

  /** Deletes a tag of an active experiment (NotFoundError when it has no such tag). */
  async deleteExperimentTag(experimentId: string, key: string): Promise<void> {
    const id = checkString(experimentId, 'experiment_id', false);
    await this.#repo.deleteExperimentTag(id, checkString(key, 'key', false), Date.now());
  }

  // ---------------------------------------------------------------- runs

  /**
   * Starts a run (status RUNNING). Without a name one is generated; the name is also the tag
   * `mlflow.runName`. `parent_run_id` (or the tag `mlflow.parentRunId`) makes a nested run.
   */
  async createRun(input: CreateRunInput = {}): Promise<Run> {
    const experimentId = input.experiment_id === undefined || input.experiment_id === null || input.experiment_id === '' ? '0' : checkString(input.experiment_id, 'experiment_id');
    const tags = uniqueByKey(checkList(input.tags, 'tags').map((t, i) => checkRunTag(t, `tags[${i}]`)));
    const nameTag = tags.find((t) => t.key === RUN_NAME_TAG)?.value;
    const given = checkOptionalString(input.run_name, 'run_name', LIMITS.runName);
    if (given && nameTag !== undefined && nameTag !== given) {
      throw new InvalidParameterError(
        `Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='${given}', mlflow.runName='${nameTag}').`,
        'run_name',
      );
    }
    const runName = given || nameTag || generateRunName();
    checkLength('run name', runName, LIMITS.runName, 'run_name');
    const userId = checkOptionalString(input.user_id, 'user_id', 256) ?? tags.find((t) => t.key === USER_TAG)?.value ?? '';
    checkLength('user id', userId, 256, 'user_id');
    const startTime = input.start_time === undefined || input.start_time === null ? Date.now() : checkTimestamp(input.start_time, 'start_time');

    if (input.parent_run_id !== undefined && input.parent_run_id !== null && input.parent_run_id !== '') {
      const parent = checkString(input.parent_run_id, 'parent_run_id');
      if (!(await this.#repo.findRunState(parent))) throw runNotFound(parent);
      setTag(tags, PARENT_RUN_TAG, parent);
    }
    setTag(tags, RUN_NAME_TAG, runName);

    const exp = await this.getExperiment(experimentId);
    const runId = randomBytes(16).toString('hex');
    const artifactUri = `${exp.artifact_location.replace(/\/+$/, '')}/${runId}/artifacts`;
    await this.#repo.createRun({
      run_id: runId,
      experiment_id: Number(exp.experiment_id),
      run_name: runName,
      user_id: userId,
      start_time: startTime,
      artifact_uri: artifactUri,
      tags,
    });
    // A new run has nothing but its tags: answer without reading it back.
    return {
      info: {
        run_id: runId,
        run_name: runName,
        experiment_id: exp.experiment_id,
        user_id: userId,
        status: 'RUNNING',
        start_time: startTime,
        end_time: null,
        artifact_uri: artifactUri,
        lifecycle_stage: 'active',
      },
      data: { metrics: [], params: [], tags: [...tags].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)) },
      inputs: { dataset_inputs: [], model_inputs: [] },
      outputs: { model_outputs: [] },
    };
  }

  /** The experiment a run belongs to, or null when there is no such run (used to authorize requests). */
  async experimentOfRun(runId: string): Promise<string | null> {
    const state = await this.#repo.findRunState(runId);
    return state ? String(state.experiment_id) : null;
  }

  /** The experiment a logged model belongs to, or null when there is no such model. */
  async experimentOfLoggedModel(modelId: string): Promise<string | null> {
    const [model] = await this.#models.load([modelId]);
    return model ? model.info.experiment_id : null;
  }

  /** A whole run: info, latest metrics, params, tags, inputs, outputs. NotFoundError when missing. */
  async getRun(runId: string): Promise<Run> {
    const id = checkString(runId, 'run_id', false);
    const [run] = await this.#repo.loadRuns([id]);
    if (!run) throw runNotFound(id);
    return run;
  }

  /** Changes status, end time and/or name of an active run. */
  async updateRun(runId: string, input: UpdateRunInput): Promise<RunInfo> {
    const id = checkString(runId, 'run_id', false);
    const status = input.status === undefined || input.status === null ? undefined : checkEnum(input.status, RUN_STATUSES, 'status');
    const endTime = input.end_time === undefined || input.end_time === null ? undefined : checkTimestamp(input.end_time, 'end_time');
    const runName = input.run_name === undefined || input.run_name === null || input.run_name === '' ? undefined : checkOptionalString(input.run_name, 'run_name', LIMITS.runName);
    return this.#repo.updateRun(id, { status, end_time: endTime, run_name: runName });
  }

  /** Marks a run deleted. */
  async deleteRun(runId: string): Promise<void> {
    await this.#repo.setRunStage(checkString(runId, 'run_id', false), 'deleted', Date.now());
  }

  /** Brings back a deleted run (its experiment must be active). */
  async restoreRun(runId: string): Promise<void> {
    await this.#repo.setRunStage(checkString(runId, 'run_id', false), 'active', Date.now());
  }

  /** Logs one metric point. */
  async logMetric(runId: string, metric: MetricInput): Promise<void> {
    await this.logBatch(runId, { metrics: [metric] });
  }

  /** Logs one param; logging it again with another value is refused. */
  async logParam(runId: string, key: string, value: string): Promise<void> {
    const p = checkParam({ key, value }, 'param');
    await this.logBatch(runId, { params: [p] });
  }

  /** Sets (or replaces) one run tag. */
  async setTag(runId: string, key: string, value: string): Promise<void> {
    const t = checkRunTag({ key, value }, 'tag');
    await this.logBatch(runId, { tags: [t] });
  }

  /** Deletes one run tag (NotFoundError when the run has no such tag). */
  async deleteTag(runId: string, key: string): Promise<void> {
    await this.#repo.deleteRunTag(checkString(runId, 'run_id', false), checkString(key, 'key', false));
  }

  /**
   * Logs metrics, params and tags together, all or nothing: at most 1000 metrics, 100 params,
   * 100 tags and 1000 items in all; params are write-once; ±Infinity is stored as ±1.797e308.
   */
  async logBatch(runId: string, batch: LogBatchInput): Promise<void> {
    const id = checkString(runId, 'run_id', false);
    const checked = checkBatch(batch);
    const runName = checked.tags.find((t) => t.key === RUN_NAME_TAG);
    if (runName) checkLength('run name', runName.value, LIMITS.runName, 'tags');
    if (checked.metrics.length + checked.params.length + checked.tags.length === 0) {
      await this.#repo.requireActiveRun(id);
      return;
    }
    await this.#repo.logBatch(id, checked);
  }

  /** All points of one metric of a run by (step, timestamp); paged when `max_results` is given. */
  async getMetricHistory(runId: string, metricKey: string, options: MetricHistoryInput = {}): Promise<Page<Metric>> {
    const id = checkString(runId, 'run_id', false);
    const key = checkString(metricKey, 'metric_key', false);
    const limit = options.max_results === undefined ? undefined : checkMaxResults(options.max_results, 1_000_000, 1_000_000);
    const offset = decodePageToken(options.page_token);
    if (!(await this.#repo.findRunState(id))) throw runNotFound(id);
    if (limit === undefined) return { items: await this.#repo.metricHistory(id, key, offset, undefined) };
    const rows = await this.#repo.metricHistory(id, key, offset, limit + 1);
    return page(rows, limit, offset);
  }

  /**
   * One metric of up to 100 runs, sampled to at most `max_results` steps within
   * [start_step, end_step] (each run's first and last step always kept), as MLflow's charts read it.
   */
  async getMetricHistoryBulkInterval(input: MetricHistoryBulkIntervalInput): Promise<MetricPoint[]> {
    const runIds = checkList(input.run_ids, 'run_ids').map((r, i) => checkString(r, `run_ids[${i}]`, false));
    if (runIds.length === 0) throw missingParameter('run_ids');
    if (runIds.length > LIMITS.bulkIntervalRuns) {
      throw new InvalidParameterError(`GetMetricHistoryBulkInterval request must specify at most ${LIMITS.bulkIntervalRuns} run_ids. Received ${runIds.length} run_ids.`, 'run_ids');
    }
    const key = checkString(input.metric_key, 'metric_key', false);
    const maxResults = checkMaxResults(input.max_results, LIMITS.bulkIntervalMaxResults, LIMITS.bulkIntervalMaxResults);
    const hasStart = input.start_step !== undefined && input.start_step !== null;
    const hasEnd = input.end_step !== undefined && input.end_step !== null;
    if (hasStart !== hasEnd) throw new InvalidParameterError('If either start step or end step are specified, both must be specified.', hasStart ? 'end_step' : 'start_step');
    const startStep = hasStart ? checkInteger(input.start_step, 'start_step') : 0;
    const endStep = hasEnd ? checkInteger(input.end_step, 'end_step') : undefined;
    if (endStep !== undefined && startStep > endStep) throw new InvalidParameterError('end_step must be greater than start_step.', 'end_step');

    const points = await this.#repo.metricHistoryOfRuns(runIds, key, startStep, endStep);
    const stepsByRun = new Map<string, number[]>();
    for (const p of points) {
      const list = stepsByRun.get(p.run_id!);
      if (list) list.push(p.step);
      else stepsByRun.set(p.run_id!, [p.step]);
    }
    const allSteps = [...new Set(points.map((p) => p.step))].sort((a, b) => a - b);
    const keep = new Set<number>();
    if (allSteps.length <= maxResults) allSteps.forEach((s) => keep.add(s));
    else for (let i = 0; i < maxResults; i++) keep.add(allSteps[Math.floor((i * allSteps.length) / maxResults)]);
    for (const steps of stepsByRun.values()) {
      keep.add(Math.min(...steps));
      keep.add(Math.max(...steps));
    }
    const order = new Map(runIds.map((r, i) => [r, i]));
    return points
      .filter((p) => keep.has(p.step))
      .sort((a, b) => order.get(a.run_id!)! - order.get(b.run_id!)! || a.step - b.step || a.timestamp - b.timestamp);
  }

  /** Records datasets (shared per experiment by name and digest) and logged models a run used. */
  async logInputs(runId: string, input: LogInputsInput): Promise<void> {
    const id = checkString(runId, 'run_id', false);
    const datasets: NewDatasetInput[] = checkList(input.datasets, 'datasets').map((d, i) => checkDatasetInput(d, `datasets[${i}]`));
    const modelIds = [...new Set(checkList(input.models, 'models').map((m, i) => checkString(m?.model_id, `models[${i}].model_id`, false)))];
    await this.#repo.logInputs(id, datasets, modelIds, randomUUID);
  }

  /** Records logged models a run produced, with the step at which each was produced. */
  async logOutputs(runId: string, models: { model_id: string; step?: number }[]): Promise<void> {
    const id = checkString(runId, 'run_id', false);
    const checked = checkList(models, 'models').map((m, i) => ({
      model_id: checkString(m?.model_id, `models[${i}].model_id`, false),
      step: m.step === undefined || m.step === null ? 0 : checkInteger(m.step, `models[${i}].step`),
    }));
    await this.#repo.logOutputs(id, checked);
  }

  /** Runs of the given experiments matching a filter; default order start_time DESC, run_id ASC. */
  async searchRuns(input: SearchRunsInput): Promise<Page<Run>> {
    const expIds = checkList(input.experiment_ids, 'experiment_ids').map((e, i) => checkString(String(e ?? ''), `experiment_ids[${i}]`, false));
    const limit = checkMaxResults(input.max_results, LIMITS.searchMaxResults, 1000);
    const viewType = checkViewType(input.run_view_type, 'run_view_type');
    const clauses = parseFilter(searchText(input.filter, 'filter'), RUN_SEARCH);
    const order = parseOrderBy(orderTexts(input.order_by), RUN_SEARCH);
    const offset = decodePageToken(input.page_token);
    const numericIds = expIds.map(parseExperimentId).filter((n): n is number => n !== undefined);
    const ids = await this.#repo.searchRunIds(numericIds, clauses, order, viewType, offset, limit + 1);
    const next = ids.length > limit ? encodePageToken(offset + limit) : undefined;
    const runs = await this.#repo.loadRuns(ids.slice(0, limit));
    return next ? { items: runs, next_page_token: next } : { items: runs };
  }

  // ---------------------------------------------------------------- logged models

  /** Creates a logged model (status LOGGED_MODEL_PENDING) with id `m-<32 hex>`. */
  async createLoggedModel(input: CreateLoggedModelInput): Promise<LoggedModel> {
    const experimentId = checkString(input.experiment_id, 'experiment_id', false);
    const name = checkOptionalString(input.name, 'name', LIMITS.loggedModelName) || generateRunName();
    const modelType = checkOptionalString(input.model_type, 'model_type', 500) ?? null;
    const sourceRunId = input.source_run_id ? checkString(input.source_run_id, 'source_run_id') : null;
    const params = uniqueByKey(checkList(input.params, 'params').map((p, i) => checkParam(p, `params[${i}]`)));
    const tags = uniqueByKey(checkList(input.tags, 'tags').map((t, i) => checkRunTag(t, `tags[${i}]`)));
    const exp = await this.getExperiment(experimentId);
    const modelId = `m-${randomBytes(16).toString('hex')}`;
    await this.#models.create({
      model_id: modelId,
      experiment_id: exp.experiment_id,
      name,
      artifact_location: `${exp.artifact_location.replace(/\/+$/, '')}/models/${modelId}/artifacts`,
      model_type: modelType,
      source_run_id: sourceRunId,
      params,
      tags,
      now: Date.now(),
    });
    return this.getLoggedModel(modelId);
  }

  /** One logged model; NotFoundError when it is missing or deleted. */
  async getLoggedModel(modelId: string): Promise<LoggedModel> {
    const id = checkString(modelId, 'model_id', false);
    const [model] = await this.#models.load([id]);
    if (!model) throw loggedModelNotFound(id);
    return model;
  }

  /** Sets the final status of a logged model: LOGGED_MODEL_READY or LOGGED_MODEL_UPLOAD_FAILED. */
  async finalizeLoggedModel(modelId: string, status: LoggedModelStatus, statusMessage?: string): Promise<LoggedModel> {
    const id = checkString(modelId, 'model_id', false);
    const s = checkEnum(status, FINAL_MODEL_STATUSES, 'status');
    const message = checkOptionalString(statusMessage, 'status_message', 65_535);
    await this.#models.setStatus(id, s, message, Date.now());
    return this.getLoggedModel(id);
  }

  /** Deletes a logged model: it is no longer found nor searched. */
  async deleteLoggedModel(modelId: string): Promise<void> {
    await this.#models.delete(checkString(modelId, 'model_id', false), Date.now());
  }

  /** Sets (or replaces) tags of a logged model; the registry records versions in `mlflow.modelVersions`. */
  async setLoggedModelTags(modelId: string, tags: Tag[]): Promise<LoggedModel> {
    const id = checkString(modelId, 'model_id', false);
    const checked = checkList(tags, 'tags').map((t, i) =>
      t?.key === MODEL_VERSIONS_TAG ? { key: t.key, value: checkString(t.value, `tags[${i}].value`) } : checkRunTag(t, `tags[${i}]`),
    );
    await this.#models.setTags(id, checked, Date.now());
    return this.getLoggedModel(id);
  }

  /** Deletes one tag of a logged model (NotFoundError when there is no such tag). */
  async deleteLoggedModelTag(modelId: string, key: string): Promise<void> {
    await this.#models.deleteTag(checkString(modelId, 'model_id', false), checkString(key, 'tag_key', false), Date.now());
  }

  /** Sets params of a logged model. */
  async logLoggedModelParams(modelId: string, params: Tag[]): Promise<void> {
    const id = checkString(modelId, 'model_id', false);
    const checked = checkList(params, 'params').map((p, i) => checkParam(p, `params[${i}]`));
    await this.#models.logParams(id, checked, Date.now());
  }

  /** Logged models of the given experiments matching a filter; default order newest first. */
  async searchLoggedModels(input: SearchLoggedModelsInput): Promise<Page<LoggedModel>> {
    const expIds = checkList(input.experiment_ids, 'experiment_ids').map((e, i) => checkString(String(e ?? ''), `experiment_ids[${i}]`, false));
    const limit = checkMaxResults(input.max_results, LIMITS.searchMaxResults, 100);
    const datasets = checkList(input.datasets, 'datasets').map((d, i) => ({
      dataset_name: checkString(d?.dataset_name, `datasets[${i}].dataset_name`, false),
      ...(d.dataset_digest ? { dataset_digest: checkString(d.dataset_digest, `datasets[${i}].dataset_digest`) } : {}),
    }));
    const clauses = parseFilter(searchText(input.filter, 'filter'), LOGGED_MODEL_SEARCH);
    const order: ModelOrderTerm[] = checkList(input.order_by, 'order_by').map((o, i) => ({
      field: checkString(o?.field_name, `order_by[${i}].field_name`, false),
      ascending: o.ascending === undefined || o.ascending === null ? true : checkBoolean(o.ascending, `order_by[${i}].ascending`),
      datasets: o.dataset_name ? [{ dataset_name: checkString(o.dataset_name, `order_by[${i}].dataset_name`), ...(o.dataset_digest ? { dataset_digest: String(o.dataset_digest) } : {}) }] : [],
    }));
    const offset = decodePageToken(input.page_token);
    const numericIds = expIds.map(parseExperimentId).filter((n): n is number => n !== undefined);
    const ids = await this.#models.searchIds(numericIds, clauses, order, datasets, offset, limit + 1);
    const next = ids.length > limit ? encodePageToken(offset + limit) : undefined;
    const models = await this.#models.load(ids.slice(0, limit));
    return next ? { items: models, next_page_token: next } : { items: models };
  }
}

function page<T>(rows: T[], limit: number, offset: number): Page<T> {
  return rows.length > limit ? { items: rows.slice(0, limit), next_page_token: encodePageToken(offset + limit) } : { items: rows };
}

function checkList<T>(value: T[] | undefined | null, field: string): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidParameterError(`'${field}' must be a list.`, field);
  return value;
}

function checkEnum<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  throw new InvalidParameterError(`Invalid value ${JSON.stringify(value)} for parameter '${field}': expected one of ${allowed.join(', ')}.`, field);
}

function checkViewType(value: unknown, field: string): ViewType {
  if (value === undefined || value === null || value === '') return 'ACTIVE_ONLY';
  return checkEnum(value, VIEW_TYPES, field);
}

function checkBoolean(value: unknown, field: string): boolean {
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new InvalidParameterError(`Invalid value ${JSON.stringify(value)} for parameter '${field}': expected true or false.`, field);
}

// Filter text reaches the store as bound values: it must be a string without NUL.
function searchText(value: unknown, field: string): string {
  if (value === undefined || value === null) return '';
  return checkString(value, field);
}

function orderTexts(value: unknown): string[] {
  return checkList(value as string[] | undefined, 'order_by').map((o, i) => checkString(o, `order_by[${i}]`));
}

function uniqueByKey(items: Tag[]): Tag[] {
  return [...new Map(items.map((t) => [t.key, t])).values()];
}

function setTag(tags: Tag[], key: string, value: string): void {
  const i = tags.findIndex((t) => t.key === key);
  if (i >= 0) tags[i] = { key, value };
  else tags.push({ key, value });
}

function checkDatasetInput(input: { tags?: Tag[]; dataset: NewDatasetInput['dataset'] } | null | undefined, field: string): NewDatasetInput {
  if (input === null || typeof input !== 'object') throw new InvalidParameterError(`'${field}' must be {tags, dataset}.`, field);
  const d = input.dataset;
  if (d === null || typeof d !== 'object') throw missingParameter(`${field}.dataset`);
  const dataset = {
    name: checkString(d.name, `${field}.dataset.name`, false),
    digest: checkString(d.digest, `${field}.dataset.digest`, false),
    source_type: checkString(d.source_type, `${field}.dataset.source_type`, false),
    source: checkString(d.source, `${field}.dataset.source`, false),
    schema: checkOptionalString(d.schema, `${field}.dataset.schema`, LIMITS.datasetSchema),
    profile: checkOptionalString(d.profile, `${field}.dataset.profile`, LIMITS.datasetProfile),
  };
  checkLength('dataset name', dataset.name, LIMITS.datasetName, `${field}.dataset.name`);
  checkLength('dataset digest', dataset.digest, LIMITS.datasetDigest, `${field}.dataset.digest`);
  checkLength('dataset source type', dataset.source_type, LIMITS.datasetSourceType, `${field}.dataset.source_type`);
  checkLength('dataset source', dataset.source, LIMITS.datasetSource, `${field}.dataset.source`);
  const tags = uniqueByKey(
    checkList(input.tags, `${field}.tags`).map((t, i) => {
      const key = checkString(t?.key, `${field}.tags[${i}].key`, false);
      const value = checkString(t.value, `${field}.tags[${i}].value`);
      checkLength('input tag key', key, LIMITS.inputTagKey, `${field}.tags[${i}].key`);
      checkLength('input tag value', value, LIMITS.inputTagValue, `${field}.tags[${i}].value`);
      return { key, value };
    }),
  );
  const { schema, profile, ...rest } = dataset;
  return {
    dataset: { ...rest, ...(schema !== undefined ? { schema } : {}), ...(profile !== undefined ? { profile } : {}) },
    tags,
    context: tags.find((t) => t.key === DATASET_CONTEXT_TAG)?.value ?? null,
  };
}
