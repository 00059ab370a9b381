import { packageBundle } from '../../src/bundles/index.js';
import { createRng, stringifyXgboostModel, trainGbdt } from '../../src/training/index.js';
import type { AppServices } from '../../src/http/index.js';
import { registerBundle } from '../helpers/register-bundle.js';

/** Input columns of the small synthetic models deployments are tested with. */
export const COLUMNS = ['x0', 'x1', 'x2', 'x3'] as const;

/** A deterministic sample: four standard-normal-ish columns; the label is 1 when x0 + x1 > 0. */
export function syntheticRows(n: number, seed: number): { rows: Record<string, number>[]; labels: number[] } {
  const rng = createRng(seed);
  const rows: Record<string, number>[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const r = Object.fromEntries(COLUMNS.map((c) => [c, rng() * 4 - 2]));
    rows.push(r);
    labels.push(r.x0! + r.x1! > 0 ? 1 : 0);
  }
  return { rows, labels };
}

/**
 * Trains a small gradient-boosted classifier on the synthetic data and registers it as the next
 * version of `name`. `inverted` trains on flipped labels and `skewed` on a shifted boundary:
 * deliberately wrong models with the same signature, as a bad release would be.
 */
export async function registerSyntheticModel(services: AppServices, name: string, options: { inverted?: boolean; skewed?: boolean; seed?: number; renameLast?: string } = {}): Promise<number> {
  const { rows, labels } = syntheticRows(600, options.seed ?? 7);
  const X = new Float32Array(rows.length * COLUMNS.length);
  rows.forEach((r, i) => COLUMNS.forEach((c, j) => (X[i * COLUMNS.length + j] = r[c]!)));
  // skewed: trained to call only x0 + x1 > 2.5 positive, so its scores crowd towards 0.
  const y = Float32Array.from(labels, (l, i) => (options.skewed ? (rows[i]!.x0! + rows[i]!.x1! > 2.5 ? 1 : 0) : options.inverted ? 1 - l : l));
  const trained = trainGbdt(X, y, COLUMNS.length, { nEstimators: 12, maxDepth: 3, objective: 'binary:logistic', featureNames: [...COLUMNS], seed: options.seed ?? 7 });
  // renameLast: the same model whose last input has another name — an incompatible signature.
  const columns = options.renameLast ? [...COLUMNS.slice(0, -1), options.renameLast] : [...COLUMNS];
  const packaged = packageBundle({
    modelBytes: Buffer.from(stringifyXgboostModel(trained.modelJson)),
    modelFile: 'model.json',
    format: 'xgboost',
    task: 'binary_classification',
    signature: { inputs: columns.map((c) => ({ name: c, type: 'double' as const })), outputs: [{ name: 'predictions', dtype: 'float32', shape: [null] }] },
  });
  return registerBundle(services, name, packaged);
}
