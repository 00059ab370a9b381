import type { FastifyPluginAsync } from 'fastify';
import type { AppServices } from '../services.js';
import type { LoggedModel, LoggedModelOrderBy, LoggedModelStatus, Tag } from '../../tracking/index.js';
import { InvalidParameterError } from '../../errors/index.js';
import { normalizeArtifactPath, joinKeys } from '../../artifacts/index.js';
import {
  bodyObject,
  decodePageToken,
  encodePageToken,
  listField,
  optionalString,
  parseOptionalInt,
  queryValue,
  requireId,
  requireJsonContentType,
  requireString,
  toWireDouble,
} from './wire.js';
import { readableExperimentIds } from '../access/index.js';

const ARTIFACT_SCHEME = 'mlflow-artifacts:/';
const LIST_PAGE = 1000;

/** A logged model as MLflow's JSON has it (non-finite metric values as strings). */
export function toWireLoggedModel(m: LoggedModel): Record<string, unknown> {
  return {
    // MLflow answers an unset model type as "".
    info: { ...m.info, model_type: m.info.model_type ?? '' },
    data: { params: m.data.params, metrics: m.data.metrics.map((x) => ({ ...x, value: toWireDouble(x.value) })) },
  };
}

/** MLflow 3 logged-model endpoints (`logged-models/...`). */
export const loggedModelsRoutes: FastifyPluginAsync<{ services: AppServices }> = async (app, { services }) => {
  const tracking = services.tracking;
  requireJsonContentType(app);

  app.post('/logged-models', async (request) => {
    const body = bodyObject(request.body);
    const model = await tracking.createLoggedModel({
      experiment_id: requireId(body.experiment_id, 'experiment_id'),
      name: optionalString(body.name, 'name'),
      model_type: optionalString(body.model_type, 'model_type'),
      source_run_id: optionalString(body.source_run_id, 'source_run_id'),
      params: listField<Tag>(body.params, 'params'),
      tags: listField<Tag>(body.tags, 'tags'),
    });
    return { model: toWireLoggedModel(model) };
  });

  app.post('/logged-models/search', async (request) => {
    const body = bodyObject(request.body);
    const page = await tracking.searchLoggedModels({
      experiment_ids: readableExperimentIds(request, listField(body.experiment_ids, 'experiment_ids').map((e) => String(e))),
      filter: optionalString(body.filter, 'filter'),
      datasets: listField<{ dataset_name: string; dataset_digest?: string }>(body.datasets, 'datasets'),
      max_results: parseOptionalInt(body.max_results, 'max_results'),
      order_by: listField<LoggedModelOrderBy>(body.order_by, 'order_by'),
      page_token: optionalString(body.page_token, 'page_token'),
    });
    return { models: page.items.map(toWireLoggedModel), ...(page.next_page_token ? { next_page_token: page.next_page_token } : {}) };
  });

  app.get<{ Params: { model_id: string } }>('/logged-models/:model_id', async (request) => {
    return { model: toWireLoggedModel(await tracking.getLoggedModel(request.params.model_id)) };
  });

  app.patch<{ Params: { model_id: string } }>('/logged-models/:model_id', async (request) => {
    const body = bodyObject(request.body);
    const status = requireString(body.status, 'status') as LoggedModelStatus;
    const model = await tracking.finalizeLoggedModel(request.params.model_id, status, optionalString(body.status_message, 'status_message'));
    return { model: toWireLoggedModel(model) };
  });

  app.delete<{ Params: { model_id: string } }>('/logged-models/:model_id', async (request) => {
    await tracking.deleteLoggedModel(request.params.model_id);
    return {};
  });

  app.patch<{ Params: { model_id: string } }>('/logged-models/:model_id/tags', async (request) => {
    const body = bodyObject(request.body);
    await tracking.setLoggedModelTags(request.params.model_id, listField<Tag>(body.tags, 'tags'));
    return {};
  });

  app.delete<{ Params: { model_id: string; tag_key: string } }>('/logged-models/:model_id/tags/:tag_key', async (request) => {
    await tracking.deleteLoggedModelTag(request.params.model_id, request.params.tag_key);
    return {};
  });

  app.post<{ Params: { model_id: string } }>('/logged-models/:model_id/params', async (request) => {
    const body = bodyObject(request.body);
    await tracking.logLoggedModelParams(request.params.model_id, listField<Tag>(body.params, 'params'));
    return {};
  });

  // Lists a directory of the model's artifacts; paths in the answer are relative to the model's root.
  app.get<{ Params: { model_id: string } }>('/logged-models/:model_id/artifacts/directories', async (request) => {
    const model = await tracking.getLoggedModel(request.params.model_id);
    const uri = model.info.artifact_uri;
    if (!uri.startsWith(ARTIFACT_SCHEME)) {
      throw new InvalidParameterError(`Logged model '${model.info.model_id}' stores its artifacts at ${uri}, which this server does not serve.`, 'model_id');
    }
    const root = normalizeArtifactPath(uri.slice(ARTIFACT_SCHEME.length), 'artifact_uri');
    const dir = normalizeArtifactPath(queryValue(request.query, 'artifact_directory_path') ?? '', 'artifact_directory_path');
    const offset = decodePageToken(queryValue(request.query, 'page_token'));
    const pageSize = parseOptionalInt(queryValue(request.query, 'max_results'), 'max_results') ?? LIST_PAGE;
    if (pageSize < 1) throw new InvalidParameterError("Invalid value for parameter 'max_results': it must be at least 1.", 'max_results');
    const entries = (await services.artifacts.list(joinKeys(root, dir))).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const slice = entries.slice(offset, offset + pageSize);
    return {
      root_uri: uri,
      files: slice.map((e) => ({ path: joinKeys(dir, e.name), is_dir: e.isDir, ...(e.isDir ? {} : { file_size: e.size }) })),
      ...(offset + pageSize < entries.length ? { next_page_token: encodePageToken(offset + pageSize) } : {}),
    };
  });
};
