import { readFileSync } from 'node:fs';
import { packageBundle, type DatasetRef } from '../../../src/bundles/index.js';
import { pipelineFromFeaturesSpec } from '../../../src/preprocessing/index.js';
import { pipelineColumns } from '../../../src/cli/commands/package.js';
import { parseCsv } from '../../../src/serving/index.js';
import type { AppServices } from '../../../src/http/index.js';
import { registerBundle } from '../../helpers/register-bundle.js';

/*
 * The reference credit model (XGBoost, 100 trees, with its one-hot/ordinal encoding as the
 * bundle's preprocessing) registered from the fixtures, and the credit data slices: train (the
 * reference), test (no drift) and drifted (income ×0.8, wider credit scores, new purpose
 * `crypto`, a different label model).
 */

export const FIXTURES = 'test/fixtures/monitoring';
const XGB = 'test/fixtures/xgboost';

export const INPUTS = ['age', 'income', 'loan_amount', 'credit_score', 'debt_to_income', 'months_employed', 'home_ownership', 'purpose', 'state'] as const;

/** Rows of a credit CSV: numbers as numbers, empty cells null. */
export function creditRows(file: 'credit_train.csv' | 'credit_test.csv' | 'credit_drifted.csv'): Record<string, unknown>[] {
  return parseCsv(readFileSync(`${FIXTURES}/${file}`, 'utf8'));
}

/** The model inputs of a row (what a caller sends). */
export const inputsOf = (row: Record<string, unknown>): Record<string, unknown> => Object.fromEntries(INPUTS.map((c) => [c, row[c] ?? null]));

/** Registers the credit model as the next version of `name`; returns the version. */
export async function registerCreditModel(services: AppServices, name = 'credit', trainingDataset?: DatasetRef): Promise<number> {
  const pipeline = pipelineFromFeaturesSpec(JSON.parse(readFileSync(`${XGB}/credit_xgb.features.json`, 'utf8')));
  const packaged = packageBundle({
    modelBytes: readFileSync(`${XGB}/credit_xgb.json`),
    modelFile: 'model.json',
    format: 'xgboost',
    task: 'binary_classification',
    signature: { inputs: pipelineColumns(pipeline), outputs: [{ name: 'predictions', dtype: 'float32', shape: [null] }] },
    preprocessing: pipeline.toJSON(),
    ...(trainingDataset ? { trainingDataset } : {}),
  });
  return registerBundle(services, name, packaged);
}
