import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';
import { readRows } from '../preprocessing/csv.js';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const XGB = 'test/fixtures/xgboost';

/*
 * `puente models package` end to end: the reference XGBoost models packaged with their
 * feature encoding, logged to a run, registered, and served from raw records, compared with
 * XGBoost's own predictions.
 */
describe('puente models package, then serve', () => {
  let t: TestApp;
  let url: string;
  let out: string;
  const puente = async (...args: string[]) => {
    const { stdout } = await run(process.execPath, [...CLI, '--server', url, ...args], { env: { ...process.env, PUENTE_URL: '', PUENTE_TOKEN: '' } });
    return stdout;
  };
  const infer = (path: string, body: unknown) => t.app.inject({ method: 'POST', url: path, payload: body as object });

  beforeAll(async () => {
    t = await makeTestApp(DIALECTS[0]!);
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    out = mkdtempSync(join(tmpdir(), 'puente-package-'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(out, { recursive: true, force: true });
  });

  for (const [dataset, model, rowsFile] of [
    ['credit', 'credit_xgb', 'credit_test.csv'],
    ['house', 'house_xgb', 'house_test.csv'],
  ] as const) {
    it(`packages ${model} with its encoding, registers it, and serves raw ${dataset} rows as XGBoost predicts them`, async () => {
      const runId = (await t.services.tracking.createRun({})).info.run_id;
      const summary = JSON.parse(
        await puente('--json', 'models', 'package', `${XGB}/${model}.json`, '--features', `${XGB}/${model}.features.json`, '--out', join(out, model),
          '--metric', 'auc=0.748', '--dataset', `${dataset}@1`, '--log-to', runId, '--register', model),
      );
      expect(summary.registered.version).toBe(1);
      const manifest = JSON.parse(readFileSync(join(out, model, 'puente.json'), 'utf8'));
      expect(manifest).toMatchObject({ format: 'xgboost', task: dataset === 'credit' ? 'binary_classification' : 'regression', training_dataset: { name: dataset, version: '1' } });

      const golden = JSON.parse(readFileSync(`${XGB}/${model}_golden.json`, 'utf8')) as { predictions: number[] };
      const columns = manifest.signature.inputs.map((c: { name: string }) => c.name) as string[];
      const raw = readRows(rowsFile).slice(0, 200).map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null])));
      const res = await infer(`/serve/${model}/1/invocations`, { dataframe_records: raw });
      expect(res.statusCode).toBe(200);
      const predictions = res.json().predictions as number[];
      // float32 predictions, compared at the golden README's tolerances.
      predictions.forEach((p, r) => expect(Math.abs(p - golden.predictions[r]!)).toBeLessThanOrEqual(dataset === 'house' ? 1e-6 * Math.abs(golden.predictions[r]!) : 1e-6));
    });
  }

  it('packages an ONNX matrix model with a generated signature, served over Open Inference', async () => {
    const runId = (await t.services.tracking.createRun({})).info.run_id;
    await puente('models', 'package', 'test/fixtures/onnx/credit_trees.onnx', '--out', join(out, 'trees'), '--log-to', runId, '--register', 'trees');
    const meta = (await t.app.inject({ method: 'GET', url: '/v2/models/trees' })).json();
    expect(meta.inputs).toEqual([{ name: 'input', datatype: 'FP32', shape: [-1, 16] }]);
    const res = await infer('/v2/models/trees/infer', { inputs: [{ name: 'input', shape: [1, 16], datatype: 'FP32', data: Array(16).fill(0) }] });
    expect(res.statusCode).toBe(200);
  });

  it('refuses what it cannot package, saying why', async () => {
    await expect(puente('models', 'package', 'README.md')).rejects.toThrow(/--format onnx or xgboost/);
    await expect(puente('models', 'package', `${XGB}/credit_xgb.json`, '--register', 'x')).rejects.toThrow(/--register needs --log-to/);
  });
});
