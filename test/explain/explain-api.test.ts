import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';
import { pipelineFromFeaturesSpec } from '../../src/preprocessing/index.js';
import { rocAuc } from '../../src/training/index.js';
import { packageBundle } from '../../src/bundles/index.js';
import { creditInputs, creditRows, registerCredit } from './bundles.js';
import { fixtureJson } from './fixtures.js';
import { registerBundle } from '../helpers/register-bundle.js';

const COLUMNS = ['age', 'income', 'loan_amount', 'credit_score', 'debt_to_income', 'months_employed', 'home_ownership', 'purpose', 'state'];
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const logit = (p: number) => Math.log(p / (1 - p));

describe.each(DIALECTS)('explain endpoints of served models ($name)', (dialect) => {
  let t: TestApp;
  const post = async (url: string, payload: unknown) => {
    const res = await t.app.inject({ method: 'POST', url, payload: payload as object });
    return { status: res.statusCode, json: res.json(), headers: res.headers };
  };
  const predict = async (model: string, rows: unknown[]) => (await post(`/serve/${model}/1/invocations`, { dataframe_records: rows })).json.predictions as number[];

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    await registerCredit(t.services, 'credit');
    await registerCredit(t.services, 'credit-onnx', { format: 'onnx' });
    await registerCredit(t.services, 'risk', { model: 'multiclass' });
    await registerCredit(t.services, 'credit-example', { inputExample: creditInputs.slice(100, 130) });
    // A linear booster: y = 2·a − 3·b + 1, with a small input example as its background.
    const linear = {
      learner: {
        learner_model_param: { base_score: '0', num_feature: '2', num_class: '0' },
        objective: { name: 'reg:squarederror' },
        feature_names: ['a', 'b'],
        gradient_booster: { name: 'gblinear', model: { weights: [2, -3, 1] } },
      },
    };
    const packaged = packageBundle({
      modelBytes: Buffer.from(JSON.stringify(linear)), modelFile: 'model.json', format: 'xgboost', task: 'regression',
      signature: { inputs: [{ name: 'a', type: 'double' }, { name: 'b', type: 'double' }], outputs: [] },
      inputExample: [{ a: 0, b: 0 }, { a: 1, b: 2 }, { a: 2, b: 1 }],
    });
    await registerBundle(t.services, 'linear', packaged);
  });

  it('a model that is not trees is explained by Kernel SHAP by default (exact for a linear model)', async () => {
    const res = await post('/serve/linear/1/explain', { dataframe_records: [{ a: 4, b: 1 }] });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ method: 'kernel', output: 'prediction', output_names: ['value'] });
    // w_j · (x_j − mean of the background): 2·(4 − 1) and −3·(1 − 1).
    expect(res.json.rows[0].contributions.a).toBeCloseTo(6, 9);
    expect(res.json.rows[0].contributions.b).toBeCloseTo(0, 9);
    expect(res.json.rows[0].base_value).toBeCloseTo(2 * 1 - 3 * 1 + 1, 9);
    const tree = await post('/serve/linear/1/explain', { dataframe_records: [{ a: 4, b: 1 }], params: { method: 'tree' } });
    expect(tree.status).toBe(400);
    expect(tree.json.message).toMatch(/linear model \(gblinear\).*method kernel or permutation/);
  });
  afterAll(async () => t.close());

  it('Tree SHAP per input column: one-hot columns summed back, equal to XGBoost pred_contribs, adding up to the margin', async () => {
    const res = await post('/serve/credit/1/explain', { dataframe_records: creditInputs.slice(0, 50) });
    expect(res.status).toBe(200);
    expect(res.headers['x-puente-model-version']).toBe('1');
    const body = res.json;
    expect(body).toMatchObject({ model: 'credit', version: 1, method: 'tree', output: 'margin', output_names: ['1'], columns: COLUMNS });
    expect(body.rows).toHaveLength(50);

    // XGBoost's own values, by matrix column, added up per input column.
    const golden = fixtureJson('credit_xgb_golden.json');
    const features: string[] = golden.feature_names;
    const source = (f: string) => (f === 'state_code' ? 'state' : f.split('=')[0]);
    const served = await predict('credit', creditInputs.slice(0, 50));
    body.rows.forEach((row: { contributions: Record<string, number>; base_value: number; value: number }, r: number) => {
      expect(Object.keys(row.contributions)).toEqual(COLUMNS);
      for (const column of COLUMNS) {
        const expected = sum(features.map((f, i) => (source(f) === column ? golden.shap.values[r][i] : 0)));
        expect(Math.abs(row.contributions[column] - expected)).toBeLessThan(1e-5);
      }
      expect(Math.abs(row.base_value - golden.shap.values[r][16])).toBeLessThan(1e-5);
      expect(Math.abs(row.base_value + sum(Object.values(row.contributions)) - row.value)).toBeLessThan(1e-9);
      expect(Math.abs(row.value - golden.output_margin[r])).toBeLessThan(1e-5);
      expect(Math.abs(row.value - logit(served[r]))).toBeLessThan(1e-4);
    });
    // Global summary: mean |contribution| per column over the rows.
    for (const column of COLUMNS) {
      const mean = sum(body.rows.map((row: { contributions: Record<string, number> }) => Math.abs(row.contributions[column]))) / 50;
      expect(body.global.mean_abs[column]).toBeCloseTo(mean, 12);
    }
  });

  it('explains each class of a multiclass model, named by its class labels', async () => {
    const res = await post('/serve/risk/1/explain', { dataframe_records: creditInputs.slice(0, 5), params: { method: 'tree' } });
    expect(res.status).toBe(200);
    expect(res.json.output_names).toEqual(['low', 'medium', 'high']);
    const golden = fixtureJson('multiclass_xgb_golden.json');
    res.json.rows.forEach((row: { contributions: Record<string, number[]>; base_value: number[]; value: number[] }, r: number) => {
      expect(row.contributions.age).toHaveLength(3);
      for (let k = 0; k < 3; k++) {
        expect(Math.abs(row.value[k] - golden.output_margin[r][k])).toBeLessThan(1e-5);
        expect(Math.abs(row.contributions.age[k] - golden.shap.values[r][k][0])).toBeLessThan(1e-5);
      }
    });
  });

  it('Kernel SHAP for an ONNX model: the probability explained against a k-means background, additive', async () => {
    const rows = creditInputs.slice(0, 3);
    const res = await post('/serve/credit-onnx/1/explain', {
      dataframe_records: rows,
      params: { method: 'kernel', background: creditInputs.slice(1000, 1400), background_kmeans: 10 },
    });
    expect(res.status).toBe(200);
    const body = res.json;
    expect(body).toMatchObject({ method: 'kernel', output: 'prediction', columns: COLUMNS });
    expect(body.details.background_rows).toBe(10);
    expect(body.details.evaluations_per_row).toBe(510); // 2^9 − 2: every coalition of the 9 columns
    expect(body.details.max_additivity_error).toBeLessThan(1e-9);
    const served = await predict('credit-onnx', rows);
    body.rows.forEach((row: { contributions: Record<string, number>; base_value: number; value: number }, r: number) => {
      expect(Math.abs(row.value - served[r])).toBeLessThan(1e-6);
      expect(Math.abs(row.base_value + sum(Object.values(row.contributions)) - row.value)).toBeLessThan(1e-9);
    });
    // The base value is the weighted mean prediction over the summary: the same for every row.
    expect(new Set(body.rows.map((r: { base_value: number }) => r.base_value)).size).toBe(1);
  });

  it('Kernel SHAP with the logit link explains the same log-odds Tree SHAP does', async () => {
    const rows = creditInputs.slice(20, 22);
    const kernel = (await post('/serve/credit/1/explain', { dataframe_records: rows, params: { method: 'kernel', link: 'logit', background: creditInputs.slice(2000, 2100) } })).json;
    const tree = (await post('/serve/credit/1/explain', { dataframe_records: rows })).json;
    expect(kernel.output).toBe('log_odds');
    for (let r = 0; r < 2; r++) expect(Math.abs(kernel.rows[r].value - tree.rows[r].value)).toBeLessThan(1e-4);
    expect(kernel.details.background_rows).toBe(100);
  });

  it('the permutation method adds up exactly; the bundle input example is the default background', async () => {
    const res = await post('/serve/credit-example/1/explain', { dataframe_records: creditInputs.slice(0, 2), params: { method: 'permutation', max_evals: 200, seed: 4 } });
    expect(res.status).toBe(200);
    expect(res.json.details.background_rows).toBe(30);
    expect(res.json.details.max_additivity_error).toBeLessThan(1e-9);
    expect(res.json.details.evaluations_per_row).toBe(Math.floor(200 / 19) * 16);
  });

  it('keeps answering predictions while a long explanation runs', async () => {
    let explained = Infinity;
    const explaining = post('/serve/credit/1/explain', { dataframe_records: creditInputs.slice(0, 8), params: { method: 'kernel', background: creditInputs.slice(3000, 3100) } })
      .then((r) => {
        explained = performance.now();
        return r;
      });
    await new Promise((resolve) => setTimeout(resolve, 30));
    await predict('credit', creditInputs.slice(0, 1));
    const predicted = performance.now();
    expect((await explaining).status).toBe(200);
    expect(predicted).toBeLessThan(explained);
  });

  it('drops columns that are not inputs when asked to, and says which', async () => {
    const res = await post('/serve/credit/1/explain', { dataframe_records: creditRows.slice(0, 2), params: { extra_columns: 'drop' } });
    expect(res.status).toBe(200);
    expect(res.json.ignored_columns.sort()).toEqual(['default', 'risk_tier']);
    const strict = await post('/serve/credit/1/explain', { dataframe_records: creditRows.slice(0, 2) });
    expect(strict.status).toBe(400);
    expect(strict.json.message).toMatch(/column 'risk_tier' is not an input/);
  });

  it('Open-Inference-style /explain: input tensors in, one tensor per input column out', async () => {
    const rows = creditInputs.slice(0, 4);
    const inputs = COLUMNS.map((c) => ({
      name: c,
      shape: [4],
      datatype: ['home_ownership', 'purpose', 'state'].includes(c) ? 'BYTES' : 'FP64',
      data: rows.map((r) => r[c]),
    }));
    const res = await post('/v2/models/credit/versions/1/explain', { id: 'req-1', inputs });
    expect(res.status).toBe(200);
    const native = (await post('/serve/credit/1/explain', { dataframe_records: rows })).json;
    expect(res.json).toMatchObject({ model_name: 'credit', model_version: '1', id: 'req-1', parameters: { method: 'tree', explained_output: 'margin' } });
    const byName = Object.fromEntries(res.json.outputs.map((o: { name: string; data: number[]; shape: number[] }) => [o.name, o]));
    expect(Object.keys(byName)).toEqual([...COLUMNS, 'base_value', 'value']);
    expect(byName.income.shape).toEqual([4]);
    expect(byName.income.data).toEqual(native.rows.map((r: { contributions: Record<string, number> }) => r.contributions.income));
    expect(byName.value.data).toEqual(native.rows.map((r: { value: number }) => r.value));

    // Unversioned (champion, else latest), the sampling method with a background in the same form.
    const kernel = await post('/v2/models/credit-onnx/explain', {
      inputs,
      parameters: { method: 'kernel', nsamples: 100, seed: 1 },
      background: { inputs: COLUMNS.map((c) => ({ ...inputs.find((i) => i.name === c)!, shape: [20], data: creditInputs.slice(500, 520).map((r) => r[c]) })) },
    });
    expect(kernel.status).toBe(200);
    expect(kernel.json.parameters.explained_output).toBe('prediction');
  });

  it('permutation importance on labelled rows: the score lost when a column is shuffled', async () => {
    const rows = creditRows.slice(0, 2000);
    const res = await post('/serve/credit/1/importance', { dataframe_records: rows, params: { target: 'default', extra_columns: 'drop', repeats: 3, seed: 1 } });
    expect(res.status).toBe(200);
    const body = res.json;
    expect(body).toMatchObject({ model: 'credit', version: 1, metric: 'auc', higher_is_better: true, rows: 2000, repeats: 3, ignored_columns: ['risk_tier'] });
    const served = await predict('credit', creditInputs.slice(0, 2000));
    expect(body.baseline).toBeCloseTo(rocAuc(rows.map((r) => r.default as number), served), 9);
    expect(body.importances.map((i: { column: string }) => i.column).sort()).toEqual([...COLUMNS].sort());
    expect(['credit_score', 'debt_to_income']).toContain(body.importances[0].column);
    expect(body.importances[0].importance).toBeGreaterThan(0.01);

    const loss = await post('/serve/credit/1/importance', { dataframe_records: rows.slice(0, 500), params: { target: 'default', metric: 'log_loss', extra_columns: 'drop', repeats: 2 } });
    expect(loss.json.higher_is_better).toBe(false);
    expect(loss.json.importances[0].importance).toBeGreaterThan(0);
  });

  describe('bad requests get 400 and say what to do instead', () => {
    it.each([
      ['Tree SHAP on an ONNX model', '/serve/credit-onnx/1/explain', { dataframe_records: creditInputs.slice(0, 1), params: { method: 'tree' } }, /Method tree needs a tree model.*is onnx.*method kernel or permutation/],
      ['no rows', '/serve/credit/1/explain', { dataframe_records: [] }, /no rows to explain/],
      ['a background of another schema', '/serve/credit-onnx/1/explain', { dataframe_records: creditInputs.slice(0, 1), params: { method: 'kernel', background: [{ zip: '94110' }] } }, /background does not match the model's inputs.*'zip'/],
      ['a background without the model\'s columns', '/serve/credit-onnx/1/explain', { dataframe_records: creditInputs.slice(0, 1), params: { method: 'kernel', extra_columns: 'drop', background: [{ zip: '94110' }] } }, /no background row has column\(s\) age, income/],
      ['no background and no input example', '/serve/credit/1/explain', { dataframe_records: creditInputs.slice(0, 1), params: { method: 'kernel' } }, /send background rows/],
      ['an unknown method', '/serve/credit/1/explain', { dataframe_records: creditInputs.slice(0, 1), params: { method: 'lime' } }, /method must be one of tree, kernel, permutation/],
      ['too many rows for Kernel SHAP', '/serve/credit-onnx/1/explain', { dataframe_records: creditInputs.slice(0, 101), params: { method: 'kernel', background: creditInputs.slice(0, 5) } }, /at most 100 rows per request/],
      ['a bad option', '/serve/credit/1/explain', { dataframe_records: creditInputs.slice(0, 1), params: { nsamples: -1 } }, /nsamples must be 'auto' or a positive integer/],
      ['importance without a label column', '/serve/credit/1/importance', { dataframe_records: creditInputs.slice(0, 10), params: {} }, /params.target must name the label column/],
      ['importance with a metric of another task', '/serve/credit/1/importance', { dataframe_records: creditRows.slice(0, 10), params: { target: 'default', metric: 'rmse', extra_columns: 'drop' } }, /does not apply to a binary classification model/],
    ])('%s', async (_label, url, body, message) => {
      const res = await post(url, body);
      expect(res.status).toBe(400);
      expect(res.json.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(res.json.error).toMatch(message);
    });

    it('an unknown model is 404', async () => {
      const res = await post('/serve/nope/1/explain', { dataframe_records: creditInputs.slice(0, 1) });
      expect(res.status).toBe(404);
    });
  });
});

// Keeps the fixture pipeline honest: the raw columns the tests send are the model's inputs.
it('the credit features encoding reads the nine raw columns', () => {
  expect(pipelineFromFeaturesSpec(fixtureJson('credit_xgb.features.json')).inputColumns).toEqual(COLUMNS);
});
