import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseDecimal, readCsvTable, type TableColumn } from '../../../src/monitoring/index.js';

const dir = mkdtempSync(join(tmpdir(), 'puente-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
const csv = (text: string | Buffer) => {
  const path = join(dir, `t${n++}.csv`);
  writeFileSync(path, text);
  return path;
};
/** A column's cells as numbers, texts or null. */
const cells = (c: TableColumn) => Array.from(c.numbers, (v, i) => (v === v ? v : c.codes && c.codes[i]! >= 0 ? c.dictionary[c.codes[i]!] : null));
const dec = (s: string) => parseDecimal(Buffer.from(s), 0, Buffer.byteLength(s));

describe('decimal parsing from bytes', () => {
  it('gives exactly the double Number() gives, for every double written as JavaScript writes it', () => {
    fc.assert(fc.property(fc.double({ noNaN: true, noDefaultInfinity: true }), (x) => {
      expect(Object.is(dec(String(x)), x) || (x === 0 && dec(String(x)) === 0)).toBe(true);
    }), { numRuns: 20_000 });
  });

  it('agrees with Number() on decimal texts of any length and exponent', () => {
    const text = fc.tuple(fc.constantFrom('', '-', '+'), fc.stringMatching(/^\d{1,20}$/), fc.option(fc.stringMatching(/^\d{0,20}$/)), fc.option(fc.integer({ min: -330, max: 330 })))
      .map(([sign, int, frac, exp]) => `${sign}${int}${frac !== null ? `.${frac}` : ''}${exp !== null ? `e${exp}` : ''}`);
    fc.assert(fc.property(text, (t) => {
      expect(dec(t)).toBe(Number(t));
    }), { numRuns: 20_000 });
  });

  it('refuses what is not a decimal number', () => {
    for (const t of ['', ' ', '-', '.', 'e5', '1e', '0x1A', '1,000', '12abc', 'inf', 'NaN', '1.2.3', '--1']) expect(dec(t)).toBeNaN();
    expect(dec(' 12.5 ')).toBe(12.5);
    expect(dec('1.')).toBe(1);
    expect(dec('.5')).toBe(0.5);
    expect(dec('-0')).toBe(-0);
  });
});

describe('CSV into columns', () => {
  it('reads quoted fields, doubled quotes, line breaks in quotes, CRLF, a BOM and blank lines', async () => {
    const bom = Buffer.from([0xef, 0xbb, 0xbf]);
    const t = await readCsvTable(csv(Buffer.concat([bom, Buffer.from('id,name,score\r\n1,"Smith, J.",3.5\r\n\r\n2,"say ""hi""",\r\n3,"two\nlines","7"\r\n')])));
    expect(t.rows).toBe(3);
    expect(t.columns.map((c) => c.name)).toEqual(['id', 'name', 'score']);
    expect(cells(t.columns[0]!)).toEqual([1, 2, 3]);
    expect(cells(t.columns[1]!)).toEqual(['Smith, J.', 'say "hi"', 'two\nlines']);
    expect(cells(t.columns[2]!)).toEqual([3.5, null, 7]);
  });

  it('detects the delimiter and reads pandas\' missing-value tokens as missing', async () => {
    const t = await readCsvTable(csv('a;b\n1;NA\nnan;x\nN/A;null\n4;\n'));
    expect(cells(t.columns[0]!)).toEqual([1, null, null, 4]);
    expect(cells(t.columns[1]!)).toEqual([null, 'x', null, null]);
    expect(t.columns[0]!.missingCount).toBe(2);
  });

  it('reads a file whose records straddle read chunks', async () => {
    const rows = Array.from({ length: 120_000 }, (_, i) => `${i},"v ${i % 7}",${(i / 3).toFixed(6)}`);
    const t = await readCsvTable(csv(`k,v,x\n${rows.join('\n')}`));
    expect(t.rows).toBe(120_000);
    expect(t.columns[0]!.numbers[119_999]).toBe(119_999);
    expect(t.columns[1]!.dictionary).toHaveLength(7);
    expect(t.columns[2]!.numbers[99_999]).toBe(Number((99_999 / 3).toFixed(6)));
  });

  it.each([
    ['a,b\n1,2\n3\n', /line 3: 1 fields where the header has 2/],
    ['a,b\n1,"2\n', /line 2: a quoted field is never closed/],
    ['a,b\n1,"2"x\n', /line 2: text after the closing quote/],
    ['a,a\n1,2\n', /column 'a' appears twice/],
    ['', /empty/],
  ])('refuses %j naming the line', async (text, message) => {
    await expect(readCsvTable(csv(text))).rejects.toThrow(message);
  });
});
