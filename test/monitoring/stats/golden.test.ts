/**
 * Every drift statistic against golden/drift.json (SciPy 1.10.1, numpy 1.24.2), with the
 * tolerances of its README: statistics abs 1e-9; p-values rel 1e-6 (log10 within 1e-3 when tiny);
 * PSI, Jensen–Shannon and Wasserstein rel 1e-9; counts and cut points exact.
 */
import { describe, expect, it } from 'vitest';
import {
  alignCounts,
  chiSquareContingency,
  countCategories,
  finiteSorted,
  jensenShannonDistance,
  jensenShannonNumericSorted,
  ksLimitPValue,
  ksEffectiveN,
  ksTwoSampleSorted,
  psiFromCounts,
  psiNumericSorted,
  wassersteinSorted,
} from '../../../src/monitoring/index.js';
import { abs, categoricalSide, golden, numericSide, pValue, rel } from './golden-data.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Entry = any;
const cases = (entries: Entry[]): { id: string; e: Entry }[] => entries.map((e) => ({ id: e.id as string, e }));

describe('numeric drift statistics match golden/drift.json', () => {
  it.each(cases(golden.numeric))('$id', ({ e }) => {
    const R = e.results;
    const ref = finiteSorted(numericSide(e.reference));
    const cur = finiteSorted(numericSide(e.current));
    expect([ref.length, cur.length]).toEqual([R.n_ref, R.n_cur]);

    for (const [key, method] of [
      ['ks_auto', 'auto'],
      ['ks_asymp', 'asymp'],
    ] as const) {
      const ks = ksTwoSampleSorted(ref, cur, { method });
      abs(ks.statistic, R[key].statistic, 1e-9, `${key} D`);
      pValue(ks.pValue, R[key].pvalue, `${key} p`);
      expect(ks.method).toBe(R[key].method_used);
      expect(ks.location).toBe(R[key].statistic_location);
      expect(ks.sign).toBe(R[key].statistic_sign);
    }
    rel(ksEffectiveN(ref.length, cur.length), R.ks_asymp.effective_n, 1e-15, 'effective n');
    pValue(ksLimitPValue(R.ks_asymp.statistic, ref.length, cur.length), R.ks_asymp.pvalue_kolmogorov_limit, 'limit p');

    rel(wassersteinSorted(ref, cur), R.wasserstein, 1e-9, 'wasserstein');

    const js = jensenShannonNumericSorted(ref, cur, { bins: R.jensenshannon.bins, base: 2 });
    expect([js.lo, js.hi]).toEqual([R.jensenshannon.lo, R.jensenshannon.hi]);
    expect(js.refCounts).toEqual(R.jensenshannon.ref_counts);
    expect(js.curCounts).toEqual(R.jensenshannon.cur_counts);
    rel(js.distance, R.jensenshannon.base2, 1e-9, 'JS base 2');
    rel(jensenShannonDistance(js.refCounts, js.curCounts), R.jensenshannon.base_e, 1e-9, 'JS base e');

    const psi = psiNumericSorted(ref, cur);
    expect(psi.cutPoints).toEqual(R.psi.cut_points);
    expect(psi.refCounts).toEqual(R.psi.ref_counts);
    expect(psi.curCounts).toEqual(R.psi.cur_counts);
    rel(psi.value, R.psi.value, 1e-9, 'PSI');
  });
});

describe('categorical drift statistics match golden/drift.json', () => {
  it.each(cases(golden.categorical))('$id', ({ e }) => {
    const R = e.results;
    const a = alignCounts(countCategories(categoricalSide(e.reference)), countCategories(categoricalSide(e.current)));
    expect(a.categories).toEqual(R.categories);
    expect(a.ref).toEqual(R.ref_counts);
    expect(a.cur).toEqual(R.cur_counts);

    const chi = chiSquareContingency(a.ref, a.cur);
    abs(chi.statistic, R.chi2.statistic, 1e-9, 'chi2');
    pValue(chi.pValue, R.chi2.pvalue, 'chi2 p');
    expect(chi.dof).toBe(R.chi2.dof);
    expect(chi.correctionApplied).toBe(R.chi2.yates_correction_applied);
    const plain = chiSquareContingency(a.ref, a.cur, { correction: false });
    abs(plain.statistic, R.chi2_no_correction.statistic, 1e-9, 'chi2 without correction');
    pValue(plain.pValue, R.chi2_no_correction.pvalue, 'chi2 without correction p');

    rel(jensenShannonDistance(a.ref, a.cur, 2), R.jensenshannon.base2, 1e-9, 'JS base 2');
    rel(jensenShannonDistance(a.ref, a.cur), R.jensenshannon.base_e, 1e-9, 'JS base e');
    rel(psiFromCounts(a.ref, a.cur), R.psi, 1e-9, 'PSI');
  });
});

it('the golden file covers what the README promises', () => {
  expect(golden.numeric.length).toBe(36);
  expect(golden.categorical.length).toBe(20);
  const exact = golden.numeric.filter((e: { results: { ks_auto: { method_used: string } } }) => e.results.ks_auto.method_used === 'exact');
  expect(exact.length).toBe(24);
});
