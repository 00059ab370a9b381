import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppServices } from '../services.js';
import type { Experiment, SearchExperimentsInput, Tag, ViewType } from '../../tracking/index.js';
import {
  bodyObject,
  listField,
  optionalString,
  parseOptionalInt,
  queryList,
  queryValue,
  requireId,
  requireJsonContentType,
  requireString,
} from './wire.js';
import { visibleExperiments } from '../access/index.js';

/** An experiment as MLflow's JSON has it. */
export function toWireExperiment(e: Experiment): Record<string, unknown> {
  return {
    experiment_id: e.experiment_id,
    name: e.name,
    artifact_location: e.artifact_location,
    lifecycle_stage: e.lifecycle_stage,
    creation_time: e.creation_time,
    last_update_time: e.last_update_time,
    tags: e.tags,
  };
}

function searchInput(src: Record<string, unknown>, fromQuery: boolean): SearchExperimentsInput {
  return {
    max_results: parseOptionalInt(fromQuery ? queryValue(src, 'max_results') : src.max_results, 'max_results'),
    page_token: optionalString(fromQuery ? queryValue(src, 'page_token') : src.page_token, 'page_token'),
    filter: optionalString(fromQuery ? queryValue(src, 'filter') : src.filter, 'filter'),
    order_by: fromQuery ? queryList(src.order_by) : listField<string>(src.order_by, 'order_by'),
    view_type: optionalString(fromQuery ? queryValue(src, 'view_type') : src.view_type, 'view_type') as ViewType | undefined,
  };
}

/** MLflow-compatible experiments endpoints (`experiments/...`). */
export const experimentsRoutes: FastifyPluginAsync<{ services: AppServices }> = async (app, { services }) => {
  const tracking = services.tracking;
  requireJsonContentType(app);

  app.get('/experiments/get-by-name', async (request) => {
    const name = requireString(queryValue(request.query, 'experiment_name'), 'experiment_name');
    return { experiment: toWireExperiment(await tracking.getExperimentByName(name)) };
  });

  app.get('/experiments/get', async (request) => {
    const id = requireId(queryValue(request.query, 'experiment_id'), 'experiment_id');
    return { experiment: toWireExperiment(await tracking.getExperiment(id)) };
  });

  app.post('/experiments/create', async (request) => {
    const body = bodyObject(request.body);
    const exp = await tracking.createExperiment({
      name: requireString(body.name, 'name'),
      artifact_location: optionalString(body.artifact_location, 'artifact_location'),
      tags: listField<Tag>(body.tags, 'tags'),
    });
    return { experiment_id: exp.experiment_id };
  });

  const search = async (request: FastifyRequest, input: SearchExperimentsInput) => {
    const page = await tracking.searchExperiments(input, visibleExperiments(request));
    return {
      experiments: page.items.map(toWireExperiment),
      ...(page.next_page_token ? { next_page_token: page.next_page_token } : {}),
    };
  };
  app.post('/experiments/search', async (request) => search(request, searchInput(bodyObject(request.body), false)));
  app.get('/experiments/search', async (request) => search(request, searchInput((request.query ?? {}) as Record<string, unknown>, true)));

  app.post('/experiments/update', async (request) => {
    const body = bodyObject(request.body);
    const id = requireId(body.experiment_id, 'experiment_id');
    await tracking.updateExperiment(id, { name: requireString(body.new_name, 'new_name') });
    return {};
  });

  app.post('/experiments/delete', async (request) => {
    await tracking.deleteExperiment(requireId(bodyObject(request.body).experiment_id, 'experiment_id'));
    return {};
  });

  app.post('/experiments/restore', async (request) => {
    await tracking.restoreExperiment(requireId(bodyObject(request.body).experiment_id, 'experiment_id'));
    return {};
  });

  app.post('/experiments/set-experiment-tag', async (request) => {
    const body = bodyObject(request.body);
    const id = requireId(body.experiment_id, 'experiment_id');
    const key = requireString(body.key, 'key');
    if (body.value === undefined || body.value === null) requireString(body.value, 'value');
    await tracking.setExperimentTag(id, key, body.value as string);
    return {};
  });

  app.post('/experiments/delete-experiment-tag', async (request) => {
    const body = bodyObject(request.body);
    await tracking.deleteExperimentTag(requireId(body.experiment_id, 'experiment_id'), requireString(body.key, 'key'));
    return {};
  });
};
