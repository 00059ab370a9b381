import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** test/fixtures/explain (see its README). */
export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'explain');

export const fixture = (name: string): Buffer => readFileSync(join(FIXTURES, name));
export const fixtureJson = <T = any>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;

/** An encoded matrix CSV (header = feature names, empty cell = NaN) as float32 rows. */
export function readMatrix(name: string): { rows: Float32Array; nRows: number; nCols: number; header: string[] } {
  const lines = readFileSync(join(FIXTURES, name), 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const nCols = header.length;
  const rows = new Float32Array((lines.length - 1) * nCols);
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i].split(',');
    for (let j = 0; j < nCols; j++) rows[(i - 1) * nCols + j] = cells[j] === '' ? Number.NaN : Number(cells[j]);
  }
  return { rows, nRows: lines.length - 1, nCols, header };
}
