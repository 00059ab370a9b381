import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'fixtures', 'stats');

/** golden/drift.json (SciPy 1.10.1 / numpy 1.24.2), copied unchanged. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const golden: any = JSON.parse(readFileSync(join(FIXTURES, 'drift.json'), 'utf8'));

const csvCache = new Map<string, { header: string[]; rows: string[][] }>();

/** Cells of one CSV column as text ('' = missing). The fixture CSVs have no quoted cells. */
export function csvColumn(csvPath: string, column: string): string[] {
  const name = csvPath.split('/').pop()!;
  let table = csvCache.get(name);
  if (!table) {
    const lines = readFileSync(join(FIXTURES, name), 'utf8').trimEnd().split('\n');
    table = { header: lines[0]!.split(','), rows: lines.slice(1).map((l) => l.split(',')) };
    csvCache.set(name, table);
  }
  const k = table.header.indexOf(column);
  if (k < 0) throw new Error(`no column ${column} in ${name}`);
  return table.rows.map((r) => r[k]!);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function numericSide(side: any): number[] {
  if (side.rows === 'all') return csvColumn(side.csv, side.column).filter((c) => c !== '').map(Number);
  return (side.values as (number | null)[]).filter((v): v is number => v !== null && !Number.isNaN(v));
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function categoricalSide(side: any): string[] {
  if (side.rows === 'all') return csvColumn(side.csv, side.column).filter((c) => c !== '');
  return (side.values as (string | number | null)[]).filter((v) => v !== null).map((v) => String(v));
}

export function rel(actual: number, want: number, tol: number, label: string): void {
  const diff = Math.abs(actual - want);
  if (!(diff <= tol * Math.abs(want) || diff === 0)) expect.fail(`${label}: got ${actual}, expected ${want} (rel ${diff / Math.abs(want)})`);
}

export function abs(actual: number, want: number, tol: number, label: string): void {
  if (!(Math.abs(actual - want) <= tol)) expect.fail(`${label}: got ${actual}, expected ${want} (|diff| ${Math.abs(actual - want)})`);
}

/** p-values: rel 1e-6; below 1e-100 log10 within 1e-3; an expected 0 (underflow) needs < 1e-300. */
export function pValue(actual: number, want: number, label: string): void {
  if (want === 0) {
    expect(actual, label).toBeLessThan(1e-300);
    return;
  }
  if (want < 1e-100) {
    abs(Math.log10(actual), Math.log10(want), 1e-3, `${label} (log10)`);
    return;
  }
  rel(actual, want, 1e-6, label);
}
