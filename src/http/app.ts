import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { AppServices } from './services.js';
import { installErrorHandler } from './error-handler.js';
import { installRequestMetrics } from './request-metrics.js';
import { installAccessControl } from './access/index.js';
import { installCors, installHsts, installRateLimit } from './hardening.js';
import { healthRoutes } from './routes/health.js';
import { inferenceRoutes } from './routes/inference.js';
import { explainRoutes } from './routes/explain.js';
import { deploymentInferenceRoutes } from './routes/deployment-inference.js';
import { storeCatalog } from '../serving/index.js';
import { nativeApiRoutes } from './routes/index.js';
import { mlflowCompatRoutes } from './mlflow-compat/index.js';

/** One registered route. */
export interface RouteEntry {
  readonly method: string;
  readonly url: string;
  /** Declared reachable without credentials. */
  readonly public: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered on the app, in registration order. */
    readonly routeTable: readonly RouteEntry[];
  }
}

/**
 * Remembers found answers of a lookup whose answer never changes (a run's experiment), so
 * authorizing a request on a run costs no query after the first; bounded, oldest dropped first.
 */
function cachedLookup(lookup: (id: string) => Promise<string | null>, size = 50_000): (id: string) => Promise<string | null> {
  const cache = new Map<string, string>();
  return async (id) => {
    const hit = cache.get(id);
    if (hit !== undefined) return hit;
    const found = await lookup(id);
    if (found !== null) {
      if (cache.size >= size) cache.delete(cache.keys().next().value as string);
      cache.set(id, found);
    }
    return found;
  };
}

/** Options of the HTTP application (not of the listening socket). */
export interface AppOptions {
  readonly bodyLimitBytes: number;
  /** pino options, or false for no request logging (tests). */
  readonly logger: boolean | { level: string; stream?: { write(line: string): void } };
  /** PEM certificate and key: serve HTTPS (and send HSTS). */
  readonly https?: { readonly cert: Buffer; readonly key: Buffer };
  /** Browser origins allowed to call the API; none: CORS off. */
  readonly corsOrigins?: readonly string[];
  /** Default requests per minute per token; null or absent: only tokens with their own limit are limited. */
  readonly rateLimitPerMinute?: number | null;
}

/** Credentials never reach the log, whatever a log line includes. */
const LOG_REDACT = {
  paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', '*.password', '*.token', 'password', 'token'],
  censor: '[redacted]',
};

/**
 * Builds the Fastify application with every route, without listening. Tests call `inject()` on
 * it; the server command calls `listen()`.
 */
export async function buildApp(services: AppServices, options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger === false || options.logger === true ? options.logger : { ...options.logger, redact: LOG_REDACT },
    ...(options.https ? { https: { cert: options.https.cert, key: options.https.key } } : {}),
    bodyLimit: options.bodyLimitBytes,
    // Request lines would dominate the log under ingestion load; errors are logged by the error handler.
    logController: new LogController({ disableRequestLogging: true }),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
    ajv: { customOptions: { coerceTypes: 'array', removeAdditional: false, allErrors: false } },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // CORS preflights carry no credentials: answered before access control runs.
  installCors(app, options.corsOrigins ?? []);
  // Policies are attached first, so the route table below sees them.
  installAccessControl(app, {
    auth: services.auth,
    audit: services.audit,
    lookup: {
      experimentOfRun: cachedLookup((runId) => services.tracking.experimentOfRun(runId)),
      // Logged models, like runs, never move between experiments.
      experimentOfLoggedModel: cachedLookup((modelId) => services.tracking.experimentOfLoggedModel(modelId)),
      experimentIdByName: (name) => services.tracking.getExperimentByName(name).then((e) => e.experiment_id, () => null),
    },
    snapshot: async (kind, id) => {
      if (kind === 'experiment') {
        const e = await services.tracking.getExperiment(id);
        return { name: e.name, lifecycle_stage: e.lifecycle_stage };
      }
      const m = await services.registry.getRegisteredModel(id);
      return { name: m.name, description: m.description, aliases: m.aliases };
    },
  });

  // Audit records still queued are written before the store closes.
  app.addHook('onClose', async () => {
    await services.canaryController.stop();
    await services.trafficFlusher.stop();
    await services.predictions.close();
    await services.audit?.flush();
    await services.models.close();
  });

  // Every route, as registered; the route-table and fuzz tests walk it.
  const routeTable: RouteEntry[] = [];
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) {
      if (method !== 'HEAD') routeTable.push({ method, url: route.url, public: route.config?.policy?.kind === 'public' });
    }
  });
  app.decorate('routeTable', routeTable);

  installErrorHandler(app);
  installRequestMetrics(app, services.metricsRegistry);
  if (options.https) installHsts(app);
  await installRateLimit(app, options.rateLimitPerMinute ?? null);

  await app.register(swagger, {
    openapi: {
      info: { title: 'Puente API', version: services.version, description: 'Native Puente API (/api/v1).' },
    },
    // Only the native API is documented here; the MLflow-compatible API follows MLflow's own docs.
    transform: ({ schema, url }) => ({ schema: { ...schema, hide: !url.startsWith('/api/v1') } as typeof schema, url }),
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(healthRoutes, { services });
  await app.register(inferenceRoutes, { host: services.models, version: services.version, ready: () => services.db.ping().then(() => true, () => false), log: services.predictions });
  await app.register(explainRoutes, { services });
  await app.register(deploymentInferenceRoutes, {
    prefix: '/deployments/:deployment', gateway: services.gateway, version: services.version, ready: () => services.db.ping().then(() => true, () => false),
    bundles: storeCatalog(services.registry, services.artifacts),
  });
  await app.register(mlflowCompatRoutes, { services });
  await app.register(nativeApiRoutes, { services, prefix: '/api/v1' });
  return app;
}
