import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidParameterError } from '../../errors/index.js';
import {
  EXPLAIN_METHODS, explainHosted, permutationImportance,
  type BundleOpener, type ExplainMethod, type ExplainOptions, type Explanation,
} from '../../explain/index.js';
import { computeMetric, defaultMetric, higherIsBetter, readLabels } from '../../model-testing/index.js';
import { parseInferRequest, parseScoringRequest, storeCatalog, type HostedModel, type ModelHost, type Row } from '../../serving/index.js';
import type { AppServices } from '../services.js';
import { VERSION_HEADER, openInferenceErrors } from './inference.js';

/*
 * Explanations of served model versions, beside the prediction endpoints and under the same
 * access policy (viewers of the model, and tokens scoped to inference):
 *   POST /serve/{model}/{version-or-alias}/explain     rows as /invocations takes them, options in `params`
 *   POST /serve/{model}/{version-or-alias}/importance  permutation importance on labelled rows
 *   POST /v2/models/{model}[/versions/{v}]/explain      Open-Inference-style: input tensors in,
 *        one output tensor per input column (its contributions) plus base_value and value out
 */

type Params = Record<string, unknown>;

function field<T>(params: Params, name: string, check: (v: unknown) => v is T, what: string): T | undefined {
  const v = params[name];
  if (v === undefined || v === null) return undefined;
  if (!check(v)) throw new InvalidParameterError(`params.${name} must be ${what}.`, name);
  return v;
}
const isInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
const isString = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isRecords = (v: unknown): v is Record<string, unknown>[] => Array.isArray(v) && v.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r));

/** Explanation options from request parameters (snake_case, as in the request body). */
export function explainOptions(params: Params, background?: Record<string, unknown>[]): ExplainOptions {
  const method = field(params, 'method', isString, `one of ${EXPLAIN_METHODS.join(', ')}`);
  if (method !== undefined && !EXPLAIN_METHODS.includes(method as ExplainMethod)) {
    throw new InvalidParameterError(`params.method must be one of ${EXPLAIN_METHODS.join(', ')}; got '${method}'.`, 'method');
  }
  const nsamples = params.nsamples === 'auto' ? 'auto' : field(params, 'nsamples', isInt, "'auto' or a positive integer");
  const link = field(params, 'link', isString, 'identity or logit');
  if (link !== undefined && link !== 'identity' && link !== 'logit') throw new InvalidParameterError(`params.link must be identity or logit; got '${link}'.`, 'link');
  return {
    method: method as ExplainMethod | undefined,
    background,
    backgroundKmeans: field(params, 'background_kmeans', isInt, 'a positive integer (clusters)'),
    backgroundRows: field(params, 'background_rows', isInt, 'a positive integer'),
    nsamples,
    maxEvals: field(params, 'max_evals', isInt, 'a positive integer'),
    link: link as 'identity' | 'logit' | undefined,
    seed: field(params, 'seed', (v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0, 'a non-negative integer'),
  };
}

/** Drops the columns a record has beyond the model's inputs (when asked to), returning their names. */
function dropExtraColumns(hosted: HostedModel, records: Record<string, unknown>[]): { records: Record<string, unknown>[]; ignored: string[] } {
  const inputs = new Set(hosted.manifest.signature.inputs.map((c) => c.name));
  const ignored = new Set<string>();
  const out = records.map((r) => {
    if (r === null || typeof r !== 'object') return r;
    const copy: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(r)) {
      if (inputs.has(k)) copy[k] = v;
      else ignored.add(k);
    }
    return copy;
  });
  return { records: out, ignored: [...ignored] };
}

export function paramsOf(request: FastifyRequest): Params {
  const body = request.body as { params?: unknown } | null;
  const fromBody = body && typeof body === 'object' && !Array.isArray(body) ? body.params : undefined;
  if (fromBody !== undefined && (fromBody === null || typeof fromBody !== 'object' || Array.isArray(fromBody))) {
    throw new InvalidParameterError("'params' must be an object of options.", 'params');
  }
  // CSV bodies carry their options in the query string.
  const query = Object.fromEntries(Object.entries(request.query as Record<string, string>).map(([k, v]) => [k, /^\d+$/.test(v) ? Number(v) : v]));
  return { ...query, ...(fromBody as Params | undefined) };
}

export function backgroundOf(params: Params, hosted: HostedModel): Record<string, unknown>[] | undefined {
  const bg = params.background;
  if (bg === undefined || bg === null) return undefined;
  if (isRecords(bg)) return bg;
  if (typeof bg === 'object' && !Array.isArray(bg)) return parseScoringRequest(bg, 'application/json', hosted.manifest.signature);
  throw new InvalidParameterError('params.background must be a list of records, or an object in a scoring format (dataframe_split, dataframe_records, …).', 'background');
}

export const explainRoutes: FastifyPluginAsync<{ services: AppServices }> = async (app, { services }) => {
  const host: ModelHost = services.models;
  const bundles: BundleOpener = storeCatalog(services.registry, services.artifacts);
  // The error shape of the prediction endpoints: the Open Inference `error` field beside code and message.
  openInferenceErrors(app);
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.post<{ Params: { model: string; ref: string } }>('/serve/:model/:ref/explain', async (request, reply) => {
    const hosted = await host.get(request.params.model, request.params.ref);
    const params = paramsOf(request);
    let records = parseScoringRequest(request.body, request.headers['content-type'], hosted.manifest.signature);
    let background = backgroundOf(params, hosted);
    let ignored: string[] = [];
    if (params.extra_columns === 'drop') {
      ({ records, ignored } = dropExtraColumns(hosted, records));
      if (background) background = dropExtraColumns(hosted, background).records;
    }
    const explanation: Explanation & { ignored_columns?: string[] } = await explainHosted(hosted, records, { ...explainOptions(params, background), bundles });
    reply.header(VERSION_HEADER, String(hosted.version));
    return ignored.length > 0 ? { ...explanation, ignored_columns: ignored } : explanation;
  });

  app.post<{ Params: { model: string; ref: string } }>('/serve/:model/:ref/importance', async (request, reply) => {
    const hosted = await host.get(request.params.model, request.params.ref);
    const params = paramsOf(request);
    const target = field(params, 'target', isString, 'the name of the label column');
    if (!target) throw new InvalidParameterError('params.target must name the label column of the rows.', 'target');
    const task = hosted.manifest.task;
    const metric = field(params, 'metric', isString, 'a metric name') ?? defaultMetric(task);
    const repeats = field(params, 'repeats', isInt, 'a positive integer');
    const threshold = field(params, 'threshold', (v): v is number => typeof v === 'number' && v > 0 && v < 1, 'a number between 0 and 1');
    const parsed = parseScoringRequest(request.body, request.headers['content-type'], hosted.manifest.signature);
    if (parsed.length === 0) throw new InvalidParameterError('There are no rows; send labelled rows to compute permutation importance on.', 'inputs');
    if (parsed.length > 100_000) throw new InvalidParameterError(`At most 100,000 rows per request; got ${parsed.length}. Send a sample.`, 'inputs');
    const labels = readLabels(parsed, target, hosted.manifest.classes);
    // The label column goes; other columns the model does not take are refused unless dropped.
    const { records, ignored: dropped } = dropExtraColumns(hosted, parsed);
    const ignored = dropped.filter((c) => c !== target);
    if (ignored.length > 0 && params.extra_columns !== 'drop') {
      throw new InvalidParameterError(`Column(s) ${ignored.join(', ')} are not inputs of this model; remove them or set params.extra_columns to "drop".`, 'inputs');
    }
    const rows = hosted.check(records);
    const predict = async (rs: Record<string, unknown>[]) => {
      const p = await hosted.predictor.predict(rs as Row[]);
      return Float64Array.from(p.predictions.flatMap((v) => (Array.isArray(v) ? v : [v])) as number[]);
    };
    const k = (await predict(rows.slice(0, 1))).length;
    const result = await permutationImportance(
      {
        records: rows,
        columns: hosted.manifest.signature.inputs.map((c) => c.name),
        predict,
        score: (outputs) => computeMetric(metric, task, labels, outputs, k, { threshold }),
        higherIsBetter: higherIsBetter(metric),
      },
      { repeats, seed: field(params, 'seed', (v): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0, 'a non-negative integer') },
    );
    reply.header(VERSION_HEADER, String(hosted.version));
    return {
      model: hosted.name,
      version: hosted.version,
      metric,
      higher_is_better: higherIsBetter(metric),
      baseline: result.baseline,
      rows: rows.length,
      repeats: repeats ?? 5,
      importances: [...result.importances].sort((a, b) => b.importance - a.importance).map(({ column, importance, std }) => ({ column, importance, std })),
      ...(ignored.length > 0 ? { ignored_columns: ignored } : {}),
    };
  });

  // Open-Inference-style explain. Options come as request `parameters` (scalars, as the protocol
  // allows); a background for the sampling methods may come as `background: {inputs: [...]}`.
  const v2Explain = async (request: FastifyRequest<{ Params: { model: string; version?: string } }>, reply: FastifyReply) => {
    const { model } = request.params;
    const hosted = await host.get(model, request.params.version);
    const body = request.body as { parameters?: unknown; background?: unknown } | null;
    const parsed = parseInferRequest(request.body, hosted.manifest.signature);
    const parameters = body?.parameters;
    if (parameters !== undefined && (parameters === null || typeof parameters !== 'object' || Array.isArray(parameters))) {
      throw new InvalidParameterError("'parameters' must be an object.", 'parameters');
    }
    const background = body?.background === undefined ? undefined : parseInferRequest(body.background, hosted.manifest.signature).rows;
    const explanation = await explainHosted(hosted, parsed.rows, { ...explainOptions((parameters ?? {}) as Params, background), bundles });
    const n = explanation.rows.length;
    const K = explanation.output_names.length;
    const tensor = (name: string, values: (r: Explanation['rows'][number]) => number | number[]) => ({
      name,
      datatype: 'FP64',
      shape: K === 1 ? [n] : [n, K],
      data: explanation.rows.flatMap((r) => values(r)),
    });
    reply.header(VERSION_HEADER, String(hosted.version));
    return {
      model_name: model,
      model_version: String(hosted.version),
      id: parsed.id ?? randomUUID(),
      parameters: { method: explanation.method, explained_output: explanation.output, output_names: explanation.output_names.join(',') },
      outputs: [
        ...explanation.columns.map((c) => tensor(c, (r) => r.contributions[c])),
        tensor('base_value', (r) => r.base_value),
        tensor('value', (r) => r.value),
      ],
    };
  };
  app.post('/v2/models/:model/explain', v2Explain);
  app.post('/v2/models/:model/versions/:version/explain', v2Explain);
};
