import { ConflictError, InvalidParameterError } from '../errors/index.js';
import type { ColumnSpec, ModelSignature } from '../bundles/index.js';
import {
  AB_METRICS, POLICIES, ROLES,
  type AbMetric, type CanaryStatus, type DeploymentSpec, type FaultInjection, type Guardrails, type SlotRole, type VersionSlot,
} from './types.js';

/*
 * Pure transitions between deployment specs. Each function takes the current spec and returns
 * the next one, or throws (400 for bad input, 409 for a change that collides with one in
 * progress); the service stores the result as a new revision, so nothing is ever half-applied.
 */

/** A model version a deployment points at. */
export interface Target {
  readonly model: string;
  readonly version: number;
}

const label = (t: Target) => `${t.model}@${t.version}`;
const same = (a: Target, b: Target) => a.model === b.model && a.version === b.version;

/** Roles that take a share of live traffic. */
const LIVE_ROLES: readonly SlotRole[] = ['stable', 'canary', 'treatment'];

/** Checks the invariants every stored spec keeps. */
export function validateSpec(spec: DeploymentSpec): DeploymentSpec {
  if (!POLICIES.includes(spec.policy)) throw new InvalidParameterError(`Unknown policy '${spec.policy}'; use one of ${POLICIES.join(', ')}.`, 'policy');
  if (spec.versions.length === 0) throw new InvalidParameterError('A deployment needs at least one version.', 'versions');
  const stable = spec.versions.filter((s) => s.role === 'stable');
  if (stable.length !== 1) throw new InvalidParameterError('A deployment has exactly one stable version.', 'versions');
  const seen = new Set<string>();
  let total = 0;
  for (const slot of spec.versions) {
    if (!ROLES.includes(slot.role)) throw new InvalidParameterError(`Unknown role '${slot.role}'.`, 'versions');
    if (!Number.isInteger(slot.version) || slot.version < 1) throw new InvalidParameterError(`Version of ${slot.model} must be a positive integer.`, 'versions');
    const key = label(slot);
    if (seen.has(key)) throw new InvalidParameterError(`${key} appears twice in the deployment.`, 'versions');
    seen.add(key);
    if (!Number.isFinite(slot.weight) || slot.weight < 0 || slot.weight > 100) throw new InvalidParameterError(`Weight of ${key} must be between 0 and 100, got ${slot.weight}.`, 'weight');
    if (!LIVE_ROLES.includes(slot.role) && slot.weight !== 0) throw new InvalidParameterError(`A ${slot.role} version takes no live traffic; its weight must be 0.`, 'weight');
    if (slot.faults) validateFaults(slot.faults);
    total += slot.weight;
  }
  if (Math.abs(total - 100) > 1e-9) throw new InvalidParameterError(`Weights must sum to 100, they sum to ${total}.`, 'weight');
  return spec;
}

function validateFaults(f: FaultInjection): void {
  if (f.delay_ms !== undefined && !(Number.isFinite(f.delay_ms) && f.delay_ms >= 0 && f.delay_ms <= 60_000)) {
    throw new InvalidParameterError('faults.delay_ms must be between 0 and 60000.', 'faults.delay_ms');
  }
  if (f.error_percent !== undefined && !(Number.isFinite(f.error_percent) && f.error_percent >= 0 && f.error_percent <= 100)) {
    throw new InvalidParameterError('faults.error_percent must be between 0 and 100.', 'faults.error_percent');
  }
}

export function stableOf(spec: DeploymentSpec): VersionSlot {
  return spec.versions.find((s) => s.role === 'stable')!;
}

export function slotWithRole(spec: DeploymentSpec, role: SlotRole): VersionSlot | undefined {
  return spec.versions.find((s) => s.role === role);
}

/** One version serving everything. */
export function singleSpec(target: Target, faults?: FaultInjection): DeploymentSpec {
  return validateSpec({ policy: 'single', versions: [slot(target, 100, 'stable', faults)] });
}

function slot(t: Target, weight: number, role: SlotRole, faults?: FaultInjection): VersionSlot {
  return { model: t.model, version: t.version, weight, role, ...(faults && Object.keys(faults).length > 0 ? { faults } : {}) };
}

/** Refuses a change while a canary is moving (pause or abort it first) — changes must not overlap. */
function assertNoActiveCanary(spec: DeploymentSpec, what: string): void {
  if (spec.policy === 'canary' && spec.canary && (spec.canary.state === 'progressing' || spec.canary.state === 'paused')) {
    throw new ConflictError(`A canary is ${spec.canary.state} on this deployment; promote it or roll it back before ${what}.`);
  }
}

function assertNewVersion(spec: DeploymentSpec, target: Target): void {
  if (same(stableOf(spec), target)) throw new InvalidParameterError(`${label(target)} is already the stable version.`, 'model');
}

/** Stages a green version beside the live (blue) one; it takes traffic only with the target header. */
export function stageGreen(current: DeploymentSpec, green: Target, faults?: FaultInjection): DeploymentSpec {
  assertNoActiveCanary(current, 'staging a green version');
  assertNewVersion(current, green);
  return validateSpec({ policy: 'blue-green', versions: [slot(stableOf(current), 100, 'stable', stableOf(current).faults), slot(green, 0, 'green', faults)] });
}

export interface CanaryPlan {
  readonly steps: number[];
  readonly interval_ms: number;
  readonly guardrails: Guardrails;
  readonly failure_limit: number;
  readonly min_requests: number;
}

/** Checks a canary plan: increasing weights in (0, 100] ending at 100, a positive interval. */
export function validateCanaryPlan(plan: CanaryPlan): CanaryPlan {
  if (plan.steps.length === 0) throw new InvalidParameterError('A canary needs at least one step.', 'steps');
  let last = 0;
  for (const w of plan.steps) {
    if (!Number.isFinite(w) || w <= last || w > 100) throw new InvalidParameterError(`Steps must be increasing weights between 1 and 100, got ${plan.steps.join(',')}.`, 'steps');
    last = w;
  }
  if (last !== 100) throw new InvalidParameterError(`The last step must be 100 (full promotion), got ${last}.`, 'steps');
  if (!Number.isFinite(plan.interval_ms) || plan.interval_ms <= 0) throw new InvalidParameterError('The analysis interval must be positive.', 'interval');
  if (!Number.isInteger(plan.failure_limit) || plan.failure_limit < 0) throw new InvalidParameterError('failure_limit must be a whole number ≥ 0.', 'failure_limit');
  if (!Number.isInteger(plan.min_requests) || plan.min_requests < 1) throw new InvalidParameterError('min_requests must be a whole number ≥ 1.', 'min_requests');
  const g = plan.guardrails;
  const check = (v: number | undefined, field: string, lo: number, hi: number) => {
    if (v !== undefined && !(Number.isFinite(v) && v >= lo && v <= hi)) throw new InvalidParameterError(`${field} must be between ${lo} and ${hi}.`, field);
  };
  check(g.max_error_rate, 'max_error_rate', 0, 1);
  check(g.max_p99_ms, 'max_p99_ms', 0, 3_600_000);
  check(g.max_prediction_shift, 'max_prediction_shift', 0, 1);
  check(g.min_accuracy_delta, 'min_accuracy_delta', -1, 1);
  return plan;
}

/** Starts a canary of `target` against the current stable version, at the first step's weight. */
export function startCanary(current: DeploymentSpec, target: Target, plan: CanaryPlan, now: number, faults?: FaultInjection): DeploymentSpec {
  assertNoActiveCanary(current, 'starting another');
  assertNewVersion(current, target);
  validateCanaryPlan(plan);
  const stable = stableOf(current);
  const weight = plan.steps[0]!;
  const canary: CanaryStatus = {
    ...plan, state: weight === 100 ? 'promoted' : 'progressing', started_at: now, step_index: 0, step_started_at: now, failures: 0, reason: null, analyses: [],
  };
  if (weight === 100) return { ...singleSpec(target, faults), canary: { ...canary, reason: 'single step of 100%' } };
  return validateSpec({ policy: 'canary', versions: [slot(stable, 100 - weight, 'stable', stable.faults), slot(target, weight, 'canary', faults)], canary });
}

/** The canary moved to its next step, or (after the last) promoted. */
export function advanceCanary(current: DeploymentSpec, now: number, reason: string): DeploymentSpec {
  const c = current.canary!;
  const next = c.step_index + 1;
  const canarySlot = slotWithRole(current, 'canary')!;
  if (next >= c.steps.length || c.steps[next] === 100) {
    return { policy: 'single', versions: [slot(canarySlot, 100, 'stable', canarySlot.faults)], canary: { ...c, state: 'promoted', step_index: c.steps.length - 1, step_started_at: now, reason } };
  }
  const w = c.steps[next]!;
  const stable = stableOf(current);
  return validateSpec({
    ...current,
    versions: [slot(stable, 100 - w, 'stable', stable.faults), slot(canarySlot, w, 'canary', canarySlot.faults)],
    canary: { ...c, step_index: next, step_started_at: now, reason },
  });
}

/** All traffic back to the stable version; the canary is recorded as rolled back with the reason. */
export function rollBackCanary(current: DeploymentSpec, reason: string, analysesOverride?: CanaryStatus['analyses']): DeploymentSpec {
  const c = current.canary!;
  const stable = stableOf(current);
  return {
    policy: 'single',
    versions: [slot(stable, 100, 'stable', stable.faults)],
    canary: { ...c, state: 'rolled_back', reason, analyses: analysesOverride ?? c.analyses },
  };
}

/** Promotes what is being tried (green, canary, shadow or treatment) to take all traffic. */
export function promote(current: DeploymentSpec, reason: string): DeploymentSpec {
  const candidate = current.versions.find((s) => s.role !== 'stable');
  if (!candidate) throw new ConflictError(`Nothing to promote: the deployment serves ${label(stableOf(current))} alone.`);
  if (current.policy === 'canary' && current.canary) {
    return { policy: 'single', versions: [slot(candidate, 100, 'stable', candidate.faults)], canary: { ...current.canary, state: 'promoted', reason } };
  }
  return singleSpec(candidate, candidate.faults);
}

/** Pauses or resumes a canary (resuming restarts the current step's interval). */
export function pauseCanary(current: DeploymentSpec, paused: boolean, now: number, reason: string): DeploymentSpec {
  const c = current.canary;
  if (current.policy !== 'canary' || !c) throw new ConflictError('Only a canary can be paused or resumed; this deployment has none running.');
  if (paused && c.state !== 'progressing') throw new ConflictError(`The canary is ${c.state}; only a progressing canary can be paused.`);
  if (!paused && c.state !== 'paused') throw new ConflictError(`The canary is ${c.state}; only a paused canary can be resumed.`);
  return { ...current, canary: { ...c, state: paused ? 'paused' : 'progressing', step_started_at: paused ? c.step_started_at : now, reason } };
}

/** Mirrors a share of traffic to `target`; its answers are compared, never returned. */
export function startShadow(current: DeploymentSpec, target: Target, percent: number, faults?: FaultInjection): DeploymentSpec {
  assertNoActiveCanary(current, 'adding a shadow');
  assertNewVersion(current, target);
  if (!Number.isFinite(percent) || percent <= 0 || percent > 100) throw new InvalidParameterError(`The shadow percent must be in (0, 100], got ${percent}.`, 'percent');
  const stable = stableOf(current);
  return validateSpec({ policy: 'shadow', versions: [slot(stable, 100, 'stable', stable.faults), slot(target, 0, 'shadow', faults)], shadow_percent: percent });
}

/** Splits traffic between the stable version (control) and `target` (treatment) for an A/B test. */
export function startAb(current: DeploymentSpec, target: Target, weight: number, metric: string, alpha: number, now: number, faults?: FaultInjection, minimumEffect?: number): DeploymentSpec {
  assertNoActiveCanary(current, 'starting an A/B test');
  assertNewVersion(current, target);
  if (!Number.isFinite(weight) || weight <= 0 || weight >= 100) throw new InvalidParameterError(`The treatment weight must be between 0 and 100 (exclusive), got ${weight}.`, 'weight');
  if (!AB_METRICS.includes(metric as AbMetric)) throw new InvalidParameterError(`Unknown A/B metric '${metric}'; use one of ${AB_METRICS.join(', ')}.`, 'metric');
  if (!(alpha > 0 && alpha < 0.5)) throw new InvalidParameterError('alpha must be between 0 and 0.5.', 'alpha');
  if (minimumEffect !== undefined && !(Number.isFinite(minimumEffect) && minimumEffect !== 0)) throw new InvalidParameterError('minimum_effect must be a non-zero number.', 'minimum_effect');
  const stable = stableOf(current);
  return validateSpec({
    policy: 'ab',
    versions: [slot(stable, 100 - weight, 'stable', stable.faults), slot(target, weight, 'treatment', faults)],
    ab: { metric: metric as AbMetric, alpha, started_at: now, ...(minimumEffect !== undefined ? { minimum_effect: Math.abs(minimumEffect) } : {}) },
  });
}

/**
 * Sets live weights by hand (`set-traffic`): each entry names a version already in the
 * deployment. Every live version must be given and the weights must sum to 100.
 */
export function setTraffic(current: DeploymentSpec, weights: readonly (Target & { weight: number })[]): DeploymentSpec {
  if (current.policy === 'canary' && current.canary?.state === 'progressing') {
    throw new ConflictError('A canary is progressing and owns the weights; pause it first, or promote / roll it back.');
  }
  const live = current.versions.filter((s) => LIVE_ROLES.includes(s.role));
  for (const w of weights) {
    if (!current.versions.some((s) => same(s, w))) {
      throw new InvalidParameterError(`${label(w)} is not part of this deployment (it has ${current.versions.map(label).join(', ')}); add it with canary, ab or blue-green.`, 'versions');
    }
  }
  for (const s of live) {
    if (!weights.some((w) => same(s, w))) throw new InvalidParameterError(`Give a weight for every live version; ${label(s)} is missing.`, 'versions');
  }
  for (const w of weights) {
    const s = current.versions.find((x) => same(x, w))!;
    if (!LIVE_ROLES.includes(s.role)) throw new InvalidParameterError(`${label(w)} is the ${s.role} version and takes no live traffic.`, 'versions');
  }
  const versions = current.versions.map((s) => {
    const w = weights.find((x) => same(x, s));
    return w ? { ...s, weight: w.weight } : s;
  });
  return validateSpec({ ...current, versions });
}

/**
 * Columns on which two signatures differ (missing on one side, or of another type), so a
 * request valid for one version is valid for the other. Empty when they are compatible.
 */
export function signatureDifferences(a: ModelSignature, b: ModelSignature): string[] {
  const byName = (cols: readonly ColumnSpec[]) => new Map(cols.map((c) => [c.name, c]));
  const left = byName(a.inputs);
  const right = byName(b.inputs);
  const family = (t: string) => (t === 'string' ? 'string' : t === 'boolean' ? 'boolean' : 'number');
  const out: string[] = [];
  for (const [name, col] of left) {
    const other = right.get(name);
    if (!other) out.push(`${name} (only in the current version)`);
    else if (family(col.type) !== family(other.type)) out.push(`${name} (${col.type} vs ${other.type})`);
  }
  for (const name of right.keys()) if (!left.has(name)) out.push(`${name} (only in the new version)`);
  return out;
}
