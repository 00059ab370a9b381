import { InvalidParameterError } from '../errors/index.js';
import { createRng, type Rng } from '../training/index.js';

/** A background summarised by k-means: k representative rows and the share of the data each stands for. */
export interface KmeansSummary {
  /** k × F, row-major. */
  readonly centers: Float32Array;
  readonly k: number;
  readonly numFeatures: number;
  /** Rows in each cluster (the weight of each center). */
  readonly weights: Float64Array;
  /** Cluster of each input row. */
  readonly assignments: Int32Array;
}

export interface KmeansOptions {
  readonly seed?: number;
  /** Restarts from different k-means++ seeds; the lowest within-cluster sum of squares wins. Default 4. */
  readonly restarts?: number;
  readonly maxIterations?: number;
  /**
   * Replace each center coordinate by the closest value the column takes in the data (default
   * true), as shap.kmeans does: a center is then a row the model could see (no 0.37 of a one-hot
   * indicator, no fractional age).
   */
  readonly roundToData?: boolean;
}

/**
 * k-means summary of a background matrix (NaN = missing), for Kernel SHAP: explaining against k
 * weighted centers costs k model rows per coalition instead of one per background row.
 * Distances are taken on standardised columns with missing values at the column mean, so that
 * a column in dollars does not decide every cluster alone; centers are reported in the data's
 * own units.
 */
export function kmeansSummary(rows: Float32Array, nRows: number, numFeatures: number, k: number, options: KmeansOptions = {}): KmeansSummary {
  const F = numFeatures;
  if (nRows === 0) throw new InvalidParameterError('The background has no rows to summarise.', 'background');
  if (!Number.isInteger(k) || k < 1) throw new InvalidParameterError(`k must be a positive integer, got ${k}.`, 'k');
  k = Math.min(k, nRows);
  const rng = createRng(options.seed ?? 0);

  // Standardised copy, missing values at the column mean (0 after standardising).
  const mean = new Float64Array(F);
  const sd = new Float64Array(F);
  const count = new Float64Array(F);
  for (let r = 0; r < nRows; r++) {
    for (let j = 0; j < F; j++) {
      const x = rows[r * F + j];
      if (x === x) {
        mean[j] += x;
        count[j]++;
      }
    }
  }
  for (let j = 0; j < F; j++) mean[j] = count[j] > 0 ? mean[j] / count[j] : 0;
  for (let r = 0; r < nRows; r++) {
    for (let j = 0; j < F; j++) {
      const x = rows[r * F + j];
      if (x === x) sd[j] += (x - mean[j]) ** 2;
    }
  }
  for (let j = 0; j < F; j++) sd[j] = count[j] > 1 && sd[j] > 0 ? Math.sqrt(sd[j] / count[j]) : 1;
  const X = new Float64Array(nRows * F);
  for (let r = 0; r < nRows; r++) {
    for (let j = 0; j < F; j++) {
      const x = rows[r * F + j];
      X[r * F + j] = x === x ? (x - mean[j]) / sd[j] : 0;
    }
  }

  let best: { centers: Float64Array; assignments: Int32Array; inertia: number } | null = null;
  for (let restart = 0; restart < (options.restarts ?? 4); restart++) {
    const run = lloyd(X, nRows, F, k, rng, options.maxIterations ?? 100);
    if (best === null || run.inertia < best.inertia) best = run;
  }
  const { assignments } = best!;
  const weights = new Float64Array(k);
  for (let r = 0; r < nRows; r++) weights[assignments[r]]++;

  // Centers in the data's units: the mean of each cluster's present values, rounded to the
  // closest value present in the column (all missing: missing).
  const centers = new Float32Array(k * F);
  const sums = new Float64Array(k * F);
  const present = new Float64Array(k * F);
  for (let r = 0; r < nRows; r++) {
    const c = assignments[r];
    for (let j = 0; j < F; j++) {
      const x = rows[r * F + j];
      if (x === x) {
        sums[c * F + j] += x;
        present[c * F + j]++;
      }
    }
  }
  const round = options.roundToData ?? true;
  const sorted = round ? Array.from({ length: F }, (_, j) => columnValues(rows, nRows, F, j)) : [];
  for (let c = 0; c < k; c++) {
    for (let j = 0; j < F; j++) {
      if (present[c * F + j] === 0) {
        centers[c * F + j] = NaN;
        continue;
      }
      const m = sums[c * F + j] / present[c * F + j];
      centers[c * F + j] = round ? closest(sorted[j], m) : m;
    }
  }
  return { centers, k, numFeatures: F, weights, assignments };
}

/** One k-means run from a k-means++ start; empty clusters are re-seeded with the farthest row. */
function lloyd(X: Float64Array, n: number, F: number, k: number, rng: Rng, maxIterations: number) {
  const centers = new Float64Array(k * F);
  const d2 = new Float64Array(n).fill(Infinity);
  const copy = (c: number, r: number) => centers.set(X.subarray(r * F, (r + 1) * F), c * F);
  copy(0, Math.floor(rng() * n));
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let r = 0; r < n; r++) {
      d2[r] = Math.min(d2[r], distance(X, r, centers, c - 1, F));
      total += d2[r];
    }
    let pick = n - 1;
    if (total > 0) {
      let target = rng() * total;
      for (let r = 0; r < n; r++) {
        target -= d2[r];
        if (target < 0) {
          pick = r;
          break;
        }
      }
    } else pick = Math.floor(rng() * n);
    copy(c, pick);
  }
  const assignments = new Int32Array(n).fill(-1);
  const sums = new Float64Array(k * F);
  const sizes = new Float64Array(k);
  let inertia = 0;
  for (let iteration = 0; iteration < maxIterations; iteration++) {
    let changed = 0;
    inertia = 0;
    for (let r = 0; r < n; r++) {
      let bestC = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        const d = distance(X, r, centers, c, F);
        if (d < bestD) {
          bestD = d;
          bestC = c;
        }
      }
      if (assignments[r] !== bestC) changed++;
      assignments[r] = bestC;
      d2[r] = bestD;
      inertia += bestD;
    }
    if (changed === 0) break;
    sums.fill(0);
    sizes.fill(0);
    for (let r = 0; r < n; r++) {
      const c = assignments[r];
      sizes[c]++;
      for (let j = 0; j < F; j++) sums[c * F + j] += X[r * F + j];
    }
    for (let c = 0; c < k; c++) {
      if (sizes[c] === 0) {
        // Re-seed an empty cluster with the row farthest from its center.
        let far = 0;
        for (let r = 1; r < n; r++) if (d2[r] > d2[far]) far = r;
        copy(c, far);
        d2[far] = 0;
        continue;
      }
      for (let j = 0; j < F; j++) centers[c * F + j] = sums[c * F + j] / sizes[c];
    }
  }
  return { centers, assignments, inertia };
}

function distance(X: Float64Array, r: number, centers: Float64Array, c: number, F: number): number {
  let d = 0;
  for (let j = 0; j < F; j++) {
    const e = X[r * F + j] - centers[c * F + j];
    d += e * e;
  }
  return d;
}

function columnValues(rows: Float32Array, n: number, F: number, j: number): Float64Array {
  const values: number[] = [];
  for (let r = 0; r < n; r++) {
    const x = rows[r * F + j];
    if (x === x) values.push(x);
  }
  return Float64Array.from(values).sort();
}

/** The value of the sorted list closest to x (the lower one on a tie). */
function closest(sorted: Float64Array, x: number): number {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  if (lo > 0 && x - sorted[lo - 1] <= sorted[lo] - x) return sorted[lo - 1];
  return sorted[lo];
}
