import type { ModelTask } from '../bundles/index.js';
import { InvalidParameterError } from '../errors/index.js';
import { logLoss, rmse, r2, rocAuc } from '../training/index.js';

/**
 * Scores of a model's outputs against labels, for model tests, slices and permutation
 * importance. Outputs are n × K numbers as served: P(class 1) for a binary classifier (K = 1),
 * class probabilities for a multiclass one, the value for a regression. Labels are class indices
 * (0/1 for binary) or target values.
 */

export interface MetricOptions {
  /** Binary classifiers: P(class 1) above this counts as class 1 (default 0.5). */
  readonly threshold?: number;
}

interface MetricSpec {
  readonly higherIsBetter: boolean;
  readonly tasks: readonly ModelTask[];
  readonly compute: (labels: Float64Array, outputs: Float64Array, k: number, options: MetricOptions) => number;
}

const BINARY: readonly ModelTask[] = ['binary_classification'];
const CLASSIFICATION: readonly ModelTask[] = ['binary_classification', 'multiclass_classification'];
const REGRESSION: readonly ModelTask[] = ['regression'];

/** Predicted class of each row: threshold for binary, argmax for multiclass. */
function predictedClasses(outputs: Float64Array, k: number, threshold: number): Float64Array {
  const n = outputs.length / k;
  const out = new Float64Array(n);
  for (let r = 0; r < n; r++) {
    if (k === 1) {
      out[r] = outputs[r] > threshold ? 1 : 0;
      continue;
    }
    let best = 0;
    for (let j = 1; j < k; j++) if (outputs[r * k + j] > outputs[r * k + best]) best = j;
    out[r] = best;
  }
  return out;
}

function confusion(labels: Float64Array, outputs: Float64Array, k: number, options: MetricOptions) {
  const predicted = predictedClasses(outputs, k, options.threshold ?? 0.5);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i] > 0.5 ? 1 : 0;
    if (predicted[i] === 1 && y === 1) tp++;
    else if (predicted[i] === 1) fp++;
    else if (y === 1) fn++;
  }
  return { tp, fp, fn };
}

const METRICS: Readonly<Record<string, MetricSpec>> = {
  auc: { higherIsBetter: true, tasks: BINARY, compute: (y, p) => rocAuc(y, p) },
  log_loss: {
    higherIsBetter: false,
    tasks: CLASSIFICATION,
    compute: (y, p, k) => {
      if (k === 1) return logLoss(y, p);
      let sum = 0;
      const n = y.length;
      for (let r = 0; r < n; r++) sum -= Math.log(Math.min(Math.max(p[r * k + y[r]], 1e-15), 1 - 1e-15));
      return sum / n;
    },
  },
  accuracy: {
    higherIsBetter: true,
    tasks: CLASSIFICATION,
    compute: (y, p, k, o) => {
      const predicted = predictedClasses(p, k, o.threshold ?? 0.5);
      let hits = 0;
      for (let i = 0; i < y.length; i++) if (predicted[i] === (k === 1 ? (y[i] > 0.5 ? 1 : 0) : y[i])) hits++;
      return hits / y.length;
    },
  },
  precision: {
    higherIsBetter: true,
    tasks: BINARY,
    compute: (y, p, k, o) => {
      const { tp, fp } = confusion(y, p, k, o);
      return tp + fp === 0 ? 0 : tp / (tp + fp);
    },
  },
  recall: {
    higherIsBetter: true,
    tasks: BINARY,
    compute: (y, p, k, o) => {
      const { tp, fn } = confusion(y, p, k, o);
      return tp + fn === 0 ? 0 : tp / (tp + fn);
    },
  },
  f1: {
    higherIsBetter: true,
    tasks: BINARY,
    compute: (y, p, k, o) => {
      const { tp, fp, fn } = confusion(y, p, k, o);
      return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
    },
  },
  brier: {
    higherIsBetter: false,
    tasks: BINARY,
    compute: (y, p) => {
      let sum = 0;
      for (let i = 0; i < y.length; i++) sum += (p[i] - (y[i] > 0.5 ? 1 : 0)) ** 2;
      return sum / y.length;
    },
  },
  positive_rate: {
    higherIsBetter: true,
    tasks: BINARY,
    compute: (_y, p, k, o) => {
      const predicted = predictedClasses(p, k, o.threshold ?? 0.5);
      return predicted.reduce((a, b) => a + b, 0) / predicted.length;
    },
  },
  rmse: { higherIsBetter: false, tasks: REGRESSION, compute: (y, p) => rmse(y, p) },
  mae: {
    higherIsBetter: false,
    tasks: REGRESSION,
    compute: (y, p) => {
      let sum = 0;
      for (let i = 0; i < y.length; i++) sum += Math.abs(p[i] - y[i]);
      return sum / y.length;
    },
  },
  r2: { higherIsBetter: true, tasks: REGRESSION, compute: (y, p) => r2(y, p) },
};

/** Names of the metrics, for messages. */
export const METRIC_NAMES: readonly string[] = Object.freeze(Object.keys(METRICS));

function spec(name: string, task: ModelTask): MetricSpec {
  const m = METRICS[name];
  if (!m) throw new InvalidParameterError(`Unknown metric '${name}'; use one of ${METRIC_NAMES.join(', ')}.`, 'metric');
  if (!m.tasks.includes(task)) {
    const fits = METRIC_NAMES.filter((n) => METRICS[n].tasks.includes(task));
    throw new InvalidParameterError(`Metric '${name}' does not apply to a ${task.replace('_', ' ')} model; use one of ${fits.join(', ')}.`, 'metric');
  }
  return m;
}

/** Whether larger values of the metric are better. */
export function higherIsBetter(name: string): boolean {
  const m = METRICS[name];
  if (!m) throw new InvalidParameterError(`Unknown metric '${name}'; use one of ${METRIC_NAMES.join(', ')}.`, 'metric');
  return m.higherIsBetter;
}

/** The usual headline metric of a task. */
export function defaultMetric(task: ModelTask): string {
  return task === 'regression' ? 'rmse' : task === 'multiclass_classification' ? 'accuracy' : 'auc';
}

/** Computes a metric of n × k outputs against n labels. */
export function computeMetric(name: string, task: ModelTask, labels: ArrayLike<number>, outputs: Float64Array, k: number, options: MetricOptions = {}): number {
  const m = spec(name, task);
  const y = Float64Array.from(labels);
  if (outputs.length !== y.length * k) throw new InvalidParameterError(`${y.length} labels for ${outputs.length / k} predictions.`, 'labels');
  if (y.length === 0) throw new InvalidParameterError(`Metric ${name} needs at least one labelled row.`, 'labels');
  if (task === 'multiclass_classification') {
    for (const v of y) if (!(Number.isInteger(v) && v >= 0 && v < k)) throw new InvalidParameterError(`Multiclass labels must be class indices 0..${k - 1}; got ${v}.`, 'labels');
  }
  return m.compute(y, outputs, k, options);
}

/**
 * The label of every record as a number: numbers as they are, class names as their index in
 * `classes` (or as numbers when they read as one). A missing label is refused, naming the row.
 */
export function readLabels(records: readonly Record<string, unknown>[], target: string, classes?: readonly (string | number)[]): Float64Array {
  return Float64Array.from(records, (record, r) => {
    const v = record[target];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'string' && v !== '') {
      const at = classes?.findIndex((c) => String(c) === v) ?? -1;
      if (at >= 0) return at;
      if (Number.isFinite(Number(v))) return Number(v);
    }
    throw new InvalidParameterError(`Row ${r}: the label column '${target}' is ${v === undefined ? 'missing' : JSON.stringify(v)}; every row needs a label.`, target);
  });
}
