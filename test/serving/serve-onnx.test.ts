import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';
import { creditGolden, creditMatrix, fixtureBytes } from '../runtimes/onnx/fixtures.js';
import { registerCreditOnnx } from './onnx-bundle.js';

/*
 * A registered ONNX version served end to end: bundle in the artifact store, version in the
 * registry, predictions over the Open Inference Protocol and MLflow's scoring protocol compared
 * with scikit-learn's golden probabilities.
 */
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe.each(DIALECTS)('serving an ONNX version ($name)', (dialect) => {
  let t: TestApp;
  const X = creditMatrix();
  const golden = creditGolden().models['credit_logreg.onnx'];
  const row = (r: number) => Array.from(X.rows.subarray(r * X.nCols, (r + 1) * X.nCols), (v) => (Number.isNaN(v) ? null : v));
  const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json', ...headers }, payload: typeof body === 'string' ? body : JSON.stringify(body) });

  const registerBundle = (_model: Buffer, tamper = false) => registerCreditOnnx(t.services, 'credit', { tamper });

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    await registerBundle(fixtureBytes('credit_logreg.onnx'));
  });
  afterAll(async () => t.close());

  it('answers Open Inference requests with one [N, F] matrix, matching the golden probabilities', async () => {
    const n = 50;
    const data = Array.from({ length: n }, (_, r) => row(r));
    const res = await post('/v2/models/credit/infer', { id: 'abc', inputs: [{ name: 'input', shape: [n, X.nCols], datatype: 'FP32', data }] });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-puente-model-version']).toBe('1');
    const body = res.json();
    expect(body).toMatchObject({ model_name: 'credit', model_version: '1', id: 'abc' });
    const probs = body.outputs.find((o: { name: string }) => o.name === 'probabilities');
    expect(probs.shape).toEqual([n, 2]);
    for (let r = 0; r < n; r++) expect(Math.abs(probs.data[r * 2 + 1] - golden.probabilities[r]![1])).toBeLessThan(1e-5);
    expect(body.outputs.find((o: { name: string }) => o.name === 'label').data).toEqual(golden.label.slice(0, n));
  });

  it('answers with one tensor per column too, and only the outputs asked for', async () => {
    const inputs = X.header.map((name, c) => ({ name, shape: [3], datatype: 'FP64', data: [0, 1, 2].map((r) => row(r)[c]) }));
    const res = await post('/v2/models/credit/versions/1/infer', { inputs, outputs: [{ name: 'label' }] });
    expect(res.statusCode).toBe(200);
    expect(res.json().outputs.map((o: { name: string }) => o.name)).toEqual(['label']);
    expect(res.json().outputs[0].data).toEqual(golden.label.slice(0, 3));
  });

  it('answers MLflow scoring requests with P(class 1) per row, by version and by alias', async () => {
    const columns = X.header;
    const data = [0, 1, 2, 3].map(row);
    await t.services.registry.setAlias('credit', 'champion', 1);
    for (const url of ['/serve/credit/1/invocations', '/serve/credit/champion/invocations']) {
      const res = await post(url, { dataframe_split: { columns, data } });
      expect(res.statusCode).toBe(200);
      const predictions = res.json().predictions as number[];
      predictions.forEach((p, r) => expect(Math.abs(p - golden.probabilities[r]![1])).toBeLessThan(1e-5));
    }
    const csv = `${columns.join(',')}\n${data.map((r) => r.map((v) => (v === null ? '' : v)).join(',')).join('\n')}\n`;
    const fromCsv = await post('/serve/credit/1/invocations', csv, { 'content-type': 'text/csv' });
    expect(fromCsv.json().predictions).toHaveLength(4);
  });

  it('exports requests, latency and batch sizes per model and version to Prometheus', async () => {
    const text = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(text).toMatch(/puente_model_requests_total\{model="credit",version="1",status="ok"\} [1-9]/);
    expect(text).toMatch(/puente_model_request_duration_seconds_count\{model="credit",version="1"\} [1-9]/);
    expect(text).toMatch(/puente_model_batch_rows_count\{model="credit",version="1"\} [1-9]/);
  });

  it('describes the model and its readiness', async () => {
    const meta = (await t.app.inject({ method: 'GET', url: '/v2/models/credit' })).json();
    expect(meta).toMatchObject({ name: 'credit', platform: 'onnx_onnxv1', inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 16] }] });
    expect((await t.app.inject({ method: 'GET', url: '/v2/models/credit/versions/1/ready' })).json()).toEqual({ name: 'credit', ready: true });
    expect((await t.app.inject({ method: 'GET', url: '/v2/health/ready' })).json()).toEqual({ ready: true });
  });

  it('refuses bad requests naming what is wrong, and unknown models with 404', async () => {
    const wrongWidth = await post('/v2/models/credit/infer', { inputs: [{ name: 'input', shape: [1, 3], datatype: 'FP32', data: [1, 2, 3] }] });
    expect(wrongWidth.statusCode).toBe(400);
    expect(wrongWidth.json().error).toContain('[N, 16]');
    const badCell = await post('/serve/credit/1/invocations', { dataframe_records: [{ ...Object.fromEntries(X.header.map((h, i) => [h, row(0)[i]])), age: 'old' }] });
    expect(badCell.statusCode).toBe(400);
    expect(badCell.json().error).toContain("row 0, column 'age'");
    const huge = await post('/serve/credit/1/invocations', JSON.stringify({ dataframe_records: Array(500_000).fill({ age: 1 }) }));
    expect(huge.statusCode).toBe(413);
    expect(huge.json().error_code).toBe('REQUEST_TOO_LARGE');
    const unknown = await post('/v2/models/nope/infer', { inputs: [] });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toContain('nope');
  });

  it('refuses a tampered bundle, and the version the alias named before keeps serving', async () => {
    const bad = await registerBundle(fixtureBytes('credit_logreg.onnx'), true);
    const direct = await post(`/v2/models/credit/versions/${bad}/infer`, { inputs: [{ name: 'input', shape: [1, 16], datatype: 'FP32', data: [row(0)] }] });
    expect(direct.statusCode).toBe(400);
    expect(direct.json().error).toContain('failed verification');
    await t.services.registry.setAlias('credit', 'champion', bad);
    await new Promise((r) => setTimeout(r, 1_100)); // the alias cache lets a move through within 1 s
    const viaAlias = await post('/serve/credit/champion/invocations', { dataframe_split: { columns: X.header, data: [row(0)] } });
    expect(viaAlias.statusCode).toBe(200);
    expect(viaAlias.headers['x-puente-model-version']).toBe('1');
  });
});

describe('serving an ONNX version with its preprocessing', () => {
  let t: TestApp;
  const golden = creditGolden().models['credit_logreg.onnx'];

  it('encodes raw rows with the bundle pipeline, as training did, and matches the golden probabilities', async () => {
    const { readFileSync } = await import('node:fs');
    const { readRows, fixturePath } = await import('../preprocessing/csv.js');
    const { pipelineFromFeaturesSpec } = await import('../../src/preprocessing/index.js');
    t = await makeTestApp(DIALECTS[0]!);
    try {
      const pipeline = pipelineFromFeaturesSpec(JSON.parse(readFileSync(fixturePath('credit_xgb.features.json'), 'utf8')));
      const model = fixtureBytes('credit_logreg.onnx');
      const run = await t.services.tracking.createRun({});
      const root = run.info.artifact_uri.replace('mlflow-artifacts:/', '');
      const text = ['home_ownership', 'purpose', 'state'];
      const manifest = {
        format_version: 1,
        format: 'onnx',
        task: 'binary_classification',
        model_file: 'model.onnx',
        signature: {
          inputs: pipeline.inputColumns.map((name) => ({ name, type: text.includes(name) ? 'string' : 'double' })),
          outputs: [{ name: 'probabilities', dtype: 'float32', shape: [null, 2] }],
        },
        preprocessing: pipeline.toJSON(),
        files: { 'model.onnx': sha(model) },
      };
      await t.services.artifacts.put(`${root}/model/model.onnx`, model);
      await t.services.artifacts.put(`${root}/model/puente.json`, Buffer.from(JSON.stringify(manifest)));
      await t.services.registry.createRegisteredModel('credit-raw');
      await t.services.registry.createModelVersion('credit-raw', { source: `runs:/${run.info.run_id}/model`, run_id: run.info.run_id });

      const raw = readRows('credit_test.csv').slice(0, 40).map((r) => Object.fromEntries(pipeline.inputColumns.map((c) => [c, r[c] ?? null])));
      const res = await t.app.inject({ method: 'POST', url: '/serve/credit-raw/1/invocations', payload: { dataframe_records: raw } });
      expect(res.statusCode).toBe(200);
      const predictions = res.json().predictions as number[];
      expect(predictions).toHaveLength(40);
      predictions.forEach((p, r) => expect(Math.abs(p - golden.probabilities[r]![1])).toBeLessThan(1e-5));
    } finally {
      await t.close();
    }
  });
});
