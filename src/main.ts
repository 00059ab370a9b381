import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { loadConfig, redact, isLoopbackHost, type PuenteConfig } from './config/index.js';
import { createDb, type PuenteDb } from './db/index.js';
import { createArtifactStore, EncryptedArtifactStore, parseMasterKey, type ArtifactStore } from './artifacts/index.js';
import { NotFoundError, PuenteError } from './errors/index.js';
import { TrackingService } from './tracking/index.js';
import { DatasetService, LineageService } from './datasets/index.js';
import { RegistryService } from './registry/index.js';
import { AuthService, type ResourceRef } from './auth/index.js';
import { AuditService } from './audit/index.js';
import { WebhookSender, WebhookTargetPolicy } from './webhooks/index.js';
import { ModelHost, RUNTIMES, remoteCatalog, storeCatalog, type ModelCatalog } from './serving/index.js';
import { explainHosted, type ExplainMethod } from './explain/index.js';
import { PuenteApiError, PuenteClient } from './client/index.js';
import { EventBus } from './events/index.js';
import { AlertService } from './monitoring/index.js';
import { PredictionLog, labelRuleFor, type LabelRule, type LabelTarget } from './predictions/index.js';
import { LiveMonitor, LivePerformance, MonitoringRepo, MonitoringService } from './monitoring/index.js';
import {
  CanaryController, DeploymentGateway, DeploymentRepo, DeploymentService, DeploymentStatusReader, RemoteTelemetry, TrafficFlusher, TrafficRecorder,
  type DeploymentSource,
} from './deployments/index.js';
import { buildApp, buildStandaloneApp, type AppServices } from './http/index.js';
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
  const datasets = new DatasetService({ db, artifacts });
  const deploymentRepo = new DeploymentRepo(db);
  const resourceExists = async (ref: ResourceRef): Promise<boolean> => {
    if (ref.type === 'deployment') return (await deploymentRepo.get(ref.id)) !== null;
    if (ref.type === 'dataset') return datasets.datasetExists(ref.id);
    const found = ref.type === 'experiment' ? tracking.getExperiment(ref.id) : ref.type === 'registered_model' ? registry.getRegisteredModel(ref.id) : null;
    return found === null ? false : found.then(() => true, () => false);
  };
  const auth = new AuthService({ db, resourceExists });
  const audit = options.audit === false ? null : new AuditService({ db });
  const webhooks = new WebhookSender({ policy: new WebhookTargetPolicy(options.webhookAllowedHosts ?? []) });
  const catalog = storeCatalog(registry, artifacts);
  const models = new ModelHost({ catalog, runtimes: RUNTIMES, metrics: metricsRegistry });
  const events = new EventBus();
  const alerts = new AlertService({ db, registry: metricsRegistry, events, webhooks, intervalMs: options.alertEvalMs });
  // What labels a prediction takes follows its model's task; an A/B test on a business value takes any number.
  const labelRule = async (target: LabelTarget): Promise<LabelRule | null> => {
    if (target.deployment !== null) {
      const d = await deployments.get(target.deployment).catch(() => null);
      if (d?.spec.ab?.metric === 'value') return { kind: 'any' };
    }
    const hosted = await models.get(target.model, String(target.version)).catch(() => null);
    return hosted ? labelRuleFor(hosted.manifest.task, hosted.manifest.classes) : null;
  };
  const retentionMs = options.predictionRetentionDays ? options.predictionRetentionDays * 86_400_000 : null;
  const predictions = new PredictionLog(db, { sampleRate: options.predictionSampleRate, metrics: metricsRegistry, labelRule, retentionMs });
  const recorder = new TrafficRecorder();
  const flusher = new TrafficFlusher({ recorder, repo: deploymentRepo, periodMs: options.trafficFlushMs });
  const gateway = new DeploymentGateway({
    host: models, recorder, log: predictions, metrics: metricsRegistry, refreshMs: options.deploymentRefreshMs,
    source: (name) => deployments.get(name),
    // Explanations stored with logged predictions (deployments that ask for them).
    explain: async (hosted, records, method) => {
      const e = await explainHosted(hosted, records, { method: method as ExplainMethod | undefined, bundles: catalog });
      return e.rows.map((r) => ({ method: e.method, output: e.output, base_value: r.base_value, contributions: r.contributions }));
    },
  });
  const deployments = new DeploymentService({ repo: deploymentRepo, catalog, host: models, gateway, log: predictions, events });
  const canaryController = new CanaryController({ service: deployments, repo: deploymentRepo, flusher, log: predictions, tickMs: options.canaryTickMs });
  const deploymentStatus = new DeploymentStatusReader({ service: deployments, repo: deploymentRepo, log: predictions, flusher, gateway });
  const monitoringRepo = new MonitoringRepo(db);
  const warn = (err: unknown, context: string) => process.emitWarning(`${context}: ${(err as Error)?.message ?? String(err)}`, 'PuenteMonitoring');
  const monitoringWindowMs = options.monitoringWindowMs ?? 5 * 60_000;
  const liveMonitor = new LiveMonitor({
    repo: monitoringRepo, events, metrics: metricsRegistry, windowMs: monitoringWindowMs, onError: warn,
    reference: (model, version) => monitoring.reference(model, version),
    settings: async (deployment) => (await monitoringRepo.getSettings(deployment)) ?? {},
  });
  const livePerformance = new LivePerformance({
    log: predictions, metrics: metricsRegistry, events, windowMs: monitoringWindowMs, onError: warn,
    manifest: async (model, version) => {
      const { manifest } = await models.get(model, String(version));
      return { task: manifest.task, ...(manifest.classes ? { classes: manifest.classes } : {}) };
    },
    reference: (model, version) => monitoring.reference(model, version),
  });
  const monitoring: MonitoringService = new MonitoringService({
    repo: monitoringRepo, monitor: liveMonitor, performance: livePerformance, host: models, onError: warn,
    deploymentExists: async (name) => void (await deployments.get(name)),
    datasetRows: async (name, ref) => {
      const version = await datasets.resolveVersion(name, ref);
      async function* batches() {
        for await (const b of datasets.records(name, version)) yield b.rows.map((row) => Object.fromEntries(b.columns.map((c, i) => [c, row[i]])));
      }
      return { source: `${name}@${version}`, batches: batches() };
    },
    retentionMs,
  });
  // Monitoring sees every served prediction (the log may sample); off only to measure what it costs.
  if (options.monitoring !== false) gateway.observe(liveMonitor.observe);
  const lineage = new LineageService({
    registry, datasets, artifacts,
    deploymentsOf: async (model, version) =>
      (await deployments.list()).filter((d) => d.spec.versions.some((slot) => slot.model === model && slot.version === version)).map((d) => ({ name: d.name })),
  });
  return {
    datasets,
    lineage,
    alerts,
    version: PUENTE_VERSION, db, artifacts, tracking, registry, metricsRegistry, auth, audit, webhooks, models,
    events, predictions, deployments, gateway, trafficFlusher: flusher, canaryController, deploymentStatus, monitoring,
  };
}

/** Choices of the composition root that tests and benchmarks vary. */
export interface ComposeOptions {
  /** Write the audit log (default true); off only to measure what it costs. */
  readonly audit?: boolean;
  /** Hosts webhooks may reach (PUENTE_WEBHOOK_ALLOWED_HOSTS). */
  readonly webhookAllowedHosts?: readonly string[];
  /** Share of predictions written to the prediction log (default 1). */
  readonly predictionSampleRate?: number;
  /** Days logged predictions are kept (pruned hourly once started); absent or null: for ever. */
  readonly predictionRetentionDays?: number | null;
  /** Watch served predictions for drift and data quality (default true); off only to measure what it costs. */
  readonly monitoring?: boolean;
  /** Length of a monitoring window (ms, default 5 minutes). */
  readonly monitoringWindowMs?: number;
  /** How often traffic summaries are written for canary analysis (ms, default 1000). */
  readonly trafficFlushMs?: number;
  /** How long a deployment's policy is cached on the serving path (ms, default 1000). */
  readonly deploymentRefreshMs?: number;
  /** How often the canary controller looks for finished intervals (ms, default 1000). */
  readonly canaryTickMs?: number;
  /** How often alert rules are evaluated (ms, default 15000). */
  readonly alertEvalMs?: number;
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
  let app: FastifyInstance;
  let artifacts: ArtifactStore;
  // Open monitoring windows are written before the store closes.
  let stopMonitoring = async (): Promise<void> => {};
  try {
    artifacts = openArtifactStore(config, db);
    const services = composeServices(db, artifacts, {
      audit: config.auditLog, webhookAllowedHosts: config.webhookAllowedHosts,
      predictionSampleRate: config.predictionSampleRate, predictionRetentionDays: config.predictionRetentionDays,
      monitoring: config.monitoring, monitoringWindowMs: config.monitoringWindowMs,
    });
    await assertSafeToListen(config.host, services.auth);
    app = await buildApp(services, {
      bodyLimitBytes: config.bodyLimitBytes,
      logger: config.logLevel === 'silent' ? false : { level: config.logLevel },
      https: config.tls ? { cert: readFileSync(config.tls.certFile), key: readFileSync(config.tls.keyFile) } : undefined,
      corsOrigins: config.corsOrigins,
      rateLimitPerMinute: config.rateLimitPerMinute,
    });
    await app.listen({ host: config.host, port: config.port });
    // The server drives canaries; replicas of `puente serve` only report their traffic.
    services.trafficFlusher.start();
    services.canaryController.start();
    services.alerts.start();
    services.predictions.startPruning();
    services.monitoring.start();
    stopMonitoring = () => services.monitoring.stop();
  } catch (err) {
    await db.close();
    throw err;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  const host = config.host.includes(':') ? `[${config.host}]` : config.host;
  const store = config.database.kind === 'sqlite' ? `sqlite ${config.database.path}` : `postgres ${redact(config.database.url)}`;
  const scheme = config.tls ? 'https' : 'http';
  app.log.info(`Puente ${PUENTE_VERSION} on ${scheme}://${host}:${port} (store: ${store}; artifacts: ${artifacts.description})`);
  return {
    app,
    url: `${scheme}://${host}:${port}`,
    async close() {
      await stopMonitoring();
      await app.close();
      await db.close();
    },
  };
}

/**
 * A server reachable from other machines must not run open: bound beyond loopback, it needs at
 * least one user (and so credentials on every non-public route).
 */
export async function assertSafeToListen(host: string, auth: AuthService): Promise<void> {
  if (isLoopbackHost(host) || (await auth.enforced())) return;
  throw new PuenteError(
    'PERMISSION_DENIED',
    `Refusing to listen on ${host} without authentication: this server has no users yet. Create the first admin with ` +
      '`puente admin bootstrap --store` (same PUENTE_DATABASE_URL or --data-dir as the server), or listen on 127.0.0.1.',
  );
}

/** The artifact store configuration names, encrypting when a master key is configured. */
export function openArtifactStore(config: PuenteConfig, db: PuenteDb): ArtifactStore {
  const plain = createArtifactStore(config.artifacts);
  if (config.masterKey === null) return plain;
  return new EncryptedArtifactStore({ inner: plain, db, masterKey: parseMasterKey(config.masterKey.text, config.masterKey.source) });
}

export { loadConfig };

/** Settings of `puente serve`: one model, from a running server or from the store directly. */
export interface ModelServerOptions {
  readonly model: string;
  readonly ref: string | undefined;
  readonly host: string;
  readonly port: number;
  /** Read versions and bundles through this server's API; absent: open the store `config` names. */
  readonly server?: { readonly url: string; readonly token?: string };
  readonly config: PuenteConfig;
  readonly authToken?: string;
  readonly maxBatchRows?: number;
  readonly maxBatchWaitMs?: number;
}

/**
 * Starts a standalone model server: resolves and loads the model first (so a broken model fails
 * the start, not the first request), then listens. Refuses a non-loopback address without a token.
 */
export async function startModelServer(o: ModelServerOptions): Promise<RunningServer> {
  assertServeAuth(o.host, o.authToken);
  const metricsRegistry = standaloneMetrics();
  const source = await openStandaloneSource(o.server, o.config);
  const host = new ModelHost({ catalog: source.catalog, runtimes: RUNTIMES, metrics: metricsRegistry, maxBatchRows: o.maxBatchRows, maxBatchWaitMs: o.maxBatchWaitMs });
  try {
    const loaded = await host.get(o.model, o.ref);
    const app = await buildStandaloneApp({
      host, model: o.model, ref: o.ref, version: PUENTE_VERSION, metricsRegistry, bodyLimitBytes: o.config.bodyLimitBytes,
      logger: o.config.logLevel === 'silent' ? false : { level: o.config.logLevel }, authToken: o.authToken, ready: source.ready,
    });
    const url = await listenStandalone(app, o.host, o.port);
    app.log.info(`Serving ${o.model} version ${loaded.version} on ${url}`);
    return {
      app,
      url,
      async close() {
        await app.close();
        await source.db?.close();
      },
    };
  } catch (err) {
    await host.close();
    await source.db?.close();
    throw err;
  }
}

/** A standalone server beyond loopback needs a token. */
function assertServeAuth(host: string, authToken: string | undefined): void {
  if (!isLoopbackHost(host) && !authToken) {
    throw new PuenteError('PERMISSION_DENIED', `Refusing to serve on ${host} without authentication; set --auth-token (or PUENTE_SERVE_TOKEN), or listen on 127.0.0.1.`);
  }
}

function standaloneMetrics(): Registry {
  const metricsRegistry = new Registry();
  collectDefaultMetrics({ register: metricsRegistry, prefix: 'puente_' });
  return metricsRegistry;
}

/** Where a standalone server (`puente serve`) reads models from: a running server's API, or the store itself. */
interface StandaloneSource {
  readonly catalog: ModelCatalog;
  readonly ready: () => Promise<boolean>;
  /** With --server. */
  readonly client: PuenteClient | null;
  /** With --store: the services on it (and the store, to close). */
  readonly services: AppServices | null;
  readonly db: PuenteDb | null;
}

async function openStandaloneSource(
  server: { readonly url: string; readonly token?: string } | undefined, config: PuenteConfig, compose: ComposeOptions = {},
): Promise<StandaloneSource> {
  if (server) {
    const client = new PuenteClient({ baseUrl: server.url, token: server.token });
    return { catalog: remoteCatalog(client), ready: () => fetch(`${client.baseUrl}/health/live`).then((r) => r.ok, () => false), client, services: null, db: null };
  }
  const db = await createDb(config.database);
  await db.migrate();
  const services = composeServices(db, openArtifactStore(config, db), { audit: false, ...compose });
  return { catalog: storeCatalog(services.registry, services.artifacts), ready: () => db.ping().then(() => true, () => false), client: null, services, db };
}

/** Listens and returns the URL to reach the server at. */
async function listenStandalone(app: FastifyInstance, host: string, port: number): Promise<string> {
  await app.listen({ host, port });
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  return `http://${host.includes(':') ? `[${host}]` : host}:${bound}`;
}

/** Settings of `puente serve --deployment NAME`: a replica serving one deployment by its policy. */
export interface DeploymentServerOptions {
  readonly deployment: string;
  readonly host: string;
  readonly port: number;
  /** Read the deployment, versions and bundles through this server, and report traffic to it; absent: the store `config` names. */
  readonly server?: { readonly url: string; readonly token?: string };
  readonly config: PuenteConfig;
  readonly authToken?: string;
  /** Longest a policy change takes to reach this replica (ms, default 2000). */
  readonly refreshMs?: number;
  /** How often traffic (and, with --server, logged predictions) is reported (ms, default 1000). */
  readonly reportMs?: number;
}

/**
 * Starts a replica of one deployment: it routes by the deployment's policy, re-reading it at most
 * `refreshMs` after any change, and reports its traffic (for canary analysis) and predictions to
 * the store or the server, so any number of replicas behind a load balancer act as one.
 */
export async function startDeploymentServer(o: DeploymentServerOptions): Promise<RunningServer> {
  assertServeAuth(o.host, o.authToken);
  const refreshMs = o.refreshMs ?? 2_000;
  const reportMs = o.reportMs ?? 1_000;
  // On the store, the composed services are the replica: their gateway (with monitoring, request
  // checks and stored explanations), model host, prediction log and traffic flusher.
  const opened = await openStandaloneSource(o.server, o.config, {
    deploymentRefreshMs: refreshMs, trafficFlushMs: reportMs, monitoring: o.config.monitoring,
    predictionSampleRate: o.config.predictionSampleRate, monitoringWindowMs: o.config.monitoringWindowMs,
  });
  const { ready, db } = opened;
  let host: ModelHost;
  let gateway: DeploymentGateway;
  let flusher: TrafficFlusher;
  let metricsRegistry: Registry;
  let flushLog: () => Promise<void>;
  let monitor: AppServices['monitoring']['monitor'] | null = null;
  if (opened.client) {
    // Through a server: route by its policy, report traffic and logged predictions to it.
    const client = opened.client;
    const source: DeploymentSource = (name) => client.deployments.get(name).catch((err: unknown) => {
      if (err instanceof PuenteApiError && err.status === 404) throw new NotFoundError(err.message, 'deployment');
      throw err;
    });
    const telemetry = new RemoteTelemetry({ send: async (t) => void (await client.deployments.telemetry(o.deployment, t)) });
    metricsRegistry = standaloneMetrics();
    host = new ModelHost({ catalog: opened.catalog, runtimes: RUNTIMES, metrics: metricsRegistry });
    const recorder = new TrafficRecorder();
    flusher = new TrafficFlusher({ recorder, repo: telemetry, periodMs: reportMs });
    gateway = new DeploymentGateway({ host, source, refreshMs, recorder, log: telemetry, metrics: metricsRegistry });
    flushLog = () => telemetry.flush();
  } else {
    const services = opened.services!;
    ({ gateway, trafficFlusher: flusher, metricsRegistry, models: host } = services);
    flushLog = () => services.predictions.flush();
    // Its windows are stored beside the other processes'.
    if (o.config.monitoring) monitor = services.monitoring.monitor;
  }
  try {
    // A missing deployment or an unloadable version fails the start, not the first request.
    const routed = await gateway.route(o.deployment);
    const app = await buildStandaloneApp({
      host, model: o.deployment, ref: undefined, version: PUENTE_VERSION, metricsRegistry, bodyLimitBytes: o.config.bodyLimitBytes,
      logger: o.config.logLevel === 'silent' ? false : { level: o.config.logLevel }, authToken: o.authToken, ready,
      deployment: { name: o.deployment, gateway },
    });
    const url = await listenStandalone(app, o.host, o.port);
    flusher.start();
    monitor?.start();
    app.log.info(`Serving deployment ${o.deployment} (revision ${routed.deployment.revision}, ${routed.deployment.spec.policy}) on ${url}`);
    return {
      app,
      url,
      async close() {
        await app.close();
        await flusher.stop();
        await monitor?.stop();
        await flushLog();
        await db?.close();
      },
    };
  } catch (err) {
    await host.close();
    await db?.close();
    throw err;
  }
}
