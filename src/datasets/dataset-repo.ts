import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import type { Database, DatasetVersionsTable, PuenteDb } from '../db/index.js';
import type { Dataset, DatasetFile, DatasetProfile, DatasetSchema, DatasetVersion, DataFormat } from './types.js';
import type { ValidationRecord, ValidationResult } from './expectations/types.js';

type Db = Kysely<Database> | Transaction<Database>;

/** One stored part of a blob: the content is its parts' bytes in order. */
export interface BlobPart {
  readonly key: string;
  readonly size: number;
}

/** A file row to insert, with its reading options. */
export interface NewFileRow extends DatasetFile {
  readonly options: Record<string, unknown> | null;
}

/** Fields of a new version; the number is given by the repo. */
export interface NewVersionRow {
  readonly name: string;
  readonly digest: string;
  readonly row_count: number;
  readonly size: number;
  readonly parent: number | null;
  readonly message: string;
  readonly source: string;
  readonly creator: string | null;
  readonly creation_time: number;
  readonly schema: DatasetSchema;
  readonly profile: DatasetProfile;
  readonly sketch_key: string | null;
}

/** A version without its schema, profile and files (for listings). */
export type VersionSummary = Omit<DatasetVersion, 'schema' | 'profile' | 'files'>;

const SUMMARY_COLUMNS = ['name', 'version', 'digest', 'row_count', 'size', 'parent', 'message', 'source', 'creator', 'creation_time'] as const;

function toSummary(row: Pick<Selectable<DatasetVersionsTable>, (typeof SUMMARY_COLUMNS)[number]>): VersionSummary {
  return {
    name: row.name,
    version: Number(row.version),
    digest: row.digest.trim(),
    row_count: Number(row.row_count),
    size: Number(row.size),
    parent: row.parent === null ? null : Number(row.parent),
    message: row.message,
    source: row.source,
    creator: row.creator,
    creation_timestamp: Number(row.creation_time),
  };
}

/** All SQL of datasets. Rows become domain types here and nowhere else. */
export class DatasetRepo {
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

  // ---- datasets ------------------------------------------------------------------------------

  async insertDataset(row: { name: string; description: string | null; creator: string | null; now: number }, db: Db = this.#k): Promise<void> {
    await db.insertInto('dataset_names').values({ name: row.name, description: row.description, creator: row.creator, creation_time: row.now, last_update_time: row.now }).execute();
  }

  async getDataset(name: string, db: Db = this.#k): Promise<Dataset | null> {
    const row = await db
      .selectFrom('dataset_names as d')
      .select(['d.name', 'd.description', 'd.creator', 'd.creation_time', 'd.last_update_time'])
      .select((eb) => eb.selectFrom('dataset_versions as v').whereRef('v.name', '=', 'd.name').select((e) => e.fn.max('v.version').as('m')).as('latest'))
      .where('d.name', '=', name)
      .executeTakeFirst();
    return row ? toDataset(row) : null;
  }

  async listDatasets(options: { prefix?: string; names: string[] | null; offset: number; limit: number }): Promise<Dataset[]> {
    let q = this.#k
      .selectFrom('dataset_names as d')
      .select(['d.name', 'd.description', 'd.creator', 'd.creation_time', 'd.last_update_time'])
      .select((eb) => eb.selectFrom('dataset_versions as v').whereRef('v.name', '=', 'd.name').select((e) => e.fn.max('v.version').as('m')).as('latest'));
    if (options.prefix) q = q.where(this.#db.capabilities.like(sql.ref('d.name'), `${options.prefix.replace(/[%_]/g, '')}%`));
    if (options.names !== null) {
      if (options.names.length === 0) return [];
      q = q.where('d.name', 'in', options.names.slice(0, 1000));
    }
    const rows = await q.orderBy('d.name').offset(options.offset).limit(options.limit).execute();
    return rows.map(toDataset);
  }

  async deleteDataset(name: string, db: Db = this.#k): Promise<void> {
    await db.deleteFrom('dataset_validations').where('name', '=', name).execute();
    await db.deleteFrom('dataset_version_files').where('name', '=', name).execute();
    await db.deleteFrom('dataset_versions').where('name', '=', name).execute();
    await db.deleteFrom('dataset_names').where('name', '=', name).execute();
  }

  /** Takes the next version number of a dataset (numbers are never reused). */
  async nextVersion(name: string, now: number, db: Db): Promise<number> {
    const row = await db
      .updateTable('dataset_names')
      .set((eb) => ({ last_version: eb('last_version', '+', 1), last_update_time: now }))
      .where('name', '=', name)
      .returning('last_version')
      .executeTakeFirstOrThrow();
    return Number(row.last_version);
  }

  // ---- versions ------------------------------------------------------------------------------

  async insertVersion(version: number, row: NewVersionRow, files: NewFileRow[], db: Db): Promise<void> {
    await db
      .insertInto('dataset_versions')
      .values({
        name: row.name, version, digest: row.digest, row_count: row.row_count, size: row.size, parent: row.parent, message: row.message,
        source: row.source, creator: row.creator, creation_time: row.creation_time, schema_json: JSON.stringify(row.schema),
        profile_json: JSON.stringify(row.profile), sketch_key: row.sketch_key,
      })
      .execute();
    if (files.length > 0) {
      await db
        .insertInto('dataset_version_files')
        .values(files.map((f) => ({
          name: row.name, version, path: f.path, digest: f.digest, size: f.size, format: f.format, row_count: f.row_count,
          options_json: f.options === null ? null : JSON.stringify(f.options),
        })))
        .execute();
    }
  }

  async latestVersionNumber(name: string, db: Db = this.#k): Promise<number | null> {
    const row = await db.selectFrom('dataset_versions').select((e) => e.fn.max('version').as('m')).where('name', '=', name).executeTakeFirst();
    return row?.m === null || row?.m === undefined ? null : Number(row.m);
  }

  /** The newest version whose digest starts with `prefix`. */
  async versionByDigest(name: string, prefix: string, db: Db = this.#k): Promise<number | null> {
    const row = await db
      .selectFrom('dataset_versions')
      .select('version')
      .where('name', '=', name)
      .where(this.#db.capabilities.like(sql.ref('digest'), `${prefix}%`))
      .orderBy('version', 'desc')
      .executeTakeFirst();
    return row ? Number(row.version) : null;
  }

  /** Versions (of any dataset, or of one) whose digest starts with `prefix`, newest first. */
  async versionsWithDigest(prefix: string, name?: string): Promise<VersionSummary[]> {
    let q = this.#k.selectFrom('dataset_versions').select(SUMMARY_COLUMNS).where(this.#db.capabilities.like(sql.ref('digest'), `${prefix}%`));
    if (name !== undefined) q = q.where('name', '=', name);
    return (await q.orderBy('creation_time', 'desc').limit(20).execute()).map(toSummary);
  }

  async getVersion(name: string, version: number, db: Db = this.#k): Promise<(DatasetVersion & { sketch_key: string | null; file_options: Map<string, Record<string, unknown> | null> }) | null> {
    const row = await db.selectFrom('dataset_versions').selectAll().where('name', '=', name).where('version', '=', version).executeTakeFirst();
    if (!row) return null;
    const files = await db.selectFrom('dataset_version_files').selectAll().where('name', '=', name).where('version', '=', version).orderBy('path').execute();
    return {
      ...toSummary(row),
      schema: JSON.parse(row.schema_json) as DatasetSchema,
      profile: JSON.parse(row.profile_json) as DatasetProfile,
      files: files.map((f) => ({
        path: f.path, digest: f.digest.trim(), size: Number(f.size), format: f.format as DataFormat | null, row_count: f.row_count === null ? null : Number(f.row_count),
        options: f.options_json === null ? null : (JSON.parse(f.options_json) as Record<string, unknown>),
      })),
      sketch_key: row.sketch_key,
      file_options: new Map(files.map((f) => [f.path, f.options_json === null ? null : (JSON.parse(f.options_json) as Record<string, unknown>)])),
    };
  }

  async listVersions(name: string, offset: number, limit: number): Promise<VersionSummary[]> {
    const rows = await this.#k.selectFrom('dataset_versions').select(SUMMARY_COLUMNS).where('name', '=', name).orderBy('version', 'desc').offset(offset).limit(limit).execute();
    return rows.map(toSummary);
  }

  async deleteVersion(name: string, version: number, db: Db): Promise<void> {
    await db.deleteFrom('dataset_validations').where('name', '=', name).where('version', '=', version).execute();
    await db.deleteFrom('dataset_version_files').where('name', '=', name).where('version', '=', version).execute();
    await db.deleteFrom('dataset_versions').where('name', '=', name).where('version', '=', version).execute();
  }

  /** Digests of one dataset's files (all versions, or one). */
  async fileDigests(name: string, version?: number, db: Db = this.#k): Promise<string[]> {
    let q = db.selectFrom('dataset_version_files').select('digest').distinct().where('name', '=', name);
    if (version !== undefined) q = q.where('version', '=', version);
    return (await q.execute()).map((r) => r.digest.trim());
  }

  async isDigestOfDataset(name: string, digest: string): Promise<boolean> {
    const row = await this.#k.selectFrom('dataset_version_files').select('digest').where('name', '=', name).where('digest', '=', digest).executeTakeFirst();
    return row !== undefined;
  }

  // ---- blobs ---------------------------------------------------------------------------------

  async getBlob(digest: string, db: Db = this.#k): Promise<{ size: number; parts: BlobPart[] } | null> {
    const row = await db.selectFrom('dataset_blobs').select(['size', 'parts_json']).where('digest', '=', digest).executeTakeFirst();
    return row ? { size: Number(row.size), parts: JSON.parse(row.parts_json) as BlobPart[] } : null;
  }

  /** Records a blob unless one with this digest exists; true when this call recorded it. */
  async insertBlobIfAbsent(digest: string, size: number, parts: BlobPart[], now: number, db: Db): Promise<boolean> {
    const existing = await db.selectFrom('dataset_blobs').select('digest').where('digest', '=', digest).executeTakeFirst();
    if (existing) return false;
    await db.insertInto('dataset_blobs').values({ digest, size, parts_json: JSON.stringify(parts), created_at: now }).execute();
    return true;
  }

  /** Blobs no version points to any more, removed from the table; their parts are returned for deletion. */
  async dropUnreferencedBlobs(digests: string[], db: Db): Promise<BlobPart[]> {
    const parts: BlobPart[] = [];
    for (const digest of digests) {
      const used = await db.selectFrom('dataset_version_files').select('digest').where('digest', '=', digest).executeTakeFirst();
      if (used) continue;
      const blob = await this.getBlob(digest, db);
      if (!blob) continue;
      await db.deleteFrom('dataset_blobs').where('digest', '=', digest).execute();
      parts.push(...blob.parts);
    }
    return parts;
  }

  // ---- validations ---------------------------------------------------------------------------

  async insertValidation(row: { name: string; version: number; result: ValidationResult; creator: string | null; now: number }): Promise<number> {
    const inserted = await this.#k
      .insertInto('dataset_validations')
      .values({
        name: row.name, version: row.version, suite_name: row.result.suite_name, success: row.result.success ? 1 : 0,
        evaluated: row.result.statistics.evaluated, failed: row.result.statistics.failed, result_json: JSON.stringify(row.result),
        creator: row.creator, created_at: row.now,
      })
      .returning('validation_id')
      .executeTakeFirstOrThrow();
    return Number(inserted.validation_id);
  }

  async listValidations(name: string, version?: number): Promise<ValidationRecord[]> {
    let q = this.#k.selectFrom('dataset_validations').select(['validation_id', 'name', 'version', 'suite_name', 'success', 'evaluated', 'failed', 'creator', 'created_at']).where('name', '=', name);
    if (version !== undefined) q = q.where('version', '=', version);
    const rows = await q.orderBy('created_at', 'desc').orderBy('validation_id', 'desc').limit(200).execute();
    return rows.map((r) => ({
      validation_id: Number(r.validation_id), name: r.name, version: Number(r.version), suite_name: r.suite_name, success: r.success === 1,
      evaluated: Number(r.evaluated), failed: Number(r.failed), creator: r.creator, created_at: Number(r.created_at),
    }));
  }

  async getValidation(name: string, id: number): Promise<(ValidationRecord & { result: ValidationResult }) | null> {
    const r = await this.#k.selectFrom('dataset_validations').selectAll().where('name', '=', name).where('validation_id', '=', id).executeTakeFirst();
    if (!r) return null;
    return {
      validation_id: Number(r.validation_id), name: r.name, version: Number(r.version), suite_name: r.suite_name, success: r.success === 1,
      evaluated: Number(r.evaluated), failed: Number(r.failed), creator: r.creator, created_at: Number(r.created_at), result: JSON.parse(r.result_json) as ValidationResult,
    };
  }
}

function toDataset(row: { name: string; description: string | null; creator: string | null; creation_time: number; last_update_time: number; latest: unknown }): Dataset {
  return {
    name: row.name,
    description: row.description,
    creator: row.creator,
    creation_timestamp: Number(row.creation_time),
    last_updated_timestamp: Number(row.last_update_time),
    latest_version: row.latest === null || row.latest === undefined ? null : Number(row.latest),
  };
}
