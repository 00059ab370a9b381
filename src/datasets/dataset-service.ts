import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { Readable } from 'node:stream';
import type { ArtifactStore } from '../artifacts/index.js';
import type { PuenteDb } from '../db/index.js';
import { AlreadyExistsError, ConflictError, InvalidParameterError, NotFoundError } from '../errors/index.js';
import { decodePageToken, encodePageToken } from '../search-filter/index.js';
import type { Page } from '../tracking/index.js';
import { COLUMN_TYPES, type DataFormat, type Dataset, type DatasetDiff, type DatasetFile, type DatasetSchema, type DatasetVersion } from './types.js';
import { DatasetRepo, type BlobPart, type NewFileRow, type VersionSummary } from './dataset-repo.js';
import { ingestFile, profileParquet, profileStream, reprofileStored, type IngestedFile } from './ingest.js';
import { mergeSketches, profileOfSketch, schemaOfSketch, widerType, type DatasetSketch } from './profile/profile.js';
import { csvDefaultsOfPath, formatOfPath, readRecords, type RecordBatch } from './formats/records.js';
import { writeParquet } from './formats/parquet.js';
import type { CsvOptions } from './formats/csv.js';
import { diffVersions, keyedRowDiff } from './diff.js';
import { checkSuite } from './expectations/suite.js';
import { suggestSuite } from './expectations/suggest.js';
import { validateBatches } from './expectations/validate.js';
import type { ExpectationSuite, ValidationRecord, ValidationResult } from './expectations/types.js';

/** Collaborators of the dataset service. */
export interface DatasetServiceDeps {
  readonly db: PuenteDb;
  readonly artifacts: ArtifactStore;
  /** Clock, settable by tests. */
  readonly now?: () => number;
}

/** Dataset names: letters, digits, and . _ - (they appear in `name@version` references and URLs). */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,255}$/;
const DIGEST = /^[0-9a-f]{64}$/;
const PREFIX = 'datasets';
/** An upload not committed within this long is dropped. */
const ABANDONED_AFTER_MS = 24 * 3_600_000;

/** A reference `name@version`, `name@latest`, `name@sha256:<prefix>` or just `name` (latest). */
export function parseDatasetRef(text: string): { name: string; ref: string } {
  const at = text.lastIndexOf('@');
  const name = at < 0 ? text : text.slice(0, at);
  const ref = at < 0 ? 'latest' : text.slice(at + 1);
  if (!NAME.test(name) || ref === '') throw new InvalidParameterError(`'${text}' is not a dataset reference: write NAME, NAME@VERSION, NAME@latest or NAME@sha256:PREFIX.`, 'dataset');
  return { name, ref };
}

function checkName(name: string): string {
  if (!NAME.test(name)) throw new InvalidParameterError(`Dataset name '${name}' must start with a letter or digit and hold only letters, digits, '.', '_' and '-' (at most 256).`, 'name');
  return name;
}

/** A file path inside a version: relative, '/'-separated, no '.' or '..' parts. */
function checkPath(path: string): string {
  const clean = path.replace(/\\/g, '/').replace(/^\/+/, '');
  if (clean === '' || clean.length > 1000 || clean.split('/').some((p) => p === '' || p === '.' || p === '..')) {
    throw new InvalidParameterError(`'${path}' is not a file path inside a dataset version.`, 'path');
  }
  return clean;
}

/** Options of one upload session, fixed when it starts. */
interface UploadSession {
  readonly name: string;
  readonly creator: string | null;
  readonly created_at: number;
  readonly schema: DatasetSchema | null;
}

/** How to read an uploaded file. */
export interface FileUploadOptions {
  readonly format?: DataFormat | null;
  readonly csv?: CsvOptions;
}

/** What committing an upload gives: the version, and whether it is new. */
export interface CommitResult {
  readonly version: DatasetVersion;
  /** False when the content equals the latest version's (nothing new was registered). */
  readonly created: boolean;
}

/** The metadata of a version as another server sends it (push/pull). */
export interface VersionImport {
  readonly digest: string;
  readonly message: string;
  readonly source: string;
  readonly creator?: string | null;
  readonly creation_timestamp?: number;
  readonly parent_digest?: string | null;
  readonly schema: DatasetSchema;
  readonly files: (DatasetFile & { options?: Record<string, unknown> | null })[];
}

/** sha256 of a directory version: of its `<sha256>  <path>` lines sorted by path, as sha256sum prints them. */
export function manifestDigest(files: readonly { path: string; digest: string }[]): string {
  const lines = files.slice().sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)).map((f) => `${f.digest}  ${f.path}\n`);
  return createHash('sha256').update(lines.join('')).digest('hex');
}

/** The content digest of a version: the file's own for one file, else the manifest's. */
export function versionDigest(files: readonly { path: string; digest: string }[]): string {
  return files.length === 1 ? files[0]!.digest : manifestDigest(files);
}

function checkSchema(schema: unknown): DatasetSchema {
  const columns = (schema as DatasetSchema | null)?.columns;
  if (!Array.isArray(columns) || columns.some((c) => typeof c?.name !== 'string' || !COLUMN_TYPES.includes(c.type))) {
    throw new InvalidParameterError('A schema is {"columns": [{"name": ..., "type": "integer" | "float" | "boolean" | "string"}, ...]}.', 'schema');
  }
  return { columns: columns.map((c) => ({ name: c.name, type: c.type })) };
}

/**
 * Versioned datasets: content-addressed storage (sha256; one stored copy per content, whatever
 * the versions and datasets that hold it), versions with schema and profile, validation with
 * expectation suites, diffs, and the blob exchange behind push and pull between servers.
 *
 * A version is written in two steps: its files are stored and profiled as they upload (into a
 * session), then one transaction registers blobs, files and version together. A failure before
 * that leaves no version and no file row.
 */
export class DatasetService {
  readonly #repo: DatasetRepo;
  readonly #store: ArtifactStore;
  readonly #now: () => number;
  #lastSweep = 0;

  constructor(deps: DatasetServiceDeps) {
    this.#repo = new DatasetRepo(deps.db);
    this.#store = deps.artifacts;
    this.#now = deps.now ?? Date.now;
  }

  // ---- datasets ------------------------------------------------------------------------------

  async createDataset(name: string, options: { description?: string; creator?: string | null } = {}): Promise<Dataset> {
    checkName(name);
    await this.#repo.transaction(async (trx) => {
      if (await this.#repo.getDataset(name, trx)) throw new AlreadyExistsError(`Dataset '${name}' already exists.`);
      await this.#repo.insertDataset({ name, description: options.description ?? null, creator: options.creator ?? null, now: this.#now() }, trx);
    });
    return this.getDataset(name);
  }

  async getDataset(name: string): Promise<Dataset> {
    const found = await this.#repo.getDataset(name);
    if (!found) throw new NotFoundError(`Dataset '${name}' does not exist.`, 'dataset');
    return found;
  }

  async datasetExists(name: string): Promise<boolean> {
    return (await this.#repo.getDataset(name)) !== null;
  }

  /** Datasets by name; `names` limits to those (the ones a caller may see), null for all. */
  async listDatasets(options: { prefix?: string; names?: string[] | null; max_results?: number; page_token?: string } = {}): Promise<Page<Dataset>> {
    const limit = Math.min(Math.max(options.max_results ?? 100, 1), 1000);
    const offset = decodePageToken(options.page_token);
    const rows = await this.#repo.listDatasets({ prefix: options.prefix, names: options.names ?? null, offset, limit: limit + 1 });
    return rows.length > limit ? { items: rows.slice(0, limit), next_page_token: encodePageToken(offset + limit) } : { items: rows };
  }

  /** Deletes a dataset, its versions and validations; stored content no other version holds goes too. */
  async deleteDataset(name: string): Promise<void> {
    await this.getDataset(name);
    const digests = await this.#repo.fileDigests(name);
    const parts = await this.#repo.transaction(async (trx) => {
      await this.#repo.deleteDataset(name, trx);
      return this.#repo.dropUnreferencedBlobs(digests, trx);
    });
    await this.#deleteParts(parts);
  }

  // ---- uploads -------------------------------------------------------------------------------

  /** Opens an upload session for a new version; `schema` declares column types the data must meet. */
  async startUpload(name: string, options: { schema?: unknown; creator?: string | null } = {}): Promise<{ upload_id: string }> {
    await this.getDataset(name);
    const session: UploadSession = { name, creator: options.creator ?? null, created_at: this.#now(), schema: options.schema === undefined || options.schema === null ? null : checkSchema(options.schema) };
    const id = randomBytes(12).toString('hex');
    await this.#store.put(`${PREFIX}/uploads/${id}/session.json`, Buffer.from(JSON.stringify(session)));
    await this.#sweepAbandoned().catch(() => undefined);
    return { upload_id: id };
  }

  /**
   * Drops uploads nobody committed or abandoned within a day (a client that died midway), with
   * the bytes they stored; looked for at most once an hour.
   */
  async #sweepAbandoned(): Promise<void> {
    const now = this.#now();
    if (now - this.#lastSweep < 3_600_000) return;
    this.#lastSweep = now;
    for (const entry of await this.#store.list(`${PREFIX}/uploads`)) {
      if (!entry.isDir) continue;
      const text = await this.#readText(`${PREFIX}/uploads/${entry.name}/session.json`).catch(() => null);
      // No session yet: one being opened right now.
      if (text === null || now - (JSON.parse(text) as UploadSession).created_at < ABANDONED_AFTER_MS) continue;
      await this.#store.delete(`${PREFIX}/objects/${entry.name}`);
      await this.#store.delete(`${PREFIX}/uploads/${entry.name}`);
    }
  }

  async #session(name: string, id: string): Promise<UploadSession> {
    if (!/^[0-9a-f]{24}$/.test(id)) throw new NotFoundError(`Upload '${id}' does not exist.`, 'upload');
    const text = await this.#readText(`${PREFIX}/uploads/${id}/session.json`).catch(() => null);
    const session = text === null ? null : (JSON.parse(text) as UploadSession);
    if (!session || session.name !== name) throw new NotFoundError(`Upload '${id}' of dataset '${name}' does not exist (it may have been committed or abandoned).`, 'upload');
    return session;
  }

  /**
   * Stores and profiles one file of an upload, streaming. Errors in the data (format, encoding,
   * schema) name the file, line and column; the file is then not kept.
   */
  async uploadFile(name: string, uploadId: string, path: string, body: AsyncIterable<Buffer>, options: FileUploadOptions = {}): Promise<Omit<IngestedFile, 'sketch' | 'object'>> {
    const session = await this.#session(name, uploadId);
    const clean = checkPath(path);
    const fileKey = `${PREFIX}/uploads/${uploadId}/files/${createHash('sha256').update(clean).digest('hex').slice(0, 32)}.json`;
    if ((await this.#store.stat(fileKey)) !== null) throw new ConflictError(`'${clean}' was uploaded to this session already.`);
    // Without a format the file name decides; files that are not tables are kept unread.
    const format = options.format === undefined ? formatOfPath(clean) : options.format;
    const csv = format === 'csv' ? { ...csvDefaultsOfPath(clean), ...options.csv } : undefined;
    const object = `${PREFIX}/objects/${uploadId}/${randomBytes(8).toString('hex')}`;
    const ingested = await ingestFile(body, this.#store, object, { path: clean, format, csv, schema: session.schema });
    await this.#store.put(fileKey, Buffer.from(JSON.stringify(ingested)));
    const { sketch: _s, object: _o, ...summary } = ingested;
    return summary;
  }

  /** Drops an upload session and the files it stored. */
  async abortUpload(name: string, uploadId: string): Promise<void> {
    await this.#session(name, uploadId);
    await this.#store.delete(`${PREFIX}/objects/${uploadId}`);
    await this.#store.delete(`${PREFIX}/uploads/${uploadId}`);
  }

  /**
   * Registers the uploaded files as the next version, in one transaction. Content equal to the
   * latest version's registers nothing and returns that version (`created` false).
   */
  async commitUpload(name: string, uploadId: string, options: { message?: string; parent?: number | null; source?: string; creator?: string | null } = {}): Promise<CommitResult> {
    const session = await this.#session(name, uploadId);
    const entries = await this.#store.list(`${PREFIX}/uploads/${uploadId}/files`);
    const files: IngestedFile[] = [];
    for (const e of entries) if (!e.isDir) files.push(JSON.parse((await this.#readText(`${PREFIX}/uploads/${uploadId}/files/${e.name}`))!) as IngestedFile);
    if (files.length === 0) throw new InvalidParameterError(`Upload '${uploadId}' has no files: upload at least one before committing.`, 'upload_id');
    files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    const sketch = await this.#mergeFiles(files);
    const schema = session.schema ?? schemaOfSketch(sketch);
    const result = await this.#register(name, {
      files: files.map((f) => ({ ...f, options: f.csv ? { ...f.csv } : null, parts: [{ key: f.object, size: f.size }] })),
      sketch,
      schema,
      message: options.message ?? '',
      source: options.source ?? 'upload',
      creator: options.creator ?? session.creator,
      creation_time: this.#now(),
      parent: options.parent,
    });
    await this.#store.delete(`${PREFIX}/uploads/${uploadId}`);
    return result;
  }

  /** One sketch for all table files: files whose column types lose to another file's are read again. */
  async #mergeFiles(files: IngestedFile[]): Promise<DatasetSketch> {
    const tables = files.filter((f) => f.sketch !== null);
    if (tables.length === 0) return { row_count: 0, columns: [] };
    const types = new Map<string, ReturnType<typeof widerType>['type']>();
    for (const f of tables) for (const c of f.sketch!.columns) types.set(c.name, widerType(types.get(c.name) ?? null, c.type).type);
    let merged: DatasetSketch | null = null;
    for (const f of tables) {
      let sketch = f.sketch!;
      if (sketch.columns.some((c) => widerType(c.type, types.get(c.name) ?? null).reread)) {
        const fixed: DatasetSchema = { columns: sketch.columns.map((c) => ({ name: c.name, type: types.get(c.name) ?? 'string' })) };
        sketch = await reprofileStored(this.#store, f, fixed);
      }
      merged = merged === null ? sketch : mergeSketches(merged, sketch);
    }
    return merged!;
  }

  /** Blobs first (already stored), then the version in one transaction. */
  async #register(
    name: string,
    input: {
      files: (Omit<DatasetFile, 'row_count'> & { row_count: number | null; options: Record<string, unknown> | null; parts: BlobPart[] })[];
      sketch: DatasetSketch;
      schema: DatasetSchema;
      message: string;
      source: string;
      creator: string | null;
      creation_time: number;
      parent?: number | null;
      parentDigest?: string | null;
    },
  ): Promise<CommitResult> {
    const digest = versionDigest(input.files);
    const latest = await this.#repo.latestVersionNumber(name);
    if (latest !== null) {
      const current = await this.#repo.getVersion(name, latest);
      if (current && current.digest === digest) {
        await this.#discardDuplicateObjects(input.files);
        return { version: stripInternal(current), created: false };
      }
    }
    // By content and column types: the same bytes read with other declared types profile differently.
    const sketchKey = `${PREFIX}/sketches/${digest}-${createHash('sha256').update(JSON.stringify(input.schema)).digest('hex').slice(0, 16)}.json`;
    if ((await this.#store.stat(sketchKey)) === null) await this.#store.put(sketchKey, Buffer.from(JSON.stringify(input.sketch)));
    const profile = profileOfSketch(input.sketch);
    const redundant: BlobPart[] = [];
    const version = await this.#repo.transaction(async (trx) => {
      let parent: number | null = latest;
      if (input.parent !== undefined && input.parent !== null) {
        if (!(await this.#repo.getVersion(name, input.parent, trx))) throw new NotFoundError(`Dataset '${name}' has no version ${input.parent} to be the parent.`, 'parent');
        parent = input.parent;
      } else if (input.parentDigest !== undefined) {
        parent = input.parentDigest === null ? null : await this.#repo.versionByDigest(name, input.parentDigest, trx);
      }
      for (const f of input.files) {
        const fresh = await this.#repo.insertBlobIfAbsent(f.digest, f.size, f.parts, this.#now(), trx);
        if (!fresh) redundant.push(...f.parts.filter((p) => p.key.startsWith(`${PREFIX}/objects/`)));
      }
      const number = await this.#repo.nextVersion(name, this.#now(), trx);
      const files: NewFileRow[] = input.files.map((f) => ({ path: f.path, digest: f.digest, size: f.size, format: f.format, row_count: f.row_count, options: f.options }));
      await this.#repo.insertVersion(number, {
        name, digest, row_count: input.sketch.row_count, size: input.files.reduce((s, f) => s + f.size, 0), parent, message: input.message,
        source: input.source, creator: input.creator, creation_time: input.creation_time, schema: input.schema, profile, sketch_key: sketchKey,
      }, files, trx);
      return number;
    });
    // The same content was stored before: the copy just written is not needed.
    await this.#deleteParts(redundant);
    return { version: await this.getVersion(name, String(version)), created: true };
  }

  async #discardDuplicateObjects(files: { parts: BlobPart[] }[]): Promise<void> {
    await this.#deleteParts(files.flatMap((f) => f.parts.filter((p) => p.key.startsWith(`${PREFIX}/objects/`))));
  }

  async #deleteParts(parts: BlobPart[]): Promise<void> {
    for (const p of parts) await this.#store.delete(p.key).catch(() => undefined);
  }

  // ---- versions ------------------------------------------------------------------------------

  /** The version number a reference names (number, latest, or sha256:prefix). */
  async resolveVersion(name: string, ref: string | number): Promise<number> {
    await this.getDataset(name);
    const text = String(ref).trim();
    let version: number | null;
    if (text === '' || text === 'latest') {
      version = await this.#repo.latestVersionNumber(name);
      if (version === null) throw new NotFoundError(`Dataset '${name}' has no versions yet.`, 'dataset_version');
      return version;
    }
    if (/^\d+$/.test(text)) version = Number(text);
    else {
      const prefix = text.replace(/^sha256:/, '').toLowerCase();
      if (!/^[0-9a-f]{6,64}$/.test(prefix)) throw new InvalidParameterError(`'${text}' is not a version: give a number, 'latest' or sha256:<at least 6 hex digits>.`, 'version');
      version = await this.#repo.versionByDigest(name, prefix);
      if (version === null) throw new NotFoundError(`Dataset '${name}' has no version with content sha256:${prefix}.`, 'dataset_version');
      return version;
    }
    return version;
  }

  async getVersion(name: string, ref: string | number): Promise<DatasetVersion> {
    const number = await this.resolveVersion(name, ref);
    const found = await this.#repo.getVersion(name, number);
    if (!found) throw new NotFoundError(`Dataset '${name}' has no version ${number}.`, 'dataset_version');
    return stripInternal(found);
  }

  async #versionWithOptions(name: string, ref: string | number) {
    const number = await this.resolveVersion(name, ref);
    const found = await this.#repo.getVersion(name, number);
    if (!found) throw new NotFoundError(`Dataset '${name}' has no version ${number}.`, 'dataset_version');
    return found;
  }

  /** Versions, newest first, without schema and profile. */
  async listVersions(name: string, options: { max_results?: number; page_token?: string } = {}): Promise<Page<VersionSummary>> {
    await this.getDataset(name);
    const limit = Math.min(Math.max(options.max_results ?? 100, 1), 1000);
    const offset = decodePageToken(options.page_token);
    const rows = await this.#repo.listVersions(name, offset, limit + 1);
    return rows.length > limit ? { items: rows.slice(0, limit), next_page_token: encodePageToken(offset + limit) } : { items: rows };
  }

  /** Versions of any dataset (or of one) whose content digest starts with `prefix`. */
  async versionsWithDigest(prefix: string, name?: string): Promise<VersionSummary[]> {
    const clean = prefix.replace(/^sha256:/, '').toLowerCase();
    if (!/^[0-9a-f]{8,64}$/.test(clean)) return [];
    return this.#repo.versionsWithDigest(clean, name);
  }

  async deleteVersion(name: string, ref: string | number): Promise<void> {
    const number = await this.resolveVersion(name, ref);
    const digests = await this.#repo.fileDigests(name, number);
    const parts = await this.#repo.transaction(async (trx) => {
      await this.#repo.deleteVersion(name, number, trx);
      return this.#repo.dropUnreferencedBlobs(digests, trx);
    });
    await this.#deleteParts(parts);
  }

  /** The statistics behind a version's profile (samples, buckets, all category counts). */
  async sketchOf(name: string, ref: string | number): Promise<DatasetSketch> {
    const v = await this.#versionWithOptions(name, ref);
    if (v.sketch_key === null) return { row_count: v.row_count, columns: [] };
    const text = await this.#readText(v.sketch_key);
    if (text === null) throw new NotFoundError(`The statistics of ${name}@${v.version} are missing from the artifact store.`, 'dataset_version');
    return JSON.parse(text) as DatasetSketch;
  }

  /** Opens one file of a version for reading. */
  async openFile(name: string, ref: string | number, path: string): Promise<{ stream: Readable; size: number; digest: string; path: string }> {
    const v = await this.#versionWithOptions(name, ref);
    const file = v.files.find((f) => f.path === path) ?? (v.files.length === 1 && (path === '' || path === undefined) ? v.files[0] : undefined);
    if (!file) throw new NotFoundError(`${name}@${v.version} has no file '${path}' (it has ${v.files.map((f) => f.path).join(', ')}).`, 'file');
    return { stream: await this.openBlob(file.digest), size: file.size, digest: file.digest, path: file.path };
  }

  /** The bytes of a stored content, its parts one after the other. */
  async openBlob(digest: string): Promise<Readable> {
    const blob = await this.#repo.getBlob(digest);
    if (!blob) throw new NotFoundError(`No stored content has sha256 ${digest}.`, 'blob');
    const store = this.#store;
    if (blob.parts.length === 1) return (await store.get(blob.parts[0]!.key)).stream;
    return Readable.from(
      (async function* () {
        for (const part of blob.parts) yield* (await store.get(part.key)).stream as AsyncIterable<Buffer>;
      })(),
    );
  }

  /** Every record of a version's table files, in path order, typed by its schema. */
  async *records(name: string, ref: string | number): AsyncGenerator<RecordBatch> {
    const v = await this.#versionWithOptions(name, ref);
    for (const file of v.files) {
      if (file.format === null) continue;
      const options = v.file_options.get(file.path) ?? undefined;
      if (file.format === 'parquet') {
        const dir = await mkdtemp(join(tmpdir(), 'puente-parquet-'));
        try {
          const path = join(dir, 'data.parquet');
          const sink = createWriteStream(path);
          for await (const chunk of await this.openBlob(file.digest)) if (!sink.write(chunk)) await once(sink, 'drain');
          sink.end();
          await once(sink, 'finish');
          yield* readRecords({ file: file.path, format: 'parquet', path });
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      } else {
        yield* readRecords({ file: file.path, format: file.format, stream: () => this.openBlob(file.digest), csv: options as CsvOptions | undefined, schema: v.schema });
      }
    }
  }

  /** Writes a version's table as one Parquet file at `path` (read and written a row group at a time). */
  async exportParquet(name: string, ref: string | number, path: string): Promise<void> {
    const v = await this.getVersion(name, ref);
    const records = this.records(name, ref);
    await writeParquet(path, v.schema, (async function* () {
      for await (const batch of records) for (const row of batch.rows) yield Object.fromEntries(batch.columns.map((c, i) => [c, row[i]]));
    })());
  }

  // ---- diff ----------------------------------------------------------------------------------

  /** Schema changes, row counts and per-column shift from one version to another; with `key`, rows added, removed and changed. */
  async diff(from: { name: string; ref: string | number }, to: { name: string; ref: string | number }, key?: string): Promise<DatasetDiff> {
    const a = await this.getVersion(from.name, from.ref);
    const b = await this.getVersion(to.name, to.ref);
    const diff = diffVersions({ version: a, sketch: await this.sketchOf(a.name, a.version) }, { version: b, sketch: await this.sketchOf(b.name, b.version) });
    if (key === undefined || key === '') return diff;
    for (const v of [a, b]) if (!v.schema.columns.some((c) => c.name === key)) throw new InvalidParameterError(`${v.name}@${v.version} has no column '${key}' to match rows by.`, 'key');
    const common = a.schema.columns.map((c) => c.name).filter((n) => b.schema.columns.some((c) => c.name === n));
    return { ...diff, rows: await keyedRowDiff(key, this.records(a.name, a.version), this.records(b.name, b.version), common) };
  }

  // ---- validation ----------------------------------------------------------------------------

  /** Runs a suite on a version and stores the result with it. */
  async validate(name: string, ref: string | number, suiteInput: unknown, options: { creator?: string | null; failingRows?: number } = {}): Promise<ValidationResult & { validation_id: number }> {
    const suite: ExpectationSuite = checkSuite(suiteInput);
    const v = await this.getVersion(name, ref);
    const result = await validateBatches(suite, this.records(name, v.version), {
      schema: v.schema,
      dataset: { name, version: v.version, digest: v.digest },
      failingRows: options.failingRows,
      reference: async (text) => {
        try {
          const r = parseDatasetRef(text);
          return await this.sketchOf(r.name, r.ref);
        } catch (err) {
          if (err instanceof NotFoundError || err instanceof InvalidParameterError) return null;
          throw err;
        }
      },
    });
    const id = await this.#repo.insertValidation({ name, version: v.version, result, creator: options.creator ?? null, now: this.#now() });
    return { ...result, validation_id: id };
  }

  async listValidations(name: string, ref?: string | number): Promise<ValidationRecord[]> {
    await this.getDataset(name);
    return this.#repo.listValidations(name, ref === undefined ? undefined : await this.resolveVersion(name, ref));
  }

  async getValidation(name: string, id: number): Promise<ValidationRecord & { result: ValidationResult }> {
    const found = await this.#repo.getValidation(name, id);
    if (!found) throw new NotFoundError(`Dataset '${name}' has no validation ${id}.`, 'validation');
    return found;
  }

  /** A suite drafted from a version's profile. */
  async suggest(name: string, ref: string | number): Promise<ExpectationSuite> {
    return suggestSuite(await this.getVersion(name, ref));
  }

  // ---- transfer between servers --------------------------------------------------------------

  /** Whether content is here, and how many bytes of an unfinished transfer of it are. */
  async blobStatus(digest: string): Promise<{ digest: string; present: boolean; received: number; size?: number }> {
    const clean = checkDigest(digest);
    const blob = await this.#repo.getBlob(clean);
    if (blob) return { digest: clean, present: true, received: blob.size, size: blob.size };
    return { digest: clean, present: false, received: (await this.#transferParts(clean)).reduce((s, p) => s + p.size, 0) };
  }

  async #transferParts(digest: string): Promise<BlobPart[]> {
    const dir = `${PREFIX}/transfers/${digest}`;
    const entries = (await this.#store.list(dir)).filter((e) => !e.isDir && /^\d{16}$/.test(e.name));
    // Parts are named by their offset; only a gapless run from 0 counts.
    const parts: BlobPart[] = [];
    let offset = 0;
    for (const e of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (Number(e.name) !== offset) break;
      parts.push({ key: `${dir}/${e.name}`, size: e.size ?? 0 });
      offset += e.size ?? 0;
    }
    return parts;
  }

  /**
   * Receives bytes of a content from `offset` on (resumable: a broken transfer continues where
   * the received parts end). When `total` bytes are in, they are hashed; content whose sha256 is
   * not `digest` is refused and dropped.
   */
  async putBlobPart(digest: string, offset: number, total: number, body: AsyncIterable<Buffer>): Promise<{ digest: string; received: number; complete: boolean }> {
    const clean = checkDigest(digest);
    if (!Number.isSafeInteger(offset) || offset < 0 || !Number.isSafeInteger(total) || total < 0) throw new InvalidParameterError('offset and total must be byte counts.', 'offset');
    if (await this.#repo.getBlob(clean)) {
      for await (const _chunk of body) {
        // Already here: drain what was sent.
      }
      return { digest: clean, received: total, complete: true };
    }
    const parts = await this.#transferParts(clean);
    const have = parts.reduce((s, p) => s + p.size, 0);
    if (offset !== have) {
      for await (const _chunk of body) {
        // Drain before answering, so the client reads the answer.
      }
      throw new ConflictError(`This server has ${have} bytes of sha256 ${clean}; send from offset ${have}.`);
    }
    const key = `${PREFIX}/transfers/${clean}/${String(offset).padStart(16, '0')}`;
    let received = 0;
    const counted = Readable.from((async function* () {
      for await (const chunk of body) {
        received += chunk.length;
        if (offset + received > total) throw new InvalidParameterError(`More than the announced ${total} bytes were sent.`, 'total');
        yield chunk;
      }
    })());
    if (offset < total || total === 0) {
      await this.#store.put(key, counted).catch(async (err) => {
        await this.#store.delete(key).catch(() => undefined);
        throw err;
      });
    }
    const now = have + received;
    if (now < total) return { digest: clean, received: now, complete: false };
    const all = await this.#transferParts(clean);
    const hash = createHash('sha256');
    for (const p of all) for await (const chunk of (await this.#store.get(p.key)).stream) hash.update(chunk as Buffer);
    const actual = hash.digest('hex');
    if (actual !== clean) {
      await this.#store.delete(`${PREFIX}/transfers/${clean}`);
      throw new InvalidParameterError(`The bytes received hash to sha256 ${actual}, not ${clean}: the transfer was dropped; send it again.`, 'digest');
    }
    await this.#repo.transaction((trx) => this.#repo.insertBlobIfAbsent(clean, total, all, this.#now(), trx));
    return { digest: clean, received: total, complete: true };
  }

  /** Whether a content belongs to a version of this dataset (reading it needs that). */
  async datasetHoldsBlob(name: string, digest: string): Promise<boolean> {
    return this.#repo.isDigestOfDataset(name, checkDigest(digest));
  }

  /**
   * Registers a version sent by another server once all its content is here (and hashed). The
   * statistics are computed again from the bytes here, not taken from the sender.
   */
  async importVersion(name: string, input: VersionImport, creator: string | null): Promise<CommitResult> {
    await this.getDataset(name);
    if (!Array.isArray(input.files) || input.files.length === 0) throw new InvalidParameterError('An imported version needs its files.', 'files');
    const schema = checkSchema(input.schema);
    const files = input.files.map((f) => ({ ...f, path: checkPath(f.path), digest: checkDigest(f.digest) }));
    const digest = versionDigest(files);
    if (digest !== input.digest) throw new InvalidParameterError(`The files listed hash to version digest ${digest}, not ${input.digest}.`, 'digest');
    const missing: string[] = [];
    const withParts = [];
    for (const f of files) {
      const blob = await this.#repo.getBlob(f.digest);
      if (!blob) missing.push(f.digest);
      else withParts.push({ ...f, size: blob.size, options: f.options ?? null, parts: blob.parts });
    }
    if (missing.length > 0) throw new InvalidParameterError(`Content not received yet: sha256 ${missing.join(', ')}. Send it first (PUT .../blobs/{digest}).`, 'files');
    const existing = await this.#repo.versionByDigest(name, digest);
    if (existing !== null) return { version: await this.getVersion(name, existing), created: false };
    let sketch: DatasetSketch | null = null;
    for (const f of withParts) {
      if (f.format === null) continue;
      const stored: IngestedFile = { path: f.path, digest: f.digest, size: f.size, format: f.format, row_count: f.row_count, object: f.parts[0]!.key, sketch: null, ...(f.options ? { csv: f.options as never } : {}) };
      const columns = schema.columns;
      const s = f.parts.length === 1 ? await reprofileStored(this.#store, stored, { columns }) : await this.#reprofileParts(f, { columns });
      sketch = sketch === null ? s : mergeSketches(sketch, s);
    }
    return this.#register(name, {
      files: withParts.map((f) => ({ path: f.path, digest: f.digest, size: f.size, format: f.format, row_count: f.row_count, options: f.options, parts: f.parts })),
      sketch: sketch ?? { row_count: 0, columns: [] },
      schema,
      message: input.message ?? '',
      source: input.source ?? 'import',
      creator: input.creator ?? creator,
      creation_time: input.creation_timestamp ?? this.#now(),
      parentDigest: input.parent_digest ?? null,
    });
  }

  /** Profiles content stored in several parts (a resumed transfer) by streaming them in order. */
  async #reprofileParts(f: { path: string; digest: string; format: DataFormat | null; options: Record<string, unknown> | null }, schema: DatasetSchema): Promise<DatasetSketch> {
    if (f.format === 'parquet') {
      const dir = await mkdtemp(join(tmpdir(), 'puente-parquet-'));
      try {
        const path = join(dir, 'data.parquet');
        const sink = createWriteStream(path);
        for await (const chunk of await this.openBlob(f.digest)) if (!sink.write(chunk)) await once(sink, 'drain');
        sink.end();
        await once(sink, 'finish');
        return await profileParquet(path, f.path, schema);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }
    return profileStream((await this.openBlob(f.digest)) as AsyncIterable<Buffer>, f.format as 'csv' | 'jsonl', f.path, (f.options ?? undefined) as CsvOptions | undefined, schema);
  }

  async #readText(key: string): Promise<string | null> {
    if ((await this.#store.stat(key)) === null) return null;
    const { stream } = await this.#store.get(key);
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
}

function checkDigest(digest: string): string {
  const clean = String(digest).replace(/^sha256:/, '').toLowerCase();
  if (!DIGEST.test(clean)) throw new InvalidParameterError(`'${digest}' is not a sha256 digest (64 hex digits).`, 'digest');
  return clean;
}

function stripInternal(v: DatasetVersion & { sketch_key?: unknown; file_options?: unknown }): DatasetVersion {
  const { sketch_key: _k, file_options: _o, ...rest } = v;
  return rest;
}
