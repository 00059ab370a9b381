import { InvalidParameterError } from '../errors/index.js';
import type { ColumnSpec, ModelSignature } from '../bundles/index.js';

/** One input record: column name → value. Missing values are null. */
export type Cell = number | string | boolean | null;
export type Row = Record<string, Cell>;

/** What to do with a category the signature does not list. */
export type UnknownCategoryPolicy = 'error' | 'allow';

export interface CheckOptions {
  /** Default 'allow': the preprocessing decides (one-hot gives all zeros); 'error' refuses. */
  readonly unknownCategories?: UnknownCategoryPolicy;
  /** Columns the caller sent that the signature does not name: refused (default) or dropped. */
  readonly extraColumns?: 'error' | 'drop';
}

const NUMERIC = new Set(['double', 'float', 'long', 'integer']);

/**
 * Checks records against a signature and normalizes their values: numbers for numeric columns
 * (integers for long/integer), strings for string columns, booleans for boolean ones, null for
 * missing values. Every error names the column and the row, so a caller can fix the request.
 */
export function checkRows(rows: readonly Record<string, unknown>[], signature: ModelSignature, options: CheckOptions = {}): Row[] {
  return rowChecker(signature, options)(rows);
}

/** `checkRows` for one signature, with its lookups built once (a served model builds it when it loads). */
export function rowChecker(signature: ModelSignature, options: CheckOptions = {}): (rows: readonly Record<string, unknown>[]) => Row[] {
  const columns = signature.inputs;
  const known = new Set(columns.map((c) => c.name));
  const categorySets = new Map(columns.filter((c) => c.categories).map((c) => [c.name, new Set(c.categories)]));
  return (rows) => {
    if (columns.length === 0) throw new InvalidParameterError('This model has no input signature; log it with one (mlflow.models.infer_signature) to serve it.', 'signature');
    const out: Row[] = new Array(rows.length);
    for (let r = 0; r < rows.length; r++) {
      const input = rows[r]!;
      if (input === null || typeof input !== 'object' || Array.isArray(input)) {
        throw new InvalidParameterError(`Row ${r} is not an object of column values.`, 'inputs');
      }
      if (options.extraColumns !== 'drop') {
        for (const name in input) {
          if (!known.has(name)) throw new InvalidParameterError(`Row ${r}: column '${name}' is not an input of this model (inputs: ${[...known].join(', ')}).`, name);
        }
      }
      const row: Row = {};
      for (const col of columns) {
        row[col.name] = checkCell(input[col.name], col, r, name => categorySets.get(name), options.unknownCategories ?? 'allow', col.name in input);
      }
      out[r] = row;
    }
    return out;
  };
}

function checkCell(
  value: unknown, col: ColumnSpec, row: number, categories: (name: string) => Set<string> | undefined, policy: UnknownCategoryPolicy, present: boolean,
): Cell {
  const where = `row ${row}, column '${col.name}'`;
  const missing = value === null || value === undefined || (typeof value === 'number' && Number.isNaN(value));
  if (missing) {
    if (!present && value === undefined && col.nullable === false) throw new InvalidParameterError(`Missing column '${col.name}' in row ${row}.`, col.name);
    if (col.nullable === false) throw new InvalidParameterError(`Missing value at ${where}; this column may not be empty.`, col.name);
    return null;
  }
  if (NUMERIC.has(col.type)) {
    let n: number;
    if (typeof value === 'number') n = value;
    else if (typeof value === 'boolean') n = value ? 1 : 0;
    else throw new InvalidParameterError(`Expected a number at ${where}, got ${JSON.stringify(value)}.`, col.name);
    if (!Number.isFinite(n)) throw new InvalidParameterError(`Expected a finite number at ${where}, got ${n}.`, col.name);
    if ((col.type === 'long' || col.type === 'integer') && !Number.isInteger(n)) {
      throw new InvalidParameterError(`Expected an integer at ${where}, got ${n}.`, col.name);
    }
    return n;
  }
  if (col.type === 'boolean') {
    if (typeof value === 'boolean') return value;
    if (value === 0 || value === 1) return value === 1;
    throw new InvalidParameterError(`Expected true or false at ${where}, got ${JSON.stringify(value)}.`, col.name);
  }
  // string
  const s = typeof value === 'string' ? value : typeof value === 'number' || typeof value === 'boolean' ? String(value) : null;
  if (s === null) throw new InvalidParameterError(`Expected a string at ${where}, got ${JSON.stringify(value)}.`, col.name);
  if (policy === 'error') {
    const allowed = categories(col.name);
    if (allowed && !allowed.has(s)) throw new InvalidParameterError(`Unknown category '${s}' at ${where}; known: ${[...allowed].join(', ')}.`, col.name);
  }
  return s;
}
