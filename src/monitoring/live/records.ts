import { parquetReadObjects } from 'hyparquet';
import { InvalidParameterError } from '../../errors/index.js';
import { parseCsv } from '../../serving/index.js';

/*
 * Reference samples uploaded in a request body: CSV (header row), JSON Lines (one object per
 * line) or Parquet, read into records. A sample is bounded by the request body limit, so it is
 * read whole.
 */

export const SAMPLE_FORMATS = ['csv', 'jsonl', 'parquet'] as const;
export type SampleFormat = (typeof SAMPLE_FORMATS)[number];

/** The format a content type or file name names, or null. */
export function sampleFormatOf(hint: string | undefined): SampleFormat | null {
  const h = (hint ?? '').toLowerCase();
  if (/csv/.test(h)) return 'csv';
  if (/ndjson|jsonl|json-lines|jsonlines/.test(h)) return 'jsonl';
  if (/parquet/.test(h)) return 'parquet';
  return null;
}

/** Records of a sample file. Errors name the line (CSV, JSON Lines) that is wrong. */
export async function readSample(bytes: Uint8Array, format: SampleFormat): Promise<Record<string, unknown>[]> {
  if (bytes.byteLength === 0) throw new InvalidParameterError('The reference sample is empty.', 'body');
  if (format === 'csv') return parseCsv(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
  if (format === 'jsonl') {
    const out: Record<string, unknown>[] = [];
    const lines = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8').split('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch (err) {
        throw new InvalidParameterError(`JSON Lines line ${i + 1}: ${(err as Error).message}`, 'body');
      }
      if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new InvalidParameterError(`JSON Lines line ${i + 1} is not an object.`, 'body');
      out.push(value as Record<string, unknown>);
    });
    return out;
  }
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  try {
    const rows = (await parquetReadObjects({ file: buffer })) as Record<string, unknown>[];
    // Parquet integers may come back as bigint; drift statistics work on doubles.
    for (const r of rows) for (const k in r) if (typeof r[k] === 'bigint') r[k] = Number(r[k]);
    return rows;
  } catch (err) {
    throw new InvalidParameterError(`The Parquet sample cannot be read: ${(err as Error).message}`, 'body');
  }
}
