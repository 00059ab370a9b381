import type { LabelledRow } from '../predictions/index.js';
import {
  abVerdict, msprtMeans, msprtProportions, sampleSizeMeans, sampleSizeProportions, twoProportionZTest, welchTTest,
  type MsprtResult, type TwoProportionResult, type Verdict, type WelchResult,
} from '../stats/index.js';
import { isCorrect } from './canary-controller.js';
import type { AbMetric, DeploymentSpec } from './types.js';

/** Outcomes of one arm: binary metrics count successes, continuous ones keep sum and sum of squares. */
export interface ArmOutcomes {
  readonly model: string;
  readonly version: number;
  readonly role: 'stable' | 'treatment';
  readonly n: number;
  readonly mean: number | null;
  /** Sample variance (n − 1); null below two observations. */
  readonly variance: number | null;
  /** Binary metrics only. */
  readonly successes?: number;
}

/** Fixed-horizon test of the difference (treatment − control), valid when read once at the planned size. */
export interface FixedTest {
  readonly test: 'two_proportion_z' | 'welch_t';
  readonly difference: number;
  readonly statistic: number;
  readonly p_value: number;
  readonly confidence_interval: [number, number];
  readonly df?: number;
}

/** mSPRT: an always-valid p-value and interval, so the result may be read at any time. */
export interface SequentialTest {
  readonly test: 'msprt';
  readonly difference: number;
  readonly p_value: number;
  readonly confidence_interval: [number, number];
  readonly tau: number;
}

export interface AbReport {
  readonly metric: AbMetric;
  readonly kind: 'binary' | 'continuous';
  readonly alpha: number;
  readonly arms: ArmOutcomes[];
  /** null until both arms have enough labelled outcomes to compute it. */
  readonly fixed: FixedTest | null;
  readonly sequential: SequentialTest | null;
  /** Decided on the sequential test, so looking early does not inflate false positives. */
  readonly verdict: Verdict & { readonly winner_version: { model: string; version: number } | null };
  /** Per-arm size a fixed-horizon test needs to detect the minimum effect (when one was given) with 80% power. */
  readonly planned_per_arm: number | null;
}

export const BINARY_METRICS: readonly AbMetric[] = ['accuracy', 'conversion'];

/** The outcome value of one labelled prediction for a metric, or null when it has none. */
export function outcomeOf(metric: AbMetric, row: LabelledRow): number | null {
  switch (metric) {
    case 'accuracy':
      return isCorrect(row) ? 1 : 0;
    case 'conversion':
      return row.label === true || row.label === 1 || row.label === '1' || row.label === 'true' ? 1 : 0;
    case 'absolute_error': {
      const y = Number(row.label);
      const p = typeof row.output === 'number' ? row.output : Number(row.output);
      return Number.isFinite(y) && Number.isFinite(p) ? Math.abs(p - y) : null;
    }
    case 'value': {
      const y = typeof row.label === 'boolean' ? Number(row.label) : Number(row.label);
      return Number.isFinite(y) ? y : null;
    }
  }
}

/** Per-arm outcomes of an A/B test from the labelled predictions since it started. */
export function armOutcomes(spec: DeploymentSpec, rows: readonly LabelledRow[]): ArmOutcomes[] {
  const metric = spec.ab!.metric;
  return spec.versions
    .filter((s) => s.role === 'stable' || s.role === 'treatment')
    .map((s) => {
      let n = 0;
      let sum = 0;
      let sumSq = 0;
      for (const r of rows) {
        if (r.model !== s.model || r.version !== s.version) continue;
        const v = outcomeOf(metric, r);
        if (v === null) continue;
        n++;
        sum += v;
        sumSq += v * v;
      }
      const mean = n > 0 ? sum / n : null;
      const variance = n > 1 ? Math.max(0, (sumSq - (sum * sum) / n) / (n - 1)) : null;
      return {
        model: s.model, version: s.version, role: s.role as 'stable' | 'treatment', n, mean, variance,
        ...(BINARY_METRICS.includes(metric) ? { successes: Math.round(sum) } : {}),
      };
    });
}

/** The A/B statistics of a deployment: per-arm outcomes, a fixed-horizon test, mSPRT, and the verdict. */
export function abReport(spec: DeploymentSpec, rows: readonly LabelledRow[]): AbReport {
  const ab = spec.ab!;
  const arms = armOutcomes(spec, rows);
  const control = arms.find((a) => a.role === 'stable')!;
  const treatment = arms.find((a) => a.role === 'treatment')!;
  const binary = BINARY_METRICS.includes(ab.metric);
  let fixed: FixedTest | null = null;
  let sequential: SequentialTest | null = null;
  let planned: number | null = null;
  const options = { alpha: ab.alpha };
  if (binary && control.n >= 2 && treatment.n >= 2) {
    const a = { successes: control.successes!, trials: control.n };
    const b = { successes: treatment.successes!, trials: treatment.n };
    const z: TwoProportionResult = twoProportionZTest(a, b, { confidenceLevel: 1 - ab.alpha });
    fixed = { test: 'two_proportion_z', difference: z.difference, statistic: z.z, p_value: z.pValue, confidence_interval: z.confidenceInterval };
    sequential = sequentialOf(msprtProportions(null, a, b, options));
    if (ab.minimum_effect !== undefined) {
      const rateA = Math.min(0.999, Math.max(0.001, control.mean!));
      const rateB = Math.min(0.999, Math.max(0.001, rateA + ab.minimum_effect));
      if (rateA !== rateB) planned = sampleSizeProportions({ rateA, rateB, alpha: ab.alpha }).nA;
    }
  } else if (!binary && control.n >= 2 && treatment.n >= 2 && (control.variance! > 0 || treatment.variance! > 0)) {
    const a = { n: control.n, mean: control.mean!, variance: control.variance! };
    const b = { n: treatment.n, mean: treatment.mean!, variance: treatment.variance! };
    const t: WelchResult = welchTTest(a, b, { confidenceLevel: 1 - ab.alpha });
    fixed = { test: 'welch_t', difference: t.difference, statistic: t.t, p_value: t.pValue, confidence_interval: t.confidenceInterval, df: t.df };
    sequential = sequentialOf(msprtMeans(null, a, b, options));
    if (ab.minimum_effect !== undefined) {
      const sd = Math.sqrt((control.variance! + treatment.variance!) / 2);
      if (sd > 0) planned = sampleSizeMeans({ difference: ab.minimum_effect, sd, alpha: ab.alpha }).nA;
    }
  }
  const verdict = sequential
    ? abVerdict({
      pValue: sequential.p_value, difference: sequential.difference, confidenceInterval: sequential.confidence_interval,
      nA: control.n, nB: treatment.n, alpha: ab.alpha, higherIsBetter: ab.metric !== 'absolute_error',
      ...(ab.minimum_effect !== undefined ? { minimumEffect: ab.minimum_effect } : {}),
      ...(planned !== null ? { plannedPerArm: planned } : {}),
    })
    : { verdict: 'insufficient_data' as const, winner: null, reason: `${Math.min(control.n, treatment.n)} labelled outcomes in the smaller arm; the test needs at least 2 per arm with some variation` };
  const winnerArm = verdict.winner === 'A' ? control : verdict.winner === 'B' ? treatment : null;
  return {
    metric: ab.metric, kind: binary ? 'binary' : 'continuous', alpha: ab.alpha, arms, fixed, sequential,
    verdict: { ...verdict, winner_version: winnerArm ? { model: winnerArm.model, version: winnerArm.version } : null },
    planned_per_arm: planned,
  };
}

function sequentialOf(m: MsprtResult): SequentialTest {
  return { test: 'msprt', difference: m.difference, p_value: m.pValue, confidence_interval: m.confidenceInterval, tau: m.tau };
}
