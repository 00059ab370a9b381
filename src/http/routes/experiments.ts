import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppServices } from '../services.js';
import type { ViewType } from '../../tracking/index.js';
import { ERROR_RESPONSES, TagSchema } from './schemas.js';
import { visibleExperiments } from '../access/index.js';

/*
 * Native experiments API (/api/v1/experiments). JSON shapes are the tracking domain types;
 * ids are strings, times epoch milliseconds.
 */


const ExperimentSchema = Type.Object(
  {
    experiment_id: Type.String({ description: 'Id (a decimal string). "0" is the Default experiment.' }),
    name: Type.String({ description: 'Unique name.' }),
    artifact_location: Type.String({ description: 'Root of the artifacts of its runs, e.g. mlflow-artifacts:/1.' }),
    lifecycle_stage: Type.Union([Type.Literal('active'), Type.Literal('deleted')]),
    creation_time: Type.Integer({ description: 'Epoch milliseconds.' }),
    last_update_time: Type.Integer({ description: 'Epoch milliseconds.' }),
    tags: Type.Array(TagSchema),
  },
  { description: 'An experiment: a named group of runs.' },
);

const ViewTypeSchema = Type.Union([Type.Literal('ACTIVE_ONLY'), Type.Literal('DELETED_ONLY'), Type.Literal('ALL')], {
  description: 'Which lifecycle stages to include (default ACTIVE_ONLY).',
});

const IdParams = Type.Object({ experiment_id: Type.String({ description: 'Experiment id.' }) });
const TagParams = Type.Object({ experiment_id: Type.String(), key: Type.String({ description: 'Tag key.' }) });

/** Native /api/v1 experiments endpoints. */
export const experimentsRoutes: FastifyPluginAsync<{ services: AppServices }> = async (plain, { services }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const tracking = services.tracking;
  const tags = ['experiments'];

  app.post(
    '/experiments',
    {
      schema: {
        tags,
        summary: 'Create an experiment',
        description: 'Names are unique (400 RESOURCE_ALREADY_EXISTS otherwise). artifact_location defaults to mlflow-artifacts:/<id>.',
        body: Type.Object({
          name: Type.String({ minLength: 1, description: 'Unique name, at most 500 characters.' }),
          artifact_location: Type.Optional(Type.String({ description: 'Root URI for artifacts of its runs.' })),
          tags: Type.Optional(Type.Array(TagSchema, { description: 'Tags (values up to 5000 characters).' })),
        }),
        response: { 201: ExperimentSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return tracking.createExperiment(request.body);
    },
  );

  app.get(
    '/experiments',
    {
      schema: {
        tags,
        summary: 'Search experiments',
        description: "Filter with MLflow's grammar (e.g. `name LIKE 'churn%' AND tags.team = 'ml'`); page with next_page_token.",
        querystring: Type.Object({
          filter: Type.Optional(Type.String({ description: 'Search filter.' })),
          order_by: Type.Optional(
            Type.Array(Type.String(), { description: 'Order terms, e.g. `name ASC`; repeat the key for several. Default creation_time DESC.' }),
          ),
          max_results: Type.Optional(Type.Integer({ minimum: 1, maximum: 50000, description: 'Page size (default 1000).' })),
          page_token: Type.Optional(Type.String({ description: 'next_page_token of the previous page.' })),
          view_type: Type.Optional(ViewTypeSchema),
        }),
        response: {
          200: Type.Object({
            experiments: Type.Array(ExperimentSchema),
            next_page_token: Type.Optional(Type.String({ description: 'Present when more results exist.' })),
          }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const page = await tracking.searchExperiments({ ...q, view_type: q.view_type as ViewType | undefined }, visibleExperiments(request));
      return { experiments: page.items, ...(page.next_page_token ? { next_page_token: page.next_page_token } : {}) };
    },
  );

  app.get(
    '/experiments/by-name/:name',
    {
      schema: {
        tags,
        summary: 'Get an experiment by name',
        params: Type.Object({ name: Type.String({ description: 'Exact experiment name (URL-encoded).' }) }),
        response: { 200: ExperimentSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => tracking.getExperimentByName(request.params.name),
  );

  app.get(
    '/experiments/:experiment_id',
    { schema: { tags, summary: 'Get an experiment', params: IdParams, response: { 200: ExperimentSchema, ...ERROR_RESPONSES } } },
    async (request) => tracking.getExperiment(request.params.experiment_id),
  );

  app.patch(
    '/experiments/:experiment_id',
    {
      schema: {
        tags,
        summary: 'Rename an experiment',
        params: IdParams,
        body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, description: 'New unique name.' })) }),
        response: { 200: ExperimentSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => tracking.updateExperiment(request.params.experiment_id, request.body),
  );

  app.delete(
    '/experiments/:experiment_id',
    {
      schema: {
        tags,
        summary: 'Delete an experiment',
        description: 'Soft delete: the experiment and its runs are marked deleted and can be restored.',
        params: IdParams,
        response: { 204: Type.Null(), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      await tracking.deleteExperiment(request.params.experiment_id);
      reply.code(204).send(null);
    },
  );

  app.post(
    '/experiments/:experiment_id/restore',
    {
      schema: {
        tags,
        summary: 'Restore a deleted experiment',
        description: 'Also restores the runs that were deleted with it.',
        params: IdParams,
        response: { 200: ExperimentSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      await tracking.restoreExperiment(request.params.experiment_id);
      return tracking.getExperiment(request.params.experiment_id);
    },
  );

  app.put(
    '/experiments/:experiment_id/tags/:key',
    {
      schema: {
        tags,
        summary: 'Set an experiment tag',
        params: TagParams,
        body: Type.Object({ value: Type.String({ description: 'Tag value, at most 5000 characters.' }) }),
        response: { 204: Type.Null(), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      await tracking.setExperimentTag(request.params.experiment_id, request.params.key, request.body.value);
      reply.code(204).send(null);
    },
  );

  app.delete(
    '/experiments/:experiment_id/tags/:key',
    {
      schema: { tags, summary: 'Delete an experiment tag', params: TagParams, response: { 204: Type.Null(), ...ERROR_RESPONSES } },
    },
    async (request, reply) => {
      await tracking.deleteExperimentTag(request.params.experiment_id, request.params.key);
      reply.code(204).send(null);
    },
  );
};
