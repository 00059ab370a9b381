import type { LabelledRow } from '../predictions/index.js';
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

export interface AbReport {
  readonly metric: AbMetric;
  readonly kind: 'binary' | 'continuous';
  readonly alpha: number;
  readonly arms: ArmOutcomes[];
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

export function abReport(spec: DeploymentSpec, rows: readonly LabelledRow[]): AbReport {
  const ab = spec.ab!;
  return { metric: ab.metric, kind: BINARY_METRICS.includes(ab.metric) ? 'binary' : 'continuous', alpha: ab.alpha, arms: armOutcomes(spec, rows) };
}
