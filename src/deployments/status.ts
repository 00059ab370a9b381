import type { PredictionLog } from '../predictions/index.js';
import type { DeploymentRepo } from './deployment-repo.js';
import type { DeploymentService } from './deployment-service.js';
import type { TrafficFlusher } from './canary-controller.js';
import type { DeploymentGateway, ValidationCounts } from './gateway.js';
import { abReport, type AbReport } from './ab-test.js';
import { latencyQuantile, sumTraffic } from './traffic.js';
import type { CanaryStatus, PolicyKind, VersionSlot } from './types.js';

/** Traffic of one version over the status window. */
export interface VersionTrafficStatus {
  readonly model: string;
  readonly version: number;
  readonly role: string;
  readonly requests: number;
  readonly errors: number;
  readonly error_rate: number | null;
  readonly p99_ms: number | null;
}

export interface ShadowStatus {
  readonly model: string;
  readonly version: number;
  readonly percent: number;
  readonly requests: number;
  readonly errors: number;
  readonly compared_rows: number;
  readonly agreed_rows: number;
  readonly agreement_rate: number | null;
  readonly p99_ms: number | null;
}

/** `puente deploy status --json`. */
export interface DeploymentStatus {
  readonly name: string;
  readonly policy: PolicyKind;
  readonly revision: number;
  readonly updated_at: number;
  readonly versions: VersionSlot[];
  readonly canary?: CanaryStatus & { readonly weight: number };
  readonly shadow?: ShadowStatus;
  readonly ab?: AbReport;
  /** Request records checked against the deployment's suite, in this process since it started. */
  readonly validation?: ValidationCounts;
  /** Traffic per version over the last `window_seconds`. */
  readonly traffic: VersionTrafficStatus[];
  readonly window_seconds: number;
}

/** Assembles a deployment's status from its revision, recent traffic and feedback labels. */
export class DeploymentStatusReader {
  readonly #o: { service: DeploymentService; repo: DeploymentRepo; log?: PredictionLog | null; flusher?: TrafficFlusher; gateway?: DeploymentGateway; windowMs: number; now: () => number };

  constructor(options: { service: DeploymentService; repo: DeploymentRepo; log?: PredictionLog | null; flusher?: TrafficFlusher; gateway?: DeploymentGateway; windowMs?: number; now?: () => number }) {
    this.#o = { ...options, windowMs: options.windowMs ?? 300_000, now: options.now ?? Date.now };
  }

  async status(name: string): Promise<DeploymentStatus> {
    const d = await this.#o.service.get(name);
    await this.#o.flusher?.flush();
    const now = this.#o.now();
    const spec = d.spec;
    const since = Math.min(now - this.#o.windowMs, spec.canary?.step_started_at ?? Infinity, spec.ab?.started_at ?? Infinity);
    const periods = await this.#o.repo.traffic(name, since, now);
    const totals = sumTraffic(periods.filter((p) => p.period_end > now - this.#o.windowMs));
    const traffic = spec.versions.map((s) => {
      const t = totals.get(`${s.model}@${s.version}`);
      return {
        model: s.model, version: s.version, role: s.role, requests: t?.requests ?? 0, errors: t?.errors ?? 0,
        error_rate: t && t.requests > 0 ? t.errors / t.requests : null, p99_ms: t ? latencyQuantile(t.latency, 0.99) : null,
      };
    });
    let shadow: ShadowStatus | undefined;
    const shadowSlot = spec.versions.find((s) => s.role === 'shadow');
    if (shadowSlot) {
      const t = totals.get(`${shadowSlot.model}@${shadowSlot.version}`);
      shadow = {
        model: shadowSlot.model, version: shadowSlot.version, percent: spec.shadow_percent ?? 0, requests: t?.requests ?? 0, errors: t?.errors ?? 0,
        compared_rows: t?.shadow_compared ?? 0, agreed_rows: t?.shadow_agreed ?? 0,
        agreement_rate: t && t.shadow_compared > 0 ? t.shadow_agreed / t.shadow_compared : null, p99_ms: t ? latencyQuantile(t.latency, 0.99) : null,
      };
    }
    let ab: AbReport | undefined;
    if (spec.policy === 'ab' && spec.ab && this.#o.log) {
      await this.#o.log.flush();
      const rows = await this.#o.log.labelled({ deployment: name, since: spec.ab.started_at });
      ab = abReport(spec, rows);
    }
    return {
      name, policy: spec.policy, revision: d.revision, updated_at: d.updated_at, versions: spec.versions,
      ...(spec.canary ? { canary: { ...spec.canary, weight: spec.versions.find((s) => s.role === 'canary')?.weight ?? (spec.canary.state === 'promoted' ? 100 : 0) } } : {}),
      ...(shadow ? { shadow } : {}),
      ...(ab ? { ab } : {}),
      ...(spec.validation ? { validation: this.#o.gateway?.validationCounts(name) ?? { suite: spec.validation.suite.name, checked_rows: 0, violating_rows: 0, failures: [] } } : {}),
      traffic, window_seconds: this.#o.windowMs / 1000,
    };
  }
}
