import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';
import { loadXgboostModel } from '../../src/runtimes/xgboost/index.js';
import { pipelineFromFeaturesSpec } from '../../src/preprocessing/index.js';
import { parseCsv } from '../../src/serving/index.js';
import { rocAuc } from '../../src/training/index.js';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const DATA = 'test/fixtures/training';

describe('puente train: gradient-boosted trees without Python, logged, registered and served', () => {
  let t: TestApp;
  let url: string;
  let out: string;
  const puente = async (...args: string[]) =>
    (await run(process.execPath, [...CLI, '--server', url, ...args], { env: { ...process.env, PUENTE_URL: '', PUENTE_TOKEN: '' } })).stdout;
  const trainArgs = (dir: string) => [
    '--json', 'train', '--data', `${DATA}/credit_train.csv`, '--target', 'default', '--test', `${DATA}/credit_test.csv`,
    '--features', `${DATA}/credit_xgb.features.json`, '--subsample', '0.9', '--colsample', '0.9', '--seed', '7', '--out', dir,
  ];

  beforeAll(async () => {
    t = await makeTestApp(DIALECTS[0]!);
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    out = mkdtempSync(join(tmpdir(), 'puente-train-'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(out, { recursive: true, force: true });
  });

  it('reaches the reference XGBoost model test AUC within 0.01, logs params and metrics, registers and serves the bundle', async () => {
    const runId = (await t.services.tracking.createRun({})).info.run_id;
    const summary = JSON.parse(await puente(...trainArgs(join(out, 'a')), '--log-to', runId, '--register', 'credit-gbdt'));

    // The reference: the provided XGBoost model, scored the same way.
    const pipeline = pipelineFromFeaturesSpec(JSON.parse(readFileSync(`${DATA}/credit_xgb.features.json`, 'utf8')));
    const test = parseCsv(readFileSync(`${DATA}/credit_test.csv`, 'utf8'));
    const y = Float32Array.from(test, (r) => r.default as number);
    const reference = loadXgboostModel(readFileSync(`${DATA}/credit_xgb.json`)).predict(pipeline.transform(test as never).matrix).predictions;
    const referenceAuc = rocAuc(y, reference);
    expect(Math.abs(summary.metrics.test_auc - referenceAuc)).toBeLessThan(0.01);

    const logged = await t.services.tracking.getRun(runId);
    expect(logged.data.params).toEqual(expect.arrayContaining([{ key: 'kind', value: 'gbdt' }, { key: 'seed', value: '7' }]));
    expect(logged.data.metrics.map((m: { key: string }) => m.key)).toEqual(expect.arrayContaining(['test_auc', 'train_auc']));

    expect(summary.registered.version).toBe(1);
    const raw = test.slice(0, 5).map(({ default: _d, risk_tier: _r, ...rest }) => rest);
    const res = await t.app.inject({ method: 'POST', url: '/serve/credit-gbdt/1/invocations', payload: { dataframe_records: raw } });
    expect(res.statusCode).toBe(200);
    expect(res.json().predictions).toHaveLength(5);
  });

  it('gives the same model bytes for the same data, options and seed', async () => {
    await puente(...trainArgs(join(out, 'b')));
    await puente(...trainArgs(join(out, 'c')));
    expect(readFileSync(join(out, 'b', 'model.json')).equals(readFileSync(join(out, 'c', 'model.json')))).toBe(true);
  });

  it('trains logistic regression, served as an XGBoost gblinear model that predicts as the trainer does', async () => {
    const runId = (await t.services.tracking.createRun({})).info.run_id;
    const summary = JSON.parse(
      await puente('--json', 'train', '--kind', 'logreg', '--data', `${DATA}/credit_train.csv`, '--target', 'default', '--test', `${DATA}/credit_test.csv`,
        '--features', `${DATA}/credit_xgb.features.json`, '--out', join(out, 'logreg'), '--log-to', runId, '--register', 'credit-logreg'),
    );
    expect(summary.metrics.test_auc).toBeGreaterThan(0.74);
    const model = JSON.parse(readFileSync(join(out, 'logreg', 'model.json'), 'utf8'));
    expect(model.learner.gradient_booster.name).toBe('gblinear');

    // The trainer's own prediction, from the same data, against what the server answers.
    const { trainLogistic, predictLogistic } = await import('../../src/training/index.js');
    const pipeline = pipelineFromFeaturesSpec(JSON.parse(readFileSync(`${DATA}/credit_xgb.features.json`, 'utf8')));
    const train = parseCsv(readFileSync(`${DATA}/credit_train.csv`, 'utf8'));
    const X = pipeline.transform(train as never).matrix;
    const y = Float32Array.from(train, (r) => r.default as number);
    const logistic = trainLogistic(X, y, 16, { l2: 1, featureNames: [...pipeline.featureNames] }).modelJson;
    const test = parseCsv(readFileSync(`${DATA}/credit_test.csv`, 'utf8')).slice(0, 50);
    const expected = predictLogistic(logistic, pipeline.transform(test as never).matrix);
    const raw = test.map(({ default: _d, risk_tier: _r, ...rest }) => rest);
    const res = await t.app.inject({ method: 'POST', url: '/serve/credit-logreg/1/invocations', payload: { dataframe_records: raw } });
    expect(res.statusCode).toBe(200);
    (res.json().predictions as number[]).forEach((p, r) => expect(Math.abs(p - expected[r]!)).toBeLessThan(1e-5));
  });

  it('refuses a target that is not a number, naming the row', async () => {
    await expect(puente('train', '--data', `${DATA}/credit_test.csv`, '--target', 'state')).rejects.toThrow(/row 1: target 'state'/);
  });
});
