import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';
import { packageBundle } from '../../src/bundles/index.js';
import { pipelineFromFeaturesSpec } from '../../src/preprocessing/index.js';
import { registerCredit } from '../explain/bundles.js';
import { FIXTURES, fixture, fixtureJson } from '../explain/fixtures.js';

const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const DATA = join(FIXTURES, 'credit_test.csv');

/** Runs the CLI; resolves with the exit code instead of rejecting on a non-zero one. */
function puente(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...CLI, ...args], { env: { ...process.env, PUENTE_URL: '', PUENTE_TOKEN: '' }, maxBuffer: 1 << 24 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const PASSING = `
target: default
performance:
  auc: { min: 0.72 }
  log_loss: { max: 0.40 }
robustness:
  - { perturb: gaussian_noise, columns: [income, credit_score], scale: 0.05, max_degradation: 0.02 }
  - { perturb: missing_values, columns: [income], fraction: 0.2, max_degradation: 0.03 }
  - { perturb: out_of_range, columns: [loan_amount], fraction: 0.1, max_degradation: 0.05 }
  - { perturb: unseen_categories, columns: [purpose], fraction: 0.1, max_degradation: 0.03 }
invariance:
  - { change: { state: [CA, TX] }, max_change: 0.15, max_failure_rate: 0.05 }
directional:
  - { change: { credit_score: "-100" }, expect: non_decreasing, tolerance: 0.02, max_failure_rate: 0.05 }
slices:
  - { column: home_ownership, metric: auc, min: 0.65, max_gap: 0.10, min_rows: 100 }
stress:
  concurrency: 4
  duration: 1500ms
  warmup: 300ms
  rows_per_request: 5
  max_p99_ms: 2000
  max_error_rate: 0
  min_throughput: 20
`;

describe('puente test model, against a running server', () => {
  let t: TestApp;
  let url: string;
  let dir: string;

  beforeAll(async () => {
    t = await makeTestApp(DIALECTS[0]!);
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    await registerCredit(t.services, 'credit');
    await registerCredit(t.services, 'credit');
    await t.services.registry.setAlias('credit', 'challenger', 2);
    dir = mkdtempSync(join(tmpdir(), 'puente-model-tests-'));
    writeFileSync(join(dir, 'pass.yaml'), PASSING);
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs every kind of check on the challenger, stress-tests it over HTTP, writes JUnit XML and markdown, exits 0', async () => {
    const junit = join(dir, 'results.xml');
    const md = join(dir, 'report.md');
    const res = await puente(['--server', url, 'test', 'model', 'credit@challenger', '--data', DATA, '--spec', join(dir, 'pass.yaml'), '--junit', junit, '--markdown', md]);
    expect(res.stderr).toMatch(/Testing credit version 2 on 5000 rows/);
    expect(res.code).toBe(0);
    const xml = readFileSync(junit, 'utf8');
    expect(xml).toMatch(/<testsuites name="model tests: credit version 2" tests="12" failures="0" errors="0" skipped="0"/);
    for (const suite of ['performance', 'robustness', 'invariance', 'directional', 'slices', 'stress']) expect(xml).toContain(`<testsuite name="${suite}"`);
    const report = readFileSync(md, 'utf8');
    expect(report).toMatch(/^## Model tests: credit version 2 — ✅ passed/);
    expect(res.stdout).toBe(report);
    // The stress test went through the server's prediction endpoint, and measured it.
    const details = xml.replace(/&quot;/g, '"');
    expect(details).toMatch(/"url":"http:\/\/127\.0\.0\.1:\d+\/serve\/credit\/2\/invocations"/);
    const stress = /"requests":(\d+),"errors":0/.exec(details);
    expect(Number(stress?.[1])).toBeGreaterThan(30);
  });

  it('exits 1 when a check fails, with the failure in the report; --json gives the run', async () => {
    writeFileSync(join(dir, 'fail.yaml'), 'target: default\nperformance:\n  auc: { min: 0.95 }\ndirectional:\n  - { change: { income: "*2" }, expect: non_increasing }\n');
    const res = await puente(['--server', url, '--json', 'test', 'model', 'credit@1', '--data', DATA, '--spec', join(dir, 'fail.yaml')]);
    expect(res.code).toBe(1);
    const run = JSON.parse(res.stdout);
    expect(run).toMatchObject({ model: 'credit', version: 1, passed: false, counts: { failed: 2 } });
    expect(run.results[0].message).toMatch(/auc is 0\.7\d+; it must be ≥ 0\.95/);
    expect(res.stderr).toMatch(/FAIL  directional: income → non_increasing/);
  });

  it('exits 2 when the tests cannot run: a bad spec, a column the model lacks, no such model', async () => {
    writeFileSync(join(dir, 'bad.yaml'), 'target: default\nperformance:\n  gini: { min: 0.5 }\n');
    const bad = await puente(['--server', url, 'test', 'model', 'credit@1', '--data', DATA, '--spec', join(dir, 'bad.yaml')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/bad.yaml: performance has unknown key\(s\) gini/);
    writeFileSync(join(dir, 'mismatch.yaml'), 'invariance:\n  - { change: { zip: "94110" } }\n');
    const mismatch = await puente(['--server', url, 'test', 'model', 'credit@1', '--data', DATA, '--spec', join(dir, 'mismatch.yaml')]);
    expect(mismatch.code).toBe(2);
    expect(mismatch.stderr).toMatch(/'zip' is not an input column of the model/);
    const missing = await puente(['--server', url, 'test', 'model', 'nope@1', '--data', DATA, '--spec', join(dir, 'pass.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/RESOURCE_DOES_NOT_EXIST/);
  });

  it('tests a local bundle directory without a server (the stress test is skipped without stress.url)', async () => {
    const pipeline = pipelineFromFeaturesSpec(fixtureJson('credit_xgb.features.json'));
    const packaged = packageBundle({
      modelBytes: fixture('credit_xgb.json'), modelFile: 'model.json', format: 'xgboost', task: 'binary_classification',
      signature: { inputs: pipeline.inputColumns.map((c) => ({ name: c, type: ['home_ownership', 'purpose', 'state'].includes(c) ? 'string' : 'double' })), outputs: [] },
      preprocessing: pipeline.toJSON(),
    });
    const bundle = join(dir, 'bundle');
    for (const [path, bytes] of packaged.files) {
      mkdirSync(dirname(join(bundle, path)), { recursive: true });
      writeFileSync(join(bundle, path), bytes);
    }
    const res = await puente(['--json', 'test', 'model', 'credit', '--bundle', bundle, '--data', DATA, '--spec', join(dir, 'pass.yaml')]);
    expect(res.code).toBe(0);
    const run = JSON.parse(res.stdout);
    expect(run.counts).toEqual({ passed: 9, failed: 0, errors: 0, skipped: 3 });
  });
});
