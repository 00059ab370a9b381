/**
 * The drift tests by name, their default thresholds and drift rules (Evidently's), and the
 * automatic choice by column type and size that Evidently documents
 * (legacy/calculations/stattests/registry.py, _get_default_stattest):
 *
 *   n = non-missing reference values, u = distinct values of reference ∪ current
 *   numeric      n ≤ 1000: u > 5 → ks, 3 ≤ u ≤ 5 → chisquare, u ≤ 2 → z
 *                n > 1000: u > 5 → wasserstein (normed), u ≤ 5 → jensenshannon
 *   categorical  n ≤ 1000: u > 2 → chisquare, u ≤ 2 → z;  n > 1000: jensenshannon
 */
import { InvalidParameterError } from '../../errors/index.js';

export type StatTestName = 'ks' | 'psi' | 'chisquare' | 'jensenshannon' | 'wasserstein' | 'hellinger' | 'z';
export type DriftColumnType = 'numeric' | 'categorical';

export interface StatTestInfo {
  name: StatTestName;
  /** What the statistic compared with the threshold is. */
  kind: 'p_value' | 'distance';
  defaultThreshold: number;
  columnTypes: readonly DriftColumnType[];
  description: string;
}

export const STAT_TESTS: Readonly<Record<StatTestName, StatTestInfo>> = {
  ks: { name: 'ks', kind: 'p_value', defaultThreshold: 0.05, columnTypes: ['numeric'], description: 'two-sample Kolmogorov–Smirnov test (drift when p ≤ threshold)' },
  chisquare: { name: 'chisquare', kind: 'p_value', defaultThreshold: 0.05, columnTypes: ['numeric', 'categorical'], description: 'chi-square test of homogeneity (drift when p < threshold)' },
  z: { name: 'z', kind: 'p_value', defaultThreshold: 0.05, columnTypes: ['numeric', 'categorical'], description: 'two-proportion z-test, first value against the rest (drift when p < threshold)' },
  psi: { name: 'psi', kind: 'distance', defaultThreshold: 0.1, columnTypes: ['numeric', 'categorical'], description: 'population stability index (drift when ≥ threshold)' },
  jensenshannon: { name: 'jensenshannon', kind: 'distance', defaultThreshold: 0.1, columnTypes: ['numeric', 'categorical'], description: 'Jensen–Shannon distance, natural log (drift when ≥ threshold)' },
  wasserstein: { name: 'wasserstein', kind: 'distance', defaultThreshold: 0.1, columnTypes: ['numeric'], description: 'Wasserstein distance in reference standard deviations (drift when ≥ threshold)' },
  hellinger: { name: 'hellinger', kind: 'distance', defaultThreshold: 0.1, columnTypes: ['numeric', 'categorical'], description: 'Hellinger distance (drift when ≥ threshold)' },
};

export const STAT_TEST_NAMES = Object.keys(STAT_TESTS) as StatTestName[];

/** Reference sizes up to this use the p-value tests; above it, distances (Evidently). */
export const SMALL_REFERENCE_MAX = 1000;

export function isStatTestName(name: string): name is StatTestName {
  return Object.prototype.hasOwnProperty.call(STAT_TESTS, name);
}

export function parseStatTestName(name: string, field = 'stattest'): StatTestName {
  if (!isStatTestName(name)) throw new InvalidParameterError(`Unknown drift test '${name}'; use one of ${STAT_TEST_NAMES.join(', ')}.`, field);
  return name;
}

/** Evidently's automatic choice. */
export function chooseStatTest(type: DriftColumnType, referenceCount: number, distinctInUnion: number): StatTestName {
  if (type === 'numeric') {
    if (referenceCount <= SMALL_REFERENCE_MAX) return distinctInUnion > 5 ? 'ks' : distinctInUnion > 2 ? 'chisquare' : 'z';
    return distinctInUnion > 5 ? 'wasserstein' : 'jensenshannon';
  }
  if (referenceCount <= SMALL_REFERENCE_MAX) return distinctInUnion > 2 ? 'chisquare' : 'z';
  return 'jensenshannon';
}

/** Evidently's rule: ks drifts when p ≤ t, the other p-value tests when p < t, distances when value ≥ t. */
export function isDrift(test: StatTestName, value: number, threshold: number): boolean {
  if (Number.isNaN(value)) return false;
  if (test === 'ks') return value <= threshold;
  if (STAT_TESTS[test].kind === 'p_value') return value < threshold;
  return value >= threshold;
}

export interface StatTestOverrides {
  /** Test for every column that supports it (others keep the automatic choice). */
  stattest?: StatTestName;
  /** Test per column. */
  perColumnStattest?: Record<string, StatTestName>;
}

/**
 * Parses `--stattest NAME` and `--stattest COLUMN=NAME` values (repeatable), the form of
 * Evidently's stattest / per_column_stattest options. A bare name may be given once.
 */
export function parseStattestOverrides(specs: readonly string[]): StatTestOverrides {
  const out: StatTestOverrides = {};
  for (const spec of specs) {
    const eq = spec.lastIndexOf('=');
    if (eq < 0) {
      const name = parseStatTestName(spec.trim());
      if (out.stattest && out.stattest !== name) throw new InvalidParameterError(`--stattest given twice for all columns ('${out.stattest}' and '${name}').`, 'stattest');
      out.stattest = name;
      continue;
    }
    const column = spec.slice(0, eq).trim();
    if (!column) throw new InvalidParameterError(`'${spec}': the column name before '=' is empty.`, 'stattest');
    out.perColumnStattest ??= {};
    out.perColumnStattest[column] = parseStatTestName(spec.slice(eq + 1).trim());
  }
  return out;
}
