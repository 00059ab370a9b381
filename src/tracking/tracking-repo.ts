import { CompiledQuery, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database, PuenteDb, RunsTable } from '../db/index.js';
import { AlreadyExistsError, InvalidParameterError, NotFoundError } from '../errors/index.js';
import type { FilterClause, OrderTerm } from '../search-filter/ast.js';
import type { CheckedBatch, StoredPoint } from './limits.js';
import {
  emptyRunParts,
  groupBy,
  toDatasetInput,
  toExperiment,
  toMetric,
  toMetricPoint,
  toRun,
  toRunInfo,
  type RunParts,
} from './row-mappers.js';
import { applyExperimentSearch, applyRunSearch } from './search-sql.js';
import type { Dataset, Experiment, LifecycleStage, MetricPoint, Run, RunInfo, Tag, ViewType } from './types.js';

type Db = Kysely<Database>;
type Trx = Transaction<Database>;

/** Tag whose value is the run name; writing it renames the run, as in MLflow. */
export const RUN_NAME_TAG = 'mlflow.runName';

// Rows per IN (...) list, well under every engine's bound-parameter limit.
const IN_CHUNK = 5000;

/** A run row's identity and state, enough to check whether it may be written. */
export interface RunState {
  readonly run_id: string;
  readonly experiment_id: number;
  readonly lifecycle_stage: string;
}

/** A new run row. */
export interface NewRun {
  readonly run_id: string;
  readonly experiment_id: number;
  readonly run_name: string;
  readonly user_id: string;
  readonly start_time: number;
  readonly artifact_uri: string;
  readonly tags: Tag[];
}

/** A dataset input ready to store. */
export interface NewDatasetInput {
  readonly dataset: Dataset;
  readonly tags: Tag[];
  readonly context: string | null;
}

/** Numeric experiment id from its string form, or undefined when it cannot name one. */
export function parseExperimentId(id: string): number | undefined {
  return /^\d{1,15}$/.test(id) ? Number(id) : undefined;
}

/**
 * Kysely access to experiments, runs, params, tags, metrics and run inputs/outputs. Rows are
 * turned into domain values here (through row-mappers) and nowhere else.
 */
export class TrackingRepo {
  readonly #db: PuenteDb;
  // Compiled multi-row INSERT text per (table, row count). The text depends only on the row count
  // and the engine, never on data, so it cannot go stale; it spares recompiling 6000-value inserts.
  readonly #insertSql = new Map<string, string>();

  constructor(db: PuenteDb) {
    this.#db = db;
  }

  get #k(): Db {
    return this.#db.kysely;
  }

  // ---------------------------------------------------------------- experiments

  /** Inserts an experiment; throws AlreadyExistsError when the name is taken. */
  async createExperiment(name: string, artifactLocation: string | undefined, tags: Tag[], now: number): Promise<string> {
    return this.#k.transaction().execute(async (trx) => {
      const inserted = await trx
        .insertInto('experiments')
        .values({ name, artifact_location: artifactLocation ?? '', lifecycle_stage: 'active', creation_time: now, last_update_time: now })
        .onConflict((oc) => oc.column('name').doNothing())
        .returning('experiment_id')
        .executeTakeFirst();
      if (!inserted) throw new AlreadyExistsError(`Experiment '${name}' already exists.`);
      const id = Number(inserted.experiment_id);
      if (artifactLocation === undefined) {
        await trx.updateTable('experiments').set({ artifact_location: `mlflow-artifacts:/${id}` }).where('experiment_id', '=', id).execute();
      }
      if (tags.length > 0) {
        await trx.insertInto('experiment_tags').values(tags.map((t) => ({ experiment_id: id, key: t.key, value: t.value }))).execute();
      }
      return String(id);
    });
  }

  /** One experiment with its tags, or undefined. */
  async findExperiment(experimentId: string): Promise<Experiment | undefined> {
    const id = parseExperimentId(experimentId);
    if (id === undefined) return undefined;
    const row = await this.#k.selectFrom('experiments').selectAll().where('experiment_id', '=', id).executeTakeFirst();
    return row ? (await this.#withExperimentTags([row]))[0] : undefined;
  }

  /** One experiment by its exact name, or undefined. */
  async findExperimentByName(name: string): Promise<Experiment | undefined> {
    const row = await this.#k.selectFrom('experiments').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? (await this.#withExperimentTags([row]))[0] : undefined;
  }

  /** Renames an active experiment; throws when the new name is taken. */
  async renameExperiment(experimentId: string, newName: string, now: number): Promise<void> {
    const taken = async (db: Db | Trx, id: number) => {
      const clash = await db.selectFrom('experiments').select('experiment_id').where('name', '=', newName).executeTakeFirst();
      return clash !== undefined && Number(clash.experiment_id) !== id;
    };
    let id: number | undefined;
    try {
      await this.#k.transaction().execute(async (trx) => {
        id = await requireActiveExperiment(trx, experimentId);
        if (await taken(trx, id)) throw new AlreadyExistsError(`Experiment '${newName}' already exists.`);
        await trx.updateTable('experiments').set({ name: newName, last_update_time: now }).where('experiment_id', '=', id).execute();
      });
    } catch (err) {
      // A concurrent rename or create took the name between the check and the update.
      if (!(err instanceof AlreadyExistsError) && id !== undefined && (await taken(this.#k, id))) {
        throw new AlreadyExistsError(`Experiment '${newName}' already exists.`);
      }
      throw err;
    }
  }

  /**
   * Deletes (soft) or restores an experiment and, with it, its runs. Restoring brings back only
   * the runs the deletion took, recognised by their deletion time.
   */
  async setExperimentStage(experimentId: string, stage: LifecycleStage, now: number): Promise<void> {
    await this.#k.transaction().execute(async (trx) => {
      const id = parseExperimentId(experimentId);
      const row =
        id === undefined
          ? undefined
          : await trx.selectFrom('experiments').select(['lifecycle_stage', 'last_update_time']).where('experiment_id', '=', id).executeTakeFirst();
      if (id === undefined || !row) throw experimentNotFound(experimentId);
      if (stage === 'deleted') {
        if (row.lifecycle_stage !== 'active') throw new InvalidParameterError(`The experiment ${experimentId} must be in the 'active' state to be deleted.`, 'experiment_id');
        await trx.updateTable('experiments').set({ lifecycle_stage: 'deleted', last_update_time: now }).where('experiment_id', '=', id).execute();
        await trx
          .updateTable('runs')
          .set({ lifecycle_stage: 'deleted', deleted_time: now })
          .where('experiment_id', '=', id)
          .where('lifecycle_stage', '=', 'active')
          .execute();
      } else {
        if (row.lifecycle_stage !== 'deleted') throw new InvalidParameterError(`The experiment ${experimentId} must be in the 'deleted' state to be restored.`, 'experiment_id');
        await trx.updateTable('experiments').set({ lifecycle_stage: 'active', last_update_time: now }).where('experiment_id', '=', id).execute();
        await trx
          .updateTable('runs')
          .set({ lifecycle_stage: 'active', deleted_time: null })
          .where('experiment_id', '=', id)
          .where('lifecycle_stage', '=', 'deleted')
          .where('deleted_time', '=', Number(row.last_update_time))
          .execute();
      }
    });
  }

  /** Sets (or replaces) a tag of an active experiment. */
  async setExperimentTag(experimentId: string, tag: Tag, now: number): Promise<void> {
    await this.#k.transaction().execute(async (trx) => {
      const id = await requireActiveExperiment(trx, experimentId);
      await trx
        .insertInto('experiment_tags')
        .values({ experiment_id: id, key: tag.key, value: tag.value })
        .onConflict((oc) => oc.columns(['experiment_id', 'key']).doUpdateSet({ value: tag.value }))
        .execute();
      await trx.updateTable('experiments').set({ last_update_time: now }).where('experiment_id', '=', id).execute();
    });
  }

  /** Deletes a tag of an active experiment; throws NotFoundError when it has no such tag. */
  async deleteExperimentTag(experimentId: string, key: string, now: number): Promise<void> {
    await this.#k.transaction().execute(async (trx) => {
      const id = await requireActiveExperiment(trx, experimentId);
      const res = await trx.deleteFrom('experiment_tags').where('experiment_id', '=', id).where('key', '=', key).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) throw new NotFoundError(`No tag with name '${key}' in experiment ${experimentId}.`, 'tag');
      await trx.updateTable('experiments').set({ last_update_time: now }).where('experiment_id', '=', id).execute();
    });
  }

  /** Throws unless the experiment exists and is active; returns its numeric id. */
  async requireActiveExperiment(experimentId: string): Promise<number> {
    return requireActiveExperiment(this.#k, experimentId);
  }

  /** One page of experiments (`limit` rows from `offset`). */
  async searchExperiments(
    clauses: readonly FilterClause[], order: readonly OrderTerm[], viewType: ViewType, offset: number, limit: number, onlyIds: readonly number[] | null = null,
  ): Promise<Experiment[]> {
    let q = this.#k.selectFrom('experiments').selectAll('experiments');
    if (onlyIds !== null) q = q.where('experiments.experiment_id', 'in', onlyIds);
    if (viewType !== 'ALL') q = q.where('experiments.lifecycle_stage', '=', viewType === 'ACTIVE_ONLY' ? 'active' : 'deleted');
    q = applyExperimentSearch(q, clauses, order, this.#db.capabilities);
    const rows = await q.offset(offset).limit(limit).execute();
    return this.#withExperimentTags(rows);
  }

  async #withExperimentTags(rows: Selectable<Database['experiments']>[]): Promise<Experiment[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => Number(r.experiment_id));
    const tags = await this.#inChunks(ids, (chunk) =>
      this.#k.selectFrom('experiment_tags').select(['experiment_id', 'key', 'value']).where('experiment_id', 'in', chunk).orderBy('key').execute(),
    );
    const byId = groupBy(tags, (t) => Number(t.experiment_id));
    return rows.map((r) => toExperiment(r, (byId.get(Number(r.experiment_id)) ?? []).map((t) => ({ key: t.key, value: t.value }))));
  }

  // ---------------------------------------------------------------- runs

  /** Inserts a run and its tags in an active experiment. */
  async createRun(run: NewRun): Promise<void> {
    await this.#k.transaction().execute(async (trx) => {
      await requireActiveExperiment(trx, String(run.experiment_id));
      await trx
        .insertInto('runs')
        .values({
          run_id: run.run_id,
          experiment_id: run.experiment_id,
          run_name: run.run_name,
          user_id: run.user_id,
          status: 'RUNNING',
          start_time: run.start_time,
          end_time: null,
          artifact_uri: run.artifact_uri,
          lifecycle_stage: 'active',
          deleted_time: null,
        })
        .execute();
      if (run.tags.length > 0) {
        await trx.insertInto('tags').values(run.tags.map((t) => ({ run_id: run.run_id, key: t.key, value: t.value }))).execute();
      }
    });
  }

  /** Identity and state of a run, or undefined. */
  async findRunState(runId: string): Promise<RunState | undefined> {
    const row = await this.#k.selectFrom('runs').select(['run_id', 'experiment_id', 'lifecycle_stage']).where('run_id', '=', runId).executeTakeFirst();
    return row ? { ...row, experiment_id: Number(row.experiment_id) } : undefined;
  }

  /** Throws unless the run exists and is active. */
  async requireActiveRun(runId: string): Promise<RunState> {
    return requireActiveRun(this.#k, runId);
  }

  /** Whole runs, in the order of `runIds`; unknown ids are skipped. */
  async loadRuns(runIds: readonly string[]): Promise<Run[]> {
    if (runIds.length === 0) return [];
    const rows = await this.#inChunks(runIds, (chunk) => this.#k.selectFrom('runs').selectAll().where('run_id', 'in', chunk).execute());
    const byId = new Map(rows.map((r) => [r.run_id, r]));
    const found = runIds.filter((id) => byId.has(id));
    const parts = await this.#loadRunParts(found);
    return found.map((id) => toRun(byId.get(id)!, parts.get(id) ?? emptyRunParts()));
  }

  /** Only the info of a run, or undefined. */
  async findRunInfo(runId: string): Promise<RunInfo | undefined> {
    const row = await this.#k.selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirst();
    return row ? toRunInfo(row) : undefined;
  }

  /** Changes status, end time and/or name of an active run; a new name also sets the tag `mlflow.runName`. */
  async updateRun(runId: string, fields: { status?: string; end_time?: number; run_name?: string }): Promise<RunInfo> {
    return this.#k.transaction().execute(async (trx) => {
      await requireActiveRun(trx, runId);
      const set: Partial<Pick<RunsTable, 'status' | 'end_time' | 'run_name'>> = {};
      if (fields.status !== undefined) set.status = fields.status;
      if (fields.end_time !== undefined) set.end_time = fields.end_time;
      if (fields.run_name !== undefined) set.run_name = fields.run_name;
      if (Object.keys(set).length > 0) await trx.updateTable('runs').set(set).where('run_id', '=', runId).execute();
      if (fields.run_name !== undefined) await upsertTags(trx, runId, [{ key: RUN_NAME_TAG, value: fields.run_name }]);
      const row = await trx.selectFrom('runs').selectAll().where('run_id', '=', runId).executeTakeFirstOrThrow();
      return toRunInfo(row);
    });
  }

  /** Soft-deletes or restores a run. Restoring a run of a deleted experiment is refused. */
  async setRunStage(runId: string, stage: LifecycleStage, now: number): Promise<void> {
    await this.#k.transaction().execute(async (trx) => {
      const run = await trx.selectFrom('runs').select(['lifecycle_stage', 'experiment_id']).where('run_id', '=', runId).executeTakeFirst();
      if (!run) throw runNotFound(runId);
      if (stage === 'active') {
        const exp = await trx.selectFrom('experiments').select('lifecycle_stage').where('experiment_id', '=', Number(run.experiment_id)).executeTakeFirst();
        if (exp?.lifecycle_stage !== 'active') {
          throw new InvalidParameterError(`The experiment ${run.experiment_id} of run '${runId}' must be in the 'active' state to restore the run.`, 'run_id');
        }
      }
      await trx
        .updateTable('runs')
        .set({ lifecycle_stage: stage, deleted_time: stage === 'deleted' ? now : null })
        .where('run_id', '=', runId)
        .execute();
    });
  }

  /**
   * Writes a checked batch in one transaction: params (write-once), tags, metric history, latest
   * metrics, and logged-model metrics. Nothing is written when any part is refused.
   */
  async logBatch(runId: string, batch: CheckedBatch): Promise<void> {
    await this.#k.transaction().execute(async (trx) => {
      await requireActiveRun(trx, runId);
      if (batch.params.length > 0) await insertParams(trx, runId, batch.params);
      if (batch.tags.length > 0) {
        await upsertTags(trx, runId, batch.tags);
        const name = batch.tags.find((t) => t.key === RUN_NAME_TAG);
        if (name) await trx.updateTable('runs').set({ run_name: name.value }).where('run_id', '=', runId).execute();
      }
      if (batch.metrics.length > 0) await this.#insertMetrics(trx, runId, batch.metrics);
    });
  }

  async #insertMetrics(trx: Trx, runId: string, points: readonly StoredPoint[]): Promise<void> {
    const modelIds = new Set<string>();
    for (const p of points) if (p.model_id !== undefined) modelIds.add(p.model_id);
    if (modelIds.size > 0) await requireLoggedModels(trx, [...modelIds]);

    const rowsPerChunk = Math.floor(this.#db.capabilities.maxParameters / 6);
    for (let start = 0; start < points.length; start += rowsPerChunk) {
      const chunk = points.slice(start, start + rowsPerChunk);
      const params: unknown[] = new Array(chunk.length * 6);
      let i = 0;
      for (const p of chunk) {
        params[i++] = runId;
        params[i++] = p.key;
        params[i++] = p.value;
        params[i++] = p.timestamp;
        params[i++] = p.step;
        params[i++] = p.is_nan;
      }
      await trx.executeQuery(CompiledQuery.raw(this.#metricsInsertSql(trx, 'metrics', chunk.length), params));
    }

    // One upsert per batch: the latest point per key, by (step, timestamp, value), replaces the
    // stored one only when it is later.
    const latest = new Map<string, StoredPoint>();
    for (const p of points) {
      const cur = latest.get(p.key);
      if (cur === undefined || isLater(p, cur)) latest.set(p.key, p);
    }
    // Rows in key order, so concurrent batches on one run lock them in the same order (no deadlock).
    const latestRows = [...latest.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((p) => ({ run_id: runId, key: p.key, value: p.value, timestamp: p.timestamp, step: p.step, is_nan: p.is_nan }));
    for (let start = 0; start < latestRows.length; start += rowsPerChunk) {
      await trx
        .insertInto('latest_metrics')
        .values(latestRows.slice(start, start + rowsPerChunk))
        .onConflict((oc) =>
          oc
            .columns(['run_id', 'key'])
            .doUpdateSet((eb) => ({
              value: eb.ref('excluded.value'),
              timestamp: eb.ref('excluded.timestamp'),
              step: eb.ref('excluded.step'),
              is_nan: eb.ref('excluded.is_nan'),
            }))
            .where((eb) =>
              eb.or([
                eb('excluded.step', '>', eb.ref('latest_metrics.step')),
                eb.and([eb('excluded.step', '=', eb.ref('latest_metrics.step')), eb('excluded.timestamp', '>', eb.ref('latest_metrics.timestamp'))]),
                eb.and([
                  eb('excluded.step', '=', eb.ref('latest_metrics.step')),
                  eb('excluded.timestamp', '=', eb.ref('latest_metrics.timestamp')),
                  eb('excluded.value', '>', eb.ref('latest_metrics.value')),
                ]),
              ]),
            ),
        )
        .execute();
    }

    const modelPoints = points.filter((p) => p.model_id !== undefined);
    for (let start = 0; start < modelPoints.length; start += Math.floor(rowsPerChunk * 6 / 9)) {
      const chunk = modelPoints.slice(start, start + Math.floor(rowsPerChunk * 6 / 9));
      await trx
        .insertInto('logged_model_metrics')
        .values(
          chunk.map((p) => ({
            model_id: p.model_id!,
            run_id: runId,
            key: p.key,
            value: p.value,
            timestamp: p.timestamp,
            step: p.step,
            is_nan: p.is_nan,
            dataset_name: p.dataset_name ?? null,
            dataset_digest: p.dataset_digest ?? null,
          })),
        )
        .execute();
    }
  }

  #metricsInsertSql(trx: Trx, table: 'metrics', rows: number): string {
    const cacheKey = `${table}:${rows}`;
    let text = this.#insertSql.get(cacheKey);
    if (text === undefined) {
      const template = Array.from({ length: rows }, () => ({ run_id: '', key: '', value: 0, timestamp: 0, step: 0, is_nan: 0 }));
      text = trx.insertInto(table).values(template).compile().sql;
      if (this.#insertSql.size > 256) this.#insertSql.clear();
      this.#insertSql.set(cacheKey, text);
    }
    return text;
  }

  /** Deletes a tag of an active run; throws NotFoundError when the run has no such tag. */
  async deleteRunTag(runId: string, key: string): Promise<void> {
    await this.#k.transaction().execute(async (trx) => {
      await requireActiveRun(trx, runId);
      const res = await trx.deleteFrom('tags').where('run_id', '=', runId).where('key', '=', key).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) throw new NotFoundError(`No tag with name '${key}' in run with id ${runId}.`, 'tag');
    });
  }

  /** Points of one metric of one run, by (step, timestamp), `limit` from `offset`. */
  async metricHistory(runId: string, key: string, offset: number, limit: number | undefined): Promise<MetricPoint[]> {
    let q = this.#k
      .selectFrom('metrics')
      .select(['key', 'value', 'timestamp', 'step', 'is_nan'])
      .where('run_id', '=', runId)
      .where('key', '=', key)
      .orderBy('step')
      .orderBy('timestamp')
      .orderBy('value');
    if (limit !== undefined) q = q.limit(limit).offset(offset);
    const rows = await q.execute();
    return rows.map(toMetric);
  }

  /** Every point of one metric for several runs, optionally within [startStep, endStep]. */
  async metricHistoryOfRuns(runIds: readonly string[], key: string, startStep?: number, endStep?: number): Promise<MetricPoint[]> {
    let q = this.#k
      .selectFrom('metrics')
      .select(['run_id', 'key', 'value', 'timestamp', 'step', 'is_nan'])
      .where('run_id', 'in', runIds)
      .where('key', '=', key);
    if (startStep !== undefined) q = q.where('step', '>=', startStep);
    if (endStep !== undefined) q = q.where('step', '<=', endStep);
    const rows = await q.orderBy('step').orderBy('timestamp').execute();
    return rows.map(toMetricPoint);
  }

  /** Records dataset inputs (datasets shared per experiment by name and digest) and model inputs. */
  async logInputs(runId: string, datasets: readonly NewDatasetInput[], modelIds: readonly string[], newId: () => string): Promise<void> {
    await this.#k.transaction().execute(async (trx) => {
      const run = await requireActiveRun(trx, runId);
      for (const input of datasets) {
        const d = input.dataset;
        await trx
          .insertInto('datasets')
          .values({
            dataset_id: newId(),
            experiment_id: run.experiment_id,
            name: d.name,
            digest: d.digest,
            source_type: d.source_type,
            source: d.source,
            schema: d.schema ?? null,
            profile: d.profile ?? null,
          })
          .onConflict((oc) => oc.columns(['experiment_id', 'name', 'digest']).doNothing())
          .execute();
        const ds = await trx
          .selectFrom('datasets')
          .select('dataset_id')
          .where('experiment_id', '=', run.experiment_id)
          .where('name', '=', d.name)
          .where('digest', '=', d.digest)
          .executeTakeFirstOrThrow();
        await trx
          .insertInto('run_inputs')
          .values({ run_id: runId, dataset_id: ds.dataset_id, tags: JSON.stringify(input.tags), context: input.context })
          .onConflict((oc) => oc.columns(['run_id', 'dataset_id']).doNothing())
          .execute();
      }
      if (modelIds.length > 0) {
        await requireLoggedModels(trx, modelIds);
        await trx
          .insertInto('run_model_inputs')
          .values(modelIds.map((model_id) => ({ run_id: runId, model_id })))
          .onConflict((oc) => oc.columns(['run_id', 'model_id']).doNothing())
          .execute();
      }
    });
  }

  /** Records logged models a run produced, with the step at which each was produced. */
  async logOutputs(runId: string, models: readonly { model_id: string; step: number }[]): Promise<void> {
    await this.#k.transaction().execute(async (trx) => {
      await requireActiveRun(trx, runId);
      await requireLoggedModels(trx, models.map((m) => m.model_id));
      for (const m of models) {
        await trx
          .insertInto('run_outputs')
          .values({ run_id: runId, model_id: m.model_id, step: m.step })
          .onConflict((oc) => oc.columns(['run_id', 'model_id']).doUpdateSet({ step: m.step }))
          .execute();
      }
    });
  }

  /** Ids of one page of runs matching a search, in order. */
  async searchRunIds(
    experimentIds: readonly number[],
    clauses: readonly FilterClause[],
    order: readonly OrderTerm[],
    viewType: ViewType,
    offset: number,
    limit: number,
  ): Promise<string[]> {
    if (experimentIds.length === 0) return [];
    let q = this.#k.selectFrom('runs').select('runs.run_id').where('runs.experiment_id', 'in', experimentIds);
    if (viewType !== 'ALL') q = q.where('runs.lifecycle_stage', '=', viewType === 'ACTIVE_ONLY' ? 'active' : 'deleted');
    q = applyRunSearch(q, clauses, order, this.#db.capabilities);
    const rows = await q.offset(offset).limit(limit).execute();
    return rows.map((r) => r.run_id);
  }

  /** Metrics, params, tags, inputs and outputs of many runs: one IN query per table. */
  async #loadRunParts(runIds: readonly string[]): Promise<Map<string, RunParts>> {
    const out = new Map<string, RunParts>();
    if (runIds.length === 0) return out;
    for (const id of runIds) out.set(id, emptyRunParts());
    const k = this.#k;
    const [metrics, params, tags, inputs, modelInputs, outputs] = await Promise.all([
      this.#inChunks(runIds, (c) =>
        k.selectFrom('latest_metrics').select(['run_id', 'key', 'value', 'timestamp', 'step', 'is_nan']).where('run_id', 'in', c).orderBy('key').execute(),
      ),
      this.#inChunks(runIds, (c) => k.selectFrom('params').select(['run_id', 'key', 'value']).where('run_id', 'in', c).orderBy('key').execute()),
      this.#inChunks(runIds, (c) => k.selectFrom('tags').select(['run_id', 'key', 'value']).where('run_id', 'in', c).orderBy('key').execute()),
      this.#inChunks(runIds, (c) =>
        k
          .selectFrom('run_inputs')
          .innerJoin('datasets', 'datasets.dataset_id', 'run_inputs.dataset_id')
          .select(['run_inputs.run_id', 'run_inputs.tags as input_tags'])
          .selectAll('datasets')
          .where('run_inputs.run_id', 'in', c)
          .orderBy('datasets.name')
          .orderBy('datasets.digest')
          .execute(),
      ),
      this.#inChunks(runIds, (c) => k.selectFrom('run_model_inputs').select(['run_id', 'model_id']).where('run_id', 'in', c).orderBy('model_id').execute()),
      this.#inChunks(runIds, (c) => k.selectFrom('run_outputs').select(['run_id', 'model_id', 'step']).where('run_id', 'in', c).orderBy('model_id').execute()),
    ]);
    for (const m of metrics) out.get(m.run_id)!.metrics.push(toMetric(m));
    for (const p of params) out.get(p.run_id)!.params.push({ key: p.key, value: p.value });
    for (const t of tags) out.get(t.run_id)!.tags.push({ key: t.key, value: t.value });
    for (const i of inputs) out.get(i.run_id)!.dataset_inputs.push(toDatasetInput({ tags: i.input_tags }, i));
    for (const m of modelInputs) out.get(m.run_id)!.model_inputs.push({ model_id: m.model_id });
    for (const o of outputs) out.get(o.run_id)!.model_outputs.push({ model_id: o.model_id, step: Number(o.step) });
    return out;
  }

  async #inChunks<T, R>(ids: readonly T[], query: (chunk: T[]) => Promise<R[]>): Promise<R[]> {
    if (ids.length <= IN_CHUNK) return query([...ids]);
    const out: R[] = [];
    for (let i = 0; i < ids.length; i += IN_CHUNK) out.push(...(await query(ids.slice(i, i + IN_CHUNK))));
    return out;
  }
}

function isLater(a: StoredPoint, b: StoredPoint): boolean {
  if (a.step !== b.step) return a.step > b.step;
  if (a.timestamp !== b.timestamp) return a.timestamp > b.timestamp;
  return a.value > b.value;
}

function byKey<T extends { key: string }>(items: readonly T[]): T[] {
  return [...items].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

async function upsertTags(trx: Trx, runId: string, tags: readonly Tag[]): Promise<void> {
  await trx
    .insertInto('tags')
    .values(byKey(tags).map((t) => ({ run_id: runId, key: t.key, value: t.value })))
    .onConflict((oc) => oc.columns(['run_id', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
    .execute();
}

// Params are write-once: a key logged again with the same value is accepted, with another value refused.
async function insertParams(trx: Trx, runId: string, params: readonly Tag[]): Promise<void> {
  const inserted = await trx
    .insertInto('params')
    .values(byKey(params).map((p) => ({ run_id: runId, key: p.key, value: p.value })))
    .onConflict((oc) => oc.columns(['run_id', 'key']).doNothing())
    .returning('key')
    .execute();
  if (inserted.length === params.length) return;
  const insertedKeys = new Set(inserted.map((r) => r.key));
  const others = params.filter((p) => !insertedKeys.has(p.key));
  const existing = await trx
    .selectFrom('params')
    .select(['key', 'value'])
    .where('run_id', '=', runId)
    .where('key', 'in', others.map((p) => p.key))
    .execute();
  const stored = new Map(existing.map((r) => [r.key, r.value]));
  const changed = others.filter((p) => stored.get(p.key) !== p.value);
  if (changed.length > 0) {
    const c = changed[0];
    throw new InvalidParameterError(
      `Changing param values is not allowed. Param with key '${c.key}' was already logged with value '${stored.get(c.key)}' for run ID '${runId}'. Attempted logging new value '${c.value}'.`,
      'params',
    );
  }
}

async function requireActiveExperiment(db: Db | Trx, experimentId: string): Promise<number> {
  const id = parseExperimentId(experimentId);
  const row = id === undefined ? undefined : await db.selectFrom('experiments').select('lifecycle_stage').where('experiment_id', '=', id).executeTakeFirst();
  if (id === undefined || !row) throw experimentNotFound(experimentId);
  if (row.lifecycle_stage !== 'active') {
    throw new InvalidParameterError(`The experiment ${experimentId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`, 'experiment_id');
  }
  return id;
}

async function requireActiveRun(db: Db | Trx, runId: string): Promise<RunState> {
  const row = await db.selectFrom('runs').select(['run_id', 'experiment_id', 'lifecycle_stage']).where('run_id', '=', runId).executeTakeFirst();
  if (!row) throw runNotFound(runId);
  if (row.lifecycle_stage !== 'active') {
    throw new InvalidParameterError(`The run ${runId} must be in the 'active' state. Current state is ${row.lifecycle_stage}.`, 'run_id');
  }
  return { ...row, experiment_id: Number(row.experiment_id) };
}

async function requireLoggedModels(trx: Trx, modelIds: readonly string[]): Promise<void> {
  if (modelIds.length === 0) return;
  const found = await trx.selectFrom('logged_models').select('model_id').where('model_id', 'in', [...modelIds]).where('lifecycle_stage', '=', 'active').execute();
  const have = new Set(found.map((f) => f.model_id));
  const missing = modelIds.find((id) => !have.has(id));
  if (missing !== undefined) throw new NotFoundError(`Logged model with ID '${missing}' not found.`, 'logged_model');
}

/** "No Experiment with id=…" in MLflow's words. */
export function experimentNotFound(experimentId: string): NotFoundError {
  return new NotFoundError(`No Experiment with id=${experimentId} exists`, 'experiment');
}

/** "Run with id=… not found" in MLflow's words. */
export function runNotFound(runId: string): NotFoundError {
  return new NotFoundError(`Run with id=${runId} not found`, 'run');
}
