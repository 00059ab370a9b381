import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';
import { encodeXgboostUbjson, modelDoc, readGolden, readMatrix } from '../runtimes/xgboost/helpers.js';

/*
 * A model as mlflow.xgboost.log_model leaves it (an MLmodel file with the xgboost flavor, the
 * booster saved as model.ubj, a column signature), uploaded through the MLflow artifact proxy and
 * registered with MLflow's own endpoints, is served natively and predicts as XGBoost does.
 */
describe.each(DIALECTS)('serving an MLflow xgboost-flavor model ($name)', (dialect) => {
  let t: TestApp;
  const X = readMatrix('credit_test_X.csv');
  const golden = readGolden('credit');
  const post = (url: string, body: unknown) => t.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    const run = (await post('/api/2.0/mlflow/runs/create', { experiment_id: '0' })).json().run.info;
    const columns = X.header.map((name) => `{"type": "double", "name": "${name}", "required": false}`).join(', ');
    const mlmodel = `artifact_path: model
flavors:
  python_function:
    data: model.ubj
    loader_module: mlflow.xgboost
    python_version: 3.11.2
  xgboost:
    code: null
    data: model.ubj
    model_class: xgboost.sklearn.XGBClassifier
    model_format: ubj
    xgb_version: 1.7.4
mlflow_version: 3.6.0
signature:
  inputs: '[${columns}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "float32", "shape": [-1]}}]'
`;
    const base = `/api/2.0/mlflow-artifacts/artifacts/${run.artifact_uri.replace('mlflow-artifacts:/', '')}/model`;
    for (const [file, body] of [['MLmodel', mlmodel], ['model.ubj', Buffer.from(encodeXgboostUbjson(modelDoc('credit')))], ['requirements.txt', 'xgboost==1.7.4\n']] as const) {
      const res = await t.app.inject({ method: 'PUT', url: `${base}/${file}`, headers: { 'content-type': 'application/octet-stream' }, payload: body });
      expect(res.statusCode).toBe(200);
    }
    await post('/api/2.0/mlflow/registered-models/create', { name: 'credit-mlflow' });
    const mv = await post('/api/2.0/mlflow/model-versions/create', { name: 'credit-mlflow', source: `runs:/${run.run_id}/model`, run_id: run.run_id });
    expect(mv.statusCode).toBe(200);
  });
  afterAll(async () => t.close());

  it('predicts every row as XGBoost does, through /invocations', async () => {
    const n = 300;
    const data = Array.from({ length: n }, (_, r) => Array.from(X.rows.subarray(r * X.nCols, (r + 1) * X.nCols), (v) => (Number.isNaN(v) ? null : v)));
    const res = await post('/serve/credit-mlflow/1/invocations', { dataframe_split: { columns: X.header, data } });
    expect(res.statusCode).toBe(200);
    const predictions = res.json().predictions as number[];
    predictions.forEach((p, r) => expect(p).toBe(golden.predictions[r]));
  });

  it('describes itself from the MLmodel signature', async () => {
    const meta = (await t.app.inject({ method: 'GET', url: '/v2/models/credit-mlflow' })).json();
    expect(meta.platform).toBe('puente_xgboost');
    expect(meta.inputs).toHaveLength(16);
    expect(meta.inputs[0]).toEqual({ name: 'age', datatype: 'FP64', shape: [-1] });
  });
});
