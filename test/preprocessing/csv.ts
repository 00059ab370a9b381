import { readFileSync } from 'node:fs';

// A reader for the fixture CSVs only: comma separated, a header row, no quoted fields (checked),
// empty cell = missing.

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

export function fixturePath(name: string): URL {
  return new URL(`../fixtures/preprocessing/${name}`, import.meta.url);
}

function lines(name: string): { header: string[]; body: string[][] } {
  const text = readFileSync(fixturePath(name), 'utf8');
  if (text.includes('"')) throw new Error(`${name} has quoted fields; this reader does not handle them`);
  const all = text.split(/\r?\n/).filter((l) => l !== '');
  const header = all[0]!.split(',');
  const body = all.slice(1).map((l, i) => {
    const cells = l.split(',');
    if (cells.length !== header.length) throw new Error(`${name} line ${i + 2}: ${cells.length} cells, header has ${header.length}`);
    return cells;
  });
  return { header, body };
}

/** Rows as records: empty → null, numeric text → number, anything else stays a string. */
export function readRows(name: string): Record<string, number | string | null>[] {
  const { header, body } = lines(name);
  return body.map((cells) => {
    const row: Record<string, number | string | null> = {};
    header.forEach((h, j) => {
      const c = cells[j]!;
      row[h] = c === '' ? null : NUMBER.test(c) ? Number(c) : c;
    });
    return row;
  });
}

/** A numeric CSV as its header and row-major values, empty → NaN. */
export function readMatrix(name: string): { header: string[]; values: number[]; rows: number } {
  const { header, body } = lines(name);
  const values: number[] = [];
  for (const cells of body) {
    for (const c of cells) {
      if (c !== '' && !NUMBER.test(c)) throw new Error(`${name}: '${c}' is not a number`);
      values.push(c === '' ? NaN : Number(c));
    }
  }
  return { header, values, rows: body.length };
}
