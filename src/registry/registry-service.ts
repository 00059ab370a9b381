import type { PuenteDb } from '../db/index.js';
import { AlreadyExistsError, InvalidParameterError, NotFoundError, missingParameter } from '../errors/index.js';
import {
  MODEL_VERSION_SEARCH,
  REGISTERED_MODEL_SEARCH,
  parseFilter,
  parseOrderBy,
  decodePageToken,
  encodePageToken,
} from '../search-filter/index.js';
import type { LoggedModel, Page, Run, Tag } from '../tracking/index.js';
import { RegistryRepo, type NewVersionRow } from './registry-repo.js';
import { STAGES, type Lineage, type ModelVersion, type RegisteredModel, type Stage } from './types.js';

/** The tracking calls the registry needs; TrackingService satisfies it. */
export interface TrackingLookup {
  getRun(runId: string): Promise<Run>;
  getLoggedModel(modelId: string): Promise<LoggedModel>;
  setLoggedModelTags(modelId: string, tags: Tag[]): Promise<LoggedModel>;
}

/** Collaborators of the registry service. */
export interface RegistryServiceDeps {
  readonly db: PuenteDb;
  readonly tracking: TrackingLookup;
  /** Clock, settable by tests. */
  readonly now?: () => number;
}

export interface CreateModelVersionInput {
  readonly source: string;
  readonly run_id?: string;
  readonly run_link?: string;
  readonly description?: string;
  readonly tags?: Tag[];
  readonly model_id?: string;
  readonly user_id?: string;
}

export interface SearchInput {
  readonly filter?: string;
  readonly order_by?: string[];
  readonly max_results?: number;
  readonly page_token?: string;
}

const NAME_MAX = 256;
const TAG_KEY_MAX = 250;
const TAG_VALUE_MAX = 100_000;
const ALIAS_MAX = 255;
/** The tag through which a logged model lists the versions registered from it. */
const MODEL_VERSIONS_TAG = 'mlflow.modelVersions';

/** Registered models, versions, aliases, tags, stages and lineage. */
export class RegistryService {
  readonly #repo: RegistryRepo;
  readonly #tracking: TrackingLookup;
  readonly #now: () => number;

  constructor(deps: RegistryServiceDeps) {
    this.#repo = new RegistryRepo(deps.db);
    this.#tracking = deps.tracking;
    this.#now = deps.now ?? Date.now;
  }

  // ---- registered models -------------------------------------------------------------------

  /** Creates a registered model; an existing name is RESOURCE_ALREADY_EXISTS. */
  async createRegisteredModel(name: string, options: { description?: string; tags?: Tag[]; user_id?: string } = {}): Promise<RegisteredModel> {
    checkName(name);
    const tags = (options.tags ?? []).map(checkTag);
    await this.#repo.transaction(async (trx) => {
      if (await this.#repo.modelExists(name, trx)) throw new AlreadyExistsError(`Registered Model (name=${name}) already exists.`);
      await this.#repo.insertModel({ name, description: options.description ?? null, user_id: options.user_id ?? null, now: this.#now() }, tags, trx);
    }).catch((err) => rethrowDuplicate(err, `Registered Model (name=${name}) already exists.`));
    return this.getRegisteredModel(name);
  }

  async getRegisteredModel(name: string): Promise<RegisteredModel> {
    checkName(name);
    const [model] = await this.#repo.loadModels([name]);
    if (!model) throw modelNotFound(name);
    return model;
  }

  /** Renames a model; its versions, tags and aliases follow. */
  async renameRegisteredModel(name: string, newName: string): Promise<RegisteredModel> {
    checkName(name);
    checkName(newName, 'new_name');
    await this.#repo.transaction(async (trx) => {
      if (!(await this.#repo.modelExists(name, trx))) throw modelNotFound(name);
      if (name !== newName && (await this.#repo.modelExists(newName, trx))) {
        throw new AlreadyExistsError(`Registered Model (name=${newName}) already exists.`);
      }
      await this.#repo.updateModel(name, { name: newName }, this.#now(), trx);
    }).catch((err) => rethrowDuplicate(err, `Registered Model (name=${newName}) already exists.`));
    return this.getRegisteredModel(newName);
  }

  async updateRegisteredModel(name: string, description: string | undefined): Promise<RegisteredModel> {
    await this.getRegisteredModel(name);
    if (description !== undefined) await this.#repo.updateModel(name, { description }, this.#now());
    return this.getRegisteredModel(name);
  }

  /** Deletes a model with all its versions, tags and aliases. */
  async deleteRegisteredModel(name: string): Promise<void> {
    await this.getRegisteredModel(name);
    await this.#repo.deleteModel(name);
  }

  /** `visibleNames`: only these models may appear (the caller's grants); null: all. */
  async searchRegisteredModels(input: SearchInput = {}, visibleNames: readonly string[] | null = null): Promise<Page<RegisteredModel>> {
    const clauses = parseFilter(input.filter, REGISTERED_MODEL_SEARCH);
    const order = parseOrderBy(input.order_by, REGISTERED_MODEL_SEARCH);
    const limit = checkMaxResults(input.max_results, 100, 1000);
    const offset = decodePageToken(input.page_token);
    const names = visibleNames?.length === 0 ? [] : await this.#repo.searchModels(clauses, order, offset, limit + 1, visibleNames);
    const items = await this.#repo.loadModels(names.slice(0, limit));
    return names.length > limit ? { items, next_page_token: encodePageToken(offset + limit) } : { items };
  }

  async setRegisteredModelTag(name: string, tag: Tag): Promise<void> {
    const checked = checkTag(tag);
    await this.getRegisteredModel(name);
    await this.#repo.setModelTag(name, checked);
  }

  async deleteRegisteredModelTag(name: string, key: string): Promise<void> {
    await this.getRegisteredModel(name);
    if ((await this.#repo.deleteModelTag(name, key)) === 0) {
      throw new NotFoundError(`No tag with key '${key}' on registered model '${name}'.`, 'tag');
    }
  }

  /** Latest version per stage, limited to `stages` when given. */
  async getLatestVersions(name: string, stages: string[] = []): Promise<ModelVersion[]> {
    const model = await this.getRegisteredModel(name);
    const wanted = stages.map((s) => canonicalStage(s));
    return model.latest_versions.filter((v) => wanted.length === 0 || wanted.includes(v.current_stage));
  }

  // ---- model versions ------------------------------------------------------------------------

  /**
   * Registers a new version from a source: `runs:/<run>/<path>`, `models:/<logged model id>`,
   * `models:/<name>/<version>`, or any remote artifact URI.
   */
  async createModelVersion(name: string, input: CreateModelVersionInput): Promise<ModelVersion> {
    checkName(name);
    if (typeof input.source !== 'string' || input.source === '') throw missingParameter('source');
    const tags = (input.tags ?? []).map(checkTag);
    const resolved = await this.#resolveSource(input.source, input.run_id, input.model_id);
    const row: NewVersionRow = {
      name,
      source: input.source,
      storage_location: resolved.storage_location,
      run_id: resolved.run_id ?? null,
      run_link: input.run_link ?? null,
      description: input.description ?? null,
      user_id: input.user_id ?? null,
      model_id: resolved.model_id ?? null,
      tags,
    };
    const version = await this.#repo.transaction(async (trx) => {
      if (!(await this.#repo.modelExists(name, trx))) throw modelNotFound(name);
      const next = await this.#repo.nextVersion(name, trx);
      const now = this.#now();
      await this.#repo.insertVersion(row, next, now, trx);
      await this.#repo.touchModel(name, now, trx);
      return next;
    });
    if (resolved.model_id !== undefined) await this.#recordRegistration(resolved.model_id, name, version);
    return this.getModelVersion(name, version);
  }

  async getModelVersion(name: string, version: number | string): Promise<ModelVersion> {
    checkName(name);
    const number = parseVersion(version);
    const [found] = await this.#repo.loadVersions([{ name, version: number }]);
    if (!found) throw versionNotFound(name, number);
    return found;
  }

  async updateModelVersion(name: string, version: number | string, description: string | undefined): Promise<ModelVersion> {
    const v = await this.getModelVersion(name, version);
    if (description !== undefined) await this.#repo.updateVersion(name, v.version, { description }, this.#now());
    return this.getModelVersion(name, v.version);
  }

  async deleteModelVersion(name: string, version: number | string): Promise<void> {
    const v = await this.getModelVersion(name, version);
    await this.#repo.transaction(async (trx) => {
      await this.#repo.deleteVersion(name, v.version, trx);
      await this.#repo.touchModel(name, this.#now(), trx);
    });
  }

  /** Moves a version to a stage; optionally archives the other versions in that stage. */
  async transitionStage(name: string, version: number | string, stage: string, archiveExisting: boolean): Promise<ModelVersion> {
    const target = canonicalStage(stage);
    const v = await this.getModelVersion(name, version);
    await this.#repo.transaction(async (trx) => {
      const now = this.#now();
      await this.#repo.updateVersion(name, v.version, { current_stage: target }, now, trx);
      if (archiveExisting && (target === 'Staging' || target === 'Production')) {
        await this.#repo.archiveOthers(name, v.version, target, now, trx);
      }
      await this.#repo.touchModel(name, now, trx);
    });
    return this.getModelVersion(name, v.version);
  }

  /** Where a version's files are. */
  async getDownloadUri(name: string, version: number | string): Promise<string> {
    return (await this.getModelVersion(name, version)).storage_location;
  }

  /** `visibleNames`: only versions of these models may appear (the caller's grants); null: all. */
  async searchModelVersions(input: SearchInput = {}, visibleNames: readonly string[] | null = null): Promise<Page<ModelVersion>> {
    const clauses = parseFilter(input.filter, MODEL_VERSION_SEARCH);
    const order = parseOrderBy(input.order_by, MODEL_VERSION_SEARCH);
    const limit = checkMaxResults(input.max_results, 10_000, 200_000);
    const offset = decodePageToken(input.page_token);
    const keys = visibleNames?.length === 0 ? [] : await this.#repo.searchVersions(clauses, order, offset, limit + 1, undefined, visibleNames);
    const items = await this.#repo.loadVersions(keys.slice(0, limit));
    return keys.length > limit ? { items, next_page_token: encodePageToken(offset + limit) } : { items };
  }

  /** The versions of one model, newest first. */
  async listModelVersions(name: string, input: Pick<SearchInput, 'max_results' | 'page_token'> = {}): Promise<Page<ModelVersion>> {
    await this.getRegisteredModel(name);
    const limit = checkMaxResults(input.max_results, 10_000, 200_000);
    const offset = decodePageToken(input.page_token);
    const clauses = [{ entity: 'attribute' as const, key: 'name', comparator: '=' as const, value: name }];
    const keys = await this.#repo.searchVersions(clauses, [{ entity: 'attribute', key: 'version_number', ascending: false }], offset, limit + 1);
    const items = await this.#repo.loadVersions(keys.slice(0, limit));
    return keys.length > limit ? { items, next_page_token: encodePageToken(offset + limit) } : { items };
  }

  async setModelVersionTag(name: string, version: number | string, tag: Tag): Promise<void> {
    const checked = checkTag(tag);
    const v = await this.getModelVersion(name, version);
    await this.#repo.setVersionTag(name, v.version, checked);
  }

  async deleteModelVersionTag(name: string, version: number | string, key: string): Promise<void> {
    const v = await this.getModelVersion(name, version);
    if ((await this.#repo.deleteVersionTag(name, v.version, key)) === 0) {
      throw new NotFoundError(`No tag with key '${key}' on model '${name}' version ${v.version}.`, 'tag');
    }
  }

  // ---- aliases ---------------------------------------------------------------------------------

  /** Points an alias at a version, moving it if it pointed elsewhere. */
  async setAlias(name: string, alias: string, version: number | string): Promise<void> {
    checkAlias(alias);
    const v = await this.getModelVersion(name, version);
    await this.#repo.setAlias(name, alias, v.version);
  }

  async deleteAlias(name: string, alias: string): Promise<void> {
    checkAlias(alias);
    await this.getRegisteredModel(name);
    await this.#repo.deleteAlias(name, alias);
  }

  /** The version an alias points to; `latest` is the newest version. Unknown aliases are 400, as in MLflow. */
  async getVersionByAlias(name: string, alias: string): Promise<ModelVersion> {
    await this.getRegisteredModel(name);
    const version = alias === 'latest' ? await this.#repo.latestVersionNumber(name) : await this.#repo.aliasVersion(name, alias);
    if (version === undefined) {
      throw new InvalidParameterError(`Registered model alias ${alias} not found for model '${name}'.`, 'alias');
    }
    return this.getModelVersion(name, version);
  }

  /** A version by number (`3`) or alias (`@champion`, or a bare alias that is not a number). */
  async resolveVersion(name: string, ref: string): Promise<ModelVersion> {
    if (ref.startsWith('@')) return this.getVersionByAlias(name, ref.slice(1));
    if (/^\d+$/.test(ref)) return this.getModelVersion(name, ref);
    return this.getVersionByAlias(name, ref);
  }

  /** Model version → the run that produced it → that run's dataset inputs. */
  async getLineage(name: string, ref: string): Promise<Lineage> {
    const version = await this.resolveVersion(name, ref);
    let run: Run | null = null;
    if (version.run_id) {
      run = await this.#tracking.getRun(version.run_id).catch((err: unknown) => {
        if (err instanceof NotFoundError) return null;
        throw err;
      });
    }
    return { model_version: version, run, datasets: run ? run.inputs.dataset_inputs : [] };
  }

  // ---- internals -------------------------------------------------------------------------------

  async #resolveSource(source: string, runId: string | undefined, modelId: string | undefined): Promise<{ storage_location: string; run_id?: string; model_id?: string }> {
    if (hasTraversal(source)) {
      throw new InvalidParameterError(`Invalid model version source '${source}': '..' path segments are not allowed.`, 'source');
    }
    const runs = /^runs:\/([^/]+)(?:\/(.*))?$/.exec(source);
    if (runs) {
      const run = await this.#tracking.getRun(runs[1]);
      const path = (runs[2] ?? '').replace(/^\/+|\/+$/g, '');
      return { storage_location: path ? `${run.info.artifact_uri}/${path}` : run.info.artifact_uri, run_id: run.info.run_id, model_id: modelId };
    }
    const loggedModel = /^models:\/(m-[0-9a-f]+)\/?$/.exec(source);
    if (loggedModel || (modelId && source.startsWith('models:/'))) {
      const model = await this.#tracking.getLoggedModel(loggedModel?.[1] ?? modelId!);
      return { storage_location: model.info.artifact_uri, run_id: runId ?? model.info.source_run_id, model_id: model.info.model_id };
    }
    const registered = /^models:\/([^/@]+)(?:\/([^/]+)|@(.+))$/.exec(source);
    if (registered) {
      const from = registered[3] !== undefined
        ? await this.getVersionByAlias(registered[1], registered[3])
        : await this.resolveVersion(registered[1], registered[2]);
      return { storage_location: from.storage_location, run_id: runId ?? from.run_id ?? undefined, model_id: modelId ?? from.model_id ?? undefined };
    }
    if (source.startsWith('/') || source.startsWith('file:') || /^[A-Za-z]:[\\/]/.test(source) || !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(source)) {
      throw new InvalidParameterError(
        `Invalid model version source '${source}': local paths are not allowed; log the model to a run and use runs:/<run_id>/<path> or its mlflow-artifacts:/ location.`,
        'source',
      );
    }
    if (runId !== undefined) await this.#tracking.getRun(runId);
    return { storage_location: source, run_id: runId, model_id: modelId };
  }

  async #recordRegistration(modelId: string, name: string, version: number): Promise<void> {
    const model = await this.#tracking.getLoggedModel(modelId);
    const current = model.info.tags.find((t) => t.key === MODEL_VERSIONS_TAG)?.value;
    let list: { name: string; version: string | number }[] = [];
    try {
      const parsed: unknown = current ? JSON.parse(current) : [];
      if (Array.isArray(parsed)) list = parsed as typeof list;
    } catch {
      list = [];
    }
    if (!list.some((r) => r?.name === name && String(r?.version) === String(version))) list.push({ name, version });
    // Written as MLflow's server writes it (Python's json.dumps spacing, integer versions).
    const value = `[${list.map((r) => `{"name": ${JSON.stringify(r.name)}, "version": ${JSON.stringify(r.version)}}`).join(', ')}]`;
    await this.#tracking.setLoggedModelTags(modelId, [{ key: MODEL_VERSIONS_TAG, value }]);
  }
}

function checkName(name: unknown, field = 'name'): asserts name is string {
  if (name === undefined || name === null || name === '') throw missingParameter(field);
  if (typeof name !== 'string') throw new InvalidParameterError(`Invalid value for parameter '${field}': expected a string.`, field);
  if (name.length > NAME_MAX) throw new InvalidParameterError(`Registered model name exceeds the maximum length of ${NAME_MAX} characters.`, field);
}

function checkTag(tag: Tag): Tag {
  if (!tag || typeof tag !== 'object') throw new InvalidParameterError('Invalid tag: expected an object with key and value.', 'tags');
  if (typeof tag.key !== 'string' || tag.key === '') throw missingParameter('key');
  if (tag.key.length > TAG_KEY_MAX) throw new InvalidParameterError(`Tag key '${tag.key.slice(0, 40)}…' exceeds ${TAG_KEY_MAX} characters.`, 'key');
  const value = tag.value === undefined || tag.value === null ? '' : tag.value;
  if (typeof value !== 'string') throw new InvalidParameterError(`Invalid value for tag '${tag.key}': expected a string.`, 'value');
  if (value.length > TAG_VALUE_MAX) throw new InvalidParameterError(`Value of tag '${tag.key}' exceeds ${TAG_VALUE_MAX} characters.`, 'value');
  return { key: tag.key, value };
}

function checkAlias(alias: unknown): asserts alias is string {
  if (alias === undefined || alias === null || alias === '') throw missingParameter('alias');
  if (typeof alias !== 'string' || !/^[A-Za-z0-9_-]+$/.test(alias) || alias.length > ALIAS_MAX) {
    throw new InvalidParameterError(`Invalid alias '${String(alias)}': use up to ${ALIAS_MAX} letters, digits, '_' or '-'.`, 'alias');
  }
  if (alias.toLowerCase() === 'latest' || /^v\d+$/i.test(alias)) {
    throw new InvalidParameterError(`Alias '${alias}' is reserved ('latest' and 'v<number>' name versions already).`, 'alias');
  }
}

function parseVersion(version: number | string): number {
  const n = typeof version === 'number' ? version : /^\d+$/.test(String(version)) ? Number(version) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) {
    throw new InvalidParameterError(`Invalid model version '${String(version)}': expected a positive integer.`, 'version');
  }
  return n;
}

function canonicalStage(stage: string): Stage {
  const found = STAGES.find((s) => s.toLowerCase() === String(stage).toLowerCase());
  if (!found) throw new InvalidParameterError(`Invalid stage '${stage}': use one of ${STAGES.join(', ')}.`, 'stage');
  return found;
}

function checkMaxResults(value: number | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1 || value > max) {
    throw new InvalidParameterError(`Invalid value ${value} for parameter 'max_results': it must be between 1 and ${max}.`, 'max_results');
  }
  return value;
}

function hasTraversal(source: string): boolean {
  let decoded = source;
  try {
    decoded = decodeURIComponent(source);
  } catch {
    return true;
  }
  return decoded.split(/[/\\]/).some((part) => part === '..');
}

function modelNotFound(name: string): NotFoundError {
  return new NotFoundError(`Registered Model with name=${name} not found`, 'registered_model');
}

function versionNotFound(name: string, version: number): NotFoundError {
  return new NotFoundError(`Model Version (name=${name}, version=${version}) not found`, 'model_version');
}

// A concurrent create of the same name loses at the unique index: report it as a duplicate.
function rethrowDuplicate(err: unknown, message: string): never {
  const text = String((err as Error)?.message ?? '');
  if (/UNIQUE constraint failed|duplicate key value/.test(text)) throw new AlreadyExistsError(message);
  throw err;
}
