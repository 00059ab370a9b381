import { randomUUID } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { AppServices } from '../services.js';
import { isPuenteError, statusForCode } from '../../errors/index.js';
import { modelMetadata, parseInferRequest, parseScoringRequest, type HostedPrediction } from '../../serving/index.js';

/*
 * Prediction endpoints served by `puente server` for every registered version with a servable
 * bundle: the Open Inference Protocol v2 under /v2 and MLflow's scoring protocol under
 * /serve/{model}/{version-or-alias}/invocations. Without a version, /v2 uses the `champion`
 * alias, else the latest version. The version that answered is in the x-puente-model-version
 * header.
 */

/** The header that says which version answered. */
export const VERSION_HEADER = 'x-puente-model-version';

type ModelParams = { model: string; version?: string };

/** Open Inference errors carry `error` (the protocol's field) beside our code and message. */
function openInferenceErrors(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const code = isPuenteError(error) ? error.code : error.validation ? 'INVALID_PARAMETER_VALUE' : error.statusCode === 413 ? 'REQUEST_TOO_LARGE' : 'INTERNAL_ERROR';
    const status = statusForCode(code);
    const message = status >= 500 && !isPuenteError(error) ? 'Internal error; the server log has the details.' : error.message;
    if (status >= 500) request.log.error({ err: error }, 'inference failed');
    reply.code(status).send({ error: message, error_code: code, message });
  });
}

export const inferenceRoutes: FastifyPluginAsync<{ services: AppServices }> = async (app, { services }) => {
  const host = services.models;
  openInferenceErrors(app);
  // CSV bodies for /invocations arrive as text.
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));

  app.get('/v2', async () => ({ name: 'puente', version: services.version, extensions: [] }));
  app.get('/v2/health/live', async () => ({ live: true }));
  app.get('/v2/health/ready', async (_request, reply) => {
    const ready = await services.db.ping().then(() => true, () => false);
    return reply.code(ready ? 200 : 503).send({ ready });
  });

  const metadata = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const { model, version } = request.params;
    const hosted = await host.get(model, version);
    reply.header(VERSION_HEADER, String(hosted.version));
    return modelMetadata(model, [String(hosted.version)], platformOf(hosted.manifest.format), hosted.manifest.signature);
  };
  const ready = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const { model, version } = request.params;
    const hosted = await host.get(model, version);
    reply.header(VERSION_HEADER, String(hosted.version));
    return { name: model, ready: true };
  };
  const infer = async (request: FastifyRequest<{ Params: ModelParams }>, reply: FastifyReply) => {
    const { model, version } = request.params;
    const hosted = await host.get(model, version);
    const parsed = parseInferRequest(request.body, hosted.manifest.signature);
    const result = await host.predict(model, version, parsed.rows);
    const outputs = parsed.outputs ? result.prediction.outputs.filter((o) => parsed.outputs!.includes(o.name)) : result.prediction.outputs;
    if (parsed.outputs && outputs.length !== parsed.outputs.length) {
      const known = result.prediction.outputs.map((o) => o.name);
      const unknown = parsed.outputs.filter((n) => !known.includes(n));
      reply.code(400);
      return { error: `Unknown output(s) ${unknown.join(', ')}; this model has ${known.join(', ')}.`, error_code: 'INVALID_PARAMETER_VALUE' };
    }
    reply.header(VERSION_HEADER, String(result.version));
    return { model_name: model, model_version: String(result.version), id: parsed.id ?? randomUUID(), outputs };
  };

  for (const prefix of ['/v2/models/:model', '/v2/models/:model/versions/:version']) {
    app.get(prefix, metadata);
    app.get(`${prefix}/ready`, ready);
    app.post(`${prefix}/infer`, infer);
  }

  app.post<{ Params: { model: string; ref: string } }>('/serve/:model/:ref/invocations', async (request, reply) => {
    const { model, ref } = request.params;
    const hosted = await host.get(model, ref);
    const records = parseScoringRequest(request.body, request.headers['content-type'], hosted.manifest.signature);
    const result: HostedPrediction = await host.predict(model, ref, records);
    reply.header(VERSION_HEADER, String(result.version));
    return { predictions: result.prediction.predictions };
  });
};

/** Open Inference `platform` names: `<runtime>_<format>`. */
function platformOf(format: string): string {
  return format === 'onnx' ? 'onnx_onnxv1' : `puente_${format}`;
}
