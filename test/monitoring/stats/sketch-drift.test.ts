import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../../src/errors/index.js';
import {
  buildReferenceProfile,
  CategoricalWindowSketch,
  chooseStatTest,
  columnDrift,
  datasetDrift,
  datasetDriftOnSamples,
  DatasetWindow,
  MAX_NEW_CATEGORIES,
  NumericWindowSketch,
  OTHER_CATEGORY,
  parseStattestOverrides,
  profileCategorical,
  profileFromJSON,
  profileNumeric,
  profileToJSON,
  windowFromColumns,
  type ColumnData,
  type NumericColumnProfile,
} from '../../../src/monitoring/index.js';
import { FIXTURES, categoricalSide, csvColumn, golden, numericSide, pValue, rel } from './golden-data.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const extra: any = JSON.parse(readFileSync(join(FIXTURES, 'drift_extra.json'), 'utf8'));

const NUMERIC = ['age', 'income', 'loan_amount', 'credit_score', 'debt_to_income', 'months_employed'];
const CATEGORICAL = ['home_ownership', 'purpose', 'state'];

function credit(set: 'train' | 'test' | 'drifted'): ColumnData[] {
  const file = `datasets/credit_${set}.csv`;
  return [
    ...NUMERIC.map((name) => ({ name, type: 'numeric' as const, values: csvColumn(file, name).map((c) => (c === '' ? Number.NaN : Number(c))) })),
    ...CATEGORICAL.map((name) => ({ name, type: 'categorical' as const, values: csvColumn(file, name).map((c) => (c === '' ? null : c)) })),
  ];
}

const train = credit('train');
const referenceAll = buildReferenceProfile(train, { sampleSize: 'all' });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const goldenFull = (column: string, set: string): any => [...golden.numeric, ...golden.categorical].find((e) => e.id === `${column}/train_vs_${set}/full`).results;

describe("automatic test choice (Evidently's registry._get_default_stattest)", () => {
  it.each([
    ['numeric', 1000, 6, 'ks'],
    ['numeric', 1000, 5, 'chisquare'],
    ['numeric', 1000, 3, 'chisquare'],
    ['numeric', 1000, 2, 'z'],
    ['numeric', 1001, 6, 'wasserstein'],
    ['numeric', 1001, 5, 'jensenshannon'],
    ['numeric', 20000, 1, 'jensenshannon'],
    ['categorical', 1000, 3, 'chisquare'],
    ['categorical', 1000, 2, 'z'],
    ['categorical', 1001, 2, 'jensenshannon'],
    ['categorical', 50000, 40, 'jensenshannon'],
  ] as const)('%s, n = %d, %d distinct → %s', (type, n, u, test) => {
    expect(chooseStatTest(type, n, u)).toBe(test);
  });
});

describe('dataset drift on the credit data (reference profile keeps every value)', () => {
  it('train vs test: no column drifts', () => {
    const r = datasetDriftOnSamples(referenceAll, credit('test'));
    expect(r.columns.map((c) => c.column)).toEqual([...NUMERIC, ...CATEGORICAL]);
    expect(r.columns.filter((c) => c.drifted)).toEqual([]);
    expect(r).toMatchObject({ drift_share: 0, dataset_drifted: false, skipped: [] });
    // n_ref = 20,000 > 1,000: normed Wasserstein for numeric, Jensen–Shannon for categorical columns.
    expect(new Set(r.columns.map((c) => `${c.type}:${c.test}`))).toEqual(new Set(['numeric:wasserstein', 'categorical:jensenshannon']));
  });

  it('train vs drifted: the shifted columns and the new category drift, the others do not', () => {
    const r = datasetDriftOnSamples(referenceAll, credit('drifted'));
    expect(r.columns.filter((c) => c.drifted).map((c) => c.column)).toEqual(['income', 'credit_score', 'purpose']);
    rel(r.drift_share, 3 / 9, 1e-15, 'share');
    expect(r.dataset_drifted).toBe(false);
    expect(datasetDriftOnSamples(referenceAll, credit('drifted'), { driftShare: 0.3 }).dataset_drifted).toBe(true);
    const purpose = r.columns.find((c) => c.column === 'purpose')!;
    rel(purpose.statistic, goldenFull('purpose', 'drifted').jensenshannon.base_e, 1e-9, 'purpose JS');
    expect(purpose).toMatchObject({ type: 'categorical', test: 'jensenshannon', p_value: null, threshold: 0.1, drifted: true });
  });

  it('forced tests give the golden values (KS, PSI, chi-square) — the profile path is exact', () => {
    const cur = credit('drifted');
    const r = datasetDriftOnSamples(referenceAll, cur, { stattest: 'ks', perColumnStattest: { purpose: 'chisquare', state: 'psi' } });
    for (const name of NUMERIC) {
      const c = r.columns.find((x) => x.column === name)!;
      const g = goldenFull(name, 'drifted');
      expect(c.test).toBe('ks');
      rel(c.statistic, g.ks_auto.statistic, 1e-12, `${name} D`);
      pValue(c.p_value!, g.ks_auto.pvalue, `${name} p`);
      expect(c.drifted).toBe(g.ks_auto.pvalue <= 0.05);
    }
    const purpose = r.columns.find((x) => x.column === 'purpose')!;
    expect(purpose.test).toBe('chisquare');
    rel(purpose.statistic, goldenFull('purpose', 'drifted').chi2.statistic, 1e-12, 'purpose chi2');
    const state = r.columns.find((x) => x.column === 'state')!;
    rel(state.statistic, goldenFull('state', 'drifted').psi, 1e-9, 'state PSI');
    // 'ks' only applies to numeric columns: home_ownership keeps its automatic test.
    expect(r.columns.find((x) => x.column === 'home_ownership')!.test).toBe('jensenshannon');
    const hellinger = datasetDriftOnSamples(referenceAll, cur, { stattest: 'hellinger', columns: CATEGORICAL });
    for (const c of hellinger.columns) {
      const want = extra.categorical.find((e: { column: string; current: string }) => e.column === c.column && e.current === 'drifted').hellinger;
      rel(c.statistic, want, 1e-9, `${c.column} Hellinger`);
    }
    const psi = datasetDriftOnSamples(referenceAll, cur, { stattest: 'psi' });
    for (const name of NUMERIC) rel(psi.columns.find((x) => x.column === name)!.statistic, goldenFull(name, 'drifted').psi.value, 1e-9, `${name} PSI`);
  });

  it('normed Wasserstein equals W₁/σ_ref of the golden pair', () => {
    const r = datasetDriftOnSamples(referenceAll, credit('drifted'), { columns: ['income'] });
    const g = goldenFull('income', 'drifted');
    const p = referenceAll.columns.find((c) => c.column === 'income') as NumericColumnProfile;
    expect(r.columns).toHaveLength(1);
    rel(r.columns[0]!.statistic * p.std, g.wasserstein, 1e-9, 'W');
  });

  it('thresholds: per column and for all columns; a p-value threshold of 0 never drifts', () => {
    const r = datasetDriftOnSamples(referenceAll, credit('drifted'), { perColumnThreshold: { income: 0.5 }, columns: ['income', 'credit_score'] });
    expect(r.columns.map((c) => [c.column, c.threshold, c.drifted])).toEqual([
      ['income', 0.5, false],
      ['credit_score', 0.1, true],
    ]);
    const none = datasetDriftOnSamples(referenceAll, credit('drifted'), { stattest: 'ks', threshold: 0, columns: NUMERIC });
    expect(none.columns.every((c) => !c.drifted || c.p_value === 0)).toBe(true);
  });
});

describe('sketches: constant-memory windows', () => {
  const profile = buildReferenceProfile(train, { sampleSize: 2000, seed: 3 });

  it('histogram tests from a streaming window equal those on the full data; KS and Wasserstein are close', () => {
    const window = new DatasetWindow(profile, { sampleSize: 2000, seed: 5 });
    const cur = credit('drifted');
    const n = cur[0]!.values.length;
    for (let i = 0; i < n; i++) {
      const row: Record<string, unknown> = {};
      for (const c of cur) row[c.name] = c.values[i];
      window.addRow(row);
    }
    expect(window.rows).toBe(n);
    const exact = datasetDriftOnSamples(referenceAll, cur, { stattest: 'psi' });
    const sketched = datasetDrift(profile, window, { stattest: 'psi' });
    for (let i = 0; i < exact.columns.length; i++) rel(sketched.columns[i]!.statistic, exact.columns[i]!.statistic, 1e-12, exact.columns[i]!.column);
    const auto = datasetDrift(profile, window);
    expect(auto.columns.filter((c) => c.drifted).map((c) => c.column)).toEqual(['income', 'credit_score', 'purpose']);
    const exactAuto = datasetDriftOnSamples(referenceAll, cur);
    for (let i = 0; i < NUMERIC.length; i++) {
      // Wasserstein from 2,000-value samples: within 0.03 reference standard deviations here.
      expect(Math.abs(auto.columns[i]!.statistic - exactAuto.columns[i]!.statistic)).toBeLessThan(0.03);
    }
    const ks = datasetDrift(profile, window, { stattest: 'ks', columns: NUMERIC });
    for (const c of ks.columns) {
      expect(Math.abs(c.statistic - goldenFull(c.column, 'drifted').ks_auto.statistic)).toBeLessThan(0.05);
    }
  });

  it('memory does not grow with the number of values', () => {
    const p = profileNumeric('x', Float64Array.from({ length: 5000 }, (_, i) => i % 7));
    const w = new NumericWindowSketch(p, { sampleSize: 500 });
    for (let i = 0; i < 200_000; i++) w.add((i * 7919) % 100_003);
    expect(w.count).toBe(200_000);
    expect(w.sortedSample().length).toBe(500);
    expect(w.newValues.size).toBeLessThanOrEqual(21);
    expect(w.binCounts.reduce((a, b) => a + b, 0)).toBe(200_000);

    const c = new CategoricalWindowSketch(profileCategorical('c', ['a', 'b']));
    for (let i = 0; i < 50_000; i++) c.add(`v${i}`);
    expect(c.counts.size).toBe(MAX_NEW_CATEGORIES + 1);
    expect(c.counts.get(OTHER_CATEGORY)).toBe(50_000 - MAX_NEW_CATEGORIES);
  });

  it('the reservoir is a uniform sample: its mean tracks the stream', () => {
    const p = profileNumeric('x', [0, 1]);
    const w = new NumericWindowSketch(p, { sampleSize: 1000, seed: 9 });
    for (let i = 0; i < 100_000; i++) w.add(i / 100_000);
    const s = w.sortedSample();
    const mean = s.reduce((a, b) => a + b, 0) / s.length;
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.03); // sd of the mean ≈ 0.009
    expect(s[0]).toBeLessThan(0.01);
    expect(s[s.length - 1]).toBeGreaterThan(0.99);
  });

  it('counts missing, non-numeric and new values', () => {
    const p = profileNumeric('x', [1, 2, 2, 3, Number.NaN]);
    expect([p.count, p.missing, p.values, p.valueCounts]).toEqual([4, 1, [1, 2, 3], [1, 2, 1]]);
    const w = new NumericWindowSketch(p);
    for (const v of [1, '2', null, '', 'abc', Number.POSITIVE_INFINITY, 4, 4, true]) w.add(v);
    expect([w.count, w.missing, w.invalid]).toEqual([5, 3, 1]);
    expect([...w.newValues]).toEqual([[4, 2]]);
    expect(w.distinctInUnion).toBe(4);
  });
});

describe('small references: p-value tests on per-value bins', () => {
  it('a binary numeric column with n ≤ 1000 uses the z-test; three to five values use chi-square', () => {
    const ref = Array.from({ length: 400 }, (_, i) => (i % 10 < 3 ? 1 : 0));
    const cur = Array.from({ length: 300 }, (_, i) => (i % 10 < 6 ? 1 : 0));
    const z = datasetDriftOnSamples([{ name: 'flag', type: 'numeric', values: ref }], [{ name: 'flag', values: cur }]);
    expect(z.columns[0]).toMatchObject({ test: 'z', drifted: true });
    // Evidently: p1 = share of values ≠ first value (0) in the reference.
    const p1 = 0.3;
    const p2 = 0.6;
    const P = (p1 * 400 + p2 * 300) / 700;
    rel(z.columns[0]!.statistic, (p1 - p2) / Math.sqrt(P * (1 - P) * (1 / 400 + 1 / 300)), 1e-12, 'z');

    const ref3 = Array.from({ length: 500 }, (_, i) => i % 3);
    const cur4 = Array.from({ length: 500 }, (_, i) => (i % 50 === 0 ? 7 : i % 3));
    const chi = datasetDriftOnSamples([{ name: 'k', type: 'numeric', values: ref3 }], [{ name: 'k', values: cur4 }]);
    expect(chi.columns[0]!.test).toBe('chisquare');
    expect(chi.columns[0]!.drifted).toBe(true); // the new value 7 appears only in the current data
  });

  it('a wide numeric column with n ≤ 1000 uses KS with the exact p-value', () => {
    const e = golden.numeric.find((x: { id: string }) => x.id === 'credit_score/train_vs_drifted/sample_500_500');
    const r = datasetDriftOnSamples([{ name: 's', type: 'numeric', values: numericSide(e.reference) }], [{ name: 's', values: numericSide(e.current) }]);
    expect(r.columns[0]).toMatchObject({ test: 'ks', threshold: 0.05 });
    pValue(r.columns[0]!.p_value!, e.results.ks_auto.pvalue, 'exact p');
  });

  it('a categorical sample of 500 uses chi-square and matches the golden value', () => {
    const e = golden.categorical.find((x: { id: string }) => x.id === 'purpose/train_vs_drifted/sample_500_500');
    const r = datasetDriftOnSamples([{ name: 'purpose', type: 'categorical', values: categoricalSide(e.reference) }], [{ name: 'purpose', values: categoricalSide(e.current) }]);
    expect(r.columns[0]!.test).toBe('chisquare');
    pValue(r.columns[0]!.p_value!, e.results.chi2.pvalue, 'chi2 p');
    expect(r.columns[0]!.drifted).toBe(true);
  });
});

describe('options and errors', () => {
  it('parses --stattest NAME and COLUMN=NAME', () => {
    expect(parseStattestOverrides(['psi', 'income=ks', 'purpose = chisquare'])).toEqual({
      stattest: 'psi',
      perColumnStattest: { income: 'ks', purpose: 'chisquare' },
    });
    expect(() => parseStattestOverrides(['kolmogorov'])).toThrow(/Unknown drift test 'kolmogorov'/);
    expect(() => parseStattestOverrides(['=ks'])).toThrow(InvalidParameterError);
    expect(() => parseStattestOverrides(['ks', 'psi'])).toThrow(/twice/);
  });
  it('refuses a numeric-only test on a categorical column, and unknown columns', () => {
    expect(() => datasetDriftOnSamples(referenceAll, credit('test'), { perColumnStattest: { purpose: 'ks' } })).toThrow(/'ks' applies to numeric columns; 'purpose' is categorical/);
    expect(() => datasetDriftOnSamples(referenceAll, credit('test'), { columns: ['nope'] })).toThrow(/'nope' is not in the reference profile/);
    expect(() => datasetDriftOnSamples(referenceAll, credit('test'), { driftShare: 2 })).toThrow(InvalidParameterError);
  });
  it('a column without current values is skipped, not guessed', () => {
    const cur = credit('test').filter((c) => c.name !== 'age');
    const r = datasetDriftOnSamples(referenceAll, cur);
    expect(r.skipped).toEqual([{ column: 'age', reason: 'no values in the current data' }]);
    expect(r.columns).toHaveLength(8);
  });
  it('profiles survive a JSON round trip', () => {
    const original = buildReferenceProfile(train, { sampleSize: 300 });
    const back = profileFromJSON(JSON.parse(JSON.stringify(profileToJSON(original))));
    expect(back).toEqual(original);
    const a = datasetDrift(back, windowFromColumns(back, credit('drifted')));
    const b = datasetDrift(original, windowFromColumns(original, credit('drifted')));
    expect(a).toEqual(b);
    expect(() => profileFromJSON({ rows: 1, columns: [{ column: 'x', type: 'numeric' }] })).toThrow(/cutPoints/);
  });
  it('a window must come from the profile it is compared with', () => {
    const other = buildReferenceProfile(train, { sampleSize: 10 });
    const w = new DatasetWindow(other);
    w.addRow({ age: 30 });
    expect(() => datasetDrift(referenceAll, w)).toThrow(/not made from this reference profile/);
    expect(() => columnDrift(referenceAll.columns[0]!, w.column('age'))).toThrow(InvalidParameterError);
  });
});
