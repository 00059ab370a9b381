import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CsvReader } from '../../src/datasets/formats/csv.js';
import { TableProfiler } from '../../src/datasets/profile/table-profiler.js';
import { profileOfSketch } from '../../src/datasets/profile/profile.js';
import { csvStreamProfiler, type ProfileOutcome } from '../../src/datasets/parallel-csv.js';
import { DataFormatError } from '../../src/datasets/errors.js';
import type { DatasetProfile } from '../../src/datasets/types.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/datasets');
const credit = readFileSync(join(FIXTURES, 'credit_test.csv'));
const header = credit.subarray(0, credit.indexOf('\n') + 1);
const rows = credit.subarray(header.length);

/** The credit rows repeated to about `bytes` (several 4 MiB blocks). */
function big(bytes: number, extra: Buffer = Buffer.alloc(0)): Buffer {
  const copies = Math.ceil(bytes / rows.length);
  return Buffer.concat([header, ...Array.from({ length: copies }, () => rows), extra]);
}

function oneThread(file: string, bytes: Buffer): { push(c: Buffer): void; end(): ProfileOutcome } {
  const profiler = new TableProfiler(file);
  const reader = new CsvReader(file, profiler);
  return {
    push: (c) => reader.push(c),
    end() {
      reader.end();
      return { sketch: profiler.sketch(), retype: profiler.needsRetype, schema: profiler.schema(), dialect: reader.dialect };
    },
  };
}

/** Feeds bytes in 64 KiB chunks (as a request body arrives) to the several-thread profiler. */
async function parallel(file: string, bytes: Buffer, threads = 2): Promise<ProfileOutcome> {
  const p = csvStreamProfiler(file, undefined, null, () => oneThread(file, bytes), threads);
  try {
    for (let i = 0; i < bytes.length; i += 65_536) {
      const wait = p.push(bytes.subarray(i, i + 65_536));
      if (wait) await wait;
    }
    return await p.end();
  } finally {
    await p.abort();
  }
}

function single(file: string, bytes: Buffer): DatasetProfile {
  const p = oneThread(file, bytes);
  for (let i = 0; i < bytes.length; i += 65_536) p.push(bytes.subarray(i, i + 65_536));
  return profileOfSketch(p.end().sketch);
}

/** Profiles equal but for the last bits of means and deviations (summed in another order). */
function expectSameProfile(a: DatasetProfile, b: DatasetProfile): void {
  expect(a.row_count).toBe(b.row_count);
  a.columns.forEach((c, i) => {
    const e = b.columns[i]!;
    const { mean: m1, std: s1, ...rest1 } = c;
    const { mean: m2, std: s2, ...rest2 } = e;
    expect(rest1).toEqual(rest2);
    if (m2 !== undefined) expect(m1! / m2).toBeCloseTo(1, 10);
    if (s2 !== undefined) expect(s1! / s2).toBeCloseTo(1, 8);
  });
}

async function failure(p: Promise<unknown>): Promise<DataFormatError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof DataFormatError) return err;
    throw err;
  }
  throw new Error('expected a DataFormatError');
}

describe('profiling CSV on several threads', { timeout: 60_000 }, () => {
  it('gives the profile one thread gives, the same on every run', async () => {
    const bytes = big(13_000_000);
    const expected = single('big.csv', bytes);
    const first = await parallel('big.csv', bytes);
    expectSameProfile(profileOfSketch(first.sketch), expected);
    expect(first.retype).toBe(false);
    expect(first.dialect).toEqual({ delimiter: ',', quote: '"', encoding: 'utf-8' });
    // Blocks are cut by offset, not by how the bytes arrive: the same sketch every time.
    expect((await parallel('big.csv', bytes)).sketch).toEqual(first.sketch);
    for (const threads of [1, 3]) expectSameProfile(profileOfSketch((await parallel('big.csv', bytes, threads)).sketch), expected);
  });

  it('reads quoted fields with line ends after the first quote, as one stream', async () => {
    const quoted = Buffer.from(rows.toString('utf8').split('\n').slice(0, 500).map((l) => l.replace(/,RENT,/, ',"RE\nNT",')).join('\n'));
    const bytes = big(9_000_000, quoted);
    expectSameProfile(profileOfSketch((await parallel('q.csv', bytes)).sketch), single('q.csv', bytes));
  });

  it('takes a row longer than a block', async () => {
    const long = Buffer.from(`40,50000,10000,700,0.5,12,${'x'.repeat(3_000_000)},car,CA,0,1\n`);
    const bytes = big(5_000_000, Buffer.concat([long, rows]));
    expectSameProfile(profileOfSketch((await parallel('long.csv', bytes)).sketch), single('long.csv', bytes));
  });

  it('names the line of a bad row in a later block, counting the lines of the blocks before', async () => {
    const bytes = big(10_000_000, Buffer.from('1,2,3\n'));
    const lines = bytes.toString('latin1').split('\n').length - 1;
    const err = await failure(parallel('bad.csv', bytes));
    expect(err.location).toEqual({ file: 'bad.csv', line: lines, column: 'credit_score', column_number: 4 });
    expect(err.message).toBe(`bad.csv, line ${lines}, column 'credit_score' (4): the row ends after 3 fields; the header has 11 columns`);
    const utf8 = await failure(parallel('bad.csv', big(10_000_000, Buffer.from([0x61, 0x2c, 0xff, 0x0a]))));
    expect(utf8.location.line).toBe(lines);
  });

  it('stays on one thread for small files and other encodings', async () => {
    const small = Buffer.concat([header, rows]);
    expectSameProfile(profileOfSketch((await parallel('s.csv', small)).sketch), single('s.csv', small));
  });
});
