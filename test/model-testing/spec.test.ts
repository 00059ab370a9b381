import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseTestSpec } from '../../src/model-testing/index.js';

describe('model test specs', () => {
  it('reads the example spec with every section', () => {
    const spec = parseTestSpec(readFileSync('examples/model-tests/tests.yaml', 'utf8'));
    expect(spec.target).toBe('default');
    expect(spec.performance.map((p) => p.metric)).toEqual(['auc', 'log_loss', 'accuracy']);
    expect(spec.performance[1].bound).toEqual({ min: undefined, max: 0.4 });
    expect(spec.robustness.map((r) => r.perturb)).toEqual(['gaussian_noise', 'missing_values', 'out_of_range', 'unseen_categories']);
    expect(spec.robustness[0]).toMatchObject({ scale: 0.05, fraction: 1, maxDegradation: 0.02 });
    expect(spec.invariance[0].change).toEqual({ state: ['CA', 'TX', 'NY', 'FL'] });
    expect(spec.directional[0]).toMatchObject({ expect: 'non_increasing', change: { income: ['*1.5', '*2'] } });
    expect(spec.slices[1]).toMatchObject({ column: 'age', bins: [30, 45, 60], minRows: 30 });
    expect(spec.stress).toMatchObject({ concurrency: 8, durationMs: 10_000, warmupMs: 2_000, rowsPerRequest: 1, maxP95Ms: 50, maxErrorRate: 0.001 });
  });

  it('fills defaults: threshold 0.5, seed 0, noise scale 0.1, a fifth of rows for the other perturbations', () => {
    const spec = parseTestSpec('target: y\nrobustness:\n  - perturb: gaussian_noise\n    max_degradation: 0.1\n  - perturb: missing_values\n    max_degradation: 0.1\n');
    expect(spec).toMatchObject({ threshold: 0.5, seed: 0 });
    expect(spec.robustness[0]).toMatchObject({ name: 'gaussian_noise', scale: 0.1, fraction: 1, factor: 1 });
    expect(spec.robustness[1].fraction).toBe(0.2);
  });

  it.each([
    ['target: y\nperformance: { auc: { min: 0.7 } }\nextra: 1\n', /the top level has unknown key\(s\) extra/],
    ['performance: { auc: { min: 0.7 } }\n', /target must name the label column/],
    ['target: y\nperformance: { gini: { min: 0.7 } }\n', /performance has unknown key\(s\) gini/],
    ['target: y\nperformance: { auc: {} }\n', /performance.auc needs min or max/],
    ['target: y\nrobustness:\n  - perturb: shuffle\n    max_degradation: 0.1\n', /robustness\[0\].perturb must be one of gaussian_noise/],
    ['target: y\nrobustness:\n  - perturb: missing_values\n', /robustness\[0\].max_degradation is required/],
    ['target: y\nrobustness:\n  - perturb: missing_values\n    fraction: 2\n    max_degradation: 0.1\n', /robustness\[0\].fraction must be a number from 0 to 1/],
    ['directional:\n  - change: { income: "*x" }\n    expect: non_increasing\n', /directional\[0\].change.income\[0\] '\*x' is not/],
    ['directional:\n  - change: { income: "*2" }\n    expect: up\n', /directional\[0\].expect must be one of increasing/],
    ['invariance:\n  - change: {}\n', /invariance\[0\].change must map columns/],
    ['target: y\nslices:\n  - column: a\n', /slices\[0\] needs min, max or max_gap/],
    ['target: y\nslices:\n  - column: a\n    min: 0.5\n    bins: [3, 1]\n', /slices\[0\].bins must increase/],
    ['stress:\n  duration: soon\n', /stress.duration must be a duration/],
    ['stress:\n  concurrency: 2.5\n', /stress.concurrency must be an integer/],
    ['target: [unclosed\n', /tests.yaml is not valid YAML \(line \d\)/],
    ['', /the file is empty/],
  ])('refuses %j naming the key', (text, message) => {
    expect(() => parseTestSpec(text)).toThrow(message);
  });

  it('reads durations in ms, s and m', () => {
    for (const [d, ms] of [['500ms', 500], ['3s', 3000], ['1m', 60_000], ['2', 2000]] as const) {
      expect(parseTestSpec(`stress:\n  duration: ${d}\n`).stress!.durationMs).toBe(ms);
    }
  });
});
