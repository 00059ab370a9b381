import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppServices } from '../services.js';
import type { ModelVersion, RegisteredModel } from '../../registry/index.js';
import type { Tag } from '../../tracking/index.js';
import {
  bodyObject,
  listField,
  optionalString,
  parseOptionalBool,
  parseOptionalInt,
  queryList,
  queryValue,
  requireJsonContentType,
  requireString,
} from './wire.js';
import { visibleModels } from '../access/index.js';

/**
 * A model version as MLflow's JSON has it: version as a string, empty lists and unset fields
 * left out. MLflow lists aliases only where a version is fetched by itself, not in searches or
 * a model's latest versions.
 */
export function toWireModelVersion(v: ModelVersion, withAliases = true): Record<string, unknown> {
  return {
    name: v.name,
    version: String(v.version),
    creation_timestamp: v.creation_timestamp,
    last_updated_timestamp: v.last_updated_timestamp,
    ...(v.user_id ? { user_id: v.user_id } : {}),
    current_stage: v.current_stage,
    description: v.description ?? '',
    source: v.source,
    ...(v.run_id ? { run_id: v.run_id } : {}),
    run_link: v.run_link ?? '',
    status: v.status,
    ...(v.status_message ? { status_message: v.status_message } : {}),
    ...(v.tags.length > 0 ? { tags: v.tags } : {}),
    ...(withAliases && v.aliases.length > 0 ? { aliases: v.aliases } : {}),
    ...(v.model_id ? { model_id: v.model_id } : {}),
  };
}

/** A registered model as MLflow's JSON has it. */
export function toWireRegisteredModel(m: RegisteredModel): Record<string, unknown> {
  return {
    name: m.name,
    creation_timestamp: m.creation_timestamp,
    last_updated_timestamp: m.last_updated_timestamp,
    ...(m.user_id ? { user_id: m.user_id } : {}),
    ...(m.description !== null ? { description: m.description } : {}),
    ...(m.latest_versions.length > 0 ? { latest_versions: m.latest_versions.map((v) => toWireModelVersion(v, false)) } : {}),
    ...(m.tags.length > 0 ? { tags: m.tags } : {}),
    ...(m.aliases.length > 0 ? { aliases: m.aliases.map((a) => ({ alias: a.alias, version: String(a.version) })) } : {}),
  };
}

/** GET requests carry their fields in the query string, the others in a JSON body. */
function fields(request: FastifyRequest): Record<string, unknown> {
  return request.method === 'GET' ? ((request.query ?? {}) as Record<string, unknown>) : bodyObject(request.body);
}

function field(request: FastifyRequest, name: string): unknown {
  return request.method === 'GET' ? queryValue(request.query, name) : fields(request)[name];
}

function tagsOf(value: unknown): Tag[] {
  return listField<Tag>(value, 'tags');
}

/** Version numbers arrive as strings (or numbers from some clients). */
function versionOf(value: unknown): string {
  if (typeof value === 'number') return String(value);
  return requireString(value, 'version');
}

/** MLflow-compatible registry endpoints (`registered-models/...`, `model-versions/...`). */
export const registryRoutes: FastifyPluginAsync<{ services: AppServices }> = async (app, { services }) => {
  const registry = services.registry;
  requireJsonContentType(app);

  app.post('/registered-models/create', async (request) => {
    const body = bodyObject(request.body);
    const model = await registry.createRegisteredModel(requireString(body.name, 'name'), {
      description: optionalString(body.description, 'description'),
      tags: tagsOf(body.tags),
    });
    return { registered_model: toWireRegisteredModel(model) };
  });

  app.get('/registered-models/get', async (request) => ({
    registered_model: toWireRegisteredModel(await registry.getRegisteredModel(requireString(field(request, 'name'), 'name'))),
  }));

  app.post('/registered-models/rename', async (request) => {
    const body = bodyObject(request.body);
    const model = await registry.renameRegisteredModel(requireString(body.name, 'name'), requireString(body.new_name, 'new_name'));
    return { registered_model: toWireRegisteredModel(model) };
  });

  app.patch('/registered-models/update', async (request) => {
    const body = bodyObject(request.body);
    const model = await registry.updateRegisteredModel(requireString(body.name, 'name'), optionalString(body.description, 'description'));
    return { registered_model: toWireRegisteredModel(model) };
  });

  app.delete('/registered-models/delete', async (request) => {
    await registry.deleteRegisteredModel(requireString(bodyObject(request.body).name, 'name'));
    return {};
  });

  app.get('/registered-models/search', async (request) => {
    const page = await registry.searchRegisteredModels({
      filter: queryValue(request.query, 'filter'),
      order_by: queryList((request.query as Record<string, unknown>)?.order_by),
      max_results: parseOptionalInt(queryValue(request.query, 'max_results'), 'max_results'),
      page_token: queryValue(request.query, 'page_token'),
    }, visibleModels(request));
    return {
      registered_models: page.items.map(toWireRegisteredModel),
      ...(page.next_page_token ? { next_page_token: page.next_page_token } : {}),
    };
  });

  const latestVersions = async (request: FastifyRequest) => {
    const stages = request.method === 'GET' ? queryList((request.query as Record<string, unknown>)?.stages) : listField<string>(fields(request).stages, 'stages');
    const versions = await registry.getLatestVersions(requireString(field(request, 'name'), 'name'), stages.map(String));
    return { model_versions: versions.map((v) => toWireModelVersion(v)) };
  };
  app.post('/registered-models/get-latest-versions', latestVersions);
  app.get('/registered-models/get-latest-versions', latestVersions);

  app.post('/registered-models/set-tag', async (request) => {
    const body = bodyObject(request.body);
    await registry.setRegisteredModelTag(requireString(body.name, 'name'), { key: requireString(body.key, 'key'), value: (body.value ?? '') as string });
    return {};
  });

  app.delete('/registered-models/delete-tag', async (request) => {
    const body = bodyObject(request.body);
    await registry.deleteRegisteredModelTag(requireString(body.name, 'name'), requireString(body.key, 'key'));
    return {};
  });

  app.post('/registered-models/alias', async (request) => {
    const body = bodyObject(request.body);
    await registry.setAlias(requireString(body.name, 'name'), requireString(body.alias, 'alias'), versionOf(body.version));
    return {};
  });

  app.delete('/registered-models/alias', async (request) => {
    const body = { ...((request.query ?? {}) as Record<string, unknown>), ...bodyObject(request.body) };
    await registry.deleteAlias(requireString(body.name, 'name'), requireString(body.alias, 'alias'));
    return {};
  });

  app.get('/registered-models/alias', async (request) => {
    const version = await registry.getVersionByAlias(requireString(field(request, 'name'), 'name'), requireString(field(request, 'alias'), 'alias'));
    return { model_version: toWireModelVersion(version) };
  });

  app.post('/model-versions/create', async (request) => {
    const body = bodyObject(request.body);
    const version = await registry.createModelVersion(requireString(body.name, 'name'), {
      source: requireString(body.source, 'source'),
      run_id: optionalString(body.run_id, 'run_id') || undefined,
      run_link: optionalString(body.run_link, 'run_link') || undefined,
      description: optionalString(body.description, 'description'),
      tags: tagsOf(body.tags),
      model_id: optionalString(body.model_id, 'model_id') || undefined,
    });
    return { model_version: toWireModelVersion(version) };
  });

  app.get('/model-versions/get', async (request) => ({
    model_version: toWireModelVersion(
      await registry.getModelVersion(requireString(field(request, 'name'), 'name'), versionOf(field(request, 'version'))),
    ),
  }));

  app.patch('/model-versions/update', async (request) => {
    const body = bodyObject(request.body);
    const version = await registry.updateModelVersion(requireString(body.name, 'name'), versionOf(body.version), optionalString(body.description, 'description'));
    return { model_version: toWireModelVersion(version) };
  });

  app.post('/model-versions/transition-stage', async (request) => {
    const body = bodyObject(request.body);
    const version = await registry.transitionStage(
      requireString(body.name, 'name'),
      versionOf(body.version),
      requireString(body.stage, 'stage'),
      parseOptionalBool(body.archive_existing_versions, 'archive_existing_versions') ?? false,
    );
    return { model_version: toWireModelVersion(version) };
  });

  app.delete('/model-versions/delete', async (request) => {
    const body = bodyObject(request.body);
    await registry.deleteModelVersion(requireString(body.name, 'name'), versionOf(body.version));
    return {};
  });

  app.get('/model-versions/search', async (request) => {
    const page = await registry.searchModelVersions({
      filter: queryValue(request.query, 'filter'),
      order_by: queryList((request.query as Record<string, unknown>)?.order_by),
      max_results: parseOptionalInt(queryValue(request.query, 'max_results'), 'max_results'),
      page_token: queryValue(request.query, 'page_token'),
    }, visibleModels(request));
    return {
      model_versions: page.items.map((v) => toWireModelVersion(v, false)),
      ...(page.next_page_token ? { next_page_token: page.next_page_token } : {}),
    };
  });

  app.get('/model-versions/get-download-uri', async (request) => ({
    artifact_uri: await registry.getDownloadUri(requireString(field(request, 'name'), 'name'), versionOf(field(request, 'version'))),
  }));

  app.post('/model-versions/set-tag', async (request) => {
    const body = bodyObject(request.body);
    await registry.setModelVersionTag(requireString(body.name, 'name'), versionOf(body.version), {
      key: requireString(body.key, 'key'),
      value: (body.value ?? '') as string,
    });
    return {};
  });

  app.delete('/model-versions/delete-tag', async (request) => {
    const body = bodyObject(request.body);
    await registry.deleteModelVersionTag(requireString(body.name, 'name'), versionOf(body.version), requireString(body.key, 'key'));
    return {};
  });
};
