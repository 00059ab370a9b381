import type { FastifyInstance } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { loadConfig, redact, type PuenteConfig } from './config/index.js';
import { createDb, type PuenteDb } from './db/index.js';
import { createArtifactStore, type ArtifactStore } from './artifacts/index.js';
import { TrackingService } from './tracking/index.js';
import { RegistryService } from './registry/index.js';
import { AuthService, type ResourceRef } from './auth/index.js';
import { AuditService } from './audit/index.js';
import { buildApp, type AppServices } from './http/index.js';
import { PUENTE_VERSION } from './version.js';

/**
 * Builds every service on an open store and artifact store. The one place that wires concrete
 * implementations together; tests call it with their own store.
 */
export function composeServices(db: PuenteDb, artifacts: ArtifactStore, options: ComposeOptions = {}): AppServices {
  const metricsRegistry = new Registry();
  collectDefaultMetrics({ register: metricsRegistry, prefix: 'puente_' });
  const tracking = new TrackingService({ db, artifacts });
  const registry = new RegistryService({ db, tracking });
  const resourceExists = async (ref: ResourceRef): Promise<boolean> => {
    const found = ref.type === 'experiment' ? tracking.getExperiment(ref.id) : ref.type === 'registered_model' ? registry.getRegisteredModel(ref.id) : null;
    // Datasets and deployments have no store yet: nothing of theirs can be granted.
    return found === null ? false : found.then(() => true, () => false);
  };
  const auth = new AuthService({ db, resourceExists });
  const audit = options.audit === false ? null : new AuditService({ db });
  return { version: PUENTE_VERSION, db, artifacts, tracking, registry, metricsRegistry, auth, audit };
}

/** Choices of the composition root that tests and benchmarks vary. */
export interface ComposeOptions {
  /** Write the audit log (default true); off only to measure what it costs. */
  readonly audit?: boolean;
}

/** A running server. */
export interface RunningServer {
  readonly app: FastifyInstance;
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Opens the stores named by configuration, applies migrations, and listens.
 *
 * @example
 * const server = await startServer(loadConfig(process.env, { port: 0 }));
 */
export async function startServer(config: PuenteConfig): Promise<RunningServer> {
  const db = await createDb(config.database);
  try {
    await db.migrate();
  } catch (err) {
    await db.close();
    throw err;
  }
  const artifacts = createArtifactStore(config.artifacts);
  const services = composeServices(db, artifacts);
  const app = await buildApp(services, {
    bodyLimitBytes: config.bodyLimitBytes,
    logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
  });
  await app.listen({ host: config.host, port: config.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const store = config.database.kind === 'sqlite' ? `sqlite ${config.database.path}` : `postgres ${redact(config.database.url)}`;
  app.log.info(`Puente ${PUENTE_VERSION} on http://${host}:${port} (store: ${store}; artifacts: ${artifacts.description})`);
  return {
    app,
    url: `http://${host}:${port}`,
    async close() {
      await app.close();
      await db.close();
    },
  };
}

export { loadConfig };
