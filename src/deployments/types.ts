import type { ExpectationSuite } from '../datasets/index.js';

/** Traffic policies a deployment can have. */
export const POLICIES = ['single', 'blue-green', 'canary', 'shadow', 'ab'] as const;
export type PolicyKind = (typeof POLICIES)[number];

/**
 * What a version does in a deployment. `stable`: the version that serves by default;
 * `green`: staged beside the stable (blue) one, reachable by header only until promoted;
 * `canary`: receives a growing share; `shadow`: gets a mirrored copy of traffic whose answers
 * are discarded; `treatment`: the challenger arm of an A/B test (the stable version is control).
 */
export const ROLES = ['stable', 'green', 'canary', 'shadow', 'treatment'] as const;
export type SlotRole = (typeof ROLES)[number];

/** Faults injected into one version's answers, to rehearse that guardrails catch a bad release. */
export interface FaultInjection {
  /** Extra latency added to each request this version answers (ms). */
  readonly delay_ms?: number;
  /** Share of this version's requests answered with an error (0–100). */
  readonly error_percent?: number;
}

/** One version in a deployment's traffic policy. Weights of the slots that take traffic sum to 100. */
export interface VersionSlot {
  readonly model: string;
  readonly version: number;
  /** Percent of live traffic (0 for green and shadow slots). */
  readonly weight: number;
  readonly role: SlotRole;
  readonly faults?: FaultInjection;
}

/** Guardrails a canary must keep at every analysis; a missing one is not checked. */
export interface Guardrails {
  /** Most share of failed requests (0–1). */
  readonly max_error_rate?: number;
  /** Most 99th-percentile latency (ms). */
  readonly max_p99_ms?: number;
  /** Most Jensen–Shannon distance (natural log) between canary and stable prediction distributions. */
  readonly max_prediction_shift?: number;
  /** Least (canary accuracy − stable accuracy) on labelled predictions, e.g. -0.02. */
  readonly min_accuracy_delta?: number;
}

/** The result of one guardrail in one analysis. */
export interface CheckResult {
  readonly guardrail: keyof Guardrails;
  readonly value: number | null;
  readonly threshold: number;
  /** null: not enough data to judge (neither pass nor fail). */
  readonly passed: boolean | null;
}

/** One analysis of a canary step, at the end of an interval. */
export interface StepAnalysis {
  readonly step: number;
  readonly weight: number;
  readonly started_at: number;
  readonly ended_at: number;
  readonly canary_requests: number;
  readonly stable_requests: number;
  readonly checks: CheckResult[];
  /** `passed`, `failed`, or `no_data` (too little canary traffic: the step waits, as Flagger halts). */
  readonly outcome: 'passed' | 'failed' | 'no_data';
}

export const CANARY_STATES = ['progressing', 'paused', 'promoted', 'rolled_back'] as const;
export type CanaryState = (typeof CANARY_STATES)[number];

/** A canary rollout: its plan and where it stands. */
export interface CanaryStatus {
  readonly steps: number[];
  readonly interval_ms: number;
  readonly guardrails: Guardrails;
  /** Failed analyses tolerated; one more rolls back. */
  readonly failure_limit: number;
  /** Fewest canary requests an analysis needs to judge. */
  readonly min_requests: number;
  readonly state: CanaryState;
  /** When the canary started (its first step). */
  readonly started_at: number;
  readonly step_index: number;
  readonly step_started_at: number;
  readonly failures: number;
  /** Why it was paused, promoted or rolled back. */
  readonly reason: string | null;
  readonly analyses: StepAnalysis[];
}

/** Outcome metrics an A/B test compares, from feedback labels. */
export const AB_METRICS = ['accuracy', 'conversion', 'absolute_error', 'value'] as const;
export type AbMetric = (typeof AB_METRICS)[number];

export interface AbSettings {
  readonly metric: AbMetric;
  /** Significance level (default 0.05). */
  readonly alpha: number;
  /** Smallest difference worth detecting (in the metric's units); sets the planned sample size. */
  readonly minimum_effect?: number;
  readonly started_at: number;
}

/** Expectations every incoming record is checked against (violations are counted, requests still answered). */
export interface RequestValidation {
  readonly suite: ExpectationSuite;
}

/** Explanations computed for a share of logged predictions, off the response path, and stored with them. */
export interface ExplanationSettings {
  /** Percent of logged requests explained (0–100]. */
  readonly percent: number;
  /** tree, kernel or permutation; absent: Tree SHAP for tree models, else Kernel SHAP. */
  readonly method?: string;
}

/** The policy of one revision of a deployment. */
export interface DeploymentSpec {
  readonly policy: PolicyKind;
  readonly versions: VersionSlot[];
  readonly canary?: CanaryStatus;
  /** Percent of requests mirrored to the shadow slot. */
  readonly shadow_percent?: number;
  readonly ab?: AbSettings;
  readonly validation?: RequestValidation;
  readonly explanations?: ExplanationSettings;
}

/** A deployment at its current revision. */
export interface Deployment {
  readonly name: string;
  readonly description: string;
  readonly revision: number;
  readonly spec: DeploymentSpec;
  readonly created_at: number;
  readonly updated_at: number;
  readonly created_by: string | null;
}

/** One entry in a deployment's history. */
export interface DeploymentRevision {
  readonly name: string;
  readonly revision: number;
  readonly spec: DeploymentSpec;
  readonly created_at: number;
  readonly created_by: string | null;
  /** Why the change was made (given by the caller, or written by the canary controller). */
  readonly reason: string;
}
