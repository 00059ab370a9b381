import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import { NotFoundError, PuenteError } from '../errors/index.js';
import type { HostedModel, HostedPrediction, ModelHost } from '../serving/index.js';
import { newPredictionId, type PredictionEntry, type StoredExplanation } from '../predictions/index.js';
import { TrafficRecorder, predictionsAgree } from './traffic.js';
import { RecordChecker, describeExpectation } from '../datasets/index.js';
import { findTarget, liveOrder, routeRequest } from './routing.js';
import type { Deployment, VersionSlot } from './types.js';

/** Where served predictions are logged: the store's prediction log, or a remote server's. */
export interface PredictionSink {
  /** Whether the next request should be logged (sampling), decided before building the entry. */
  sampled(): boolean;
  /** Queues an entry; never waits. */
  record(entry: PredictionEntry): void;
}

/** One answered request of a live version, as observers (monitoring) receive it, after the caller was answered. */
export interface ServedPrediction {
  readonly prediction_id: string;
  readonly deployment: string;
  readonly model: string;
  readonly version: number;
  readonly role: string;
  readonly at: number;
  readonly latency_ms: number;
  readonly inputs: readonly Record<string, unknown>[];
  readonly predictions: readonly unknown[];
  /** The version's bundle manifest (signature, task, training dataset). */
  readonly manifest: HostedModel['manifest'];
}

/** Called for every served prediction; must be cheap (O(columns)) and must not throw. */
export type PredictionObserver = (served: ServedPrediction) => void;

/** Where a gateway reads deployments from: this store, or a remote server. */
export type DeploymentSource = (name: string) => Promise<Deployment>;

export interface GatewayOptions {
  readonly host: ModelHost;
  readonly source: DeploymentSource;
  /**
   * How long a deployment's policy is used before it is read again. A change made elsewhere
   * (another replica, the CLI against another server) reaches this process within this time.
   */
  readonly refreshMs?: number;
  readonly recorder: TrafficRecorder;
  readonly log?: PredictionSink | null;
  readonly metrics?: Registry;
  readonly onError?: (err: unknown, context: string) => void;
  /** Explains rows on a loaded version (for deployments that store explanations with their predictions). */
  readonly explain?: (hosted: HostedModel, records: Record<string, unknown>[], method: string | undefined) => Promise<(StoredExplanation | null)[]>;
}

/** A request's route: the deployment as read, the chosen slot, and the loaded version. */
export interface Routed {
  readonly deployment: Deployment;
  readonly slot: VersionSlot;
  readonly hosted: HostedModel;
  /** What the gateway derived from that revision once (routing order, shadow, request checker). */
  readonly plan: ServingPlan;
}

/** A deployment revision prepared for serving: derived once when the policy is read. */
export interface ServingPlan {
  readonly deployment: Deployment;
  readonly checker: Checker | null;
  readonly order: VersionSlot[];
  readonly shadow: VersionSlot | undefined;
}

export interface RoutedPrediction extends HostedPrediction {
  readonly prediction_id: string;
  readonly role: string;
}

/** Request validation counts of one deployment in this process. */
export interface ValidationCounts {
  readonly suite: string;
  readonly checked_rows: number;
  readonly violating_rows: number;
  readonly failures: { expectation: string; rows: number }[];
}

export interface Checker {
  key: string;
  checker: RecordChecker;
  names: string[];
}

interface Cached extends ServingPlan {
  until: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The serving path of deployments: picks a version by the deployment's policy, predicts, records
 * traffic for analysis, queues the prediction log entry, and mirrors to a shadow — the last three
 * never delay or fail the caller's answer.
 */
export class DeploymentGateway {
  readonly #o: GatewayOptions;
  readonly #cache = new Map<string, Cached>();
  readonly #observers = new Set<PredictionObserver>();
  /** Explanations being computed for the log (at most one at a time: they must never crowd out predictions). */
  #explaining = 0;
  /** Request checkers by deployment, kept while the suite is unchanged so counts survive other changes. */
  readonly #checkers = new Map<string, Checker>();
  readonly #validated: Counter<'deployment' | 'result'> | undefined;
  readonly #violations: Counter<'deployment' | 'expectation'> | undefined;
  readonly #pending = new Map<string, Promise<Cached>>();
  readonly #requests: Counter<'deployment' | 'model' | 'version' | 'role' | 'status'> | undefined;
  readonly #latency: Histogram<'deployment' | 'model' | 'version' | 'role'> | undefined;
  readonly #weight: Gauge<'deployment' | 'model' | 'version' | 'role'> | undefined;
  readonly #revision: Gauge<'deployment'> | undefined;
  readonly #shadowCompared: Counter<'deployment' | 'model' | 'version' | 'result'> | undefined;

  constructor(options: GatewayOptions) {
    this.#o = options;
    const registers = options.metrics ? [options.metrics] : undefined;
    if (registers) {
      this.#requests = new Counter({ name: 'puente_deployment_requests_total', help: 'Requests a deployment answered, by version, role and outcome (ok, invalid, error).', labelNames: ['deployment', 'model', 'version', 'role', 'status'], registers });
      this.#latency = new Histogram({
        name: 'puente_deployment_request_duration_seconds', help: 'Time a deployment took to answer, by version and role (shadow included, off the caller path).',
        labelNames: ['deployment', 'model', 'version', 'role'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers,
      });
      this.#weight = new Gauge({ name: 'puente_deployment_traffic_weight', help: 'Percent of live traffic each version of a deployment receives.', labelNames: ['deployment', 'model', 'version', 'role'], registers });
      this.#revision = new Gauge({ name: 'puente_deployment_revision', help: 'Revision of each deployment this process serves.', labelNames: ['deployment'], registers });
      this.#validated = new Counter({ name: 'puente_deployment_validated_rows_total', help: "Request rows checked against a deployment's expectation suite, by result (ok, violating).", labelNames: ['deployment', 'result'], registers });
      this.#violations = new Counter({ name: 'puente_deployment_validation_failures_total', help: 'Request rows breaking each expectation of a deployment\'s suite.', labelNames: ['deployment', 'expectation'], registers });
      this.#shadowCompared = new Counter({ name: 'puente_deployment_shadow_rows_total', help: 'Rows mirrored to a shadow version, by agreement with the primary answer.', labelNames: ['deployment', 'model', 'version', 'result'], registers });
    }
  }

  /** Adds an observer of served predictions (monitoring); returns the function that removes it. */
  observe(observer: PredictionObserver): () => void {
    this.#observers.add(observer);
    return () => this.#observers.delete(observer);
  }

  /** Forgets a cached policy, so the next request reads it again (after a change in this process). */
  invalidate(name: string): void {
    this.#cache.delete(name);
  }

  async #current(name: string): Promise<Cached> {
    const hit = this.#cache.get(name);
    if (hit && hit.until > Date.now()) return hit;
    let pending = this.#pending.get(name);
    if (!pending) {
      pending = this.#o.source(name).then((deployment) => {
        const cached: Cached = {
          deployment, checker: this.#checkerFor(deployment), order: liveOrder(deployment), shadow: deployment.spec.versions.find((s) => s.role === 'shadow'),
          until: Date.now() + (this.#o.refreshMs ?? 1_000),
        };
        this.#publishWeights(hit?.deployment, deployment);
        this.#cache.set(name, cached);
        return cached;
      });
      this.#pending.set(name, pending);
      void pending.finally(() => this.#pending.delete(name)).catch(() => undefined);
    }
    try {
      return await pending;
    } catch (err) {
      // A store hiccup must not take a serving deployment down: keep the last known policy.
      if (hit && !(err instanceof NotFoundError)) {
        this.#o.onError?.(err, `deployment '${name}' could not be re-read; its last known policy keeps serving`);
        hit.until = Date.now() + (this.#o.refreshMs ?? 1_000);
        return hit;
      }
      if (err instanceof NotFoundError) this.#cache.delete(name);
      throw err;
    }
  }

  #checkerFor(d: Deployment): Checker | null {
    const suite = d.spec.validation?.suite;
    if (!suite) {
      this.#checkers.delete(d.name);
      return null;
    }
    const key = JSON.stringify(suite);
    const known = this.#checkers.get(d.name);
    if (known && known.key === key) return known;
    const made = { key, checker: new RecordChecker(suite), names: suite.expectations.map(describeExpectation) };
    this.#checkers.set(d.name, made);
    return made;
  }

  /** What the request suite found in this process, or null when the deployment has none. */
  validationCounts(name: string): ValidationCounts | null {
    const c = this.#checkers.get(name);
    if (!c) return null;
    return {
      suite: c.checker.suite.name, checked_rows: c.checker.checked, violating_rows: c.checker.violations,
      failures: c.names.map((expectation, i) => ({ expectation, rows: c.checker.failures[i]! })).filter((f) => f.rows > 0),
    };
  }

  #publishWeights(before: Deployment | undefined, after: Deployment): void {
    if (!this.#weight) return;
    if (before && before.revision === after.revision) return;
    for (const s of before?.spec.versions ?? []) this.#weight.remove({ deployment: before!.name, model: s.model, version: String(s.version), role: s.role });
    for (const s of after.spec.versions) this.#weight.set({ deployment: after.name, model: s.model, version: String(s.version), role: s.role }, s.weight);
    this.#revision?.set({ deployment: after.name }, after.revision);
  }

  /** The deployment as this process serves it (cached). */
  async deployment(name: string): Promise<Deployment> {
    return (await this.#current(name)).deployment;
  }

  /** Chooses the version for a request and loads it. */
  async route(name: string, key?: string, target?: string): Promise<Routed> {
    const cached = await this.#current(name);
    const slot = routeRequest(cached.deployment, cached.order, key, target);
    if (!slot) {
      const names = cached.deployment.spec.versions.map((s) => `${s.role} (${s.model}@${s.version})`).join(', ');
      throw new NotFoundError(`Deployment '${name}' has no version '${target}'; it has ${names}.`, 'target');
    }
    const hosted = await this.#o.host.get(slot.model, String(slot.version));
    return { deployment: cached.deployment, slot, hosted, plan: cached };
  }

  /** The slot a target names in a deployment (for metadata answers), or null. */
  async target(name: string, target: string): Promise<VersionSlot | null> {
    return findTarget((await this.#current(name)).deployment, target);
  }

  /** Predicts records on the routed version; records traffic, logs, and mirrors after answering. */
  async predict(routed: Routed, records: Record<string, unknown>[]): Promise<RoutedPrediction> {
    const { deployment, slot, hosted, plan } = routed;
    const started = performance.now();
    const labels = { deployment: deployment.name, model: slot.model, version: String(slot.version), role: slot.role };
    let result: HostedPrediction;
    try {
      if (slot.faults) await this.#inject(slot);
      result = await this.#o.host.predict(hosted, records);
    } catch (err) {
      const invalid = err instanceof PuenteError && err.status < 500;
      const ms = performance.now() - started;
      // A request the caller got wrong says nothing about the version's health.
      if (!invalid) this.#o.recorder.request(deployment.name, slot, ms, null);
      this.#requests?.inc({ ...labels, status: invalid ? 'invalid' : 'error' });
      this.#latency?.observe(labels, ms / 1000);
      throw err;
    }
    const ms = performance.now() - started;
    const predictions = result.prediction.predictions;
    if (plan.checker) this.#validate(deployment.name, plan.checker, records);
    this.#o.recorder.request(deployment.name, slot, ms, predictions);
    this.#requests?.inc({ ...labels, status: 'ok' });
    this.#latency?.observe(labels, ms / 1000);
    const id = newPredictionId();
    const log = this.#o.log;
    const now = Date.now();
    if (log && log.sampled()) {
      const entry: PredictionEntry = { id, deployment: deployment.name, model: slot.model, version: slot.version, role: slot.role, at: now, latency_ms: ms, inputs: records, predictions };
      const ex = deployment.spec.explanations;
      if (ex && this.#o.explain && this.#explaining === 0 && Math.random() * 100 < ex.percent) this.#explainThenLog(log, entry, hosted, ex.method);
      else log.record(entry);
    }
    if (this.#observers.size > 0) {
      const served: ServedPrediction = {
        prediction_id: id, deployment: deployment.name, model: slot.model, version: slot.version, role: slot.role, at: now, latency_ms: ms,
        inputs: records, predictions, manifest: hosted.manifest,
      };
      for (const observer of this.#observers) {
        try {
          observer(served);
        } catch (err) {
          this.#o.onError?.(err, 'a prediction observer failed');
        }
      }
    }
    const shadow = plan.shadow;
    if (shadow && Math.random() * 100 < (deployment.spec.shadow_percent ?? 0)) {
      setImmediate(() => void this.#mirror(deployment, shadow, records, predictions));
    }
    return { ...result, prediction_id: id, role: slot.role };
  }

  /** Explains the request after it was answered, then logs it with its explanations (without them if explaining fails). */
  #explainThenLog(log: PredictionSink, entry: PredictionEntry, hosted: HostedModel, method: string | undefined): void {
    this.#explaining++;
    setImmediate(() => {
      this.#o.explain!(hosted, entry.inputs as Record<string, unknown>[], method)
        .then((explanations) => log.record({ ...entry, explanations }))
        .catch((err: unknown) => {
          this.#o.onError?.(err, `explaining a logged prediction of ${entry.model}@${entry.version} failed`);
          log.record(entry);
        })
        .finally(() => this.#explaining--);
    });
  }

  /** Counts the records that break the deployment's suite; the request is answered either way. */
  #validate(name: string, c: Checker, records: readonly Record<string, unknown>[]): void {
    for (const record of records) {
      const failed = c.checker.check(record);
      this.#validated?.inc({ deployment: name, result: failed.length > 0 ? 'violating' : 'ok' });
      for (const i of failed) this.#violations?.inc({ deployment: name, expectation: c.names[i]! });
    }
  }

  async #inject(slot: VersionSlot): Promise<void> {
    const f = slot.faults!;
    if (f.delay_ms) await sleep(f.delay_ms);
    if (f.error_percent && Math.random() * 100 < f.error_percent) {
      throw new PuenteError('TEMPORARILY_UNAVAILABLE', `Injected fault: ${slot.model}@${slot.version} is configured to fail ${f.error_percent}% of requests.`);
    }
  }

  /** Runs the shadow on a copy of the request after the caller was answered; its outcome only feeds statistics. */
  async #mirror(deployment: Deployment, shadow: VersionSlot, records: Record<string, unknown>[], primary: readonly unknown[]): Promise<void> {
    const started = performance.now();
    const labels = { deployment: deployment.name, model: shadow.model, version: String(shadow.version), role: 'shadow' };
    try {
      if (shadow.faults) await this.#inject(shadow);
      const hosted = await this.#o.host.get(shadow.model, String(shadow.version));
      const result = await this.#o.host.predict(hosted, records);
      const ms = performance.now() - started;
      let agreed = 0;
      const got = result.prediction.predictions;
      for (let i = 0; i < primary.length; i++) if (predictionsAgree(primary[i], got[i])) agreed++;
      this.#o.recorder.shadow(deployment.name, shadow, ms, got, agreed, primary.length);
      this.#requests?.inc({ ...labels, status: 'ok' });
      this.#latency?.observe(labels, ms / 1000);
      this.#shadowCompared?.inc({ deployment: deployment.name, model: shadow.model, version: String(shadow.version), result: 'agree' }, agreed);
      this.#shadowCompared?.inc({ deployment: deployment.name, model: shadow.model, version: String(shadow.version), result: 'disagree' }, primary.length - agreed);
    } catch {
      const ms = performance.now() - started;
      this.#o.recorder.shadow(deployment.name, shadow, ms, null, 0, 0);
      this.#requests?.inc({ ...labels, status: 'error' });
      this.#latency?.observe(labels, ms / 1000);
    }
  }
}
