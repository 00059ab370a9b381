import { AlreadyExistsError, ConflictError, InvalidParameterError, NotFoundError } from '../errors/index.js';
import type { EventBus } from '../events/index.js';
import type { ModelCatalog, ModelHost } from '../serving/index.js';
import type { PredictionLog } from '../predictions/index.js';
import type { Telemetry } from './remote-telemetry.js';
import { checkSuite, parseSuite } from '../datasets/index.js';
import type { DeploymentRepo } from './deployment-repo.js';
import type { DeploymentGateway } from './gateway.js';
import {
  advanceCanary, pauseCanary, promote, rollBackCanary, setTraffic, signatureDifferences, singleSpec, stableOf, stageGreen, startAb, startCanary,
  startShadow, validateSpec, type CanaryPlan, type Target,
} from './spec.js';
import type { Deployment, DeploymentRevision, DeploymentSpec, FaultInjection, StepAnalysis } from './types.js';

/** Deployment names travel in URLs: letters, digits, dot, dash and underscore. */
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export interface DeploymentServiceDeps {
  readonly repo: DeploymentRepo;
  /** Which version a model reference names (fresh, not cached). */
  readonly catalog: ModelCatalog;
  /** Loads versions before they get traffic (and reads their signatures). */
  readonly host: ModelHost;
  /** This process's serving path, told about changes made here at once. */
  readonly gateway?: DeploymentGateway;
  readonly log?: PredictionLog | null;
  readonly events?: EventBus;
  readonly now?: () => number;
}

/** Who asks for a change, why, and the revision they looked at (optional; stale → 409). */
export interface ChangeContext {
  readonly by: string | null;
  readonly reason?: string;
  readonly expected_revision?: number;
}

/** A model version named as the user wrote it: `MODEL@REF` split, the reference not yet resolved. */
export interface VersionRef {
  readonly model: string;
  readonly ref?: string;
  readonly faults?: FaultInjection;
}

/**
 * Deployments: named endpoints whose traffic policy spreads requests over model versions. Every
 * change is a new revision written only if the deployment is still at the revision the change
 * started from, so two concurrent changes never both apply.
 */
export class DeploymentService {
  readonly #d: DeploymentServiceDeps;
  readonly #now: () => number;

  constructor(deps: DeploymentServiceDeps) {
    this.#d = deps;
    this.#now = deps.now ?? Date.now;
  }

  async get(name: string): Promise<Deployment> {
    const d = await this.#d.repo.get(name);
    if (!d) throw new NotFoundError(`Deployment '${name}' does not exist.`, 'name');
    return d;
  }

  list(visible: readonly string[] | null = null): Promise<Deployment[]> {
    return this.#d.repo.list(visible);
  }

  async history(name: string, limit = 100): Promise<DeploymentRevision[]> {
    await this.get(name);
    return this.#d.repo.history(name, Math.min(Math.max(1, limit), 1000));
  }

  /** Resolves a reference to a version number and loads it, so it is servable before it gets traffic. */
  async #target(ref: VersionRef): Promise<Target & { faults?: FaultInjection }> {
    if (typeof ref.model !== 'string' || ref.model === '') throw new InvalidParameterError('Name the model to deploy (MODEL@VERSION or MODEL@ALIAS).', 'model');
    const version = await this.#d.catalog.resolve(ref.model, ref.ref);
    await this.#d.host.get(ref.model, String(version));
    return { model: ref.model, version, ...(ref.faults ? { faults: ref.faults } : {}) };
  }

  /** Refuses a new version whose inputs differ from the stable one's, naming the columns. */
  async #assertCompatible(current: DeploymentSpec, target: Target): Promise<void> {
    const stable = stableOf(current);
    const [a, b] = await Promise.all([this.#d.host.get(stable.model, String(stable.version)), this.#d.host.get(target.model, String(target.version))]);
    const diff = signatureDifferences(a.manifest.signature, b.manifest.signature);
    if (diff.length > 0) {
      throw new InvalidParameterError(
        `${target.model}@${target.version} takes different inputs than ${stable.model}@${stable.version}: ${diff.join(', ')}. Both versions must accept the same requests.`,
        'model',
      );
    }
  }

  async create(name: string, ref: VersionRef, options: { description?: string } & ChangeContext): Promise<Deployment> {
    if (typeof name !== 'string' || !NAME.test(name)) throw new InvalidParameterError(`Invalid deployment name '${name}': use letters, digits, '.', '-' and '_' (at most 128).`, 'name');
    const target = await this.#target(ref);
    const spec = singleSpec(target, target.faults);
    const ok = await this.#d.repo.create(name, options.description ?? '', spec, options.by, options.reason ?? `created with ${target.model}@${target.version}`, this.#now());
    if (!ok) throw new AlreadyExistsError(`Deployment '${name}' already exists.`);
    const created = await this.get(name);
    this.#announce(created, 'deployment.created');
    return created;
  }

  async delete(name: string): Promise<void> {
    if (!(await this.#d.repo.delete(name))) throw new NotFoundError(`Deployment '${name}' does not exist.`, 'name');
    this.#d.gateway?.invalidate(name);
    this.#d.events?.publish({ type: 'deployment.deleted', subject: name, data: {} });
  }

  /**
   * Applies a transition to the current spec and stores it as the next revision. A caller that
   * names a stale revision, or loses a race with another change, gets 409 and nothing changes.
   */
  async change(name: string, ctx: ChangeContext, defaultReason: string, next: (current: Deployment) => Promise<DeploymentSpec> | DeploymentSpec): Promise<Deployment> {
    const current = await this.get(name);
    if (ctx.expected_revision !== undefined && ctx.expected_revision !== current.revision) {
      throw new ConflictError(`Deployment '${name}' is at revision ${current.revision}, not ${ctx.expected_revision}; read it again and retry.`);
    }
    const proposed = await next(current);
    // The request suite and stored explanations belong to the deployment, not to a policy: they survive every traffic change.
    const kept: Partial<DeploymentSpec> = {};
    for (const key of ['validation', 'explanations'] as const) {
      if (!(key in proposed) && current.spec[key] !== undefined) (kept as Record<string, unknown>)[key] = current.spec[key];
    }
    const spec = validateSpec({ ...proposed, ...kept });
    const written = await this.#d.repo.writeRevision(name, current.revision, spec, ctx.by, ctx.reason ?? defaultReason, this.#now());
    if (!written) throw new ConflictError(`Deployment '${name}' changed while this change was prepared (it is past revision ${current.revision}); read it again and retry.`);
    this.#d.gateway?.invalidate(name);
    this.#announce(written, 'deployment.changed', ctx.reason ?? defaultReason);
    return written;
  }

  #announce(d: Deployment, type: string, reason?: string): void {
    this.#d.events?.publish({
      type, subject: d.name,
      data: { revision: d.revision, policy: d.spec.policy, versions: d.spec.versions, ...(reason ? { reason } : {}), ...(d.spec.canary ? { canary_state: d.spec.canary.state } : {}) },
    });
  }

  async blueGreen(name: string, ref: VersionRef, ctx: ChangeContext): Promise<Deployment> {
    const target = await this.#target(ref);
    return this.change(name, ctx, `staged ${target.model}@${target.version} as green`, async (d) => {
      await this.#assertCompatible(d.spec, target);
      return stageGreen(d.spec, target, target.faults);
    });
  }

  async canary(name: string, ref: VersionRef, plan: CanaryPlan, ctx: ChangeContext): Promise<Deployment> {
    const target = await this.#target(ref);
    return this.change(name, ctx, `canary of ${target.model}@${target.version} started at ${plan.steps[0]}%`, async (d) => {
      await this.#assertCompatible(d.spec, target);
      return startCanary(d.spec, target, plan, this.#now(), target.faults);
    });
  }

  async shadow(name: string, ref: VersionRef, percent: number, ctx: ChangeContext): Promise<Deployment> {
    const target = await this.#target(ref);
    return this.change(name, ctx, `mirroring ${percent}% of traffic to ${target.model}@${target.version}`, async (d) => {
      await this.#assertCompatible(d.spec, target);
      return startShadow(d.spec, target, percent, target.faults);
    });
  }

  async ab(name: string, ref: VersionRef, weight: number, metric: string, alpha: number, ctx: ChangeContext, minimumEffect?: number): Promise<Deployment> {
    const target = await this.#target(ref);
    return this.change(name, ctx, `A/B test of ${target.model}@${target.version} at ${weight}% on ${metric}`, async (d) => {
      await this.#assertCompatible(d.spec, target);
      return startAb(d.spec, target, weight, metric, alpha, this.#now(), target.faults, minimumEffect);
    });
  }

  setTraffic(name: string, weights: readonly (Target & { weight: number })[], ctx: ChangeContext): Promise<Deployment> {
    const summary = weights.map((w) => `${w.model}@${w.version}=${w.weight}`).join(' ');
    return this.change(name, ctx, `traffic set to ${summary}`, (d) => setTraffic(d.spec, weights));
  }

  promote(name: string, ctx: ChangeContext): Promise<Deployment> {
    return this.change(name, ctx, 'promoted by hand', (d) => promote(d.spec, ctx.reason ?? `promoted by ${ctx.by ?? 'an anonymous user'}`));
  }

  pause(name: string, ctx: ChangeContext): Promise<Deployment> {
    return this.change(name, ctx, 'canary paused', (d) => pauseCanary(d.spec, true, this.#now(), ctx.reason ?? `paused by ${ctx.by ?? 'an anonymous user'}`));
  }

  resume(name: string, ctx: ChangeContext): Promise<Deployment> {
    return this.change(name, ctx, 'canary resumed', (d) => pauseCanary(d.spec, false, this.#now(), ctx.reason ?? `resumed by ${ctx.by ?? 'an anonymous user'}`));
  }

  /**
   * One-step rollback. With `to_revision`: that revision's policy again. Otherwise a running
   * canary is aborted (all traffic to stable), a staged green version is dropped, and anything
   * else returns to the policy before the last change.
   */
  async rollback(name: string, ctx: ChangeContext & { to_revision?: number }): Promise<Deployment> {
    if (ctx.to_revision !== undefined) {
      const target = await this.#d.repo.revision(name, ctx.to_revision);
      if (!target) {
        await this.get(name);
        throw new NotFoundError(`Deployment '${name}' has no revision ${ctx.to_revision}.`, 'to_revision');
      }
      return this.change(name, ctx, `rolled back to revision ${ctx.to_revision}`, (d) => {
        if (ctx.to_revision! >= d.revision) throw new InvalidParameterError(`Revision ${ctx.to_revision} is not earlier than the current revision ${d.revision}.`, 'to_revision');
        return stripRunningState(target.spec);
      });
    }
    return this.change(name, ctx, 'rolled back by hand', async (d) => {
      const spec = d.spec;
      const why = ctx.reason ?? `rolled back by ${ctx.by ?? 'an anonymous user'}`;
      if (spec.policy === 'canary' && spec.canary && (spec.canary.state === 'progressing' || spec.canary.state === 'paused')) return rollBackCanary(spec, why);
      if (spec.policy !== 'single') return singleSpec(stableOf(spec), stableOf(spec).faults);
      if (d.revision === 1) throw new ConflictError(`Deployment '${name}' has no earlier revision to roll back to.`);
      const previous = await this.#d.repo.revision(name, d.revision - 1);
      return stripRunningState(previous!.spec);
    });
  }

  /**
   * Attaches an expectation suite (YAML or JSON text, or an object) that every incoming record is
   * checked against; violations are counted per expectation, requests are still answered. null
   * removes it.
   */
  setValidation(name: string, suite: string | object | null, ctx: ChangeContext): Promise<Deployment> {
    const parsed = suite === null ? null : typeof suite === 'string' ? parseSuite(suite) : checkSuite(suite);
    return this.change(name, ctx, parsed ? `requests checked against suite '${parsed.name}'` : 'request suite removed', (d) => {
      const { validation: _drop, ...rest } = d.spec;
      return parsed ? { ...rest, validation: { suite: parsed } } : { ...rest, validation: undefined };
    });
  }

  /**
   * Stores explanations with a share of logged predictions (computed after the answer, one at a
   * time, skipped when the previous one is still running); null stops it.
   */
  setExplanations(name: string, settings: { percent: number; method?: string } | null, ctx: ChangeContext): Promise<Deployment> {
    if (settings !== null) {
      if (!(Number.isFinite(settings.percent) && settings.percent > 0 && settings.percent <= 100)) {
        throw new InvalidParameterError(`percent must be in (0, 100], got ${settings.percent}.`, 'percent');
      }
      if (settings.method !== undefined && !['tree', 'kernel', 'permutation'].includes(settings.method)) {
        throw new InvalidParameterError(`method must be tree, kernel or permutation, got '${settings.method}'.`, 'method');
      }
    }
    const why = settings ? `explaining ${settings.percent}% of logged predictions${settings.method ? ` (${settings.method})` : ''}` : 'stored explanations turned off';
    return this.change(name, ctx, why, (d) => ({ ...d.spec, explanations: settings === null ? undefined : { percent: settings.percent, ...(settings.method ? { method: settings.method } : {}) } }));
  }

  /**
   * Takes the traffic periods and logged predictions a remote replica reports for this deployment
   * (entries naming another deployment are refused, so a replica cannot write into others).
   */
  async acceptTelemetry(name: string, telemetry: Telemetry): Promise<{ periods: number; predictions: number }> {
    await this.get(name);
    for (const p of telemetry.periods) {
      if (p.deployment !== name) throw new InvalidParameterError(`A traffic period names deployment '${p.deployment}', not '${name}'.`, 'periods');
      if (!(p.period_end >= p.period_start) || p.requests < p.errors) throw new InvalidParameterError('A traffic period is inconsistent (end before start, or more errors than requests).', 'periods');
    }
    for (const e of telemetry.predictions) {
      if (e.deployment !== name) throw new InvalidParameterError(`A logged prediction names deployment '${e.deployment}', not '${name}'.`, 'predictions');
      if (e.inputs.length !== e.predictions.length) throw new InvalidParameterError(`Prediction ${e.id} has ${e.inputs.length} input rows but ${e.predictions.length} predictions.`, 'predictions');
    }
    await this.#d.repo.insertTraffic(telemetry.periods);
    for (const e of telemetry.predictions) this.#d.log?.record(e);
    return { periods: telemetry.periods.length, predictions: telemetry.predictions.length };
  }

  /** Writes the canary controller's decision, if the deployment is still at the revision it analysed. */
  async applyAnalysis(d: Deployment, analysis: StepAnalysis, now: number): Promise<Deployment | null> {
    const c = d.spec.canary!;
    const analyses = [...c.analyses.filter((a) => !(a.step === analysis.step && a.outcome === 'no_data')), analysis];
    let spec: DeploymentSpec;
    let reason: string;
    if (analysis.outcome === 'failed') {
      const failures = c.failures + 1;
      const failedChecks = analysis.checks.filter((r) => r.passed === false).map((r) => `${r.guardrail} ${fmt(r.value)} (limit ${r.threshold})`).join(', ');
      if (failures > c.failure_limit) {
        reason = `rolled back at ${analysis.weight}%: ${failedChecks}`;
        spec = rollBackCanary(d.spec, reason, analyses);
      } else {
        reason = `analysis failed at ${analysis.weight}% (${failures} of ${c.failure_limit} tolerated): ${failedChecks}`;
        spec = { ...d.spec, canary: { ...c, failures, analyses, step_started_at: now } };
      }
    } else if (analysis.outcome === 'no_data') {
      reason = `no data at ${analysis.weight}%: ${analysis.canary_requests} canary requests, ${c.min_requests} needed; holding the step`;
      spec = { ...d.spec, canary: { ...c, analyses, step_started_at: now } };
    } else {
      const last = c.step_index + 1 >= c.steps.length || c.steps[c.step_index + 1] === 100;
      reason = last ? `promoted: every guardrail held at each step (${c.steps.join(', ')}%)` : `analysis passed at ${analysis.weight}%, moving to ${c.steps[c.step_index + 1]}%`;
      spec = advanceCanary({ ...d.spec, canary: { ...c, analyses } }, now, reason);
    }
    const written = await this.#d.repo.writeRevision(d.name, d.revision, validateSpec(spec), 'canary-controller', reason, now);
    if (!written) return null;
    this.#d.gateway?.invalidate(d.name);
    const state = written.spec.canary?.state;
    this.#announce(written, state === 'rolled_back' ? 'deployment.rolled_back' : state === 'promoted' ? 'deployment.promoted' : 'deployment.changed', reason);
    return written;
  }
}

function fmt(v: number | null): string {
  return v === null ? 'n/a' : Number.isInteger(v) ? String(v) : v.toPrecision(3);
}

/** A past policy brought back: a canary in it is not restarted, its versions just keep their weights. */
function stripRunningState(spec: DeploymentSpec): DeploymentSpec {
  if (spec.policy === 'canary' && spec.canary && (spec.canary.state === 'progressing' || spec.canary.state === 'paused')) {
    return { ...spec, canary: { ...spec.canary, state: 'paused', reason: 'restored from an earlier revision; resume to continue the analysis' } };
  }
  return spec;
}
