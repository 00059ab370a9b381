import { InvalidParameterError } from '../errors/index.js';
import {
  IMPUTE_STRATEGIES, PIPELINE_FORMAT, STEP_TYPES,
  type CategoryValue, type FittedPipelineJSON, type FittedStep, type MissingPolicy, type StepSpec, type StepType,
} from './types.js';

// Specs come from YAML, TypeScript or a manifest on disk, so everything is checked here and
// the error names the field (`steps[2].strategy`). Parsing also normalizes: the fitted form
// always carries every option explicitly, in one key order, so it round-trips exactly.

type Obj = Record<string, unknown>;

function fail(path: string, what: string): InvalidParameterError {
  return new InvalidParameterError(`${path} ${what}`, path);
}

function shown(v: unknown): string {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 60)}…` : s;
}

function object(v: unknown, path: string): Obj {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw fail(path, 'must be an object.');
  return v as Obj;
}

function onlyKeys(o: Obj, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) throw fail(`${path}.${k}`, `is not an option here (allowed: ${allowed.join(', ')}).`);
  }
}

function name(v: unknown, path: string): string {
  if (typeof v !== 'string' || v === '') throw fail(path, `must be a non-empty string (got ${shown(v)}).`);
  return v;
}

function names(v: unknown, path: string): string[] {
  if (!Array.isArray(v) || v.length === 0) throw fail(path, 'must be a non-empty list of names.');
  const out = v.map((x, i) => name(x, `${path}[${i}]`));
  const dup = out.find((x, i) => out.indexOf(x) !== i);
  if (dup !== undefined) throw fail(path, `lists '${dup}' twice.`);
  return out;
}

function oneOf<T extends string>(v: unknown, allowed: readonly T[], path: string, fallback?: T): T {
  if (v === undefined && fallback !== undefined) return fallback;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw fail(path, `must be one of ${allowed.join(', ')} (got ${shown(v)}).`);
  }
  return v as T;
}

/** A finite number; -0 becomes 0 so that JSON text and the value agree. */
function finite(v: unknown, path: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw fail(path, `must be a finite number (got ${shown(v)}).`);
  return v + 0;
}

function numbers(v: unknown, path: string, length?: number): number[] {
  if (!Array.isArray(v)) throw fail(path, 'must be a list of numbers.');
  if (length !== undefined && v.length !== length) throw fail(path, `must have one number per column (${length}), got ${v.length}.`);
  return v.map((x, i) => finite(x, `${path}[${i}]`));
}

function category(v: unknown, path: string): CategoryValue {
  if (typeof v === 'string') {
    if (v === '') throw fail(path, 'must not be empty (the empty string means missing).');
    return v;
  }
  if (typeof v === 'number') return finite(v, path);
  throw fail(path, `must be a string or a number (got ${shown(v)}).`);
}

function categories(v: unknown, path: string): CategoryValue[] {
  if (!Array.isArray(v) || v.length === 0) throw fail(path, 'must be a non-empty list of categories.');
  const out = v.map((x, i) => category(x, `${path}[${i}]`));
  if (out.some((x) => typeof x !== typeof out[0])) throw fail(path, 'must not mix strings and numbers.');
  if (new Set(out).size !== out.length) throw fail(path, 'lists a category twice.');
  return out;
}

function strictlyIncreasing(xs: readonly number[], path: string): void {
  for (let i = 1; i < xs.length; i++) {
    if (!(xs[i]! > xs[i - 1]!)) throw fail(path, `must be strictly increasing (${xs[i - 1]} then ${xs[i]}).`);
  }
}

const COMMON_KEYS: Record<StepType, readonly string[]> = {
  impute: ['type', 'columns', 'strategy', 'fill_value'],
  standard_scale: ['type', 'columns', 'handle_missing'],
  min_max_scale: ['type', 'columns', 'range', 'clip', 'handle_missing'],
  one_hot: ['type', 'column', 'categories', 'handle_unknown', 'handle_missing'],
  ordinal: ['type', 'column', 'output', 'categories', 'handle_unknown', 'unknown_value', 'handle_missing'],
  bucketize: ['type', 'column', 'output', 'boundaries', 'n_bins', 'strategy', 'handle_missing'],
  passthrough: ['type', 'columns', 'handle_missing'],
};

const FITTED_KEYS: Partial<Record<StepType, readonly string[]>> = {
  impute: ['values'],
  standard_scale: ['mean', 'std'],
  min_max_scale: ['data_min', 'data_max'],
};

const MISSING: readonly MissingPolicy[] = ['keep', 'error'];

/**
 * Checks one step. With `fitted` the fitted values are required and every default is written
 * out; without it fitted values are refused (a spec says what to fit, not the result).
 */
function parseStep(value: unknown, path: string, fitted: true): FittedStep;
function parseStep(value: unknown, path: string, fitted: false): StepSpec;
function parseStep(value: unknown, path: string, fitted: boolean): StepSpec | FittedStep {
  let o = object(value, path);
  if (o.type === undefined && 'passthrough' in o) {
    onlyKeys(o, ['passthrough'], path);
    o = { type: 'passthrough', columns: o.passthrough };
  }
  const type = oneOf(o.type, STEP_TYPES, `${path}.type`);
  onlyKeys(o, fitted ? [...COMMON_KEYS[type], ...(FITTED_KEYS[type] ?? [])] : COMMON_KEYS[type], path);
  const at = (k: string) => `${path}.${k}`;
  switch (type) {
    case 'impute': {
      const columns = names(o.columns, at('columns'));
      const strategy = oneOf(o.strategy, IMPUTE_STRATEGIES, at('strategy'));
      let fill: CategoryValue | undefined;
      if (strategy === 'constant') {
        if (o.fill_value === undefined) throw fail(at('fill_value'), "is required with strategy 'constant'.");
        fill = category(o.fill_value, at('fill_value'));
      } else if (o.fill_value !== undefined) {
        throw fail(at('fill_value'), `only applies to strategy 'constant' (strategy is '${strategy}').`);
      }
      const spec = { type, columns, strategy, ...(fill !== undefined ? { fill_value: fill } : {}) };
      if (!fitted) return spec;
      if (!Array.isArray(o.values) || o.values.length !== columns.length) throw fail(at('values'), `must have one value per column (${columns.length}).`);
      const values = o.values.map((v, i) => (strategy === 'mean' || strategy === 'median' ? finite(v, `${at('values')}[${i}]`) : category(v, `${at('values')}[${i}]`)));
      if (fill !== undefined && values.some((v) => v !== fill)) throw fail(at('values'), 'must all equal fill_value.');
      return { ...spec, values };
    }
    case 'standard_scale': {
      const columns = names(o.columns, at('columns'));
      const handle_missing = oneOf(o.handle_missing, MISSING, at('handle_missing'), 'keep');
      if (!fitted) return { type, columns, ...(o.handle_missing !== undefined ? { handle_missing } : {}) };
      const mean = numbers(o.mean, at('mean'), columns.length);
      const std = numbers(o.std, at('std'), columns.length);
      std.forEach((s, i) => { if (s < 0) throw fail(`${at('std')}[${i}]`, 'must not be negative.'); });
      return { type, columns, handle_missing, mean, std };
    }
    case 'min_max_scale': {
      const columns = names(o.columns, at('columns'));
      let range: [number, number] | undefined;
      if (o.range !== undefined || fitted) {
        const r = numbers(o.range ?? [0, 1], at('range'));
        if (r.length !== 2 || !(r[0]! < r[1]!)) throw fail(at('range'), 'must be [min, max] with min < max.');
        range = [r[0]!, r[1]!];
      }
      if (o.clip !== undefined && typeof o.clip !== 'boolean') throw fail(at('clip'), 'must be true or false.');
      const handle_missing = oneOf(o.handle_missing, MISSING, at('handle_missing'), 'keep');
      if (!fitted) {
        return {
          type, columns,
          ...(range ? { range } : {}),
          ...(o.clip !== undefined ? { clip: o.clip as boolean } : {}),
          ...(o.handle_missing !== undefined ? { handle_missing } : {}),
        };
      }
      const data_min = numbers(o.data_min, at('data_min'), columns.length);
      const data_max = numbers(o.data_max, at('data_max'), columns.length);
      data_min.forEach((m, i) => { if (m > data_max[i]!) throw fail(`${at('data_min')}[${i}]`, 'must not exceed data_max.'); });
      return { type, columns, range: range!, clip: (o.clip as boolean | undefined) ?? false, handle_missing, data_min, data_max };
    }
    case 'one_hot': {
      const column = name(o.column, at('column'));
      const cats = o.categories !== undefined || fitted ? categories(o.categories, at('categories')) : undefined;
      const handle_unknown = oneOf(o.handle_unknown, ['error', 'ignore'] as const, at('handle_unknown'), 'error');
      const handle_missing = oneOf(o.handle_missing, ['error', 'ignore'] as const, at('handle_missing'), handle_unknown);
      if (!fitted) {
        return {
          type, column,
          ...(cats ? { categories: cats } : {}),
          ...(o.handle_unknown !== undefined ? { handle_unknown } : {}),
          ...(o.handle_missing !== undefined ? { handle_missing } : {}),
        };
      }
      return { type, column, categories: cats!, handle_unknown, handle_missing };
    }
    case 'ordinal': {
      const column = name(o.column, at('column'));
      const output = o.output === undefined ? column : name(o.output, at('output'));
      const cats = o.categories !== undefined || fitted ? categories(o.categories, at('categories')) : undefined;
      const handle_unknown = oneOf(o.handle_unknown, ['error', 'nan', 'value'] as const, at('handle_unknown'), 'error');
      let unknown_value: number | undefined;
      if (handle_unknown === 'value') {
        if (o.unknown_value === undefined) throw fail(at('unknown_value'), "is required with handle_unknown 'value'.");
        unknown_value = finite(o.unknown_value, at('unknown_value'));
        if (cats && Number.isInteger(unknown_value) && unknown_value >= 0 && unknown_value < cats.length) {
          throw fail(at('unknown_value'), `must not be a category code (0..${cats.length - 1}).`);
        }
      } else if (o.unknown_value !== undefined) {
        throw fail(at('unknown_value'), "only applies to handle_unknown 'value'.");
      }
      const handle_missing = oneOf(o.handle_missing, MISSING, at('handle_missing'), 'keep');
      const uv = unknown_value !== undefined ? { unknown_value } : {};
      if (!fitted) {
        return {
          type, column,
          ...(o.output !== undefined ? { output } : {}),
          ...(cats ? { categories: cats } : {}),
          ...(o.handle_unknown !== undefined ? { handle_unknown } : {}),
          ...uv,
          ...(o.handle_missing !== undefined ? { handle_missing } : {}),
        };
      }
      return { type, column, output, categories: cats!, handle_unknown, ...uv, handle_missing };
    }
    case 'bucketize': {
      const column = name(o.column, at('column'));
      const output = o.output === undefined ? column : name(o.output, at('output'));
      let boundaries: number[] | undefined;
      if (o.boundaries !== undefined) {
        boundaries = numbers(o.boundaries, at('boundaries'));
        strictlyIncreasing(boundaries, at('boundaries'));
      }
      let n_bins: number | undefined;
      if (o.n_bins !== undefined) {
        if (typeof o.n_bins !== 'number' || !Number.isInteger(o.n_bins) || o.n_bins < 2 || o.n_bins > 10_000) {
          throw fail(at('n_bins'), `must be an integer from 2 to 10000 (got ${shown(o.n_bins)}).`);
        }
        n_bins = o.n_bins;
      }
      const strategy = o.strategy === undefined ? undefined : oneOf(o.strategy, ['quantile', 'uniform'] as const, at('strategy'));
      if (strategy !== undefined && n_bins === undefined) throw fail(at('strategy'), 'only applies with n_bins.');
      const handle_missing = oneOf(o.handle_missing, MISSING, at('handle_missing'), 'error');
      if (!fitted) {
        if ((boundaries === undefined) === (n_bins === undefined)) throw fail(path, 'needs either boundaries or n_bins (not both).');
        if (boundaries !== undefined && boundaries.length === 0) throw fail(at('boundaries'), 'must list at least one boundary.');
        return {
          type, column,
          ...(o.output !== undefined ? { output } : {}),
          ...(boundaries ? { boundaries } : {}),
          ...(n_bins !== undefined ? { n_bins } : {}),
          ...(strategy !== undefined ? { strategy } : {}),
          ...(o.handle_missing !== undefined ? { handle_missing } : {}),
        };
      }
      if (boundaries === undefined) throw fail(at('boundaries'), 'is required in a fitted step.');
      return {
        type, column, output, boundaries,
        ...(n_bins !== undefined ? { n_bins } : {}),
        ...(strategy !== undefined ? { strategy } : {}),
        handle_missing,
      };
    }
    case 'passthrough': {
      const columns = names(o.columns, at('columns'));
      const handle_missing = oneOf(o.handle_missing, MISSING, at('handle_missing'), 'keep');
      if (!fitted) return { type, columns, ...(o.handle_missing !== undefined ? { handle_missing } : {}) };
      return { type, columns, handle_missing };
    }
  }
}

/** Checks one fitted step and writes out its defaults. */
export function parseFittedStep(value: unknown, path: string): FittedStep {
  return parseStep(value, path, true);
}

/** Checks a pipeline spec (steps to fit, optional output order). */
export function parsePipelineSpec(value: unknown): { steps: StepSpec[]; output?: string[] } {
  const o = object(value, 'pipeline');
  onlyKeys(o, ['steps', 'output'], 'pipeline');
  if (!Array.isArray(o.steps)) throw fail('steps', 'must be a list of steps.');
  const steps = o.steps.map((s, i) => parseStep(s, `steps[${i}]`, false));
  return { steps, ...(o.output !== undefined ? { output: names(o.output, 'output') } : {}) };
}

/** Checks the JSON of a fitted pipeline (e.g. from a manifest) and writes out every default. */
export function parseFittedPipeline(value: unknown): FittedPipelineJSON {
  const o = object(value, 'preprocessing');
  onlyKeys(o, ['format', 'steps', 'output'], 'preprocessing');
  if (o.format !== PIPELINE_FORMAT) throw fail('format', `must be '${PIPELINE_FORMAT}' (got ${shown(o.format)}).`);
  if (!Array.isArray(o.steps)) throw fail('steps', 'must be a list of steps.');
  const steps = o.steps.map((s, i) => parseStep(s, `steps[${i}]`, true));
  return { format: PIPELINE_FORMAT, steps, output: names(o.output, 'output') };
}

