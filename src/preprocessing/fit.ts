import { InvalidParameterError } from '../errors/index.js';
import { FittedPipeline } from './pipeline.js';
import { buildSteps } from './plan.js';
import { parseFittedStep, parsePipelineSpec } from './spec.js';
import { binBoundaries, meanAndStd, median, mean, mostFrequent, sortedDistinct } from './stats.js';
import { PIPELINE_FORMAT, type CategoryValue, type FittedStep, type PipelineSpec, type Row, type StepSpec } from './types.js';
import { describe, inputError } from './values.js';

/** The values one step is fitted on: a column as numbers (NaN = missing) or as categories. */
type Column = { readonly name: string; readonly kind: 'num'; readonly values: Float64Array }
  | { readonly name: string; readonly kind: 'cat'; readonly values: (CategoryValue | undefined)[] };

type Need = { readonly name: string; readonly kind: 'num' | 'cat' };

/** What a step must see of the data to be fitted (nothing when its values are given). */
function needs(step: StepSpec): Need[] {
  switch (step.type) {
    case 'impute':
      if (step.strategy === 'constant') return [];
      return step.columns.map((name) => ({ name, kind: step.strategy === 'most_frequent' ? 'cat' : 'num' }));
    case 'standard_scale':
    case 'min_max_scale':
      return step.columns.map((name) => ({ name, kind: 'num' }));
    case 'one_hot':
    case 'ordinal':
      return step.categories ? [] : [{ name: step.column, kind: 'cat' }];
    case 'bucketize':
      return step.boundaries ? [] : [{ name: step.column, kind: 'num' }];
    case 'passthrough':
      return [];
  }
}

/**
 * Fits the steps in order on the rows: each step is fitted on the values the earlier fitted
 * steps produce, exactly as they will be applied later. Missing values are left out of every
 * statistic. Finally every row is run through the whole pipeline, so a value the fitted
 * pipeline would refuse (an unknown category under 'error', a forbidden missing value, a
 * string in a numeric column) fails here, naming its row, rather than at serving time.
 */
export function fitPipeline(spec: PipelineSpec, rows: Iterable<Row>): FittedPipeline {
  const parsed = parsePipelineSpec(spec);
  const data: readonly Row[] = Array.isArray(rows) ? rows : Array.from(rows);
  const fitted: FittedStep[] = [];
  parsed.steps.forEach((step, index) => {
    const want = needs(step);
    const columns = want.length === 0 ? [] : collect(fitted, want, data);
    // Normalized at once: later steps are fitted on what this step does with every default filled in.
    fitted.push(parseFittedStep(fitStep(step, index, columns), `steps[${index}]`));
  });

  const output = buildSteps(fitted).finalize(parsed.output).featureNames;
  const pipeline = FittedPipeline.fromJSON({ format: PIPELINE_FORMAT, steps: fitted, output });
  pipeline.check(data);
  return pipeline;
}

/** Runs the steps fitted so far on every row and keeps the columns the next step needs. */
function collect(steps: readonly FittedStep[], want: readonly Need[], data: readonly Row[]): Column[] {
  const builder = buildSteps(steps);
  const slots = want.map((w) => (w.kind === 'num' ? builder.numView(w.name) : builder.catView(w.name)));
  const plan = builder.finalize(null);
  const { num, cat } = plan.scratch;
  const columns: Column[] = want.map((w) => (w.kind === 'num'
    ? { name: w.name, kind: 'num', values: new Float64Array(data.length) }
    : { name: w.name, kind: 'cat', values: new Array<CategoryValue | undefined>(data.length) }));
  for (let r = 0; r < data.length; r++) {
    plan.run(data[r]!, r);
    for (let j = 0; j < columns.length; j++) {
      const c = columns[j]!;
      if (c.kind === 'num') c.values[r] = num[slots[j]!]!;
      else c.values[r] = cat[slots[j]!];
    }
  }
  return columns;
}

function noValues(step: number, type: string, column: string, what: string): InvalidParameterError {
  return new InvalidParameterError(`Step ${step} (${type}) cannot be fitted: column '${column}' has no values to compute ${what} from.`, column);
}

/** Non-missing numbers; a missing one is an error when the step refuses missing values. */
function present(c: Column, refuse: boolean, step: number, type: string): Float64Array {
  const xs = c.values as Float64Array;
  const out = new Float64Array(xs.length);
  let n = 0;
  for (let r = 0; r < xs.length; r++) {
    const x = xs[r]!;
    if (x === x) out[n++] = x;
    else if (refuse) {
      throw inputError(r, c.name, `the value is missing and step ${step} (${type}) does not accept missing values; impute the column first or set handle_missing to 'keep'.`);
    }
  }
  return out.subarray(0, n);
}

/** Non-missing categories, all strings or all numbers. */
function presentCategories(c: Column): CategoryValue[] {
  const vs = c.values as (CategoryValue | undefined)[];
  const out: CategoryValue[] = [];
  let firstRow = -1;
  for (let r = 0; r < vs.length; r++) {
    const v = vs[r];
    if (v === undefined) continue;
    if (firstRow < 0) firstRow = r;
    else if (typeof v !== typeof out[0]) {
      throw inputError(r, c.name, `${describe(v)} in a column that holds ${typeof out[0]}s (row ${firstRow} has ${describe(out[0])}); a column must hold either strings or numbers.`);
    }
    out.push(v);
  }
  return out;
}

function fitStep(step: StepSpec, index: number, columns: readonly Column[]): Record<string, unknown> {
  const t = step.type;
  switch (step.type) {
    case 'impute': {
      if (step.strategy === 'constant') return { ...step, values: step.columns.map(() => step.fill_value!) };
      const values = columns.map((c): CategoryValue => {
        if (step.strategy === 'most_frequent') {
          const vs = presentCategories(c);
          if (vs.length === 0) throw noValues(index, t, c.name, 'the most frequent value');
          return mostFrequent(vs);
        }
        const xs = present(c, false, index, t);
        if (xs.length === 0) throw noValues(index, t, c.name, `the ${step.strategy}`);
        return (step.strategy === 'mean' ? mean(xs) : median(xs.slice().sort())) + 0;
      });
      return { ...step, values };
    }
    case 'standard_scale': {
      const stats = columns.map((c) => {
        const xs = present(c, step.handle_missing === 'error', index, t);
        if (xs.length === 0) throw noValues(index, t, c.name, 'the mean and standard deviation');
        return meanAndStd(xs);
      });
      return { ...step, mean: stats.map((s) => s.mean + 0), std: stats.map((s) => s.std + 0) };
    }
    case 'min_max_scale': {
      const data_min: number[] = [];
      const data_max: number[] = [];
      for (const c of columns) {
        const xs = present(c, step.handle_missing === 'error', index, t);
        if (xs.length === 0) throw noValues(index, t, c.name, 'the minimum and maximum');
        let lo = Infinity;
        let hi = -Infinity;
        for (const x of xs) {
          if (x < lo) lo = x;
          if (x > hi) hi = x;
        }
        data_min.push(lo + 0);
        data_max.push(hi + 0);
      }
      return { ...step, data_min, data_max };
    }
    case 'one_hot':
    case 'ordinal': {
      if (step.categories) return { ...step };
      const vs = presentCategories(columns[0]!);
      if (vs.length === 0) throw noValues(index, t, step.column, 'categories');
      return { ...step, categories: sortedDistinct(vs) };
    }
    case 'bucketize': {
      if (step.boundaries) return { ...step };
      const xs = present(columns[0]!, step.handle_missing !== 'keep', index, t).slice().sort();
      if (xs.length === 0) throw noValues(index, t, step.column, 'bin boundaries');
      const strategy = step.strategy ?? 'quantile';
      return { ...step, strategy, boundaries: binBoundaries(xs, step.n_bins!, strategy).map((b) => b + 0) };
    }
    case 'passthrough':
      return { ...step };
  }
}
