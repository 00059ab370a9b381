import { jensenShannonDistance } from '../monitoring/index.js';
import type { CanaryStatus, CheckResult, StepAnalysis } from './types.js';
import { latencyQuantile, type VersionTraffic } from './traffic.js';

/** Labelled predictions of one version: how many, and how many were right. */
export interface LabelledOutcomes {
  readonly n: number;
  readonly correct: number;
}

/** Fewest labelled predictions per version before accuracy is judged. */
export const MIN_LABELLED = 30;

/** Fewest predictions per version before their distributions are compared (small samples inflate the distance). */
export const MIN_PREDICTIONS = 50;

const histogramTotal = (h: Readonly<Record<string, number>>) => Object.values(h).reduce((a, b) => a + b, 0);

/**
 * Jensen–Shannon distance (natural log, so in [0, √ln 2]) between two sparse histograms keyed by
 * bin: the bins of both are lined up and compared by the monitoring module's distance.
 */
export function histogramJsDistance(p: Readonly<Record<string, number>>, q: Readonly<Record<string, number>>): number | null {
  const keys = [...new Set([...Object.keys(p), ...Object.keys(q)])];
  const a = keys.map((k) => p[k] ?? 0);
  const b = keys.map((k) => q[k] ?? 0);
  if (a.every((v) => v === 0) || b.every((v) => v === 0)) return null;
  return jensenShannonDistance(a, b);
}

/**
 * Judges one canary step from the traffic of the interval. A guardrail without enough data
 * neither passes nor fails, and (like too few canary requests) makes the analysis `no_data`,
 * which holds the step rather than promoting on silence.
 */
export function analyseStep(
  canary: CanaryStatus,
  window: { start: number; end: number },
  traffic: { canary: VersionTraffic | undefined; stable: VersionTraffic | undefined },
  labelled: { canary: LabelledOutcomes; stable: LabelledOutcomes } | null,
): StepAnalysis {
  const g = canary.guardrails;
  const c = traffic.canary;
  const s = traffic.stable;
  const checks: CheckResult[] = [];
  const canaryRequests = c?.requests ?? 0;
  if (g.max_error_rate !== undefined) {
    const value = c && c.requests > 0 ? c.errors / c.requests : null;
    checks.push({ guardrail: 'max_error_rate', value, threshold: g.max_error_rate, passed: value === null ? null : value <= g.max_error_rate });
  }
  if (g.max_p99_ms !== undefined) {
    const value = c ? latencyQuantile(c.latency, 0.99) : null;
    checks.push({ guardrail: 'max_p99_ms', value, threshold: g.max_p99_ms, passed: value === null ? null : value <= g.max_p99_ms });
  }
  if (g.max_prediction_shift !== undefined) {
    const enough = c && s && histogramTotal(c.predictions) >= MIN_PREDICTIONS && histogramTotal(s.predictions) >= MIN_PREDICTIONS;
    const value = enough ? histogramJsDistance(c.predictions, s.predictions) : null;
    checks.push({ guardrail: 'max_prediction_shift', value, threshold: g.max_prediction_shift, passed: value === null ? null : value <= g.max_prediction_shift });
  }
  if (g.min_accuracy_delta !== undefined) {
    const enough = labelled && labelled.canary.n >= MIN_LABELLED && labelled.stable.n >= MIN_LABELLED;
    const value = enough ? labelled.canary.correct / labelled.canary.n - labelled.stable.correct / labelled.stable.n : null;
    checks.push({ guardrail: 'min_accuracy_delta', value, threshold: g.min_accuracy_delta, passed: value === null ? null : value >= g.min_accuracy_delta });
  }
  const failed = checks.some((r) => r.passed === false);
  // Silence is not success: a guardrail that could not be judged holds the step, as Flagger does.
  const undecided = canaryRequests < canary.min_requests || checks.some((r) => r.passed === null);
  const outcome = failed ? 'failed' : undecided ? 'no_data' : 'passed';
  return {
    step: canary.step_index, weight: canary.steps[canary.step_index]!, started_at: window.start, ended_at: window.end,
    canary_requests: canaryRequests, stable_requests: s?.requests ?? 0, checks, outcome,
  };
}
