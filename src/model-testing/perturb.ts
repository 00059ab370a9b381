import type { ColumnSpec } from '../bundles/index.js';
import { createRng, type Rng } from '../training/index.js';
import { SpecError, type Change, type RobustnessCheck } from './spec.js';

/*
 * Changes to test data: the robustness perturbations (noise, missing values, values beyond the
 * training range, categories never seen) and the declared changes of invariance and
 * directional checks. Records are copied; the originals are never modified.
 */

const NUMERIC = new Set(['double', 'float', 'long', 'integer']);
const INTEGER = new Set(['long', 'integer']);

export const isNumeric = (c: ColumnSpec) => NUMERIC.has(c.type);

/** A standard normal draw (Box–Muller). */
function gaussian(rng: Rng): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

function presentNumbers(records: readonly Record<string, unknown>[], column: string): number[] {
  const out: number[] = [];
  for (const r of records) {
    const v = r[column];
    if (typeof v === 'number' && Number.isFinite(v)) out.push(v);
  }
  return out;
}

/** The columns a perturbation applies to: the named ones (checked), else every column of the right kind. */
function targetColumns(check: RobustnessCheck, columns: readonly ColumnSpec[], kind: 'numeric' | 'categorical' | 'any'): ColumnSpec[] {
  const fits = (c: ColumnSpec) => (kind === 'any' ? true : kind === 'numeric' ? isNumeric(c) : !isNumeric(c));
  if (!check.columns) {
    const all = columns.filter(fits);
    if (all.length === 0) throw new SpecError(`Robustness check '${check.name}': the model has no ${kind} input column to perturb.`, 'columns');
    return all;
  }
  return check.columns.map((name) => {
    const col = columns.find((c) => c.name === name);
    if (!col) throw new SpecError(`Robustness check '${check.name}': '${name}' is not an input column of the model (inputs: ${columns.map((c) => c.name).join(', ')}).`, 'columns');
    if (!fits(col)) throw new SpecError(`Robustness check '${check.name}': ${check.perturb} applies to ${kind} columns, and '${name}' is ${col.type}.`, 'columns');
    return col;
  });
}

/** A perturbed copy of the records for a robustness check. */
export function perturb(records: readonly Record<string, unknown>[], columns: readonly ColumnSpec[], check: RobustnessCheck, seed: number): Record<string, unknown>[] {
  const rng = createRng(seed);
  const out = records.map((r) => ({ ...r }));
  const chosen = () => check.fraction >= 1 || rng() < check.fraction;
  switch (check.perturb) {
    case 'gaussian_noise':
      for (const col of targetColumns(check, columns, 'numeric')) {
        const values = presentNumbers(records, col.name);
        if (values.length === 0) continue;
        const mean = values.reduce((a, b) => a + b, 0) / values.length;
        const sd = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
        for (const r of out) {
          const v = r[col.name];
          if (typeof v !== 'number' || !chosen()) continue;
          const noisy = v + gaussian(rng) * check.scale * sd;
          r[col.name] = INTEGER.has(col.type) ? Math.round(noisy) : noisy;
        }
      }
      return out;
    case 'missing_values':
      for (const col of targetColumns(check, columns, 'any')) for (const r of out) if (chosen()) r[col.name] = null;
      return out;
    case 'out_of_range':
      for (const col of targetColumns(check, columns, 'numeric')) {
        const values = presentNumbers(records, col.name);
        const lo = col.range?.[0] ?? Math.min(...values);
        const hi = col.range?.[1] ?? Math.max(...values);
        if (!Number.isFinite(lo) || !Number.isFinite(hi)) continue;
        // Beyond the range by `factor` of its width (of the value itself when the range is a point).
        const reach = check.factor * (hi > lo ? hi - lo : Math.max(1, Math.abs(hi)));
        for (const r of out) {
          if (!chosen()) continue;
          const v = rng() < 0.5 ? lo - reach : hi + reach;
          r[col.name] = INTEGER.has(col.type) ? Math.round(v) : v;
        }
      }
      return out;
    case 'unseen_categories':
      for (const col of targetColumns(check, columns, 'categorical')) {
        for (const r of out) if (chosen()) r[col.name] = col.type === 'boolean' ? null : `__unseen_${col.name}__`;
      }
      return out;
  }
}

/** One way of applying a declared change: a label for reports, and the change itself. */
export interface ChangeVariant {
  readonly label: string;
  apply(records: readonly Record<string, unknown>[]): Record<string, unknown>[];
}

/** Each column and value of a change, tried separately ("state = CA", "income *1.5"). */
export function changeVariants(change: Change, columns: readonly ColumnSpec[], checkName: string): ChangeVariant[] {
  const variants: ChangeVariant[] = [];
  for (const [name, values] of Object.entries(change)) {
    const col = columns.find((c) => c.name === name);
    if (!col) throw new SpecError(`Check '${checkName}': '${name}' is not an input column of the model (inputs: ${columns.map((c) => c.name).join(', ')}).`, 'change');
    for (const value of values) {
      const arithmetic = typeof value === 'string' && /^[*+-]/.test(value) && isNumeric(col) ? value : null;
      if (typeof value === 'string' && /^[*+]/.test(value) && !isNumeric(col)) {
        throw new SpecError(`Check '${checkName}': '${value}' is arithmetic, but '${name}' holds ${col.type} values.`, 'change');
      }
      const op = arithmetic?.[0];
      const operand = arithmetic ? Number(arithmetic.slice(1)) : 0;
      const label = arithmetic ? `${name} ${op === '*' ? '×' : op}${arithmetic.slice(1)}` : `${name} = ${JSON.stringify(value)}`;
      variants.push({
        label,
        apply: (records) => records.map((r) => {
          const copy = { ...r };
          if (!arithmetic) copy[name] = value;
          else {
            const v = r[name];
            if (typeof v === 'number') {
              const next = op === '*' ? v * operand : op === '+' ? v + operand : v - operand;
              copy[name] = INTEGER.has(col.type) ? Math.round(next) : next;
            }
          }
          return copy;
        }),
      });
    }
  }
  return variants;
}
