import { InvalidParameterError } from '../../errors/index.js';
import { parseStatTestName, type StatTestName } from '../stats/index.js';

/*
 * Drift settings of a deployment, as Evidently's options name them: a test for every input
 * (`stattest`) or per input, thresholds, the dataset drift share, and the test for predictions.
 * Unset: Evidently's automatic choice and defaults.
 */

export interface DriftSettings {
  readonly stattest?: StatTestName;
  readonly per_column_stattest?: Readonly<Record<string, StatTestName>>;
  readonly threshold?: number;
  readonly per_column_threshold?: Readonly<Record<string, number>>;
  /** Dataset drift when at least this share of inputs drifted (default 0.5). */
  readonly drift_share?: number;
  readonly prediction_stattest?: StatTestName;
  readonly prediction_threshold?: number;
}

const KEYS = ['stattest', 'per_column_stattest', 'threshold', 'per_column_threshold', 'drift_share', 'prediction_stattest', 'prediction_threshold'];

/** A test name, the error naming the setting it was given for. */
function testName(v: unknown, field: string): StatTestName {
  try {
    return parseStatTestName(String(v), field);
  } catch (err) {
    throw new InvalidParameterError(`'${field}': ${(err as Error).message}`, field);
  }
}

function threshold(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new InvalidParameterError(`'${field}' must be a number ≥ 0.`, field);
  return v;
}

/** Checks settings sent by a client; the error names the first field that is wrong. */
export function parseDriftSettings(value: unknown): DriftSettings {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidParameterError('Drift settings must be a JSON object.', 'settings');
  const v = value as Record<string, unknown>;
  for (const k of Object.keys(v)) if (!KEYS.includes(k)) throw new InvalidParameterError(`Unknown drift setting '${k}'; known: ${KEYS.join(', ')}.`, k);
  const out: Record<string, unknown> = {};
  if (v.stattest !== undefined) out.stattest = testName(v.stattest, 'stattest');
  if (v.prediction_stattest !== undefined) out.prediction_stattest = testName(v.prediction_stattest, 'prediction_stattest');
  if (v.threshold !== undefined) out.threshold = threshold(v.threshold, 'threshold');
  if (v.prediction_threshold !== undefined) out.prediction_threshold = threshold(v.prediction_threshold, 'prediction_threshold');
  if (v.drift_share !== undefined) {
    const share = threshold(v.drift_share, 'drift_share');
    if (share > 1) throw new InvalidParameterError("'drift_share' must lie in [0, 1].", 'drift_share');
    out.drift_share = share;
  }
  for (const key of ['per_column_stattest', 'per_column_threshold'] as const) {
    const m = v[key];
    if (m === undefined) continue;
    if (m === null || typeof m !== 'object' || Array.isArray(m)) throw new InvalidParameterError(`'${key}' must map input names to ${key === 'per_column_stattest' ? 'test names' : 'numbers'}.`, key);
    out[key] = Object.fromEntries(Object.entries(m as Record<string, unknown>).map(([column, x]) => [
      column, key === 'per_column_stattest' ? testName(x, `${key}.${column}`) : threshold(x, `${key}.${column}`),
    ]));
  }
  return out as DriftSettings;
}

/** Settings with per-request overrides (`stattest` given as NAME or COLUMN=NAME) laid over them. */
export function withOverrides(base: DriftSettings, specs: readonly string[]): DriftSettings {
  if (specs.length === 0) return base;
  const perColumn: Record<string, StatTestName> = { ...(base.per_column_stattest ?? {}) };
  let global = base.stattest;
  for (const spec of specs) {
    const eq = spec.lastIndexOf('=');
    if (eq < 0) global = parseStatTestName(spec.trim());
    else {
      const column = spec.slice(0, eq).trim();
      if (!column) throw new InvalidParameterError(`'${spec}': the input name before '=' is empty.`, 'stattest');
      perColumn[column] = parseStatTestName(spec.slice(eq + 1).trim());
    }
  }
  return { ...base, ...(global ? { stattest: global } : {}), per_column_stattest: perColumn };
}
