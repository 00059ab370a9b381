import type { Registry } from 'prom-client';
import type { ArtifactStore } from '../artifacts/index.js';
import type { PuenteDb } from '../db/index.js';
import type { TrackingService } from '../tracking/index.js';
import type { RegistryService } from '../registry/index.js';
import type { AuthService } from '../auth/index.js';
import type { AuditService } from '../audit/index.js';
import type { WebhookSender } from '../webhooks/index.js';
import type { ModelHost } from '../serving/index.js';
import type { DatasetService, LineageService } from '../datasets/index.js';
import type { EventBus } from '../events/index.js';
import type { AlertService } from '../monitoring/index.js';
import type { PredictionLog } from '../predictions/index.js';
import type { MonitoringService } from '../monitoring/index.js';
import type { CanaryController, DeploymentGateway, DeploymentService, DeploymentStatusReader, TrafficFlusher } from '../deployments/index.js';

/** Everything the HTTP layer may call, built by the composition root and handed to `buildApp`. */
export interface AppServices {
  readonly version: string;
  readonly db: PuenteDb;
  readonly artifacts: ArtifactStore;
  readonly tracking: TrackingService;
  readonly registry: RegistryService;
  readonly metricsRegistry: Registry;
  readonly auth: AuthService;
  /** null when the audit log is turned off. */
  readonly audit: AuditService | null;
  /** Outgoing webhooks, limited to the configured hosts (alerts and pipelines send through it). */
  readonly webhooks: WebhookSender;
  /** Serves registered model versions (loaded on first use). */
  readonly models: ModelHost;
  /** Versioned datasets: storage, profiles, validation, diffs, exchange between servers. */
  readonly datasets: DatasetService;
  /** Dataset → run → model version → deployments. */
  readonly lineage: LineageService;
  /** Publish/subscribe between modules (deployments, alerts, pipelines). */
  readonly events: EventBus;
  /** Alert rules on the metrics at /metrics, their evaluation and history. */
  readonly alerts: AlertService;
  /** Served predictions and their feedback labels. */
  readonly predictions: PredictionLog;
  readonly deployments: DeploymentService;
  /** The serving path of deployments. */
  readonly gateway: DeploymentGateway;
  readonly trafficFlusher: TrafficFlusher;
  readonly canaryController: CanaryController;
  readonly deploymentStatus: DeploymentStatusReader;
  /** Live monitoring of deployments: references, drift and data quality per window, live performance. */
  readonly monitoring: MonitoringService;
}
