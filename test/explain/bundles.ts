import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageBundle, type ModelFormat, type ModelTask } from '../../src/bundles/index.js';
import { pipelineFromFeaturesSpec } from '../../src/preprocessing/index.js';
import { parseCsv } from '../../src/serving/index.js';
import type { AppServices } from '../../src/http/index.js';
import { FIXTURES, fixture, fixtureJson } from './fixtures.js';
import { registerBundle } from '../helpers/register-bundle.js';

/** Raw credit test rows (5,000) with their labels. */
export const creditRows = parseCsv(readFileSync(join(FIXTURES, 'credit_test.csv'), 'utf8'));
/** The same rows without the label columns: what a caller sends. */
export const creditInputs = creditRows.map(({ default: _d, risk_tier: _t, ...rest }) => rest);

/**
 * Packages a credit model (the XGBoost JSON, or the ONNX logistic regression on the same encoded
 * matrix) with the features encoding as its preprocessing, logs it to a new run and registers
 * it as the next version of `name`.
 */
export async function registerCredit(
  services: AppServices,
  name: string,
  options: { format?: ModelFormat; model?: 'credit' | 'multiclass'; inputExample?: Record<string, unknown>[] } = {},
): Promise<number> {
  const format = options.format ?? 'xgboost';
  const which = options.model ?? 'credit';
  const pipeline = pipelineFromFeaturesSpec(fixtureJson(`${which}_xgb.features.json`));
  const categorical = new Set(['home_ownership', 'purpose', 'state']);
  const task: ModelTask = which === 'multiclass' ? 'multiclass_classification' : 'binary_classification';
  const packaged = packageBundle({
    modelBytes: format === 'onnx' ? fixture('credit_logreg.onnx') : fixture(`${which}_xgb.json`),
    modelFile: format === 'onnx' ? 'model.onnx' : 'model.json',
    format,
    task,
    signature: {
      inputs: pipeline.inputColumns.map((c) => ({ name: c, type: categorical.has(c) ? 'string' : 'double' })),
      outputs: [{ name: 'predictions', dtype: 'float32', shape: [null] }],
    },
    preprocessing: pipeline.toJSON(),
    ...(which === 'multiclass' ? { classes: ['low', 'medium', 'high'] } : {}),
    ...(options.inputExample ? { inputExample: options.inputExample } : {}),
  });
  return registerBundle(services, name, packaged);
}
