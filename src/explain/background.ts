import type { ColumnSpec } from '../bundles/index.js';
import { InvalidParameterError } from '../errors/index.js';
import { createRng } from '../training/index.js';
import { kmeansSummary } from './kmeans.js';

/** Background records with a weight each (the share of the data a row stands for). */
export interface WeightedRecords {
  readonly records: Record<string, unknown>[];
  readonly weights: Float64Array;
}

const NUMERIC = new Set(['double', 'float', 'long', 'integer']);

/** `n` records drawn without replacement (all of them when there are no more), equally weighted. */
export function sampleRecords(records: readonly Record<string, unknown>[], n: number, seed = 0): WeightedRecords {
  if (records.length <= n) return { records: [...records], weights: new Float64Array(records.length).fill(1) };
  const rng = createRng(seed);
  const index = Int32Array.from(records, (_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = i + Math.floor(rng() * (records.length - i));
    const t = index[i];
    index[i] = index[j];
    index[j] = t;
  }
  const picked = Array.from(index.subarray(0, n)).sort((a, b) => a - b);
  return { records: picked.map((i) => records[i]), weights: new Float64Array(n).fill(1) };
}

/**
 * A k-means summary of background records (shap.kmeans for tables with categories): numeric
 * columns as they are, other columns one-hot encoded, clustered; each cluster becomes one record
 * (numeric values: the cluster mean rounded to a value the column takes; other columns: the
 * cluster's most frequent value) weighted by its size.
 */
export function summarizeRecords(records: readonly Record<string, unknown>[], columns: readonly ColumnSpec[], k: number, seed = 0): WeightedRecords {
  if (records.length === 0) throw new InvalidParameterError('The background has no rows to summarise.', 'background');
  if (!Number.isInteger(k) || k < 1) throw new InvalidParameterError(`The k-means summary needs a positive number of clusters, got ${k}.`, 'background_kmeans');
  if (k >= records.length) return { records: [...records], weights: new Float64Array(records.length).fill(1) };
  // Matrix layout: one column per numeric input, one indicator per category of the others.
  const layout: { name: string; numeric: boolean; categories: unknown[]; start: number }[] = [];
  let width = 0;
  for (const col of columns) {
    const numeric = NUMERIC.has(col.type);
    const categories = numeric ? [] : [...new Set(records.map((r) => r[col.name]).filter((v) => v !== null && v !== undefined))];
    layout.push({ name: col.name, numeric, categories, start: width });
    width += numeric ? 1 : categories.length;
  }
  const n = records.length;
  const matrix = new Float32Array(n * Math.max(width, 1));
  records.forEach((r, i) => {
    for (const c of layout) {
      const v = r[c.name];
      if (c.numeric) matrix[i * width + c.start] = typeof v === 'number' ? v : NaN;
      else {
        const at = c.categories.indexOf(v);
        if (at >= 0) matrix[i * width + c.start + at] = 1;
      }
    }
  });
  const summary = kmeansSummary(matrix, n, Math.max(width, 1), k, { seed });
  const out: Record<string, unknown>[] = [];
  for (let c = 0; c < summary.k; c++) {
    const record: Record<string, unknown> = {};
    for (const col of layout) {
      if (col.numeric) {
        // The center is a float32 copy of a value of the column: report the value itself.
        const v = summary.centers[c * width + col.start];
        let value: number | null = null;
        if (!Number.isNaN(v)) {
          for (const r of records) {
            const x = r[col.name];
            if (typeof x === 'number' && (value === null || Math.abs(x - v) < Math.abs(value - v))) value = x;
          }
        }
        record[col.name] = value;
      } else {
        const counts = new Map<unknown, number>();
        let missing = 0;
        for (let i = 0; i < n; i++) {
          if (summary.assignments[i] !== c) continue;
          const v = records[i][col.name];
          if (v === null || v === undefined) missing++;
          else counts.set(v, (counts.get(v) ?? 0) + 1);
        }
        let best: unknown = null;
        let most = missing;
        for (const [v, count] of counts) {
          if (count > most) {
            best = v;
            most = count;
          }
        }
        record[col.name] = best;
      }
    }
    out.push(record);
  }
  return { records: out, weights: summary.weights };
}
