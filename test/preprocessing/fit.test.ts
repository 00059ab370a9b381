import { describe, expect, it } from 'vitest';
import {
  fitPipeline, PreprocessingInputError,
  type FittedStandardScale, type FittedStep, type PipelineSpec, type Row, type StepSpec,
} from '../../src/preprocessing/index.js';

// Expected numbers below are worked out by hand from the definitions (population std,
// numpy's linear quantiles, sklearn's tie rules), not taken from the code under test.

const col = (name: string, values: readonly (number | string | boolean | null)[]): Row[] => values.map((v) => ({ [name]: v }));

/** Fits the step and returns it fitted; an impute step gets an ordinal encoder after it, to have features. */
function fitOne(step: StepSpec, rows: Row[]): FittedStep {
  const steps: StepSpec[] = step.type === 'impute' ? [step, ...step.columns.map((column): StepSpec => ({ type: 'ordinal', column }))] : [step];
  return fitPipeline({ steps }, rows).toJSON().steps[0]!;
}

function column(spec: PipelineSpec, rows: Row[], feature: string): number[] {
  const p = fitPipeline(spec, rows);
  const { matrix } = p.transform(rows);
  const j = p.featureNames.indexOf(feature);
  expect(j).toBeGreaterThanOrEqual(0);
  return rows.map((_, r) => matrix[r * p.numFeatures + j]!);
}

describe('impute', () => {
  it('mean ignores missing values (null, NaN, empty string)', () => {
    const rows = col('x', [1, null, 2, Number.NaN, 6, '']);
    expect(fitOne({ type: 'impute', columns: ['x'], strategy: 'mean' }, rows)).toMatchObject({ values: [3] });
    expect(column({ steps: [{ type: 'impute', columns: ['x'], strategy: 'mean' }, { passthrough: ['x'] }] }, rows, 'x')).toEqual([1, 3, 2, 3, 6, 3]);
  });

  it('median: middle value, or the mean of the two middle values', () => {
    expect(fitOne({ type: 'impute', columns: ['x'], strategy: 'median' }, col('x', [7, 1, null, 4]))).toMatchObject({ values: [4] });
    expect(fitOne({ type: 'impute', columns: ['x'], strategy: 'median' }, col('x', [5, 1, Number.NaN, 3, 10]))).toMatchObject({ values: [4] });
    // Sorting is numeric, not by text: 9 < 10 < 100.
    expect(fitOne({ type: 'impute', columns: ['x'], strategy: 'median' }, col('x', [100, 9, 10]))).toMatchObject({ values: [10] });
  });

  it('most_frequent picks the smallest value on a tie, for strings and numbers', () => {
    expect(fitOne({ type: 'impute', columns: ['s'], strategy: 'most_frequent' }, col('s', ['b', 'a', 'b', 'a', null, 'c']))).toMatchObject({ values: ['a'] });
    expect(fitOne({ type: 'impute', columns: ['n'], strategy: 'most_frequent' }, col('n', [3, 3, 10, 10, 2]))).toMatchObject({ values: [3] });
    expect(fitOne({ type: 'impute', columns: ['n'], strategy: 'most_frequent' }, col('n', [5, 7, 7, null, null, null]))).toMatchObject({ values: [7] });
  });

  it('constant fills the given value, per column', () => {
    const rows: Row[] = [{ a: null, b: 'x' }, { a: 2, b: null }];
    const p = fitPipeline({
      steps: [
        { type: 'impute', columns: ['a'], strategy: 'constant', fill_value: -1 },
        { type: 'impute', columns: ['b'], strategy: 'constant', fill_value: 'none' },
        { type: 'one_hot', column: 'b' },
        { passthrough: ['a'] },
      ],
    }, rows);
    expect(p.toJSON().steps[1]).toMatchObject({ values: ['none'] });
    expect(p.featureNames).toEqual(['b=none', 'b=x', 'a']);
    expect(Array.from(p.transform(rows).matrix)).toEqual([0, 1, -1, 1, 0, 2]);
  });

  it('a later step is fitted on the imputed values', () => {
    // x = [1, missing, 5] → mean 3 → [1, 3, 5]: mean 3, population std sqrt(8/3).
    const p = fitPipeline({ steps: [{ type: 'impute', columns: ['x'], strategy: 'mean' }, { type: 'standard_scale', columns: ['x'] }] }, col('x', [1, null, 5]));
    const s = p.toJSON().steps[1] as FittedStandardScale;
    expect(s.mean).toEqual([3]);
    expect(s.std[0]).toBeCloseTo(Math.sqrt(8 / 3), 15);
  });

  it('refuses a column with nothing to fit on, and strings for mean', () => {
    expect(() => fitOne({ type: 'impute', columns: ['x'], strategy: 'mean' }, col('x', [null, Number.NaN]))).toThrow(/column 'x' has no values to compute the mean/);
    const err = captured(() => fitOne({ type: 'impute', columns: ['x'], strategy: 'median' }, col('x', [1, 'two'])));
    expect(err).toBeInstanceOf(PreprocessingInputError);
    expect(err).toMatchObject({ row: 1, column: 'x' });
    expect(() => fitOne({ type: 'impute', columns: ['x'], strategy: 'most_frequent' }, col('x', [1, 'a']))).toThrow(/Row 1, column 'x'.*either strings or numbers/);
  });
});

describe('standard_scale', () => {
  it('uses the population standard deviation', () => {
    // Classic example: mean 5, squared deviations sum to 32 over 8 values → variance 4, std 2.
    const rows = col('x', [2, 4, 4, 4, 5, 5, 7, 9]);
    expect(fitOne({ type: 'standard_scale', columns: ['x'] }, rows)).toMatchObject({ mean: [5], std: [2] });
    expect(column({ steps: [{ type: 'standard_scale', columns: ['x'] }] }, rows, 'x')).toEqual([-1.5, -0.5, -0.5, -0.5, 0, 0, 1, 2]);
  });

  it('divides a constant column by 1 (std 0), even when the mean is not exact in binary', () => {
    expect(fitOne({ type: 'standard_scale', columns: ['x'] }, col('x', [0.1, 0.1, 0.1]))).toMatchObject({ mean: [0.1], std: [0] });
    expect(column({ steps: [{ type: 'standard_scale', columns: ['x'] }] }, col('x', [3, 3, 3]), 'x')).toEqual([0, 0, 0]);
  });

  it('leaves missing values out of the fit and keeps them missing by default', () => {
    const out = column({ steps: [{ type: 'standard_scale', columns: ['x'] }] }, col('x', [1, null, 3]), 'x');
    expect(out[0]).toBe(-1);
    expect(out[1]).toBeNaN();
    expect(out[2]).toBe(1);
  });

  it("refuses missing values with handle_missing 'error', naming the row", () => {
    const err = captured(() => fitOne({ type: 'standard_scale', columns: ['x'], handle_missing: 'error' }, col('x', [1, 2, null])));
    expect(err).toMatchObject({ row: 2, column: 'x' });
  });
});

describe('min_max_scale', () => {
  const rows = col('x', [10, 20, 15, 30]);
  it('maps the fitted min and max onto the range', () => {
    expect(fitOne({ type: 'min_max_scale', columns: ['x'] }, rows)).toMatchObject({ data_min: [10], data_max: [30], range: [0, 1], clip: false });
    expect(column({ steps: [{ type: 'min_max_scale', columns: ['x'] }] }, rows, 'x')).toEqual([0, 0.5, 0.25, 1]);
    expect(column({ steps: [{ type: 'min_max_scale', columns: ['x'], range: [-1, 1] }] }, rows, 'x')).toEqual([-1, 0, -0.5, 1]);
  });

  it('gives the range minimum for a constant column', () => {
    const p = fitPipeline({ steps: [{ type: 'min_max_scale', columns: ['x'], range: [2, 5] }] }, col('x', [4, 4]));
    expect(Array.from(p.transform(col('x', [4, 4])).matrix)).toEqual([2, 2]);
  });

  it('extrapolates outside the fitted range unless clip is set', () => {
    const free = fitPipeline({ steps: [{ type: 'min_max_scale', columns: ['x'] }] }, rows);
    const clipped = fitPipeline({ steps: [{ type: 'min_max_scale', columns: ['x'], clip: true }] }, rows);
    expect(Array.from(free.transform(col('x', [40, 0])).matrix)).toEqual([1.5, -0.5]);
    expect(Array.from(clipped.transform(col('x', [40, 0])).matrix)).toEqual([1, 0]);
  });
});

describe('one_hot and ordinal categories', () => {
  it('fits sorted distinct categories (numbers numerically)', () => {
    expect(fitOne({ type: 'one_hot', column: 'c', handle_unknown: 'ignore' }, col('c', ['b', 'a', null, 'c', 'a']))).toMatchObject({ categories: ['a', 'b', 'c'] });
    expect(fitOne({ type: 'one_hot', column: 'n' }, col('n', [10, 9, 100, 9]))).toMatchObject({ categories: [9, 10, 100] });
    expect(fitOne({ type: 'ordinal', column: 's' }, col('s', ['TX', 'CA', 'NY', 'CA']))).toMatchObject({ categories: ['CA', 'NY', 'TX'], output: 's' });
  });

  it('keeps given categories in their order', () => {
    const p = fitPipeline({ steps: [{ type: 'one_hot', column: 'h', categories: ['RENT', 'OWN', 'MORTGAGE'] }] }, col('h', ['OWN']));
    expect(p.featureNames).toEqual(['h=RENT', 'h=OWN', 'h=MORTGAGE']);
    expect(Array.from(p.transform(col('h', ['MORTGAGE', 'RENT'])).matrix)).toEqual([0, 0, 1, 1, 0, 0]);
  });

  it('codes ordinal categories 0..k-1', () => {
    const rows = col('s', ['TX', 'CA', 'NY']);
    expect(column({ steps: [{ type: 'ordinal', column: 's', output: 's_code' }] }, rows, 's_code')).toEqual([2, 0, 1]);
  });

  it('reads booleans as 1 and 0', () => {
    expect(fitOne({ type: 'one_hot', column: 'b' }, col('b', [true, false, true]))).toMatchObject({ categories: [0, 1] });
  });

  it('refuses a column mixing strings and numbers, naming the row', () => {
    expect(captured(() => fitOne({ type: 'ordinal', column: 'm' }, col('m', ['a', null, 3])))).toMatchObject({ row: 2, column: 'm' });
  });

  it('refuses at fit time a category outside the given list under the error policy', () => {
    const err = captured(() => fitOne({ type: 'one_hot', column: 'c', categories: ['a'] }, col('c', ['a', 'a', 'z'])));
    expect(err).toMatchObject({ row: 2, column: 'c' });
    expect(String(err)).toMatch(/unknown category "z"/);
  });
});

describe('bucketize', () => {
  const oneToTen = col('x', [4, 1, 7, 10, 2, 9, 3, 8, 5, 6]);

  it('quantile boundaries use linear interpolation between order statistics', () => {
    // Sorted 1..10, position p*(n-1): 2.25 → 3.25, 4.5 → 5.5, 6.75 → 7.75.
    expect(fitOne({ type: 'bucketize', column: 'x', n_bins: 4 }, oneToTen)).toMatchObject({ boundaries: [3.25, 5.5, 7.75], strategy: 'quantile' });
    const p = fitPipeline({ steps: [{ type: 'bucketize', column: 'x', n_bins: 4, output: 'bin' }] }, oneToTen);
    expect(p.featureNames).toEqual(['bin']);
    expect(Array.from(p.transform(col('x', [-100, 1, 3.25, 5, 5.5, 8, 10, 100])).matrix)).toEqual([0, 0, 1, 1, 2, 3, 3, 3]);
  });

  it('uniform boundaries split [min, max] into equal widths', () => {
    expect(fitOne({ type: 'bucketize', column: 'x', n_bins: 5, strategy: 'uniform' }, col('x', [0, 1, 7, 10]))).toMatchObject({ boundaries: [2, 4, 6, 8] });
  });

  it('repeated values collapse bins; a constant column has one bin', () => {
    // Quantiles of [0 x7, 1, 2, 3]: 0.25 → 0, 0.5 → 0, 0.75 → position 6.75 → 0.75; edges 0,0,0,0.75,3.
    expect(fitOne({ type: 'bucketize', column: 'x', n_bins: 4 }, col('x', [0, 0, 0, 0, 0, 0, 0, 1, 2, 3]))).toMatchObject({ boundaries: [0.75] });
    const p = fitPipeline({ steps: [{ type: 'bucketize', column: 'x', n_bins: 3, strategy: 'uniform' }] }, col('x', [5, 5]));
    expect(p.toJSON().steps[0]).toMatchObject({ boundaries: [] });
    expect(Array.from(p.transform(col('x', [-1, 5, 9])).matrix)).toEqual([0, 0, 0]);
  });

  it('given boundaries: a value equal to a boundary goes to the upper bucket', () => {
    const p = fitPipeline({ steps: [{ type: 'bucketize', column: 'x', boundaries: [0, 10] }] }, col('x', [1]));
    expect(Array.from(p.transform(col('x', [-1, 0, 9.99, 10, 11])).matrix)).toEqual([0, 1, 1, 2, 2]);
  });

  it('refuses missing values unless told to keep them', () => {
    expect(captured(() => fitOne({ type: 'bucketize', column: 'x', n_bins: 2 }, col('x', [1, null, 3])))).toMatchObject({ row: 1, column: 'x' });
    const p = fitPipeline({ steps: [{ type: 'bucketize', column: 'x', n_bins: 2, handle_missing: 'keep' }] }, col('x', [1, null, 3]));
    expect(p.toJSON().steps[0]).toMatchObject({ boundaries: [2] });
    expect(p.transform(col('x', [null])).matrix[0]).toBeNaN();
  });
});

describe('fitting', () => {
  it('accepts any iterable of rows, read once', () => {
    function* gen(): Generator<Row> {
      yield { x: 1 };
      yield { x: 3 };
    }
    const p = fitPipeline({ steps: [{ type: 'standard_scale', columns: ['x'] }] }, gen());
    expect(p.toJSON().steps[0]).toMatchObject({ mean: [2], std: [1] });
  });

  it('writes every default into the fitted JSON', () => {
    const p = fitPipeline({
      steps: [
        { type: 'one_hot', column: 'c', handle_unknown: 'ignore' },
        { type: 'ordinal', column: 'c', output: 'code' },
        { type: 'bucketize', column: 'x', boundaries: [1] },
        { passthrough: ['x'] },
      ],
    }, [{ c: 'a', x: 0 }]);
    expect(p.toJSON()).toEqual({
      format: 'puente.preprocessing/1',
      steps: [
        { type: 'one_hot', column: 'c', categories: ['a'], handle_unknown: 'ignore', handle_missing: 'ignore' },
        { type: 'ordinal', column: 'c', output: 'code', categories: ['a'], handle_unknown: 'error', handle_missing: 'keep' },
        { type: 'bucketize', column: 'x', output: 'x', boundaries: [1], handle_missing: 'error' },
        { type: 'passthrough', columns: ['x'], handle_missing: 'keep' },
      ],
      output: ['c=a', 'code', 'x'],
    });
  });
});

function captured(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected an error');
}
