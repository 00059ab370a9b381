import type { Kysely, Transaction } from 'kysely';
import type { Database, PuenteDb } from '../db/index.js';
import { InvalidParameterError, NotFoundError } from '../errors/index.js';
import type { FilterClause } from '../search-filter/ast.js';
import { groupBy, toLoggedModel } from './row-mappers.js';
import { applyLoggedModelSearch, type DatasetScope, type ModelOrderTerm } from './search-sql.js';
import { parseExperimentId } from './tracking-repo.js';
import type { LoggedModel, LoggedModelStatus, Tag } from './types.js';

type Db = Kysely<Database>;
type Trx = Transaction<Database>;

/** A new logged-model row. */
export interface NewLoggedModel {
  readonly model_id: string;
  readonly experiment_id: string;
  readonly name: string;
  readonly artifact_location: string;
  readonly model_type: string | null;
  readonly source_run_id: string | null;
  readonly params: Tag[];
  readonly tags: Tag[];
  readonly now: number;
}

/** Kysely access to logged models (MLflow 3) and their tags, params and metrics. */
export class LoggedModelRepo {
  readonly #db: PuenteDb;

  constructor(db: PuenteDb) {
    this.#db = db;
  }

  get #k(): Db {
    return this.#db.kysely;
  }

  /** Inserts a model in an active experiment, with its params and tags. */
  async create(m: NewLoggedModel): Promise<void> {
    await this.#k.transaction().execute(async (trx) => {
      const expId = parseExperimentId(m.experiment_id);
      const exp = expId === undefined ? undefined : await trx.selectFrom('experiments').select('lifecycle_stage').where('experiment_id', '=', expId).executeTakeFirst();
      if (expId === undefined || !exp) throw new NotFoundError(`No Experiment with id=${m.experiment_id} exists`, 'experiment');
      if (exp.lifecycle_stage !== 'active') {
        throw new InvalidParameterError(`The experiment ${m.experiment_id} must be in the 'active' state. Current state is ${exp.lifecycle_stage}.`, 'experiment_id');
      }
      if (m.source_run_id !== null) {
        const run = await trx.selectFrom('runs').select('run_id').where('run_id', '=', m.source_run_id).executeTakeFirst();
        if (!run) throw new NotFoundError(`Run with id=${m.source_run_id} not found`, 'run');
      }
      await trx
        .insertInto('logged_models')
        .values({
          model_id: m.model_id,
          experiment_id: expId,
          name: m.name,
          artifact_location: m.artifact_location,
          creation_timestamp_ms: m.now,
          last_updated_timestamp_ms: m.now,
          status: 'LOGGED_MODEL_PENDING',
          model_type: m.model_type,
          source_run_id: m.source_run_id,
          status_message: null,
          lifecycle_stage: 'active',
        })
        .execute();
      if (m.params.length > 0) await upsert(trx, 'logged_model_params', m.model_id, m.params);
      if (m.tags.length > 0) await upsert(trx, 'logged_model_tags', m.model_id, m.tags);
    });
  }

  /** Whole models in the order of `modelIds`; unknown or deleted ones are skipped. */
  async load(modelIds: readonly string[]): Promise<LoggedModel[]> {
    if (modelIds.length === 0) return [];
    const k = this.#k;
    const ids = [...modelIds];
    const [rows, tags, params, metrics] = await Promise.all([
      k.selectFrom('logged_models').selectAll().where('model_id', 'in', ids).where('lifecycle_stage', '=', 'active').execute(),
      k.selectFrom('logged_model_tags').selectAll().where('model_id', 'in', ids).orderBy('key').execute(),
      k.selectFrom('logged_model_params').selectAll().where('model_id', 'in', ids).orderBy('key').execute(),
      k.selectFrom('logged_model_metrics').selectAll().where('model_id', 'in', ids).orderBy('key').orderBy('step').orderBy('timestamp').execute(),
    ]);
    const byId = new Map(rows.map((r) => [r.model_id, r]));
    const tagsBy = groupBy(tags, (t) => t.model_id);
    const paramsBy = groupBy(params, (p) => p.model_id);
    const metricsBy = groupBy(metrics, (m) => m.model_id);
    const kv = (list: { key: string; value: string }[] | undefined) => (list ?? []).map((t) => ({ key: t.key, value: t.value }));
    return ids
      .filter((id) => byId.has(id))
      .map((id) =>
        toLoggedModel(byId.get(id)!, { tags: kv(tagsBy.get(id)), params: kv(paramsBy.get(id)), metrics: metricsBy.get(id) ?? [] }),
      );
  }

  /** Sets the final status of a model. */
  async setStatus(modelId: string, status: LoggedModelStatus, statusMessage: string | undefined, now: number): Promise<void> {
    await this.#k.transaction().execute(async (trx) => {
      await requireModel(trx, modelId);
      await trx
        .updateTable('logged_models')
        .set({ status, last_updated_timestamp_ms: now, ...(statusMessage !== undefined ? { status_message: statusMessage } : {}) })
        .where('model_id', '=', modelId)
        .execute();
    });
  }

  /** Soft-deletes a model: it is no longer found nor searched. */
  async delete(modelId: string, now: number): Promise<void> {
    await this.#k.transaction().execute(async (trx) => {
      await requireModel(trx, modelId);
      await trx.updateTable('logged_models').set({ lifecycle_stage: 'deleted', last_updated_timestamp_ms: now }).where('model_id', '=', modelId).execute();
    });
  }

  /** Sets (or replaces) tags of a model. */
  async setTags(modelId: string, tags: readonly Tag[], now: number): Promise<void> {
    await this.#k.transaction().execute(async (trx) => {
      await requireModel(trx, modelId);
      if (tags.length > 0) await upsert(trx, 'logged_model_tags', modelId, tags);
      await trx.updateTable('logged_models').set({ last_updated_timestamp_ms: now }).where('model_id', '=', modelId).execute();
    });
  }

  /** Deletes a tag of a model; throws NotFoundError when there is no such tag. */
  async deleteTag(modelId: string, key: string, now: number): Promise<void> {
    await this.#k.transaction().execute(async (trx) => {
      await requireModel(trx, modelId);
      const res = await trx.deleteFrom('logged_model_tags').where('model_id', '=', modelId).where('key', '=', key).executeTakeFirst();
      if (Number(res.numDeletedRows) === 0) throw new NotFoundError(`No tag with key '${key}' on logged model '${modelId}'.`, 'tag');
      await trx.updateTable('logged_models').set({ last_updated_timestamp_ms: now }).where('model_id', '=', modelId).execute();
    });
  }

  /** Sets params of a model (a key logged again takes the new value). */
  async logParams(modelId: string, params: readonly Tag[], now: number): Promise<void> {
    await this.#k.transaction().execute(async (trx) => {
      await requireModel(trx, modelId);
      if (params.length > 0) await upsert(trx, 'logged_model_params', modelId, params);
      await trx.updateTable('logged_models').set({ last_updated_timestamp_ms: now }).where('model_id', '=', modelId).execute();
    });
  }

  /** Ids of one page of models matching a search, in order. */
  async searchIds(
    experimentIds: readonly number[],
    clauses: readonly FilterClause[],
    order: readonly ModelOrderTerm[],
    datasets: DatasetScope,
    offset: number,
    limit: number,
  ): Promise<string[]> {
    if (experimentIds.length === 0) return [];
    let q = this.#k
      .selectFrom('logged_models')
      .select('logged_models.model_id')
      .where('logged_models.experiment_id', 'in', [...experimentIds])
      .where('logged_models.lifecycle_stage', '=', 'active');
    q = applyLoggedModelSearch(q, clauses, order, datasets, this.#db.capabilities);
    const rows = await q.offset(offset).limit(limit).execute();
    return rows.map((r) => r.model_id);
  }
}

async function requireModel(trx: Trx, modelId: string): Promise<void> {
  const row = await trx.selectFrom('logged_models').select('lifecycle_stage').where('model_id', '=', modelId).executeTakeFirst();
  if (!row || row.lifecycle_stage !== 'active') throw loggedModelNotFound(modelId);
}

async function upsert(trx: Trx, table: 'logged_model_tags' | 'logged_model_params', modelId: string, items: readonly Tag[]): Promise<void> {
  // The last value of a repeated key wins, as when the items are sent one by one.
  const unique = [...new Map(items.map((t) => [t.key, t])).values()];
  await trx
    .insertInto(table)
    .values(unique.map((t) => ({ model_id: modelId, key: t.key, value: t.value })))
    .onConflict((oc) => oc.columns(['model_id', 'key']).doUpdateSet((eb) => ({ value: eb.ref('excluded.value') })))
    .execute();
}

/** "Logged model … not found" in MLflow's words. */
export function loggedModelNotFound(modelId: string): NotFoundError {
  return new NotFoundError(`Logged model with ID '${modelId}' not found.`, 'logged_model');
}
