import { createHash } from 'node:crypto';
import type { AppServices } from '../../src/http/index.js';
import { creditMatrix, fixtureBytes } from '../runtimes/onnx/fixtures.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/**
 * Logs a run holding the credit_logreg ONNX model as a bundle at `model/` and registers it as the
 * next version of `name` (optionally with a model file that no longer matches its hash).
 */
export async function registerCreditOnnx(services: AppServices, name: string, options: { tamper?: boolean } = {}): Promise<number> {
  const X = creditMatrix();
  const model = fixtureBytes('credit_logreg.onnx');
  const run = await services.tracking.createRun({});
  const root = run.info.artifact_uri.replace('mlflow-artifacts:/', '');
  const manifest = {
    format_version: 1,
    format: 'onnx',
    task: 'binary_classification',
    model_file: 'model.onnx',
    signature: {
      inputs: X.header.map((column) => ({ name: column, type: 'double' })),
      input_tensor: { name: 'input', dtype: 'float32', shape: [null, X.nCols] },
      outputs: [{ name: 'probabilities', dtype: 'float32', shape: [null, 2] }, { name: 'label', dtype: 'int64', shape: [null] }],
    },
    preprocessing: null,
    files: { 'model.onnx': sha(model) },
  };
  await services.artifacts.put(`${root}/model/model.onnx`, options.tamper ? Buffer.concat([model, Buffer.from([0])]) : model);
  await services.artifacts.put(`${root}/model/puente.json`, Buffer.from(JSON.stringify(manifest)));
  await services.registry.createRegisteredModel(name).catch(() => undefined);
  const mv = await services.registry.createModelVersion(name, { source: `runs:/${run.info.run_id}/model`, run_id: run.info.run_id });
  return mv.version;
}

/** Row r of the encoded credit test matrix, null for missing values. */
export function creditRow(r: number): (number | null)[] {
  const X = creditMatrix();
  return Array.from(X.rows.subarray(r * X.nCols, (r + 1) * X.nCols), (v) => (Number.isNaN(v) ? null : v));
}
