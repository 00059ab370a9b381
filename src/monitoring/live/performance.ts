import { labelText, type LabelTask } from '../../predictions/index.js';

/*
 * Live model quality from labelled predictions: pure functions over (prediction, label) pairs.
 * Definitions follow scikit-learn's: positive class 1 for binary precision/recall/F1 (macro
 * averages for multiclass), ROC AUC by ranks with ties averaged (one-vs-rest macro for
 * multiclass), log loss with probabilities clipped to [1e-15, 1 − 1e-15], R² = 1 − SS_res/SS_tot.
 * Calibration error (ECE) uses 10 equal-width bins of the predicted probability: for binary
 * models of P(class 1) against the share of positives, for multiclass models of the top-class
 * probability against accuracy; each bin weighted by its share of rows.
 */

/** Metric names per task; the Prometheus gauge `puente_live_metric{metric}` uses the same names. */
export const CLASSIFICATION_METRICS = ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'log_loss', 'calibration_error'] as const;
export const REGRESSION_METRICS = ['rmse', 'mae', 'mape', 'r2'] as const;
export type MetricName = (typeof CLASSIFICATION_METRICS)[number] | (typeof REGRESSION_METRICS)[number];

/** Metrics that are better when lower (a drop in quality is a rise). */
export const LOWER_IS_BETTER: ReadonlySet<MetricName> = new Set(['log_loss', 'calibration_error', 'rmse', 'mae', 'mape']);

/** Metric values; null when undefined for the data (one class only for ROC AUC, no scores for log loss). */
export type Metrics = Partial<Record<MetricName, number | null>>;

export interface PerformanceResult {
  /** Labelled rows the metrics were computed on. */
  readonly n: number;
  /** Rows whose label or prediction could not be read (e.g. a class the model does not know). */
  readonly skipped: number;
  readonly metrics: Metrics;
}

const EPS = 1e-15;
const ECE_BINS = 10;

/** ROC AUC of scores against 0/1 labels: the Mann–Whitney U with average ranks for ties. Null with one class only. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number | null {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]!] === scores[order[i]!]) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[order[k]!] === 1) {
        positives++;
        rankSum += rank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

const clip = (p: number) => Math.min(1 - EPS, Math.max(EPS, p));

/** Binary classification from P(class 1) scores (or hard 0/1 predictions when `scored` is false). */
export function binaryMetrics(scores: ArrayLike<number>, labels: ArrayLike<number>, scored = true): Metrics {
  const n = scores.length;
  if (n === 0) return {};
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let correct = 0;
  let loss = 0;
  const binCount = new Float64Array(ECE_BINS);
  const binScore = new Float64Array(ECE_BINS);
  const binPositive = new Float64Array(ECE_BINS);
  for (let i = 0; i < n; i++) {
    const p = scores[i]!;
    const y = labels[i]!;
    const predicted = p >= 0.5 ? 1 : 0;
    if (predicted === y) correct++;
    if (predicted === 1 && y === 1) tp++;
    else if (predicted === 1) fp++;
    else if (y === 1) fn++;
    if (scored) {
      const q = clip(p);
      loss -= y === 1 ? Math.log(q) : Math.log(1 - q);
      const b = Math.min(ECE_BINS - 1, Math.floor(p * ECE_BINS));
      binCount[b]!++;
      binScore[b]! += p;
      binPositive[b]! += y;
    }
  }
  const precision = tp + fp === 0 ? 0 : tp / (tp + fp);
  const recall = tp + fn === 0 ? 0 : tp / (tp + fn);
  const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
  let ece = 0;
  for (let b = 0; b < ECE_BINS; b++) if (binCount[b]! > 0) ece += Math.abs(binPositive[b]! - binScore[b]!) / n;
  return {
    accuracy: correct / n, precision, recall, f1,
    roc_auc: scored ? rocAuc(scores, labels) : null,
    log_loss: scored ? loss / n : null,
    calibration_error: scored ? ece : null,
  };
}

/** Multiclass classification from class-probability rows (or hard class indices when `probabilities` is null). */
export function multiclassMetrics(predicted: ArrayLike<number>, labels: ArrayLike<number>, k: number, probabilities: readonly ArrayLike<number>[] | null): Metrics {
  const n = labels.length;
  if (n === 0) return {};
  const tp = new Float64Array(k);
  const predictedCount = new Float64Array(k);
  const actualCount = new Float64Array(k);
  let correct = 0;
  let loss = 0;
  const binCount = new Float64Array(ECE_BINS);
  const binConfidence = new Float64Array(ECE_BINS);
  const binCorrect = new Float64Array(ECE_BINS);
  for (let i = 0; i < n; i++) {
    const c = predicted[i]!;
    const y = labels[i]!;
    predictedCount[c]!++;
    actualCount[y]!++;
    if (c === y) {
      correct++;
      tp[c]!++;
    }
    if (probabilities) {
      const row = probabilities[i]!;
      let sum = 0;
      for (let j = 0; j < k; j++) sum += clip(row[j]!);
      loss -= Math.log(clip(row[y]!) / sum);
      const confidence = row[c]!;
      const b = Math.min(ECE_BINS - 1, Math.max(0, Math.floor(confidence * ECE_BINS)));
      binCount[b]!++;
      binConfidence[b]! += confidence;
      binCorrect[b]! += c === y ? 1 : 0;
    }
  }
  // Macro averages over the classes present in the labels or the predictions, as scikit-learn does.
  let precision = 0;
  let recall = 0;
  let f1 = 0;
  let classes = 0;
  for (let j = 0; j < k; j++) {
    if (predictedCount[j] === 0 && actualCount[j] === 0) continue;
    classes++;
    const p = predictedCount[j] === 0 ? 0 : tp[j]! / predictedCount[j]!;
    const r = actualCount[j] === 0 ? 0 : tp[j]! / actualCount[j]!;
    precision += p;
    recall += r;
    f1 += p + r === 0 ? 0 : (2 * p * r) / (p + r);
  }
  let auc: number | null = null;
  if (probabilities) {
    let sum = 0;
    let counted = 0;
    for (let j = 0; j < k; j++) {
      if (actualCount[j] === 0 || actualCount[j] === n) continue;
      const a = rocAuc(probabilities.map((row) => row[j]!), Array.from(labels, (y) => (y === j ? 1 : 0)));
      if (a !== null) {
        sum += a;
        counted++;
      }
    }
    auc = counted > 0 ? sum / counted : null;
  }
  let ece = 0;
  for (let b = 0; b < ECE_BINS; b++) if (binCount[b]! > 0) ece += Math.abs(binCorrect[b]! - binConfidence[b]!) / n;
  return {
    accuracy: correct / n, precision: precision / classes, recall: recall / classes, f1: f1 / classes,
    roc_auc: auc, log_loss: probabilities ? loss / n : null, calibration_error: probabilities ? ece : null,
  };
}

/** Regression: RMSE, MAE, MAPE (rows with a zero label left out of it; null when all are zero), R² (null when the labels are constant). */
export function regressionMetrics(predicted: ArrayLike<number>, labels: ArrayLike<number>): Metrics {
  const n = labels.length;
  if (n === 0) return {};
  let se = 0;
  let ae = 0;
  let ape = 0;
  let apeN = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += labels[i]!;
  mean /= n;
  let ssTot = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    const e = predicted[i]! - y;
    se += e * e;
    ae += Math.abs(e);
    if (y !== 0) {
      ape += Math.abs(e / y);
      apeN++;
    }
    ssTot += (y - mean) * (y - mean);
  }
  return { rmse: Math.sqrt(se / n), mae: ae / n, mape: apeN > 0 ? ape / apeN : null, r2: ssTot > 0 ? 1 - se / ssTot : null };
}

/** A scalar score from a logged output: a number, or a one-element list. */
function scalar(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (Array.isArray(v) && v.length === 1) return scalar(v[0]);
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return null;
}

/** One labelled prediction as the log keeps it. */
export interface LabelledOutput {
  readonly output: unknown;
  readonly label: unknown;
}

/**
 * Metrics for one model version's labelled predictions, read the way the model answers: binary
 * classifiers give P(class 1) (or [P(0), P(1)], or a class), multiclass classifiers a list of
 * class probabilities (or a class), regressors a number.
 */
export function performanceOf(task: LabelTask, classes: readonly (string | number)[] | undefined, rows: readonly LabelledOutput[]): PerformanceResult {
  const names = classes?.map(String);
  const classIndex = (label: unknown, k: number): number | null => {
    const text = labelText(label);
    if (names) {
      const i = names.indexOf(text);
      if (i >= 0) return i;
    }
    if (!/^(0|[1-9]\d*)$/.test(text)) return null;
    const i = Number(text);
    return i < k ? i : null;
  };
  let skipped = 0;
  if (task === 'regression') {
    const p: number[] = [];
    const y: number[] = [];
    for (const r of rows) {
      const a = scalar(r.output);
      const b = typeof r.label === 'number' ? r.label : null;
      if (a === null || b === null || !Number.isFinite(b)) skipped++;
      else {
        p.push(a);
        y.push(b);
      }
    }
    return { n: p.length, skipped, metrics: regressionMetrics(p, y) };
  }
  if (task === 'binary_classification') {
    const scores: number[] = [];
    const labels: number[] = [];
    let scored = true;
    for (const r of rows) {
      const y = classIndex(r.label, 2);
      let s: number | null = null;
      if (Array.isArray(r.output) && r.output.length === 2) s = scalar(r.output[1]);
      else if (typeof r.output === 'string' && names?.includes(r.output)) {
        s = names.indexOf(r.output);
        scored = false;
      } else s = scalar(r.output);
      if (y === null || s === null || s < 0 || s > 1) skipped++;
      else {
        scores.push(s);
        labels.push(y);
      }
    }
    return { n: scores.length, skipped, metrics: binaryMetrics(scores, labels, scored) };
  }
  const k = names?.length ?? Math.max(0, ...rows.map((r) => (Array.isArray(r.output) ? r.output.length : 0)));
  const predicted: number[] = [];
  const labels: number[] = [];
  const probabilities: number[][] = [];
  let scored = true;
  for (const r of rows) {
    const y = classIndex(r.label, k);
    let c: number | null = null;
    if (Array.isArray(r.output) && r.output.length === k && r.output.every((v) => typeof v === 'number')) {
      const row = r.output as number[];
      c = row.indexOf(Math.max(...row));
      probabilities.push(row);
    } else {
      c = classIndex(r.output, k);
      scored = false;
    }
    if (y === null || c === null) {
      skipped++;
      if (probabilities.length > predicted.length) probabilities.pop();
    } else {
      predicted.push(c);
      labels.push(y);
    }
  }
  return { n: predicted.length, skipped, metrics: multiclassMetrics(predicted, labels, k, scored ? probabilities : null) };
}
