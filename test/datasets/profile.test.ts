import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { CsvReader } from '../../src/datasets/formats/csv.js';
import { JsonLinesReader } from '../../src/datasets/formats/jsonl.js';
import { TableProfiler } from '../../src/datasets/profile/table-profiler.js';
import { mergeSketches, profileOfSketch, type DatasetSketch } from '../../src/datasets/profile/profile.js';
import { DataFormatError } from '../../src/datasets/errors.js';
import type { DatasetSchema } from '../../src/datasets/types.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/datasets');

/** Profiles CSV bytes fed in chunks of `chunk` bytes. */
function profileCsv(bytes: Buffer, chunk = 1 << 20, options = {}, types: DatasetSchema | null = null, file = 'data.csv'): DatasetSketch {
  const profiler = new TableProfiler(file, types);
  const reader = new CsvReader(file, profiler, options);
  for (let i = 0; i < bytes.length; i += chunk) reader.push(bytes.subarray(i, i + chunk));
  reader.end();
  return profiler.sketch();
}

function errorOf(fn: () => unknown): DataFormatError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DataFormatError) return err;
    throw err;
  }
  throw new Error('expected a DataFormatError');
}

/** numpy's default (linear) quantile of sorted values. */
function quantile(sorted: number[], q: number): number {
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

describe('profiling CSV', () => {
  const bytes = readFileSync(join(FIXTURES, 'credit_test.csv'));
  const lines = bytes.toString('utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  const cells = lines.slice(1).map((l) => l.split(','));
  const column = (name: string) => cells.map((r) => r[header.indexOf(name)]!);

  it('matches statistics computed naively, whatever the chunk size', () => {
    const whole = profileOfSketch(profileCsv(bytes));
    expect(whole.row_count).toBe(5000);
    for (const chunk of [7, 1000, 65_536]) expect(profileOfSketch(profileCsv(bytes, chunk))).toEqual(whole);
    for (const name of ['age', 'income', 'debt_to_income', 'months_employed']) {
      const raw = column(name);
      const values = raw.filter((v) => v !== '').map(Number);
      const p = whole.columns.find((c) => c.name === name)!;
      expect(p.missing_count).toBe(raw.length - values.length);
      expect(p.count).toBe(values.length);
      expect(p.min).toBe(Math.min(...values));
      expect(p.max).toBe(Math.max(...values));
      const mean = values.reduce((s, v) => s + v, 0) / values.length;
      const std = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (values.length - 1));
      expect(p.mean).toBeCloseTo(mean, 6);
      expect(p.std! / std).toBeCloseTo(1, 9);
      expect(p.distinct_count).toBe(new Set(values).size);
      expect(p.distinct_exact).toBe(true);
      const sorted = values.slice().sort((a, b) => a - b);
      for (const [key, q] of [['p05', 0.05], ['p50', 0.5], ['p95', 0.95]] as const) {
        const exact = quantile(sorted, q);
        // The sketch's buckets are 0.8% wide: a quantile is within one bucket of the exact one.
        expect(Math.abs(p.quantiles![key] - exact)).toBeLessThanOrEqual(Math.abs(exact) * 0.008 + (p.type === 'integer' ? 1 : 1e-9));
      }
      // Histogram counts are exact for their edges.
      const h = p.histogram!;
      expect(h.counts.reduce((s, c) => s + c, 0)).toBe(values.length);
      h.counts.forEach((count, i) => expect(values.filter((v) => v >= h.edges[i]! && v < h.edges[i + 1]!).length).toBe(count));
    }
  });

  it('infers types and counts categories exactly', () => {
    const p = profileOfSketch(profileCsv(bytes));
    expect(p.columns.map((c) => [c.name, c.type])).toEqual([
      ['age', 'integer'], ['income', 'integer'], ['loan_amount', 'integer'], ['credit_score', 'integer'], ['debt_to_income', 'float'],
      ['months_employed', 'integer'], ['home_ownership', 'string'], ['purpose', 'string'], ['state', 'string'], ['risk_tier', 'integer'], ['default', 'integer'],
    ]);
    const purpose = p.columns.find((c) => c.name === 'purpose')!;
    const counts = new Map<string, number>();
    for (const v of column('purpose')) counts.set(v, (counts.get(v) ?? 0) + 1);
    expect(purpose.distinct_count).toBe(counts.size);
    expect(Object.fromEntries(purpose.categories!.values.map((v) => [v.value, v.count]))).toEqual(Object.fromEntries(counts));
    expect(purpose.categories!.other_count).toBe(0);
    // A numeric column with few values lists them too.
    const tier = p.columns.find((c) => c.name === 'risk_tier')!;
    expect(tier.categories!.values.map((v) => v.value).sort()).toEqual(['0', '1', '2']);
  });

  it('merges the sketches of parts into the profile of the whole', () => {
    const text = bytes.toString('utf8');
    const [head, ...rows] = text.trim().split('\n');
    const a = Buffer.from([head, ...rows.slice(0, 1700)].join('\n') + '\n');
    const b = Buffer.from([head, ...rows.slice(1700)].join('\n') + '\n');
    const merged = profileOfSketch(mergeSketches(profileCsv(a), profileCsv(b)));
    const whole = profileOfSketch(profileCsv(bytes));
    expect(merged.row_count).toBe(whole.row_count);
    merged.columns.forEach((c, i) => {
      const w = whole.columns[i]!;
      expect([c.name, c.type, c.count, c.missing_count, c.distinct_count, c.min, c.max]).toEqual([w.name, w.type, w.count, w.missing_count, w.distinct_count, w.min, w.max]);
      if (w.mean !== undefined) expect(c.mean).toBeCloseTo(w.mean, 8);
      if (w.std !== undefined) expect(c.std).toBeCloseTo(w.std, 6);
      expect(c.quantiles).toEqual(w.quantiles);
      expect(c.histogram).toEqual(w.histogram);
      expect(c.categories).toEqual(w.categories);
    });
  });

  it('reads quoted fields, CRLF, other delimiters and a BOM like plain ones', () => {
    const plain = profileOfSketch(profileCsv(Buffer.from('a,b,c\n1,x y,2.5\n3,"z",\n')));
    const fancy = profileOfSketch(profileCsv(Buffer.from('\ufeff"a";b;c\r\n1;"x y";2.5\r\n\r\n3;z;""\r\n'), 3));
    expect(fancy).toEqual(plain);
    const quoted = profileOfSketch(profileCsv(Buffer.from('text,n\n"he said ""hi"", then\nleft",1\nplain,2\n'), 5));
    expect(quoted.columns[0]!.categories!.values.map((v) => v.value).sort()).toEqual(['he said "hi", then\nleft', 'plain']);
    expect(quoted.row_count).toBe(2);
  });

  it('decodes a declared encoding and a UTF-16 BOM', () => {
    const latin1 = Buffer.from('city,n\nMünchen,1\nZürich,2\n', 'latin1');
    const p = profileOfSketch(profileCsv(latin1, 4, { encoding: 'latin1' }));
    expect(p.columns[0]!.categories!.values.map((v) => v.value).sort()).toEqual(['München', 'Zürich']);
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('city,n\nMünchen,1\n', 'utf16le')]);
    expect(profileOfSketch(profileCsv(utf16, 5)).columns[0]!.categories!.values[0]!.value).toBe('München');
  });

  it('widens integers to floats and numbers to text (reading again with the final types)', () => {
    const sketch = profileCsv(Buffer.from('x,y\n1,1\n2,2.5\nthree,3\n'));
    expect(sketch.columns.map((c) => c.type)).toEqual(['string', 'float']);
    const profiler = new TableProfiler('d.csv');
    const reader = new CsvReader('d.csv', profiler);
    reader.push(Buffer.from('x,y\n1,1\n2,2.5\nthree,3\n'));
    reader.end();
    expect(profiler.needsRetype).toBe(true);
    const again = profileOfSketch(profileCsv(Buffer.from('x,y\n1,1\n2,2.5\nthree,3\n'), 1 << 20, {}, profiler.schema()));
    expect(again.columns[0]!.categories!.values.map((v) => v.value).sort()).toEqual(['1', '2', 'three']);
  });

  it('never loses a row or a value, for any chunking (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: -1000, max: 1000 }), fc.constantFrom('a', 'b,c', 'd"e', ''), fc.option(fc.double({ min: -1e6, max: 1e6, noNaN: true }))), { maxLength: 40 }),
        fc.integer({ min: 1, max: 50 }),
        (rows, chunk) => {
          const quote = (s: string) => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
          const text = `n,s,x\n${rows.map(([n, s, x]) => `${n},${quote(s)},${x === null ? '' : x}`).join('\n')}\n`;
          const p = profileOfSketch(profileCsv(Buffer.from(text), chunk));
          expect(p.row_count).toBe(rows.length);
          if (rows.length > 0) {
            const n = p.columns[0]!;
            expect(n.min).toBe(Math.min(...rows.map((r) => r[0])));
            expect(n.max).toBe(Math.max(...rows.map((r) => r[0])));
            const xs = rows.map((r) => r[2]).filter((x): x is number => x !== null);
            expect(p.columns[2]!.count).toBe(xs.length);
            // Written as text, -0 reads back as 0.
            if (xs.length > 0) expect(p.columns[2]!.max).toBe(Math.max(...xs) + 0);
          }
        },
      ),
    );
  });
});

describe('bad CSV input', () => {
  const fail = (text: string | Buffer, options = {}, types: DatasetSchema | null = null, chunk = 1 << 20) =>
    errorOf(() => profileCsv(typeof text === 'string' ? Buffer.from(text) : text, chunk, options, types, 'credit.csv'));

  it('names the line and column of a ragged row', () => {
    const short = fail('a,b,c\n1,2,3\n4,5\n');
    expect(short.location).toEqual({ file: 'credit.csv', line: 3, column: 'c', column_number: 3 });
    expect(short.message).toMatch(/^credit\.csv, line 3, column 'c' \(3\): the row ends after 2 fields; the header has 3 columns/);
    expect(fail('a,b\n1,2\n3,4,5\n').location).toEqual({ file: 'credit.csv', line: 3, column_number: 3 });
    // The same through the quoted-field path.
    expect(fail('a,b,c\n"1",2,3\n4,"5"\n').location).toMatchObject({ line: 3, column: 'c' });
  });

  it('names the line and column of broken quoting', () => {
    expect(fail('a,b\n1,2\n3,4"5\n').location).toMatchObject({ line: 3, column: 'b' });
    expect(fail('a,b\n1,"2"x\n').message).toMatch(/line 2, column 'b'.*after the closing quote/);
    const open = fail('a,b\n1,2\n3,"never closed\n4,5\n');
    expect(open.location).toMatchObject({ line: 3, column: 'b' });
    expect(open.message).toMatch(/never closed/);
  });

  it('names the line and column of invalid UTF-8', () => {
    const bytes = Buffer.concat([Buffer.from('a,b\n1,ok\n2,caf'), Buffer.from([0xe9]), Buffer.from('\n')]);
    for (const chunk of [1 << 20, 3]) {
      const err = fail(bytes, {}, null, chunk);
      expect(err.location).toEqual({ file: 'credit.csv', line: 3, column: 'b', column_number: 2 });
      expect(err.message).toMatch(/not valid UTF-8/);
    }
  });

  it('names the line and column of a value that contradicts the declared schema', () => {
    const schema: DatasetSchema = { columns: [{ name: 'age', type: 'integer' }, { name: 'ok', type: 'boolean' }] };
    const err = fail('age,ok\n30,true\n31.5,false\n', {}, schema);
    expect(err.location).toEqual({ file: 'credit.csv', line: 3, column: 'age', column_number: 1 });
    expect(err.message).toMatch(/'31\.5' is not an integer, but the schema declares the column integer/);
    expect(fail('age,ok\n30,maybe\n', {}, schema).location).toMatchObject({ line: 2, column: 'ok' });
    expect(fail('age\n30\n', {}, schema).message).toMatch(/declared schema names column 'ok' that the file does not have/);
  });

  it('refuses an empty file and a duplicated header name', () => {
    expect(fail('').message).toMatch(/empty/);
    expect(fail('a,b,a\n1,2,3\n').location).toMatchObject({ line: 1, column: 'a', column_number: 3 });
  });
});

describe('JSON Lines', () => {
  function profileJsonl(text: string, chunk = 1 << 20) {
    const profiler = new TableProfiler('d.jsonl');
    profiler.header([]);
    const reader = new JsonLinesReader('d.jsonl', profiler);
    const bytes = Buffer.from(text);
    for (let i = 0; i < bytes.length; i += chunk) reader.push(bytes.subarray(i, i + chunk));
    reader.end();
    return profileOfSketch(profiler.sketch());
  }

  it('profiles records whose keys vary, later keys counting as missing before', () => {
    const p = profileJsonl('{"a":1,"b":"x"}\n{"a":2.5}\n\n{"a":null,"b":"y","c":true}', 4);
    expect(p.row_count).toBe(3);
    expect(p.columns.map((c) => [c.name, c.type, c.missing_count])).toEqual([
      ['a', 'float', 1], ['b', 'string', 1], ['c', 'boolean', 2],
    ]);
  });

  it('names the line and column of bad JSON', () => {
    const err = errorOf(() => profileJsonl('{"a":1}\n{"a":}\n'));
    expect(err.location).toMatchObject({ file: 'd.jsonl', line: 2, column_number: 6 });
    expect(errorOf(() => profileJsonl('{"a":1}\n[1,2]\n')).location).toMatchObject({ line: 2 });
  });
});
