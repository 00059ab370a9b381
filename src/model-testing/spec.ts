import { parse as parseYaml, YAMLParseError } from 'yaml';
import { InvalidParameterError } from '../errors/index.js';
import { METRIC_NAMES } from './metrics.js';

/*
 * The model test spec (tests.yaml). Every section is optional; a check names what it measures
 * and the threshold it must meet:
 *
 *   target: default                 label column of the data (needed by performance, robustness, slices)
 *   threshold: 0.5                  binary classifiers: P(class 1) above it is class 1
 *   seed: 0                         perturbations are reproducible
 *   performance: { auc: { min: 0.72 }, log_loss: { max: 0.4 } }
 *   robustness:  [{ perturb: gaussian_noise | missing_values | out_of_range | unseen_categories,
 *                   columns, scale, fraction, factor, metric, max_degradation }]
 *   invariance:  [{ name, change: { state: [CA, TX] }, max_change, max_failure_rate }]
 *   directional: [{ name, change: { income: "*1.5" }, expect: non_increasing, tolerance, max_failure_rate, output }]
 *   slices:      [{ column, bins?, metric, min?, max?, max_gap?, min_rows }]
 *   stress:      { concurrency, duration, rows_per_request, warmup, max_p50_ms, max_p95_ms, max_p99_ms,
 *                  max_error_rate, min_throughput, url? }
 */

/** The spec does not fit the model or the data (an unknown column, say): the run stops, nothing is judged. */
export class SpecError extends InvalidParameterError {}

export const PERTURBATIONS = ['gaussian_noise', 'missing_values', 'out_of_range', 'unseen_categories'] as const;
export type Perturbation = (typeof PERTURBATIONS)[number];

export const DIRECTIONS = ['increasing', 'decreasing', 'non_increasing', 'non_decreasing'] as const;
export type Direction = (typeof DIRECTIONS)[number];

export interface Bound {
  readonly min?: number;
  readonly max?: number;
}

export interface RobustnessCheck {
  readonly name: string;
  readonly perturb: Perturbation;
  /** Columns to perturb; default: every column the perturbation applies to. */
  readonly columns?: readonly string[];
  /** gaussian_noise: noise standard deviation as a multiple of the column's (default 0.1). */
  readonly scale: number;
  /** Share of rows changed (default 1 for noise, 0.2 otherwise). */
  readonly fraction: number;
  /** out_of_range: how far beyond the range, in widths of the range (default 1). */
  readonly factor: number;
  /** Default: the headline metric of the task. */
  readonly metric?: string;
  /** Largest tolerated loss of the metric (absolute). */
  readonly maxDegradation: number;
}

/** A change to columns: a value to set (or several, tried one by one), or "*k", "+d", "-d" for numbers. */
export type Change = Readonly<Record<string, readonly unknown[]>>;

export interface InvarianceCheck {
  readonly name: string;
  readonly change: Change;
  /** Largest tolerated |change| of a row's prediction. */
  readonly maxChange: number;
  readonly maxFailureRate: number;
}

export interface DirectionalCheck {
  readonly name: string;
  readonly change: Change;
  readonly expect: Direction;
  /** Changes within ±tolerance count as no change. */
  readonly tolerance: number;
  readonly maxFailureRate: number;
  /** Which output to follow for multi-output models (index or class name); default 0 (1 for binary is P(class 1)). */
  readonly output?: number | string;
}

export interface SliceCheck {
  readonly name: string;
  readonly column: string;
  /** Numeric column: slice edges (x < e₁, e₁ ≤ x < e₂, …); without them, one slice per value. */
  readonly bins?: readonly number[];
  readonly metric?: string;
  readonly bound: Bound;
  /** Largest tolerated gap between the best and the worst slice. */
  readonly maxGap?: number;
  /** Slices with fewer rows are reported but not judged (default 30). */
  readonly minRows: number;
}

export interface StressSpec {
  readonly concurrency: number;
  readonly durationMs: number;
  readonly warmupMs: number;
  readonly rowsPerRequest: number;
  readonly maxP50Ms?: number;
  readonly maxP95Ms?: number;
  readonly maxP99Ms?: number;
  readonly maxErrorRate: number;
  readonly minThroughput?: number;
  /** Another endpoint to load (e.g. a `puente serve` replica's /invocations); default: the server's. */
  readonly url?: string;
}

export interface TestSpec {
  readonly target?: string;
  readonly threshold: number;
  readonly seed: number;
  readonly performance: readonly { metric: string; bound: Bound }[];
  readonly robustness: readonly RobustnessCheck[];
  readonly invariance: readonly InvarianceCheck[];
  readonly directional: readonly DirectionalCheck[];
  readonly slices: readonly SliceCheck[];
  readonly stress?: StressSpec;
}

const SECTIONS = ['target', 'threshold', 'seed', 'performance', 'robustness', 'invariance', 'directional', 'slices', 'stress'];

class SpecReader {
  constructor(readonly source: string) {}

  fail(path: string, what: string): never {
    throw new InvalidParameterError(`${this.source}: ${path} ${what}.`, path);
  }

  object(v: unknown, path: string, known: readonly string[]): Record<string, unknown> {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(path, 'must be a mapping');
    const o = v as Record<string, unknown>;
    const unknown = Object.keys(o).filter((k) => !known.includes(k));
    if (unknown.length > 0) this.fail(path, `has unknown key(s) ${unknown.join(', ')} (known: ${known.join(', ')})`);
    return o;
  }

  list(v: unknown, path: string): unknown[] {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(path, 'must be a list');
    return v;
  }

  number(v: unknown, path: string, fallback?: number, range: [number, number] = [-Infinity, Infinity]): number {
    if (v === undefined || v === null) {
      if (fallback === undefined) this.fail(path, 'is required');
      return fallback;
    }
    if (typeof v !== 'number' || !Number.isFinite(v) || v < range[0] || v > range[1]) {
      this.fail(path, `must be a number${range[0] > -Infinity ? ` from ${range[0]}` : ''}${range[1] < Infinity ? ` to ${range[1]}` : ''}, got ${JSON.stringify(v)}`);
    }
    return v;
  }

  optionalNumber(v: unknown, path: string, range?: [number, number]): number | undefined {
    return v === undefined || v === null ? undefined : this.number(v, path, undefined, range);
  }

  string(v: unknown, path: string): string {
    if (typeof v !== 'string' || v === '') this.fail(path, 'must be a non-empty string');
    return v;
  }

  strings(v: unknown, path: string): string[] | undefined {
    if (v === undefined || v === null) return undefined;
    const items = typeof v === 'string' ? [v] : this.list(v, path);
    return items.map((s, i) => this.string(s, `${path}[${i}]`));
  }

  bound(v: unknown, path: string): Bound {
    const o = this.object(v, path, ['min', 'max']);
    const bound = { min: this.optionalNumber(o.min, `${path}.min`), max: this.optionalNumber(o.max, `${path}.max`) };
    if (bound.min === undefined && bound.max === undefined) this.fail(path, 'needs min or max');
    return bound;
  }

  change(v: unknown, path: string): Change {
    const o = v as Record<string, unknown>;
    if (o === null || typeof o !== 'object' || Array.isArray(o) || Object.keys(o).length === 0) this.fail(path, 'must map columns to new values');
    return Object.fromEntries(Object.entries(o).map(([column, value]) => {
      const values = Array.isArray(value) ? value : [value];
      if (values.length === 0) this.fail(`${path}.${column}`, 'needs at least one value');
      values.forEach((x, i) => {
        if (typeof x === 'string' && /^[*+-]/.test(x) && !Number.isFinite(Number(x.slice(1)))) this.fail(`${path}.${column}[${i}]`, `'${x}' is not "*k", "+d" or "-d" with a number`);
      });
      return [column, values];
    }));
  }

  duration(v: unknown, path: string, fallback: number): number {
    if (v === undefined || v === null) return fallback;
    if (typeof v === 'number' && v > 0) return v * 1000;
    const m = typeof v === 'string' ? /^(\d+(?:\.\d+)?)\s*(ms|s|m)?$/.exec(v.trim()) : null;
    if (!m) this.fail(path, `must be a duration such as 10s, 500ms or 1m, got ${JSON.stringify(v)}`);
    const n = Number(m[1]);
    return m[2] === 'ms' ? n : m[2] === 'm' ? n * 60_000 : n * 1000;
  }
}

/** Reads and checks a spec from YAML text; errors name the file and the offending key. */
export function parseTestSpec(text: string, source = 'tests.yaml'): TestSpec {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos ? ` (line ${err.linePos[0].line})` : '';
    throw new InvalidParameterError(`${source} is not valid YAML${where}: ${(err as Error).message.split('\n')[0]}`, 'spec');
  }
  const rd = new SpecReader(source);
  if (doc === null || doc === undefined) rd.fail('the file', 'is empty');
  const root = rd.object(doc, 'the top level', SECTIONS);

  const performance = root.performance === undefined || root.performance === null
    ? []
    : Object.entries(rd.object(root.performance, 'performance', METRIC_NAMES)).map(([metric, bound]) => ({ metric, bound: rd.bound(bound, `performance.${metric}`) }));

  const robustness = rd.list(root.robustness, 'robustness').map((item, i): RobustnessCheck => {
    const path = `robustness[${i}]`;
    const o = rd.object(item, path, ['name', 'perturb', 'columns', 'scale', 'fraction', 'factor', 'metric', 'max_degradation']);
    const perturb = rd.string(o.perturb, `${path}.perturb`) as Perturbation;
    if (!PERTURBATIONS.includes(perturb)) rd.fail(`${path}.perturb`, `must be one of ${PERTURBATIONS.join(', ')}`);
    const columns = rd.strings(o.columns, `${path}.columns`);
    return {
      name: o.name === undefined ? `${perturb}${columns ? ` on ${columns.join(', ')}` : ''}` : rd.string(o.name, `${path}.name`),
      perturb,
      columns,
      scale: rd.number(o.scale, `${path}.scale`, 0.1, [0, Infinity]),
      fraction: rd.number(o.fraction, `${path}.fraction`, perturb === 'gaussian_noise' ? 1 : 0.2, [0, 1]),
      factor: rd.number(o.factor, `${path}.factor`, 1, [0, Infinity]),
      metric: o.metric === undefined ? undefined : rd.string(o.metric, `${path}.metric`),
      maxDegradation: rd.number(o.max_degradation, `${path}.max_degradation`, undefined, [0, Infinity]),
    };
  });

  const invariance = rd.list(root.invariance, 'invariance').map((item, i): InvarianceCheck => {
    const path = `invariance[${i}]`;
    const o = rd.object(item, path, ['name', 'change', 'max_change', 'max_failure_rate']);
    const change = rd.change(o.change, `${path}.change`);
    return {
      name: o.name === undefined ? `invariant to ${Object.keys(change).join(', ')}` : rd.string(o.name, `${path}.name`),
      change,
      maxChange: rd.number(o.max_change, `${path}.max_change`, 0, [0, Infinity]),
      maxFailureRate: rd.number(o.max_failure_rate, `${path}.max_failure_rate`, 0, [0, 1]),
    };
  });

  const directional = rd.list(root.directional, 'directional').map((item, i): DirectionalCheck => {
    const path = `directional[${i}]`;
    const o = rd.object(item, path, ['name', 'change', 'expect', 'tolerance', 'max_failure_rate', 'output']);
    const change = rd.change(o.change, `${path}.change`);
    const expect = rd.string(o.expect, `${path}.expect`) as Direction;
    if (!DIRECTIONS.includes(expect)) rd.fail(`${path}.expect`, `must be one of ${DIRECTIONS.join(', ')}`);
    if (o.output !== undefined && typeof o.output !== 'number' && typeof o.output !== 'string') rd.fail(`${path}.output`, 'must be an output index or a class name');
    return {
      name: o.name === undefined ? `${Object.keys(change).join(', ')} → ${expect}` : rd.string(o.name, `${path}.name`),
      change,
      expect,
      tolerance: rd.number(o.tolerance, `${path}.tolerance`, 0, [0, Infinity]),
      maxFailureRate: rd.number(o.max_failure_rate, `${path}.max_failure_rate`, 0, [0, 1]),
      output: o.output as number | string | undefined,
    };
  });

  const slices = rd.list(root.slices, 'slices').map((item, i): SliceCheck => {
    const path = `slices[${i}]`;
    const o = rd.object(item, path, ['name', 'column', 'bins', 'metric', 'min', 'max', 'max_gap', 'min_rows']);
    const column = rd.string(o.column, `${path}.column`);
    const bins = o.bins === undefined ? undefined : rd.list(o.bins, `${path}.bins`).map((b, j) => rd.number(b, `${path}.bins[${j}]`));
    if (bins && bins.some((b, j) => j > 0 && b <= bins[j - 1])) rd.fail(`${path}.bins`, 'must increase');
    const bound = { min: rd.optionalNumber(o.min, `${path}.min`), max: rd.optionalNumber(o.max, `${path}.max`) };
    const maxGap = rd.optionalNumber(o.max_gap, `${path}.max_gap`, [0, Infinity]);
    if (bound.min === undefined && bound.max === undefined && maxGap === undefined) rd.fail(path, 'needs min, max or max_gap');
    return {
      name: o.name === undefined ? `by ${column}` : rd.string(o.name, `${path}.name`),
      column,
      bins,
      metric: o.metric === undefined ? undefined : rd.string(o.metric, `${path}.metric`),
      bound,
      maxGap,
      minRows: rd.number(o.min_rows, `${path}.min_rows`, 30, [1, Infinity]),
    };
  });

  let stress: StressSpec | undefined;
  if (root.stress !== undefined && root.stress !== null) {
    const o = rd.object(root.stress, 'stress', ['concurrency', 'duration', 'warmup', 'rows_per_request', 'max_p50_ms', 'max_p95_ms', 'max_p99_ms', 'max_error_rate', 'min_throughput', 'url']);
    const concurrency = rd.number(o.concurrency, 'stress.concurrency', 4, [1, 1024]);
    if (!Number.isInteger(concurrency)) rd.fail('stress.concurrency', 'must be an integer');
    const rowsPerRequest = rd.number(o.rows_per_request, 'stress.rows_per_request', 1, [1, 100_000]);
    if (!Number.isInteger(rowsPerRequest)) rd.fail('stress.rows_per_request', 'must be an integer');
    stress = {
      concurrency,
      durationMs: rd.duration(o.duration, 'stress.duration', 10_000),
      warmupMs: rd.duration(o.warmup, 'stress.warmup', 1_000),
      rowsPerRequest,
      maxP50Ms: rd.optionalNumber(o.max_p50_ms, 'stress.max_p50_ms', [0, Infinity]),
      maxP95Ms: rd.optionalNumber(o.max_p95_ms, 'stress.max_p95_ms', [0, Infinity]),
      maxP99Ms: rd.optionalNumber(o.max_p99_ms, 'stress.max_p99_ms', [0, Infinity]),
      maxErrorRate: rd.number(o.max_error_rate, 'stress.max_error_rate', 0, [0, 1]),
      minThroughput: rd.optionalNumber(o.min_throughput, 'stress.min_throughput', [0, Infinity]),
      url: o.url === undefined ? undefined : rd.string(o.url, 'stress.url'),
    };
  }

  const target = root.target === undefined ? undefined : rd.string(root.target, 'target');
  if (!target && (performance.length > 0 || robustness.length > 0 || slices.length > 0)) {
    rd.fail('target', 'must name the label column: performance, robustness and slice checks compare predictions with labels');
  }
  return {
    target,
    threshold: rd.number(root.threshold, 'threshold', 0.5, [0, 1]),
    seed: rd.number(root.seed, 'seed', 0, [0, 2 ** 32 - 1]),
    performance,
    robustness,
    invariance,
    directional,
    slices,
    stress,
  };
}
