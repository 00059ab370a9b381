import { InvalidParameterError } from '../errors/index.js';

/**
 * Evaluation metrics for the built-in trainers. Labels and scores are any array-like of numbers;
 * everything is computed in float64.
 */

type Values = ArrayLike<number>;

function checkPair(y: Values, p: Values, what: string): number {
  if (y.length !== p.length) {
    throw new InvalidParameterError(`${what}: ${y.length} labels but ${p.length} predictions.`, 'predictions');
  }
  if (y.length === 0) throw new InvalidParameterError(`${what}: no rows to evaluate.`, 'labels');
  return y.length;
}

/**
 * Area under the ROC curve for 0/1 labels (any label > 0.5 counts as positive), by the
 * Mann–Whitney statistic: scores that tie share the average of their ranks, so a tie between a
 * positive and a negative counts one half. NaN scores are refused.
 */
export function rocAuc(labels: Values, scores: Values): number {
  const n = checkPair(labels, scores, 'ROC AUC');
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(scores[i])) throw new InvalidParameterError(`ROC AUC: score ${i} is NaN.`, 'predictions');
    order[i] = i;
  }
  order.sort((a, b) => scores[a] - scores[b] || a - b);
  let positives = 0;
  let rankSum = 0; // sum of the (1-based, tie-averaged) ranks of the positives
  for (let i = 0; i < n; ) {
    let j = i;
    let tiedPositives = 0;
    while (j < n && scores[order[j]] === scores[order[i]]) {
      if (labels[order[j]] > 0.5) tiedPositives++;
      j++;
    }
    // Ranks i+1 … j share their mean.
    rankSum += tiedPositives * ((i + 1 + j) / 2);
    positives += tiedPositives;
    i = j;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) {
    throw new InvalidParameterError('ROC AUC needs both positive and negative labels.', 'labels');
  }
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean binary cross-entropy; probabilities are clipped to [eps, 1 - eps] as sklearn does. */
export function logLoss(labels: Values, probabilities: Values, eps = 1e-15): number {
  const n = checkPair(labels, probabilities, 'log loss');
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const p = Math.min(Math.max(probabilities[i], eps), 1 - eps);
    sum -= labels[i] > 0.5 ? Math.log(p) : Math.log(1 - p);
  }
  return sum / n;
}

/** Share of rows whose probability falls on the side of `threshold` their label is on (p > threshold → 1). */
export function accuracy(labels: Values, probabilities: Values, threshold = 0.5): number {
  const n = checkPair(labels, probabilities, 'accuracy');
  let hits = 0;
  for (let i = 0; i < n; i++) if (probabilities[i] > threshold === labels[i] > 0.5) hits++;
  return hits / n;
}

/** Root mean squared error. */
export function rmse(targets: Values, predictions: Values): number {
  const n = checkPair(targets, predictions, 'RMSE');
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = predictions[i] - targets[i];
    sum += d * d;
  }
  return Math.sqrt(sum / n);
}

/** Coefficient of determination, 1 - SSE / SST; a constant target gives NaN unless fitted exactly. */
export function r2(targets: Values, predictions: Values): number {
  const n = checkPair(targets, predictions, 'R²');
  let mean = 0;
  for (let i = 0; i < n; i++) mean += targets[i];
  mean /= n;
  let sse = 0;
  let sst = 0;
  for (let i = 0; i < n; i++) {
    sse += (predictions[i] - targets[i]) ** 2;
    sst += (targets[i] - mean) ** 2;
  }
  if (sst === 0) return sse === 0 ? 1 : Number.NaN;
  return 1 - sse / sst;
}
