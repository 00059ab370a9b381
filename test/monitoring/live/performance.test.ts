import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { binaryMetrics, performanceOf, regressionMetrics, rocAuc } from '../../../src/monitoring/live/performance.js';
import type { LabelTask } from '../../../src/predictions/index.js';

/*
 * Live metrics against values computed independently with numpy/scipy
 * (test/fixtures/monitoring/make/make_performance.py), including the reference credit model's
 * XGBoost predictions on the test and drifted sets (AUC 0.748 → 0.674 in the fixtures README).
 */

interface Case {
  id: string;
  task: LabelTask;
  outputs?: unknown[];
  labels?: unknown[];
  expected: Record<string, number>;
}
const expected = JSON.parse(readFileSync('test/fixtures/monitoring/performance_expected.json', 'utf8')) as { cases: Case[] };
const golden = JSON.parse(readFileSync('test/fixtures/xgboost/credit_xgb_golden.json', 'utf8')) as {
  predictions: number[]; labels: number[]; extra_sets: { drifted: { predictions: number[]; labels: number[] } };
};

const close = (got: number | null | undefined, want: number, what: string) => {
  expect(got, what).not.toBeNull();
  expect(Math.abs(got! - want), `${what}: ${got} vs ${want}`).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(want)));
};

describe('live performance metrics', () => {
  for (const c of expected.cases) {
    it(`match numpy/scipy on ${c.id}`, () => {
      const source = c.id === 'credit_test' ? golden : c.id === 'credit_drifted' ? golden.extra_sets.drifted : null;
      const outputs = source ? source.predictions : c.outputs!;
      const labels = source ? source.labels : c.labels!;
      const result = performanceOf(c.task, undefined, outputs.map((output, i) => ({ output, label: labels[i] })));
      expect(result.n).toBe(outputs.length);
      expect(result.skipped).toBe(0);
      for (const [metric, value] of Object.entries(c.expected)) close(result.metrics[metric as keyof typeof result.metrics], value, metric);
    });
  }

  it('reads labels as the model names its classes, and skips what it cannot read', () => {
    const rows = [
      { output: 0.9, label: 'yes' }, { output: 0.2, label: 'no' }, { output: [0.3, 0.7], label: true }, { output: 0.6, label: 'maybe' },
    ];
    const r = performanceOf('binary_classification', ['no', 'yes'], rows);
    expect(r).toMatchObject({ n: 3, skipped: 1, metrics: { accuracy: 1, roc_auc: 1 } });
    const reg = performanceOf('regression', undefined, [{ output: 2, label: 3 }, { output: 'x', label: 1 }, { output: [4], label: 4 }]);
    expect(reg).toMatchObject({ n: 2, skipped: 1, metrics: { mae: 0.5 } });
  });

  it('say null where a metric is undefined: one class only, constant labels, all-zero labels', () => {
    expect(rocAuc([0.1, 0.9], [1, 1])).toBeNull();
    expect(binaryMetrics([0.2, 0.7], [0, 0]).roc_auc).toBeNull();
    expect(regressionMetrics([1, 2], [0, 0])).toMatchObject({ r2: null, mape: null, mae: 1.5 });
  });

  it('ROC AUC is the probability a positive outranks a negative (ties count half), whatever the order of rows', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.boolean()), { minLength: 2, maxLength: 40 }), (pairs) => {
      const scores = pairs.map(([s]) => s / 5);
      const labels = pairs.map(([, y]) => (y ? 1 : 0));
      const auc = rocAuc(scores, labels);
      const pos = scores.filter((_, i) => labels[i] === 1);
      const neg = scores.filter((_, i) => labels[i] === 0);
      if (pos.length === 0 || neg.length === 0) return auc === null;
      let wins = 0;
      for (const p of pos) for (const q of neg) wins += p > q ? 1 : p === q ? 0.5 : 0;
      return Math.abs(auc! - wins / (pos.length * neg.length)) < 1e-12;
    }));
  });
});
