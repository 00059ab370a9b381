import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppServices } from '../services.js';
import { ERROR_RESPONSES, TagSchema } from './schemas.js';
import { visibleModels } from '../access/index.js';

/*
 * Native model registry API (/api/v1/models). Versions are integers here; a version reference
 * in a path is a number or `@alias`.
 */

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T, description: string) =>
  Type.Union([schema, Type.Null()], { description });

const StageSchema = Type.Union([Type.Literal('None'), Type.Literal('Staging'), Type.Literal('Production'), Type.Literal('Archived')], {
  description: 'Deprecated stage, kept for older clients; prefer aliases.',
});

const ModelVersionSchema = Type.Object(
  {
    name: Type.String(),
    version: Type.Integer({ description: 'Version number, from 1; never reused.' }),
    creation_timestamp: Type.Integer({ description: 'Epoch milliseconds.' }),
    last_updated_timestamp: Type.Integer({ description: 'Epoch milliseconds.' }),
    user_id: Nullable(Type.String(), 'Who registered it.'),
    current_stage: StageSchema,
    description: Nullable(Type.String(), 'Free text.'),
    source: Type.String({ description: 'Where it was registered from: runs:/<run>/<path>, models:/<logged model id>, or a URI.' }),
    storage_location: Type.String({ description: 'Where its files are (mlflow-artifacts:/… for files this server holds).' }),
    run_id: Nullable(Type.String(), 'The run that produced it.'),
    run_link: Nullable(Type.String(), 'A link to the run, if given.'),
    status: Type.Literal('READY'),
    status_message: Nullable(Type.String(), 'Status detail.'),
    model_id: Nullable(Type.String(), 'The logged model it was registered from (MLflow 3).'),
    tags: Type.Array(TagSchema),
    aliases: Type.Array(Type.String(), { description: 'Aliases pointing at this version.' }),
  },
  { description: 'A version of a registered model.' },
);

const RegisteredModelSchema = Type.Object(
  {
    name: Type.String({ description: 'Unique name.' }),
    creation_timestamp: Type.Integer(),
    last_updated_timestamp: Type.Integer(),
    user_id: Nullable(Type.String(), 'Who created it.'),
    description: Nullable(Type.String(), 'Free text.'),
    latest_versions: Type.Array(ModelVersionSchema, { description: 'The latest version in each stage.' }),
    tags: Type.Array(TagSchema),
    aliases: Type.Array(Type.Object({ alias: Type.String(), version: Type.Integer() })),
  },
  { description: 'A registered model: a named series of versions.' },
);

const LineageSchema = Type.Object(
  {
    model_version: ModelVersionSchema,
    run: Nullable(Type.Any(), 'The run that produced the version (as GET /api/v1/runs/{id} returns it), when known.'),
    datasets: Type.Array(Type.Any(), { description: "The run's dataset inputs: {tags, dataset {name, digest, source_type, source, schema, profile}}." }),
  },
  { description: 'Dataset → run → model version.' },
);

const SearchQuery = Type.Object({
  filter: Type.Optional(Type.String({ description: "MLflow search grammar, e.g. name LIKE 'credit%' AND tags.team = 'risk'." })),
  order_by: Type.Optional(Type.Union([Type.String(), Type.Array(Type.String())], { description: "e.g. 'name ASC', 'last_updated_timestamp DESC'; repeat for several." })),
  max_results: Type.Optional(Type.Integer({ minimum: 1, description: 'Page size.' })),
  page_token: Type.Optional(Type.String({ description: 'next_page_token of the previous page.' })),
});

const NameParams = Type.Object({ name: Type.String({ description: 'Registered model name.' }) });
const VersionParams = Type.Object({
  name: Type.String(),
  version: Type.String({ description: 'A version number, or @alias (e.g. @champion).' }),
});
const NoContent = { 204: Type.Null(), ...ERROR_RESPONSES };

function orderList(order: string | string[] | undefined): string[] | undefined {
  return order === undefined ? undefined : [order].flat();
}

/** Native /api/v1 model registry endpoints. */
export const modelsRoutes: FastifyPluginAsync<{ services: AppServices }> = async (plain, { services }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const registry = services.registry;
  const tags = ['models'];

  app.post(
    '/models',
    {
      schema: {
        tags,
        summary: 'Register a model name',
        body: Type.Object({
          name: Type.String({ minLength: 1, maxLength: 256 }),
          description: Type.Optional(Type.String()),
          tags: Type.Optional(Type.Array(TagSchema)),
        }),
        response: { 201: RegisteredModelSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.code(201);
      const { name, ...options } = request.body;
      return registry.createRegisteredModel(name, options);
    },
  );

  app.get(
    '/models',
    {
      schema: {
        tags,
        summary: 'Search registered models',
        querystring: SearchQuery,
        response: { 200: Type.Object({ models: Type.Array(RegisteredModelSchema), next_page_token: Type.Optional(Type.String()) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const page = await registry.searchRegisteredModels({ ...request.query, order_by: orderList(request.query.order_by) }, visibleModels(request));
      return { models: page.items, ...(page.next_page_token ? { next_page_token: page.next_page_token } : {}) };
    },
  );

  app.get('/models/:name', { schema: { tags, summary: 'Get a registered model', params: NameParams, response: { 200: RegisteredModelSchema, ...ERROR_RESPONSES } } }, async (request) =>
    registry.getRegisteredModel(request.params.name),
  );

  app.patch(
    '/models/:name',
    {
      schema: {
        tags,
        summary: 'Rename a model or change its description',
        params: NameParams,
        body: Type.Object({ description: Type.Optional(Type.String()), new_name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })) }),
        response: { 200: RegisteredModelSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      let name = request.params.name;
      if (request.body.new_name !== undefined && request.body.new_name !== name) {
        name = (await registry.renameRegisteredModel(name, request.body.new_name)).name;
      }
      return registry.updateRegisteredModel(name, request.body.description);
    },
  );

  app.delete('/models/:name', { schema: { tags, summary: 'Delete a model and all its versions', params: NameParams, response: NoContent } }, async (request, reply) => {
    await registry.deleteRegisteredModel(request.params.name);
    return reply.code(204).send(null);
  });

  app.put(
    '/models/:name/tags/:key',
    {
      schema: { tags, summary: 'Set a tag on a model', params: Type.Object({ name: Type.String(), key: Type.String() }), body: Type.Object({ value: Type.String() }), response: NoContent },
    },
    async (request, reply) => {
      await registry.setRegisteredModelTag(request.params.name, { key: request.params.key, value: request.body.value });
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/models/:name/tags/:key',
    { schema: { tags, summary: 'Delete a tag of a model', params: Type.Object({ name: Type.String(), key: Type.String() }), response: NoContent } },
    async (request, reply) => {
      await registry.deleteRegisteredModelTag(request.params.name, request.params.key);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/models/:name/versions',
    {
      schema: {
        tags,
        summary: 'Register a new version',
        description: 'source: runs:/<run_id>/<path>, models:/<logged model id>, models:/<name>/<version>, or a remote URI. Local paths are refused.',
        params: NameParams,
        body: Type.Object({
          source: Type.String({ minLength: 1 }),
          run_id: Type.Optional(Type.String()),
          run_link: Type.Optional(Type.String()),
          description: Type.Optional(Type.String()),
          tags: Type.Optional(Type.Array(TagSchema)),
          model_id: Type.Optional(Type.String()),
        }),
        response: { 201: ModelVersionSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return registry.createModelVersion(request.params.name, request.body);
    },
  );

  app.get(
    '/models/:name/versions',
    {
      schema: {
        tags,
        summary: 'List the versions of a model',
        params: NameParams,
        querystring: Type.Object({ max_results: Type.Optional(Type.Integer({ minimum: 1 })), page_token: Type.Optional(Type.String()) }),
        response: { 200: Type.Object({ versions: Type.Array(ModelVersionSchema), next_page_token: Type.Optional(Type.String()) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const page = await registry.listModelVersions(request.params.name, request.query);
      return { versions: page.items, ...(page.next_page_token ? { next_page_token: page.next_page_token } : {}) };
    },
  );

  app.get('/models/:name/versions/:version', { schema: { tags, summary: 'Get a version (number or @alias)', params: VersionParams, response: { 200: ModelVersionSchema, ...ERROR_RESPONSES } } }, async (request) =>
    registry.resolveVersion(request.params.name, request.params.version),
  );

  app.patch(
    '/models/:name/versions/:version',
    { schema: { tags, summary: "Change a version's description", params: VersionParams, body: Type.Object({ description: Type.Optional(Type.String()) }), response: { 200: ModelVersionSchema, ...ERROR_RESPONSES } } },
    async (request) => {
      const v = await registry.resolveVersion(request.params.name, request.params.version);
      return registry.updateModelVersion(v.name, v.version, request.body.description);
    },
  );

  app.delete('/models/:name/versions/:version', { schema: { tags, summary: 'Delete a version', params: VersionParams, response: NoContent } }, async (request, reply) => {
    const v = await registry.resolveVersion(request.params.name, request.params.version);
    await registry.deleteModelVersion(v.name, v.version);
    return reply.code(204).send(null);
  });

  app.put(
    '/models/:name/versions/:version/tags/:key',
    {
      schema: { tags, summary: 'Set a tag on a version', params: Type.Object({ name: Type.String(), version: Type.String(), key: Type.String() }), body: Type.Object({ value: Type.String() }), response: NoContent },
    },
    async (request, reply) => {
      const v = await registry.resolveVersion(request.params.name, request.params.version);
      await registry.setModelVersionTag(v.name, v.version, { key: request.params.key, value: request.body.value });
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/models/:name/versions/:version/tags/:key',
    { schema: { tags, summary: 'Delete a tag of a version', params: Type.Object({ name: Type.String(), version: Type.String(), key: Type.String() }), response: NoContent } },
    async (request, reply) => {
      const v = await registry.resolveVersion(request.params.name, request.params.version);
      await registry.deleteModelVersionTag(v.name, v.version, request.params.key);
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/models/:name/versions/:version/stage',
    {
      schema: {
        tags,
        summary: 'Move a version to a stage',
        params: VersionParams,
        body: Type.Object({ stage: StageSchema, archive_existing_versions: Type.Optional(Type.Boolean({ description: 'Archive the other versions in that stage.' })) }),
        response: { 200: ModelVersionSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const v = await registry.resolveVersion(request.params.name, request.params.version);
      return registry.transitionStage(v.name, v.version, request.body.stage, request.body.archive_existing_versions ?? false);
    },
  );

  app.get('/models/:name/versions/:version/lineage', { schema: { tags, summary: 'Dataset → run → version lineage', params: VersionParams, response: { 200: LineageSchema, ...ERROR_RESPONSES } } }, async (request) =>
    registry.getLineage(request.params.name, request.params.version),
  );

  const AliasParams = Type.Object({ name: Type.String(), alias: Type.String({ description: 'Alias name: letters, digits, _ and -.' }) });

  app.get('/models/:name/aliases/:alias', { schema: { tags, summary: 'The version an alias points to', params: AliasParams, response: { 200: ModelVersionSchema, ...ERROR_RESPONSES } } }, async (request) =>
    registry.getVersionByAlias(request.params.name, request.params.alias),
  );

  app.put(
    '/models/:name/aliases/:alias',
    { schema: { tags, summary: 'Point an alias at a version (moves it if it exists)', params: AliasParams, body: Type.Object({ version: Type.Integer({ minimum: 1 }) }), response: { 200: ModelVersionSchema, ...ERROR_RESPONSES } } },
    async (request) => {
      await registry.setAlias(request.params.name, request.params.alias, request.body.version);
      return registry.getModelVersion(request.params.name, request.body.version);
    },
  );

  app.delete('/models/:name/aliases/:alias', { schema: { tags, summary: 'Remove an alias', params: AliasParams, response: NoContent } }, async (request, reply) => {
    await registry.deleteAlias(request.params.name, request.params.alias);
    return reply.code(204).send(null);
  });
};
