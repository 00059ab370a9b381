import { timingSafeEqual, createHash } from 'node:crypto';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Registry } from 'prom-client';
import type { ModelHost } from '../serving/index.js';
import { UnauthenticatedError } from '../errors/index.js';
import { installErrorHandler } from './error-handler.js';
import { installRequestMetrics } from './request-metrics.js';
import { inferenceRoutes } from './routes/inference.js';
import { deploymentInferenceRoutes } from './routes/deployment-inference.js';
import type { DeploymentGateway } from '../deployments/index.js';

export interface StandaloneAppOptions {
  readonly host: ModelHost;
  readonly model: string;
  /** Version number or alias; undefined: champion, else the latest version. */
  readonly ref: string | undefined;
  readonly version: string;
  readonly metricsRegistry: Registry;
  readonly bodyLimitBytes: number;
  readonly logger: boolean | { level: string };
  /** When set, every prediction and metadata request needs `Authorization: Bearer <token>`. */
  readonly authToken?: string;
  /** Whether the model's source (store or upstream server) is reachable. */
  readonly ready: () => Promise<boolean>;
  /** Serve a deployment (its policy picks the version) instead of one model; `model` is then the deployment's name. */
  readonly deployment?: { readonly name: string; readonly gateway: DeploymentGateway };
}

/** Probes and metrics stay open, as orchestrators call them without credentials. */
const OPEN_PATHS = new Set(['/ping', '/health', '/version', '/metrics', '/v2', '/v2/health/live', '/v2/health/ready']);

/**
 * The app of `puente serve`: one model, answering as `mlflow models serve` does (`/invocations`,
 * `/ping`, `/health`, `/version` at the root) plus the same Open Inference `/v2` paths as
 * `puente server`.
 */
export async function buildStandaloneApp(o: StandaloneAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: o.logger,
    bodyLimit: o.bodyLimitBytes,
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
  });
  installErrorHandler(app);
  installRequestMetrics(app, o.metricsRegistry);
  if (o.authToken) {
    const expected = createHash('sha256').update(`Bearer ${o.authToken}`).digest();
    app.addHook('onRequest', async (request) => {
      if (OPEN_PATHS.has(request.url.split('?')[0]!)) return;
      const given = createHash('sha256').update(request.headers.authorization ?? '').digest();
      if (!timingSafeEqual(given, expected)) throw new UnauthenticatedError('This model server needs Authorization: Bearer <token>.');
    });
  }
  const loaded = async () => (o.deployment ? o.deployment.gateway.route(o.deployment.name) : o.host.get(o.model, o.ref)).then(() => true, () => false);
  // MLflow's scoring server answers /ping and /health with 200 once the model is loaded.
  app.get('/ping', async (_request, reply) => reply.code((await loaded()) ? 200 : 503).type('text/plain').send('\n'));
  app.get('/health', async (_request, reply) => reply.code((await loaded()) ? 200 : 503).type('text/plain').send('\n'));
  app.get('/version', async (_request, reply) => reply.type('text/plain').send(o.version));
  app.get('/metrics', async (_request, reply) => reply.type(o.metricsRegistry.contentType).send(await o.metricsRegistry.metrics()));
  if (o.deployment) {
    await app.register(deploymentInferenceRoutes, { gateway: o.deployment.gateway, version: o.version, ready: o.ready, only: o.deployment.name });
  } else {
    await app.register(inferenceRoutes, { host: o.host, version: o.version, ready: o.ready, only: { model: o.model, ref: o.ref } });
  }
  app.addHook('onClose', async () => o.host.close());
  return app;
}
