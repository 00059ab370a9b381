import { describe, expect, it } from 'vitest';
import {
  computeMetric, junitXml, markdownReport, parseTestSpec, perturb, runModelTests, SpecError,
  type ModelUnderTest, type TestRun,
} from '../../src/model-testing/index.js';
import type { BundleManifest, ColumnSpec } from '../../src/bundles/index.js';
import { InvalidParameterError } from '../../src/errors/index.js';
import { createRng } from '../../src/training/index.js';

/*
 * A model whose behaviour is known: P(y = 1) = sigmoid(2·x − 1 + 1.5·[group = A]), ignoring
 * `noise`; in group C it answers 0.5 whatever x is (a slice it serves badly). Labels are drawn
 * from the same probabilities.
 */
const columns: ColumnSpec[] = [
  { name: 'x', type: 'double', range: [0, 1] },
  { name: 'age', type: 'long' },
  { name: 'noise', type: 'double' },
  { name: 'group', type: 'string', categories: ['A', 'B', 'C'] },
];
const manifest = { format: 'onnx', task: 'binary_classification', model_file: 'm', signature: { inputs: columns, outputs: [] }, preprocessing: null, files: {} } as unknown as BundleManifest;
const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
const probability = (r: Record<string, unknown>) => {
  if (r.group === 'C') return 0.5;
  const x = typeof r.x === 'number' ? r.x : 0.5;
  return sigmoid(2 * x - 1 + (r.group === 'A' ? 1.5 : 0));
};
const rng = createRng(42);
const data = Array.from({ length: 3000 }, (_, i) => {
  const row: Record<string, unknown> = { x: rng(), age: 20 + Math.floor(rng() * 50), noise: rng(), group: ['A', 'B', 'C'][i % 3] };
  row.y = rng() < sigmoid(6 * (row.x as number) - 3 + (row.group === 'A' ? 1.5 : 0)) ? 1 : 0;
  return row;
});
function model(predict = probability, options: { refuseUnknown?: boolean } = {}): ModelUnderTest & { calls: number } {
  const m = {
    name: 'toy',
    version: 1,
    manifest,
    calls: 0,
    async predict(records: Record<string, unknown>[]) {
      m.calls++;
      if (options.refuseUnknown && records.some((r) => typeof r.group === 'string' && !['A', 'B', 'C'].includes(r.group))) {
        throw new InvalidParameterError("Unknown category in column 'group'.", 'group');
      }
      return Float64Array.from(records, predict);
    },
  };
  return m;
}
const labels = data.map((r) => r.y as number);
const outputs = Float64Array.from(data, probability);

describe('runModelTests', () => {
  it('performance: the metric of the served predictions, held to its bounds', async () => {
    const auc = computeMetric('auc', 'binary_classification', labels, outputs, 1);
    const spec = parseTestSpec(`target: y\nperformance:\n  auc: { min: ${(auc - 0.01).toFixed(4)} }\n  accuracy: { min: 0.99 }\n`);
    const run = await runModelTests(model(), data, spec);
    expect(run.results.map((r) => [r.name, r.status])).toEqual([[`auc ≥ ${(auc - 0.01).toFixed(4)}`, 'passed'], ['accuracy ≥ 0.99', 'failed']]);
    expect(run.results[0].details).toMatchObject({ metric: 'auc', value: auc });
    expect(run.passed).toBe(false);
    expect(run.counts).toEqual({ passed: 1, failed: 1, errors: 0, skipped: 0 });
  });

  it('robustness: degradation under each perturbation; a model that refuses the rows is an error, not a crash', async () => {
    const spec = parseTestSpec(`
target: y
robustness:
  - { perturb: gaussian_noise, columns: [noise], scale: 1, max_degradation: 0 }
  - { perturb: gaussian_noise, columns: [x], scale: 1, max_degradation: 0.01 }
  - { perturb: missing_values, columns: [x], fraction: 0.5, max_degradation: 0.5 }
  - { perturb: unseen_categories, columns: [group], fraction: 0.3, max_degradation: 0.5 }
`);
    const run = await runModelTests(model(), data, spec);
    const [noise, x, missing, unseen] = run.results;
    expect(noise).toMatchObject({ status: 'passed', details: { degradation: 0, mean_abs_prediction_change: 0 } });
    expect(x.status).toBe('failed');
    expect((x.details as { degradation: number }).degradation).toBeGreaterThan(0.02);
    expect(missing.status).toBe('passed');
    expect(unseen.status).toBe('passed');
    const refused = await runModelTests(model(probability, { refuseUnknown: true }), data, spec);
    expect(refused.results[3]).toMatchObject({ status: 'error', message: expect.stringMatching(/could not run: Unknown category in column 'group'/) });
  });

  it('perturbations: noise keeps integers integral, out-of-range leaves the range, nothing changes the input records', () => {
    const before = JSON.stringify(data.slice(0, 50));
    const spec = parseTestSpec('target: y\nrobustness:\n  - { perturb: gaussian_noise, columns: [age], scale: 0.5, max_degradation: 1 }\n  - { perturb: out_of_range, columns: [x, age], fraction: 1, max_degradation: 1 }\n');
    const noisy = perturb(data.slice(0, 50), columns, spec.robustness[0], 1);
    expect(noisy.every((r) => Number.isInteger(r.age))).toBe(true);
    expect(noisy.some((r, i) => r.age !== data[i].age)).toBe(true);
    const out = perturb(data.slice(0, 50), columns, spec.robustness[1], 1);
    expect(out.every((r) => (r.x as number) < 0 || (r.x as number) > 1)).toBe(true); // beyond the signature range [0, 1]
    expect(JSON.stringify(data.slice(0, 50))).toBe(before);
    expect(() => perturb(data, columns, { ...spec.robustness[0], columns: ['group'] }, 1)).toThrow(SpecError);
  });

  it('invariance: a column the model ignores passes; one it reads fails, naming the change', async () => {
    const spec = parseTestSpec(`
invariance:
  - { name: noise does not matter, change: { noise: [0, 1, "*3"] }, max_change: 0 }
  - { name: group does not matter, change: { group: [A, B] }, max_change: 0.05, max_failure_rate: 0.1 }
`);
    const run = await runModelTests(model(), data, spec);
    expect(run.results[0]).toMatchObject({ status: 'passed', measured: '0.0% of rows beyond (noise = 0)' });
    expect(run.results[1].status).toBe('failed');
    expect(run.results[1].message).toMatch(/With group = "[AB]", \d+\.\d% of rows changed prediction by more than 0.05/);
  });

  it('directional: a monotone model passes; the failing rows of a non-monotone one are listed', async () => {
    const spec = parseTestSpec('directional:\n  - { name: "more x, more risk", change: { x: "+0.2" }, expect: non_decreasing }\n  - { change: { x: "+0.2" }, expect: increasing, tolerance: 0.001 }\n');
    const run = await runModelTests(model(), data, spec);
    expect(run.results[0].status).toBe('passed');
    // Group C answers 0.5 whatever x is: a third of the rows do not strictly increase.
    expect(run.results[1].status).toBe('failed');
    expect(run.results[1].message).toMatch(/33\.3% of rows moved against increasing \(e\.g\. data rows 2, 5, 8, 11, 14\)/);
    const bumpy = (r: Record<string, unknown>) => probability(r) + (Math.floor((r.x as number) * 10) % 2 === 0 ? 0.1 : 0);
    const rerun = await runModelTests(model(bumpy), data, parseTestSpec('directional:\n  - { change: { x: "+0.1" }, expect: non_decreasing }\n'));
    expect(rerun.results[0].status).toBe('failed');
  });

  it('slices: a group the model serves badly fails its bound and the gap', async () => {
    const spec = parseTestSpec('target: y\nslices:\n  - { column: group, metric: auc, min: 0.6, max_gap: 0.1, min_rows: 50 }\n  - { column: age, bins: [40, 60], metric: auc, min: 0.5 }\n');
    const run = await runModelTests(model(), data, spec);
    const [byGroup, byAge] = run.results;
    expect(byGroup.status).toBe('failed');
    expect(byGroup.message).toMatch(/group C: auc 0\.500 \(1000 rows\)/);
    expect(byGroup.message).toMatch(/the gap between slices is/);
    const slices = (byAge.details as { slices: { slice: string; rows: number }[] }).slices;
    expect(slices.map((s) => s.slice)).toEqual(['< 40', '40 – 60', '≥ 60']);
    expect(slices.reduce((a, s) => a + s.rows, 0)).toBe(3000);
    expect(byAge.status).toBe('passed');
  });

  it('stress: skipped without an endpoint; the spec must fit the model', async () => {
    const run = await runModelTests(model(), data, parseTestSpec('stress:\n  max_p95_ms: 10\n'));
    expect(run.results.map((r) => r.status)).toEqual(['skipped', 'skipped']);
    expect(run.passed).toBe(true);
    await expect(runModelTests(model(), data, parseTestSpec('invariance:\n  - { change: { zip: 1 } }\n'))).rejects.toThrow(/'zip' is not an input column of the model/);
    await expect(runModelTests(model(), data, parseTestSpec('target: label\nperformance: { auc: { min: 0.5 } }\n'))).rejects.toThrow(/no column 'label'/);
    const skipped = await runModelTests(model(), data, parseTestSpec('target: y\nperformance: { auc: { min: 0.5 } }\n'), { skip: ['performance'] });
    expect(skipped.results[0].status).toBe('skipped');
  });
});

describe('reports', () => {
  let run: TestRun;
  it('JUnit XML: one testsuite per kind of check, failures with their message, names escaped', async () => {
    const spec = parseTestSpec(`
target: y
performance: { auc: { min: 0.6 }, accuracy: { min: 0.99 } }
invariance:
  - { name: "noise <ignored> & fine", change: { noise: 0 } }
stress: { max_p99_ms: 5 }
`);
    run = await runModelTests(model(), data, spec);
    const xml = junitXml(run);
    expect(xml.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="model tests: toy version 1" tests="5" failures="1" errors="0" skipped="2"')).toBe(true);
    expect(xml).toMatch(/<testsuite name="performance" tests="2" failures="1" errors="0" skipped="0"/);
    expect(xml).toMatch(/<testcase classname="toy.performance" name="accuracy ≥ 0.99" time="[\d.]+">\n\s+<failure message="accuracy is 0\.\d+; it must be ≥ 0.99\." type="ThresholdNotMet">/);
    expect(xml).toContain('name="noise &lt;ignored&gt; &amp; fine"');
    expect(xml).toMatch(/<skipped message="No endpoint to load/);
    // Balanced tags.
    for (const tag of ['testsuites', 'testsuite', 'testcase']) {
      expect((xml.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length).toBe((xml.match(new RegExp(`</${tag}>`, 'g')) ?? []).length);
    }
  });

  it('markdown: the verdict, counts per suite and a row per check', () => {
    const md = markdownReport(run);
    expect(md).toMatch(/^## Model tests: toy version 1 — ❌ failed\n/);
    expect(md).toContain('| performance | 1 | 1 | 0 | 0 |');
    expect(md).toContain('| ❌ | accuracy ≥ 0.99 |');
    expect(md).toContain('| ⏭️ | p99 latency at 4 concurrent users |');
  });
});
