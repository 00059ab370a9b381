import type { Kysely, Selectable, Transaction } from 'kysely';
import type { Database, ModelVersionsTable, PuenteDb, RegisteredModelsTable } from '../db/index.js';
import type { FilterClause, OrderTerm } from '../search-filter/index.js';
import type { Tag } from '../tracking/index.js';
import type { ModelVersion, RegisteredModel, Stage } from './types.js';
import { registryClause } from './registry-search.js';

type Db = Kysely<Database> | Transaction<Database>;

const MODEL_COLUMNS: Readonly<Record<string, string>> = {
  name: 'rm.name',
  creation_timestamp: 'rm.creation_timestamp',
  last_updated_timestamp: 'rm.last_updated_timestamp',
};
const VERSION_COLUMNS: Readonly<Record<string, string>> = {
  name: 'mv.name',
  run_id: 'mv.run_id',
  source: 'mv.source',
  version_number: 'mv.version',
  creation_timestamp: 'mv.creation_timestamp',
  last_updated_timestamp: 'mv.last_updated_timestamp',
};

/** Fields of a new version, resolved by the service. */
export interface NewVersionRow {
  readonly name: string;
  readonly source: string;
  readonly storage_location: string;
  readonly run_id: string | null;
  readonly run_link: string | null;
  readonly description: string | null;
  readonly user_id: string | null;
  readonly model_id: string | null;
  readonly tags: Tag[];
}

/** All SQL of the registry. Rows are mapped to domain types here and nowhere else. */
export class RegistryRepo {
  readonly #db: PuenteDb;

  constructor(db: PuenteDb) {
    this.#db = db;
  }

  get #k(): Kysely<Database> {
    return this.#db.kysely;
  }

  transaction<T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
    return this.#k.transaction().execute(work);
  }

  async modelExists(name: string, db: Db = this.#k): Promise<boolean> {
    const row = await db.selectFrom('registered_models').select('name').where('name', '=', name).executeTakeFirst();
    return row !== undefined;
  }

  async insertModel(
    row: { name: string; description: string | null; user_id: string | null; now: number },
    tags: Tag[],
    db: Db,
  ): Promise<void> {
    await db
      .insertInto('registered_models')
      .values({ name: row.name, description: row.description, user_id: row.user_id, creation_timestamp: row.now, last_updated_timestamp: row.now })
      .execute();
    if (tags.length > 0) {
      await db.insertInto('registered_model_tags').values(tags.map((t) => ({ name: row.name, key: t.key, value: t.value }))).execute();
    }
  }

  async touchModel(name: string, now: number, db: Db = this.#k): Promise<void> {
    await db.updateTable('registered_models').set({ last_updated_timestamp: now }).where('name', '=', name).execute();
  }

  async updateModel(name: string, fields: { description?: string | null; name?: string }, now: number, db: Db = this.#k): Promise<void> {
    await db
      .updateTable('registered_models')
      .set({ ...fields, last_updated_timestamp: now })
      .where('name', '=', name)
      .execute();
  }

  async deleteModel(name: string, db: Db = this.#k): Promise<void> {
    await db.deleteFrom('registered_models').where('name', '=', name).execute();
  }

  async setModelTag(name: string, tag: Tag, db: Db = this.#k): Promise<void> {
    await db
      .insertInto('registered_model_tags')
      .values({ name, key: tag.key, value: tag.value })
      .onConflict((oc) => oc.columns(['name', 'key']).doUpdateSet({ value: tag.value }))
      .execute();
  }

  async deleteModelTag(name: string, key: string, db: Db = this.#k): Promise<number> {
    const res = await db.deleteFrom('registered_model_tags').where('name', '=', name).where('key', '=', key).executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  /** Registered models with tags, aliases and latest version per stage, in the order of `names`. */
  async loadModels(names: string[], db: Db = this.#k): Promise<RegisteredModel[]> {
    if (names.length === 0) return [];
    const [rows, tags, aliases, latest] = await Promise.all([
      db.selectFrom('registered_models').selectAll().where('name', 'in', names).execute(),
      db.selectFrom('registered_model_tags').selectAll().where('name', 'in', names).orderBy('key').execute(),
      db.selectFrom('registered_model_aliases').selectAll().where('name', 'in', names).orderBy('alias').execute(),
      db
        .selectFrom('model_versions as mv')
        .select(['mv.name', 'mv.version'])
        .where('mv.name', 'in', names)
        .where(({ eb, selectFrom }) =>
          eb(
            'mv.version',
            '=',
            selectFrom('model_versions as other')
              .select(({ fn }) => fn.max('other.version').as('v'))
              .whereRef('other.name', '=', 'mv.name')
              .whereRef('other.current_stage', '=', 'mv.current_stage'),
          ),
        )
        .execute(),
    ]);
    const latestVersions = await this.loadVersions(latest.map((r) => ({ name: r.name, version: Number(r.version) })), db);
    const byName = new Map(rows.map((r) => [r.name, r]));
    return names
      .filter((n) => byName.has(n))
      .map((n) => toRegisteredModel(
        byName.get(n)!,
        tags.filter((t) => t.name === n).map((t) => ({ key: t.key, value: t.value })),
        aliases.filter((a) => a.name === n).map((a) => ({ alias: a.alias, version: Number(a.version) })),
        latestVersions.filter((v) => v.name === n),
      ));
  }

  async searchModels(clauses: FilterClause[], order: OrderTerm[], offset: number, limit: number, onlyNames: readonly string[] | null = null): Promise<string[]> {
    const caps = this.#db.capabilities;
    let q = this.#k.selectFrom('registered_models as rm').select('rm.name');
    if (onlyNames !== null) q = q.where('rm.name', 'in', onlyNames);
    for (const c of clauses) q = q.where((eb) => registryClause(eb, c, caps, MODEL_COLUMNS, 'registered_model_tags'));
    for (const o of order) q = q.orderBy(MODEL_COLUMNS[o.key] as 'rm.name', o.ascending ? 'asc' : 'desc');
    q = q.orderBy('rm.name', 'asc');
    const rows = await q.offset(offset).limit(limit).execute();
    return rows.map((r) => r.name);
  }

  /** Reserves the next version number of a model (never reused). */
  async nextVersion(name: string, db: Db): Promise<number> {
    const row = await db
      .updateTable('registered_models')
      .set((eb) => ({ last_version: eb('last_version', '+', 1) }))
      .where('name', '=', name)
      .returning('last_version')
      .executeTakeFirstOrThrow();
    return Number(row.last_version);
  }

  async insertVersion(v: NewVersionRow, version: number, now: number, db: Db): Promise<void> {
    await db
      .insertInto('model_versions')
      .values({
        name: v.name,
        version,
        creation_timestamp: now,
        last_updated_timestamp: now,
        user_id: v.user_id,
        current_stage: 'None',
        description: v.description,
        source: v.source,
        storage_location: v.storage_location,
        run_id: v.run_id,
        run_link: v.run_link,
        status: 'READY',
        status_message: null,
        model_id: v.model_id,
      })
      .execute();
    if (v.tags.length > 0) {
      await db
        .insertInto('model_version_tags')
        .values(v.tags.map((t) => ({ name: v.name, version, key: t.key, value: t.value })))
        .execute();
    }
  }

  async versionExists(name: string, version: number, db: Db = this.#k): Promise<boolean> {
    const row = await db.selectFrom('model_versions').select('version').where('name', '=', name).where('version', '=', version).executeTakeFirst();
    return row !== undefined;
  }

  async updateVersion(name: string, version: number, fields: { description?: string | null; current_stage?: Stage }, now: number, db: Db = this.#k): Promise<void> {
    await db
      .updateTable('model_versions')
      .set({ ...fields, last_updated_timestamp: now })
      .where('name', '=', name)
      .where('version', '=', version)
      .execute();
  }

  /** Moves every other version of `name` in `stage` to Archived. */
  async archiveOthers(name: string, version: number, stage: Stage, now: number, db: Db): Promise<void> {
    await db
      .updateTable('model_versions')
      .set({ current_stage: 'Archived', last_updated_timestamp: now })
      .where('name', '=', name)
      .where('version', '<>', version)
      .where('current_stage', '=', stage)
      .execute();
  }

  async deleteVersion(name: string, version: number, db: Db = this.#k): Promise<void> {
    await db.deleteFrom('model_version_tags').where('name', '=', name).where('version', '=', version).execute();
    await db.deleteFrom('registered_model_aliases').where('name', '=', name).where('version', '=', version).execute();
    await db.deleteFrom('model_versions').where('name', '=', name).where('version', '=', version).execute();
  }

  async setVersionTag(name: string, version: number, tag: Tag, db: Db = this.#k): Promise<void> {
    await db
      .insertInto('model_version_tags')
      .values({ name, version, key: tag.key, value: tag.value })
      .onConflict((oc) => oc.columns(['name', 'version', 'key']).doUpdateSet({ value: tag.value }))
      .execute();
  }

  async deleteVersionTag(name: string, version: number, key: string, db: Db = this.#k): Promise<number> {
    const res = await db
      .deleteFrom('model_version_tags')
      .where('name', '=', name)
      .where('version', '=', version)
      .where('key', '=', key)
      .executeTakeFirst();
    return Number(res.numDeletedRows);
  }

  async setAlias(name: string, alias: string, version: number, db: Db = this.#k): Promise<void> {
    await db
      .insertInto('registered_model_aliases')
      .values({ name, alias, version })
      .onConflict((oc) => oc.columns(['name', 'alias']).doUpdateSet({ version }))
      .execute();
  }

  async deleteAlias(name: string, alias: string, db: Db = this.#k): Promise<void> {
    await db.deleteFrom('registered_model_aliases').where('name', '=', name).where('alias', '=', alias).execute();
  }

  async aliasVersion(name: string, alias: string): Promise<number | undefined> {
    const row = await this.#k
      .selectFrom('registered_model_aliases')
      .select('version')
      .where('name', '=', name)
      .where('alias', '=', alias)
      .executeTakeFirst();
    return row === undefined ? undefined : Number(row.version);
  }

  async latestVersionNumber(name: string): Promise<number | undefined> {
    const row = await this.#k
      .selectFrom('model_versions')
      .select(({ fn }) => fn.max('version').as('v'))
      .where('name', '=', name)
      .executeTakeFirst();
    return row?.v === null || row?.v === undefined ? undefined : Number(row.v);
  }

  /** Versions with their tags and aliases, in the order of `keys`. */
  async loadVersions(keys: { name: string; version: number }[], db: Db = this.#k): Promise<ModelVersion[]> {
    if (keys.length === 0) return [];
    const names = [...new Set(keys.map((k) => k.name))];
    const [rows, tags, aliases] = await Promise.all([
      db.selectFrom('model_versions').selectAll().where('name', 'in', names).execute(),
      db.selectFrom('model_version_tags').selectAll().where('name', 'in', names).orderBy('key').execute(),
      db.selectFrom('registered_model_aliases').selectAll().where('name', 'in', names).orderBy('alias').execute(),
    ]);
    const id = (name: string, version: number) => `${version}\u0000${name}`;
    const rowById = new Map(rows.map((r) => [id(r.name, Number(r.version)), r]));
    return keys.flatMap((k) => {
      const row = rowById.get(id(k.name, k.version));
      if (!row) return [];
      const own = (r: { name: string; version: number }) => r.name === k.name && Number(r.version) === k.version;
      return [
        toModelVersion(
          row,
          tags.filter(own).map((t) => ({ key: t.key, value: t.value })),
          aliases.filter(own).map((a) => a.alias),
        ),
      ];
    });
  }

  async searchVersions(
    clauses: FilterClause[], order: OrderTerm[], offset: number, limit: number, db: Db = this.#k, onlyNames: readonly string[] | null = null,
  ): Promise<{ name: string; version: number }[]> {
    const caps = this.#db.capabilities;
    let q = db.selectFrom('model_versions as mv').select(['mv.name', 'mv.version']);
    if (onlyNames !== null) q = q.where('mv.name', 'in', onlyNames);
    for (const c of clauses) q = q.where((eb) => registryClause(eb, c, caps, VERSION_COLUMNS, 'model_version_tags'));
    for (const o of order) q = q.orderBy(VERSION_COLUMNS[o.key] as 'mv.name', o.ascending ? 'asc' : 'desc');
    q = q.orderBy('mv.name', 'asc').orderBy('mv.version', 'desc');
    const rows = await q.offset(offset).limit(limit).execute();
    return rows.map((r) => ({ name: r.name, version: Number(r.version) }));
  }
}

function toRegisteredModel(
  row: Selectable<RegisteredModelsTable>,
  tags: Tag[],
  aliases: { alias: string; version: number }[],
  latest: ModelVersion[],
): RegisteredModel {
  return {
    name: row.name,
    creation_timestamp: Number(row.creation_timestamp),
    last_updated_timestamp: Number(row.last_updated_timestamp),
    user_id: row.user_id,
    description: row.description,
    latest_versions: [...latest].sort((a, b) => a.version - b.version),
    tags,
    aliases,
  };
}

function toModelVersion(row: Selectable<ModelVersionsTable>, tags: Tag[], aliases: string[]): ModelVersion {
  return {
    name: row.name,
    version: Number(row.version),
    creation_timestamp: Number(row.creation_timestamp),
    last_updated_timestamp: Number(row.last_updated_timestamp),
    user_id: row.user_id,
    current_stage: row.current_stage as Stage,
    description: row.description,
    source: row.source,
    storage_location: row.storage_location,
    run_id: row.run_id,
    run_link: row.run_link,
    status: 'READY',
    status_message: row.status_message,
    model_id: row.model_id,
    tags,
    aliases,
  };
}
