import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { NotFoundError } from '../../errors/index.js';
import { modelMetadata, parseInferRequest, parseScoringRequest } from '../../serving/index.js';
import type { DeploymentGateway, Routed, RoutedPrediction } from '../../deployments/index.js';
import { PREDICTION_ID_HEADER, VERSION_HEADER, openInferenceErrors, platformOf, requestedOutputs } from './inference.js';
import { explainHosted, type BundleOpener } from '../../explain/index.js';
import { backgroundOf, explainOptions, paramsOf } from './explain.js';

/*
 * Prediction endpoints of deployments. Under /deployments/{name} (or at the root of
 * `puente serve --deployment`), /invocations and the Open Inference /v2 paths answer exactly as
 * a standalone model server does; the policy picks the version, and headers say which answered.
 */

/** A user or visitor id: requests with the same key always reach the same version. */
export const REQUEST_KEY_HEADER = 'x-puente-request-key';
/** Reaches one version on purpose: a role (`green`, `canary`, `stable`, …), a version number, or MODEL@VERSION. */
export const TARGET_HEADER = 'x-puente-target';
export const MODEL_HEADER = 'x-puente-model';
export const ROLE_HEADER = 'x-puente-deployment-role';
export const REVISION_HEADER = 'x-puente-deployment-revision';

export interface DeploymentInferenceOptions {
  readonly gateway: DeploymentGateway;
  readonly version: string;
  readonly ready: () => Promise<boolean>;
  /** `puente serve --deployment NAME`: that deployment at the root. */
  readonly only?: string;
  /** Bundles of this store: with them, `/explain` explains the version the policy picks. */
  readonly bundles?: BundleOpener;
}

type Params = { deployment?: string; model?: string; version?: string };

const header = (request: FastifyRequest, name: string): string | undefined => {
  const v = request.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

export const deploymentInferenceRoutes: FastifyPluginAsync<DeploymentInferenceOptions> = async (app, options) => {
  const { gateway, only } = options;
  openInferenceErrors(app);
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  const nameOf = (params: Params) => only ?? params.deployment!;

  /** The route of a request: a /versions/{v} segment or the target header pins a version. */
  const route = async (request: FastifyRequest<{ Params: Params }>): Promise<Routed> => {
    const name = nameOf(request.params);
    const { model, version } = request.params;
    const target = version !== undefined ? (model !== undefined ? `${await modelNameOf(name, model)}@${version}` : version) : header(request, TARGET_HEADER);
    if (model !== undefined) await modelNameOf(name, model);
    return gateway.route(name, header(request, REQUEST_KEY_HEADER), target);
  };

  /** The model name in a /v2 path must be the deployment's name or one of its models. */
  const modelNameOf = async (name: string, model: string): Promise<string> => {
    const d = await gateway.deployment(name);
    if (model === name) return d.spec.versions.find((s) => s.role === 'stable')!.model;
    if (d.spec.versions.some((s) => s.model === model)) return model;
    throw new NotFoundError(`Deployment '${name}' serves ${[...new Set(d.spec.versions.map((s) => s.model))].join(', ')}, not '${model}'.`, 'model');
  };

  const answered = (reply: FastifyReply, routed: Routed, result?: RoutedPrediction) => {
    reply.header(VERSION_HEADER, String(routed.slot.version));
    reply.header(MODEL_HEADER, routed.slot.model);
    reply.header(ROLE_HEADER, routed.slot.role);
    reply.header(REVISION_HEADER, String(routed.deployment.revision));
    if (result) reply.header(PREDICTION_ID_HEADER, result.prediction_id);
  };

  app.get('/v2', async () => ({ name: 'puente', version: options.version, extensions: [] }));
  app.get('/v2/health/live', async () => ({ live: true }));
  app.get<{ Params: Params }>('/v2/health/ready', async (request, reply) => {
    // An unknown deployment is 404 (not "not ready"), as for an unknown model.
    await gateway.deployment(nameOf(request.params));
    const ready = await options.ready();
    return reply.code(ready ? 200 : 503).send({ ready });
  });

  const metadata = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const routed = await route(request);
    answered(reply, routed);
    return modelMetadata(request.params.model!, [String(routed.slot.version)], platformOf(routed.hosted.manifest.format), routed.hosted.manifest.signature);
  };
  const ready = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const routed = await route(request);
    answered(reply, routed);
    return { name: request.params.model, ready: true };
  };
  const infer = async (request: FastifyRequest<{ Params: Params }>, reply: FastifyReply) => {
    const routed = await route(request);
    const parsed = parseInferRequest(request.body, routed.hosted.manifest.signature);
    const result = await gateway.predict(routed, parsed.rows);
    const outputs = requestedOutputs(parsed.outputs, result.prediction.outputs);
    answered(reply, routed, result);
    return {
      model_name: request.params.model, model_version: String(result.version), id: parsed.id ?? result.prediction_id,
      parameters: { prediction_id: result.prediction_id, deployment: routed.deployment.name, role: routed.slot.role },
      outputs,
    };
  };
  for (const prefix of ['/v2/models/:model', '/v2/models/:model/versions/:version']) {
    app.get(prefix, metadata);
    app.get(`${prefix}/ready`, ready);
    app.post(`${prefix}/infer`, infer);
  }

  if (options.bundles) {
    const bundles = options.bundles;
    // Explains rows on the version the policy (or the target header) picks, as /serve/{model}/{ref}/explain does.
    app.post<{ Params: Params }>('/explain', async (request, reply) => {
      const routed = await route(request);
      const params = paramsOf(request);
      const records = parseScoringRequest(request.body, request.headers['content-type'], routed.hosted.manifest.signature);
      const explanation = await explainHosted(routed.hosted, records, { ...explainOptions(params, backgroundOf(params, routed.hosted)), bundles });
      answered(reply, routed);
      return explanation;
    });
  }

  app.post<{ Params: Params }>('/invocations', async (request, reply) => {
    const routed = await route(request);
    const records = parseScoringRequest(request.body, request.headers['content-type'], routed.hosted.manifest.signature);
    const result = await gateway.predict(routed, records);
    answered(reply, routed, result);
    return { predictions: result.prediction.predictions };
  });
};
