import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppServices } from '../services.js';
import type { Metric, Run, RunStatus, ViewType } from '../../tracking/index.js';
import { ERROR_RESPONSES, TagSchema } from './schemas.js';
import { readableExperimentIds } from '../access/index.js';

/*
 * Native runs API (/api/v1/runs). JSON shapes are the tracking domain types. JSON has no
 * spelling for NaN and ±Infinity: metric values may be the strings "NaN", "Infinity", "-Infinity".
 */

const Double = Type.Union([Type.Number(), Type.Literal('NaN'), Type.Literal('Infinity'), Type.Literal('-Infinity')], {
  description: 'A number, or "NaN" / "Infinity" / "-Infinity".',
});

const MetricSchema = Type.Object(
  {
    key: Type.String(),
    value: Double,
    timestamp: Type.Integer({ description: 'Epoch milliseconds.' }),
    step: Type.Integer(),
  },
  { description: 'One metric point.' },
);

const RunStatusSchema = Type.Union(
  [Type.Literal('RUNNING'), Type.Literal('SCHEDULED'), Type.Literal('FINISHED'), Type.Literal('FAILED'), Type.Literal('KILLED')],
  { description: 'Run status.' },
);

const RunInfoSchema = Type.Object({
  run_id: Type.String({ description: '32 hexadecimal characters.' }),
  run_name: Type.String(),
  experiment_id: Type.String(),
  user_id: Type.String(),
  status: RunStatusSchema,
  start_time: Type.Integer({ description: 'Epoch milliseconds.' }),
  end_time: Type.Union([Type.Integer(), Type.Null()], { description: 'Epoch milliseconds; null while the run is not ended.' }),
  artifact_uri: Type.String({ description: 'mlflow-artifacts:/<experiment>/<run>/artifacts' }),
  lifecycle_stage: Type.Union([Type.Literal('active'), Type.Literal('deleted')]),
});

const DatasetSchema = Type.Object({
  name: Type.String({ description: 'At most 500 characters.' }),
  digest: Type.String({ description: 'At most 36 characters.' }),
  source_type: Type.String({ description: 'e.g. local, s3, http.' }),
  source: Type.String({ description: 'Where the data is, as JSON text.' }),
  schema: Type.Optional(Type.String()),
  profile: Type.Optional(Type.String()),
});

const DatasetInputSchema = Type.Object({
  tags: Type.Array(TagSchema, { description: 'Input tags, e.g. mlflow.data.context = training.' }),
  dataset: DatasetSchema,
});

const RunSchema = Type.Object(
  {
    info: RunInfoSchema,
    data: Type.Object({
      metrics: Type.Array(MetricSchema, { description: 'Latest point per key, by (step, timestamp, value).' }),
      params: Type.Array(TagSchema),
      tags: Type.Array(TagSchema),
    }),
    inputs: Type.Object({
      dataset_inputs: Type.Array(DatasetInputSchema),
      model_inputs: Type.Array(Type.Object({ model_id: Type.String() })),
    }),
    outputs: Type.Object({ model_outputs: Type.Array(Type.Object({ model_id: Type.String(), step: Type.Integer() })) }),
  },
  { description: 'A run with its latest metrics, params, tags, inputs and outputs.' },
);

const RunParams = Type.Object({ run_id: Type.String({ description: 'Run id.' }) });
const RunKeyParams = Type.Object({ run_id: Type.String(), key: Type.String({ description: 'Key (URL-encoded).' }) });
const NoContent = { 204: Type.Null(), ...ERROR_RESPONSES };

function wireValue(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}

function wireMetric(m: Metric): Metric & { value: number | string } {
  return { key: m.key, value: wireValue(m.value), timestamp: m.timestamp, step: m.step } as Metric & { value: number | string };
}

function wireRun(run: Run): Run {
  return { ...run, data: { ...run.data, metrics: run.data.metrics.map(wireMetric) } };
}

/** Native /api/v1 runs endpoints. */
export const runsRoutes: FastifyPluginAsync<{ services: AppServices }> = async (plain, { services }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const tracking = services.tracking;
  const tags = ['runs'];

  app.post(
    '/runs',
    {
      schema: {
        tags,
        summary: 'Start a run',
        description:
          'Status RUNNING. Without run_name a name is generated; the name is also the tag mlflow.runName. parent_run_id makes a nested run (tag mlflow.parentRunId).',
        body: Type.Object({
          experiment_id: Type.Optional(Type.String({ description: 'Default "0".' })),
          user_id: Type.Optional(Type.String()),
          run_name: Type.Optional(Type.String({ description: 'At most 250 characters.' })),
          start_time: Type.Optional(Type.Integer({ minimum: 0, description: 'Epoch milliseconds; default now.' })),
          tags: Type.Optional(Type.Array(TagSchema)),
          parent_run_id: Type.Optional(Type.String({ description: 'Id of the parent run, for nested runs.' })),
        }),
        response: { 201: RunSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return wireRun(await tracking.createRun(request.body));
    },
  );

  app.post(
    '/runs/search',
    {
      schema: {
        tags,
        summary: 'Search runs',
        description:
          "Filter with MLflow's grammar, e.g. `metrics.auc > 0.8 and params.model = 'gbdt'`; order_by e.g. `metrics.auc DESC` (missing values last). Default order start_time DESC, run_id ASC.",
        body: Type.Object({
          experiment_ids: Type.Array(Type.String(), { description: 'Experiments to search.' }),
          filter: Type.Optional(Type.String()),
          run_view_type: Type.Optional(Type.Union([Type.Literal('ACTIVE_ONLY'), Type.Literal('DELETED_ONLY'), Type.Literal('ALL')])),
          max_results: Type.Optional(Type.Integer({ minimum: 1, maximum: 50000, description: 'Page size (default 1000).' })),
          order_by: Type.Optional(Type.Array(Type.String())),
          page_token: Type.Optional(Type.String({ description: 'next_page_token of the previous page.' })),
        }),
        response: {
          200: Type.Object({ runs: Type.Array(RunSchema), next_page_token: Type.Optional(Type.String()) }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const b = request.body;
      const page = await tracking.searchRuns({ ...b, experiment_ids: readableExperimentIds(request, b.experiment_ids), run_view_type: b.run_view_type as ViewType | undefined });
      return { runs: page.items.map(wireRun), ...(page.next_page_token ? { next_page_token: page.next_page_token } : {}) };
    },
  );

  app.get(
    '/runs/:run_id',
    { schema: { tags, summary: 'Get a run', params: RunParams, response: { 200: RunSchema, ...ERROR_RESPONSES } } },
    async (request) => wireRun(await tracking.getRun(request.params.run_id)),
  );

  app.patch(
    '/runs/:run_id',
    {
      schema: {
        tags,
        summary: 'Update a run',
        description: 'Changes status, end_time and/or run_name of an active run.',
        params: RunParams,
        body: Type.Object({
          status: Type.Optional(RunStatusSchema),
          end_time: Type.Optional(Type.Integer({ minimum: 0 })),
          run_name: Type.Optional(Type.String()),
        }),
        response: { 200: RunSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      await tracking.updateRun(request.params.run_id, { ...request.body, status: request.body.status as RunStatus | undefined });
      return wireRun(await tracking.getRun(request.params.run_id));
    },
  );

  app.delete(
    '/runs/:run_id',
    { schema: { tags, summary: 'Delete a run (soft)', params: RunParams, response: NoContent } },
    async (request, reply) => {
      await tracking.deleteRun(request.params.run_id);
      reply.code(204).send(null);
    },
  );

  app.post(
    '/runs/:run_id/restore',
    { schema: { tags, summary: 'Restore a deleted run', params: RunParams, response: { 200: RunSchema, ...ERROR_RESPONSES } } },
    async (request) => {
      await tracking.restoreRun(request.params.run_id);
      return wireRun(await tracking.getRun(request.params.run_id));
    },
  );

  app.post(
    '/runs/:run_id/log-batch',
    {
      schema: {
        tags,
        summary: 'Log metrics, params and tags',
        description:
          'All or nothing: at most 1000 metrics, 100 params, 100 tags, 1000 items in all. Params are write-once (same value accepted). ±Infinity is stored as ±1.7976931348623157e308.',
        params: RunParams,
        body: Type.Object({
          metrics: Type.Optional(
            Type.Array(
              Type.Object({
                key: Type.String(),
                value: Double,
                timestamp: Type.Integer({ minimum: 0, description: 'Epoch milliseconds.' }),
                step: Type.Optional(Type.Integer({ description: 'Default 0.' })),
                model_id: Type.Optional(Type.String({ description: 'Logged model the point belongs to.' })),
                dataset_name: Type.Optional(Type.String()),
                dataset_digest: Type.Optional(Type.String()),
              }),
            ),
          ),
          params: Type.Optional(Type.Array(TagSchema, { description: 'Values up to 6000 characters.' })),
          tags: Type.Optional(Type.Array(TagSchema, { description: 'Values up to 8000 characters.' })),
        }),
        response: NoContent,
      },
    },
    async (request, reply) => {
      await tracking.logBatch(request.params.run_id, request.body);
      reply.code(204).send(null);
    },
  );

  app.get(
    '/runs/:run_id/metrics/:key/history',
    {
      schema: {
        tags,
        summary: 'Metric history',
        description: 'All points of one metric by (step, timestamp); paged when max_results is given.',
        params: RunKeyParams,
        querystring: Type.Object({
          max_results: Type.Optional(Type.Integer({ minimum: 1 })),
          page_token: Type.Optional(Type.String()),
        }),
        response: {
          200: Type.Object({ metrics: Type.Array(MetricSchema), next_page_token: Type.Optional(Type.String()) }),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request) => {
      const page = await tracking.getMetricHistory(request.params.run_id, request.params.key, request.query);
      return { metrics: page.items.map(wireMetric), ...(page.next_page_token ? { next_page_token: page.next_page_token } : {}) };
    },
  );

  app.post(
    '/runs/:run_id/inputs',
    {
      schema: {
        tags,
        summary: 'Log inputs',
        description: 'Datasets (shared per experiment by name and digest) and logged models the run used.',
        params: RunParams,
        body: Type.Object({
          datasets: Type.Optional(Type.Array(Type.Object({ tags: Type.Optional(Type.Array(TagSchema)), dataset: DatasetSchema }))),
          models: Type.Optional(Type.Array(Type.Object({ model_id: Type.String() }))),
        }),
        response: NoContent,
      },
    },
    async (request, reply) => {
      await tracking.logInputs(request.params.run_id, request.body);
      reply.code(204).send(null);
    },
  );

  app.put(
    '/runs/:run_id/tags/:key',
    {
      schema: {
        tags,
        summary: 'Set a run tag',
        params: RunKeyParams,
        body: Type.Object({ value: Type.String({ description: 'At most 8000 characters.' }) }),
        response: NoContent,
      },
    },
    async (request, reply) => {
      await tracking.setTag(request.params.run_id, request.params.key, request.body.value);
      reply.code(204).send(null);
    },
  );

  app.delete(
    '/runs/:run_id/tags/:key',
    { schema: { tags, summary: 'Delete a run tag', params: RunKeyParams, response: NoContent } },
    async (request, reply) => {
      await tracking.deleteTag(request.params.run_id, request.params.key);
      reply.code(204).send(null);
    },
  );

  app.put(
    '/runs/:run_id/params/:key',
    {
      schema: {
        tags,
        summary: 'Log a param',
        description: 'Write-once: the same value again is accepted, another value is refused (400).',
        params: RunKeyParams,
        body: Type.Object({ value: Type.String({ description: 'At most 6000 characters.' }) }),
        response: NoContent,
      },
    },
    async (request, reply) => {
      await tracking.logParam(request.params.run_id, request.params.key, request.body.value);
      reply.code(204).send(null);
    },
  );
};
