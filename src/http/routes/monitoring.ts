import { createReadStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { parseDuration } from '../../config/index.js';
import { InvalidParameterError } from '../../errors/index.js';
import { exportPredictions, EXPORT_FORMATS, type ExportFormat, type LogFilter } from '../../predictions/index.js';
import { sampleFormatOf, SAMPLE_FORMATS, type SampleFormat } from '../../monitoring/index.js';
import type { AppServices } from '../services.js';
import { ERROR_RESPONSES, FeedbackBodySchema } from './schemas.js';

/*
 * Native monitoring API (/api/v1): drift, data quality and live performance of a deployment per
 * window; drift settings; reference profiles of model versions (a sample file in the body, or a
 * dataset version); export of the prediction log as CSV or Parquet; feedback labels for
 * predictions made on the model routes.
 */

/**
 * A time given as ISO 8601, milliseconds since the epoch, or a duration back from now (`1h`,
 * `7d`); undefined when absent.
 */
export function parseTime(value: string | undefined, field: string, now = Date.now()): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (/^\d{10,}$/.test(value)) return Number(value);
  const ago = /^\d+(\.\d+)?(ms|s|m|h|d)$/.test(value) ? parseDuration(value) : null;
  if (ago !== null) return now - ago;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new InvalidParameterError(`'${field}' must be an ISO 8601 time, milliseconds since the epoch, or a duration back from now like 1h or 7d; got '${value}'.`, field);
  return t;
}

const Window = {
  model: Type.Optional(Type.String({ description: 'Only this model (of a deployment serving several).' })),
  version: Type.Optional(Type.Integer({ description: 'Only this version.' })),
  since: Type.Optional(Type.String({ description: 'ISO time, epoch ms, or a duration back from now (e.g. 24h).' })),
  until: Type.Optional(Type.String({ description: 'ISO time, epoch ms, or a duration back from now.' })),
};
const WindowsQuery = Type.Object({
  ...Window,
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Most stored windows (newest first), default 20.' })),
  include_open: Type.Optional(Type.Boolean({ description: 'Report the windows still filling (default true).' })),
  stattest: Type.Optional(Type.Array(Type.String(), { description: 'Test for every input (NAME) or one input (COLUMN=NAME), for open windows: ks, psi, chisquare, jensenshannon, wasserstein, hellinger, z.' })),
});
const PerformanceQuery = Type.Object({
  ...Window,
  window: Type.Optional(Type.String({ description: 'Window length, e.g. 5m, 1h (default: the monitoring window).' })),
  min_labels: Type.Optional(Type.Integer({ minimum: 1, description: 'Fewest labels a window needs for concept drift (default 30).' })),
  max_drop: Type.Optional(Type.Number({ minimum: 0, description: 'Most tolerated drop of the primary metric (regression: relative RMSE rise).' })),
});
const ExportQuery = Type.Object({
  format: Type.Optional(Type.String({ description: 'csv (default) or parquet.' })),
  version: Type.Optional(Type.Integer()),
  since: Window.since,
  until: Window.until,
});
const ReferenceQuery = Type.Object({
  format: Type.Optional(Type.String({ description: 'csv, jsonl or parquet (default: from the content type).' })),
  target: Type.Optional(Type.String({ description: 'Column of true labels: the model is scored on the sample (baseline for concept drift).' })),
  name: Type.Optional(Type.String({ description: 'File name, kept in the reference source.' })),
});

const DeploymentParams = Type.Object({ name: Type.String() });
const VersionParams = Type.Object({ name: Type.String(), version: Type.String() });

const CONTENT_TYPES: Record<ExportFormat, string> = { csv: 'text/csv; charset=utf-8', parquet: 'application/vnd.apache.parquet' };

export const monitoringRoutes: FastifyPluginAsync<{ services: AppServices }> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const monitoring = services.monitoring;
  const tags = ['monitoring'];
  const response = { 200: Type.Unknown({ description: 'The report asked for.' }), ...ERROR_RESPONSES };

  // Reference samples arrive as files.
  for (const type of ['text/csv', 'application/x-ndjson', 'application/jsonl', 'application/vnd.apache.parquet', 'application/octet-stream']) {
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
  }

  const windowsOf = (q: { model?: string; version?: number; since?: string; until?: string; limit?: number; include_open?: boolean; stattest?: string[] }) => ({
    ...(q.model !== undefined ? { model: q.model } : {}),
    ...(q.version !== undefined ? { version: q.version } : {}),
    since: parseTime(q.since, 'since'),
    until: parseTime(q.until, 'until'),
    ...(q.limit !== undefined ? { limit: q.limit } : {}),
    ...(q.include_open !== undefined ? { includeOpen: q.include_open } : {}),
    stattest: q.stattest ?? [],
  });

  app.get('/deployments/:name/monitoring/drift', {
    schema: { params: DeploymentParams, querystring: WindowsQuery, response, tags, summary: 'Drift per input and for predictions, and the dataset drift share, per window (newest first)' },
  }, async (request) => {
    const answer = await monitoring.windows(request.params.name, windowsOf(request.query));
    return {
      ...answer,
      windows: answer.windows.map((w) => ({
        deployment: w.deployment, model: w.model, version: w.version, window_start: w.window_start, window_end: w.window_end, open: w.open, rows: w.rows,
        reference: w.reference, drift: w.drift, prediction_drift: w.prediction_drift,
      })),
    };
  });
  app.get('/deployments/:name/monitoring/quality', {
    schema: { params: DeploymentParams, querystring: WindowsQuery, response, tags, summary: 'Data quality per input and window: missing, out of range, unseen categories, type errors, constant' },
  }, async (request) => monitoring.quality(request.params.name, windowsOf(request.query)));
  app.get('/deployments/:name/monitoring/windows', {
    schema: { params: DeploymentParams, querystring: WindowsQuery, response, tags, summary: 'Whole window reports, with reference and window bin counts side by side' },
  }, async (request) => monitoring.windows(request.params.name, windowsOf(request.query)));
  app.get('/deployments/:name/monitoring/performance', {
    schema: { params: DeploymentParams, querystring: PerformanceQuery, response, tags, summary: 'Live performance from feedback labels per version and window, with concept drift' },
  }, async (request) => {
    const q = request.query;
    let windowMs: number | undefined;
    if (q.window !== undefined) {
      const ms = parseDuration(q.window);
      if (ms === null || ms < 1000) throw new InvalidParameterError(`'window' must be a duration of at least 1s, like 5m or 1h; got '${q.window}'.`, 'window');
      windowMs = ms;
    }
    return monitoring.performance(request.params.name, {
      ...(windowMs !== undefined ? { windowMs } : {}),
      ...(q.model !== undefined ? { model: q.model } : {}),
      ...(q.version !== undefined ? { version: q.version } : {}),
      ...(q.min_labels !== undefined ? { minLabels: q.min_labels } : {}),
      ...(q.max_drop !== undefined ? { maxDrop: q.max_drop } : {}),
      since: parseTime(q.since, 'since'),
      until: parseTime(q.until, 'until'),
    });
  });
  app.get('/deployments/:name/monitoring/settings', { schema: { params: DeploymentParams, response, tags, summary: "A deployment's drift settings" } }, async (request) => {
    await services.deployments.get(request.params.name);
    return monitoring.settings(request.params.name);
  });
  app.put('/deployments/:name/monitoring/settings', {
    schema: { params: DeploymentParams, body: Type.Unknown({ description: 'stattest, per_column_stattest, threshold, per_column_threshold, drift_share, prediction_stattest, prediction_threshold.' }), response, tags, summary: 'Set drift tests and thresholds' },
  }, async (request) => monitoring.putSettings(request.params.name, request.body, request.principal.username));

  const sendExport = async (reply: FastifyReply, filter: LogFilter, format: string | undefined, base: string) => {
    const f = (format ?? 'csv') as ExportFormat;
    if (!EXPORT_FORMATS.includes(f)) throw new InvalidParameterError(`'format' must be csv or parquet, not '${format}'.`, 'format');
    const dir = mkdtempSync(join(tmpdir(), 'puente-export-'));
    const file = join(dir, `${base}.${f}`);
    try {
      const summary = await exportPredictions(services.predictions, filter, f, file);
      const stream = createReadStream(file);
      stream.on('close', () => rmSync(dir, { recursive: true, force: true }));
      reply.header('content-type', CONTENT_TYPES[f]);
      reply.header('content-disposition', `attachment; filename="${base.replace(/[^A-Za-z0-9._-]/g, '_')}.${f}"`);
      reply.header('x-puente-rows', String(summary.rows));
      return reply.send(stream);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  };
  app.get('/deployments/:name/predictions/export', {
    schema: { params: DeploymentParams, querystring: ExportQuery, tags, summary: "Export a deployment's logged predictions (CSV or Parquet)" },
  }, async (request, reply) => {
    await services.deployments.get(request.params.name);
    const q = request.query;
    return sendExport(reply, {
      deployment: request.params.name, ...(q.version !== undefined ? { version: q.version } : {}), since: parseTime(q.since, 'since'), until: parseTime(q.until, 'until'),
    }, q.format, `${request.params.name}-predictions`);
  });
  app.get('/models/:name/predictions/export', {
    schema: { params: DeploymentParams, querystring: ExportQuery, tags, summary: "Export a model's logged predictions, from its own routes and from deployments (CSV or Parquet)" },
  }, async (request, reply) => {
    await services.registry.getRegisteredModel(request.params.name);
    const q = request.query;
    return sendExport(reply, {
      model: request.params.name, ...(q.version !== undefined ? { version: q.version } : {}), since: parseTime(q.since, 'since'), until: parseTime(q.until, 'until'),
    }, q.format, `${request.params.name}-predictions`);
  });
  app.post('/models/:name/feedback', {
    schema: { params: DeploymentParams, body: FeedbackBodySchema, response, tags, summary: "Ground-truth labels for predictions made on the model's own routes" },
  }, async (request) => {
    await services.registry.getRegisteredModel(request.params.name);
    const results = await services.predictions.feedback(request.body.labels, { model: request.params.name });
    return { results, recorded: results.filter((r) => r.status === 'recorded').length, not_found: results.filter((r) => r.status === 'not_found').length };
  });

  app.get('/models/:name/versions/:version/reference', {
    schema: { params: VersionParams, response, tags, summary: 'The reference profile drift is measured against' },
  }, async (request) => monitoring.getReference(request.params.name, request.params.version));
  app.put('/models/:name/versions/:version/reference', {
    schema: {
      params: VersionParams, querystring: ReferenceQuery, response, tags,
      body: Type.Unknown({ description: 'A sample file (text/csv, application/x-ndjson, application/vnd.apache.parquet), or JSON {"dataset": "NAME@VERSION", "target"?: COLUMN}.' }),
      summary: 'Set the reference profile from a sample or a dataset version',
    },
  }, async (request) => {
    const { name, version } = request.params;
    const by = request.principal.username;
    const body = request.body;
    if (Buffer.isBuffer(body)) {
      const format = (request.query.format ?? sampleFormatOf(request.headers['content-type']) ?? sampleFormatOf(request.query.name)) as SampleFormat | null;
      if (!format || !SAMPLE_FORMATS.includes(format)) {
        throw new InvalidParameterError(`Say what the sample is: ?format=csv|jsonl|parquet, or a content type text/csv, application/x-ndjson or application/vnd.apache.parquet.`, 'format');
      }
      return monitoring.setReferenceFromSample(name, version, body, format, {
        by, ...(request.query.target !== undefined ? { target: request.query.target } : {}), ...(request.query.name !== undefined ? { name: request.query.name } : {}),
      });
    }
    const b = body as { dataset?: unknown; target?: unknown } | null;
    if (!b || typeof b !== 'object' || typeof b.dataset !== 'string') {
      throw new InvalidParameterError('Send a sample file (CSV, JSON Lines, Parquet) or JSON {"dataset": "NAME@VERSION"}.', 'dataset');
    }
    if (b.target !== undefined && typeof b.target !== 'string') throw new InvalidParameterError("'target' must be a column name.", 'target');
    const target = (b.target as string | undefined) ?? request.query.target;
    return monitoring.setReferenceFromDataset(name, version, b.dataset, { by, ...(target !== undefined ? { target } : {}) });
  });
  app.delete('/models/:name/versions/:version/reference', {
    schema: { params: VersionParams, response, tags, summary: 'Remove a stored reference profile' },
  }, async (request) => {
    await monitoring.deleteReference(request.params.name, request.params.version);
    return {};
  });
};
