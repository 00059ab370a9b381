import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { InvalidParameterError, isPuenteError, NotFoundError, statusForCode } from '../../errors/index.js';
import { modelMetadata, parseInferRequest, parseScoringRequest, type HostedModel, type HostedPrediction, type ModelHost, type OutputTensor } from '../../serving/index.js';
import { newPredictionId, type PredictionLog } from '../../predictions/index.js';

/*
 * Prediction endpoints served by `puente server` for every registered version with a servable
 * bundle: the Open Inference Protocol v2 under /v2 and MLflow's scoring protocol under
 * /serve/{model}/{version-or-alias}/invocations. Without a version, /v2 uses the `champion`
 * alias, else the latest version. The version that answered is in the x-puente-model-version
 * header, and the id of the prediction (to quote with its label later) in x-puente-prediction-id.
 */

/** The header that says which version answered. */
export const VERSION_HEADER = 'x-puente-model-version';
/** The id to quote when sending the ground-truth label later. */
export const PREDICTION_ID_HEADER = 'x-puente-prediction-id';

type ModelParams = { model: string; version?: string };

/** Open Inference errors carry `error` (the protocol's field) beside our code and message. */
export function openInferenceErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const code = isPuenteError(error) ? error.code : error.validation ? 'INVALID_PARAMETER_VALUE' : error.statusCode === 413 ? 'REQUEST_TOO_LARGE' : 'INTERNAL_ERROR';
    const status = statusForCode(code);
    const message = status >= 500 && !isPuenteError(error) ? 'Internal error; the server log has the details.' : error.message;
    if (status >= 500) request.log.error({ err: error }, 'inference failed');
    reply.code(status).send({ error: message, error_code: code, message });
  });
}

/** The output tensors an Open Inference request asked for (all when it named none); an unknown name is a 400. */
export function requestedOutputs(asked: readonly string[] | undefined, outputs: OutputTensor[]): OutputTensor[] {
  if (!asked) return outputs;
  const chosen = outputs.filter((o) => asked.includes(o.name));
  if (chosen.length !== asked.length) {
    const known = outputs.map((o) => o.name);
    throw new InvalidParameterError(`Unknown output(s) ${asked.filter((n) => !known.includes(n)).join(', ')}; this model has ${known.join(', ')}.`, 'outputs');
  }
  return chosen;
}

export interface InferenceRoutesOptions {
  readonly host: ModelHost;
  /** Server version for `GET /v2`. */
  readonly version: string;
  /** Whether the server can answer (its store or upstream reachable). */
  readonly ready: () => Promise<boolean>;
  /** A standalone server serves one model: other names are 404, and /invocations sits at the root. */
  readonly only?: { readonly model: string; readonly ref: string | undefined };
  /** Where answered predictions are logged (off the response path); absent: not logged. */
  readonly log?: PredictionLog | null;
}

export const inferenceRoutes: FastifyPluginAsync<InferenceRoutesOptions> = async (app, options) => {
  const { host, only } = options;
  const log = options.log ?? null;
  openInferenceErrors(app);

  /** Predicts, then queues the log entry (sampled; never awaited) under a fresh prediction id. */
  const predict = async (hosted: HostedModel, records: Record<string, unknown>[]): Promise<HostedPrediction & { prediction_id: string }> => {
    const started = performance.now();
    const result = await host.predict(hosted, records);
    const id = newPredictionId();
    if (log && log.sampled()) {
      log.record({
        id, deployment: null, model: result.name, version: result.version, role: null, at: Date.now(), latency_ms: performance.now() - started,
        inputs: records, predictions: result.prediction.predictions,
      });
    }
    return { ...result, prediction_id: id };
  };
  if (only) {
    app.addHook('preHandler', async (request) => {
      const model = (request.params as { model?: string }).model;
      if (model !== undefined && model !== only.model) throw new NotFoundError(`This server serves model '${only.model}' only, not '${model}'.`, 'model');
    });
  }
  /** The reference a request names: its version segment, else (standalone) the served reference. */
  const refOf = (version: string | undefined) => version ?? only?.ref;
  // CSV bodies for /invocations arrive as text.
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.get('/v2', async () => ({ name: 'puente', version: options.version, extensions: [] }));
  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_request, reply) => {
    const ready = await options.ready();
    return reply.code(ready ? 200 : 503).send({ ready });
  });

  const metadata = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const { model } = request.params;
    const hosted = await host.get(model, refOf(request.params.version));
    reply.header(VERSION_HEADER, String(hosted.version));
    return modelMetadata(model, [String(hosted.version)], platformOf(hosted.manifest.format), hosted.manifest.signature);
  };
  const ready = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const { model } = request.params;
    const hosted = await host.get(model, refOf(request.params.version));
    reply.header(VERSION_HEADER, String(hosted.version));
    return { name: model, ready: true };
  };
  const infer = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const { model } = request.params;
    const version = refOf(request.params.version);
    const hosted = await host.get(model, version);
    const parsed = parseInferRequest(request.body, hosted.manifest.signature);
    const result = await predict(hosted, parsed.rows);
    const outputs = requestedOutputs(parsed.outputs, result.prediction.outputs);
    reply.header(VERSION_HEADER, String(result.version));
    reply.header(PREDICTION_ID_HEADER, result.prediction_id);
    return { model_name: model, model_version: String(result.version), id: parsed.id ?? result.prediction_id, parameters: { prediction_id: result.prediction_id }, outputs };
  };

  for (const prefix of ['/v2/models/:model', '/v2/models/:model/versions/:version']) {
    app.get(prefix, metadata);
    app.get(`${prefix}/ready`, ready);
    app.post(`${prefix}/infer`, infer);
  }

  const invocations = async (model: string, ref: string | undefined, request: FastifyRequest, reply: FastifyReply) => {
    const hosted = await host.get(model, ref);
    const records = parseScoringRequest(request.body, request.headers['content-type'], hosted.manifest.signature);
    const result = await predict(hosted, records);
    reply.header(VERSION_HEADER, String(result.version));
    reply.header(PREDICTION_ID_HEADER, result.prediction_id);
    return { predictions: result.prediction.predictions };
  };
  if (only) {
    app.post('/invocations', (request, reply) => invocations(only.model, only.ref, request, reply));
  } else {
    app.post<{ Params: { model: string; ref: string } }>('/serve/:model/:ref/invocations', (request, reply) =>
      invocations(request.params.model, request.params.ref, request, reply),
    );
  }
};

/** Open Inference `platform` names: `<runtime>_<format>`. */
export function platformOf(format: string): string {
  return format === 'onnx' ? 'onnx_onnxv1' : `puente_${format}`;
}
