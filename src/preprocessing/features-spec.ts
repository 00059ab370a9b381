import { InvalidParameterError } from '../errors/index.js';
import { FittedPipeline } from './pipeline.js';
import { PIPELINE_FORMAT, type CategoryValue, type FittedStep } from './types.js';

/*
 * The `*.features.json` files that come with the XGBoost reference models describe the
 * encoding as one entry per model column:
 *   numeric  float(value); missing → NaN
 *   onehot   1 when the raw value equals `value`; missing or unseen → 0 in every column of the source
 *   ordinal  `mapping[value]`; missing or unseen → NaN
 * That is a passthrough step, one one_hot step per source (categories in column order,
 * unknown and missing ignored) and one ordinal step per entry (unknown and missing → NaN).
 */

function bad(field: string, what: string): InvalidParameterError {
  return new InvalidParameterError(`features spec: ${field} ${what}`, field);
}

function text(v: unknown, field: string): string {
  if (typeof v !== 'string' || v === '') throw bad(field, 'must be a non-empty string.');
  return v;
}

/** The fitted pipeline that encodes raw rows as a `*.features.json` file describes. */
export function pipelineFromFeaturesSpec(featuresJson: unknown): FittedPipeline {
  if (featuresJson === null || typeof featuresJson !== 'object' || Array.isArray(featuresJson)) throw bad('(root)', 'must be an object.');
  const spec = featuresJson as Record<string, unknown>;
  if (!Array.isArray(spec.features) || spec.features.length === 0) throw bad('features', 'must be a non-empty list.');
  if (spec.dtype !== undefined && spec.dtype !== 'float32') throw bad('dtype', `must be float32 (got ${JSON.stringify(spec.dtype)}).`);

  const numeric: string[] = [];
  const oneHot = new Map<string, CategoryValue[]>();
  const ordinals: FittedStep[] = [];
  const output: string[] = [];

  spec.features.forEach((entry: unknown, i: number) => {
    const at = `features[${i}]`;
    if (entry === null || typeof entry !== 'object') throw bad(at, 'must be an object.');
    const f = entry as Record<string, unknown>;
    const name = text(f.name, `${at}.name`);
    const source = text(f.source, `${at}.source`);
    output.push(name);
    switch (f.kind) {
      case 'numeric':
        if (name !== source) throw bad(`${at}.name`, `must equal its source '${source}' for a numeric feature (renaming is not supported).`);
        numeric.push(source);
        break;
      case 'onehot': {
        if (typeof f.value !== 'string' && typeof f.value !== 'number') throw bad(`${at}.value`, 'must be a string or a number.');
        if (name !== `${source}=${String(f.value)}`) throw bad(`${at}.name`, `must be '${source}=${String(f.value)}' (one-hot features are named source=value).`);
        const list = oneHot.get(source) ?? [];
        list.push(f.value);
        oneHot.set(source, list);
        break;
      }
      case 'ordinal': {
        const mapping = f.mapping;
        if (mapping === null || typeof mapping !== 'object' || Array.isArray(mapping)) throw bad(`${at}.mapping`, 'must be an object of category → code.');
        const entries = Object.entries(mapping as Record<string, unknown>);
        const categories: string[] = new Array(entries.length);
        for (const [category, code] of entries) {
          if (typeof code !== 'number' || !Number.isInteger(code) || code < 0 || code >= entries.length || categories[code] !== undefined) {
            throw bad(`${at}.mapping`, `must give the codes 0..${entries.length - 1} once each (got ${JSON.stringify(code)} for '${category}').`);
          }
          categories[code] = category;
        }
        ordinals.push({ type: 'ordinal', column: source, output: name, categories, handle_unknown: 'nan', handle_missing: 'keep' });
        break;
      }
      default:
        throw bad(`${at}.kind`, `must be numeric, onehot or ordinal (got ${JSON.stringify(f.kind)}).`);
    }
  });

  if (spec.feature_names !== undefined && JSON.stringify(spec.feature_names) !== JSON.stringify(output)) {
    throw bad('feature_names', 'must list the features in the same order as features.');
  }
  if (spec.num_features !== undefined && spec.num_features !== output.length) {
    throw bad('num_features', `is ${JSON.stringify(spec.num_features)} but there are ${output.length} features.`);
  }

  const steps: FittedStep[] = [];
  if (numeric.length > 0) steps.push({ type: 'passthrough', columns: numeric, handle_missing: 'keep' });
  for (const [column, categories] of oneHot) {
    steps.push({ type: 'one_hot', column, categories, handle_unknown: 'ignore', handle_missing: 'ignore' });
  }
  steps.push(...ordinals);
  return FittedPipeline.fromJSON({ format: PIPELINE_FORMAT, steps, output });
}
