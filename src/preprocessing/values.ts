import { InvalidParameterError } from '../errors/index.js';
import type { CategoryValue, Row } from './types.js';

/** A value of an input row that cannot be used: names the column and the row it came from. */
export class PreprocessingInputError extends InvalidParameterError {
  constructor(message: string, readonly column: string, readonly row: number) {
    super(message, column);
  }
}

export function inputError(row: number, column: string, what: string): PreprocessingInputError {
  return new PreprocessingInputError(`Row ${row}, column '${column}': ${what}`, column, row);
}

/** null, undefined, NaN and the empty string are all "missing". */
export function isMissing(v: unknown): boolean {
  return v === null || v === undefined || v === '' || (typeof v === 'number' && v !== v);
}

/** A short, safe rendering of a value for an error message. */
export function describe(v: unknown): string {
  if (typeof v === 'string') return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v)}`;
  if (typeof v === 'number') return `the number ${v}`;
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return `a value of type ${typeof v}`;
}

export function showCategory(v: CategoryValue): string {
  return typeof v === 'string' ? JSON.stringify(v) : String(v);
}

export function showCategories(list: readonly CategoryValue[]): string {
  const shown = list.slice(0, 12).map(showCategory).join(', ');
  return list.length > 12 ? `${shown}, … (${list.length} in all)` : shown;
}

/**
 * Reads a column as a number: missing → NaN, booleans → 1/0. A string or a non-finite number
 * is refused; an absent key is a missing column, not a missing value. The caller has checked
 * that the row is an object.
 */
export function readNumber(row: Row, column: string, r: number): number {
  const v: unknown = row[column];
  if (typeof v === 'number') {
    if (v - v === 0) return v; // finite
    if (v !== v) return NaN;
    throw inputError(r, column, `expected a finite number, got ${v}.`);
  }
  if (v === null || v === '') return NaN;
  if (v === undefined) {
    if (!Object.hasOwn(row, column)) throw missingColumn(column, r);
    return NaN;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw inputError(r, column, `expected a number, got ${describe(v)}.`);
}

/** Reads a column as a category: missing → undefined, booleans → 1/0, numbers and strings as they are. */
export function readCategory(row: Row, column: string, r: number): CategoryValue | undefined {
  const v: unknown = row[column];
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number') {
    if (v - v === 0) return v;
    if (v !== v) return undefined;
    throw inputError(r, column, `expected a category, got ${v}.`);
  }
  if (v === null) return undefined;
  if (v === undefined) {
    if (!Object.hasOwn(row, column)) throw missingColumn(column, r);
    return undefined;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  throw inputError(r, column, `expected a string or a number, got ${describe(v)}.`);
}

function missingColumn(column: string, r: number): PreprocessingInputError {
  return inputError(r, column, 'the column is missing from the row.');
}

/** Total order of categories of one kind: numbers ascending, strings by UTF-16 code units. */
export function compareCategories(a: CategoryValue, b: CategoryValue): number {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return a < b ? -1 : a > b ? 1 : 0;
}
