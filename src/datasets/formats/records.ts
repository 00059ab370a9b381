import type { Readable } from 'node:stream';
import type { DataFormat, DatasetSchema } from '../types.js';
import { CsvReader, unescapeField, type CsvOptions } from './csv.js';
import { JsonLinesReader } from './jsonl.js';
import { openParquet, plainValue } from './parquet.js';
import { booleanToken, isMissingToken, parseNumber } from '../profile/column-accumulator.js';

/** A value of a record: what CSV, JSON Lines and Parquet cells become. */
export type CellValue = string | number | boolean | null;

/** Records read from a file, a batch at a time. */
export interface RecordBatch {
  /** Column names; a row holds one value per name, in this order. */
  readonly columns: string[];
  readonly rows: CellValue[][];
  /** The line (CSV, JSON Lines) or row number (Parquet) each row came from. */
  readonly lines: number[];
}

/** Where the records come from: a byte stream, or for Parquet a local file path. */
export interface RecordSource {
  readonly file: string;
  readonly format: DataFormat;
  readonly stream?: () => Promise<Readable>;
  readonly path?: string;
  readonly csv?: CsvOptions;
  /** Column types for CSV cells; without it numbers and booleans are recognised as they come. */
  readonly schema?: DatasetSchema;
}

const BATCH = 4096;

/** Reads every record of a file in batches, with typed values. */
export async function* readRecords(source: RecordSource): AsyncGenerator<RecordBatch> {
  if (source.format === 'parquet') {
    if (!source.path) throw new Error('Parquet records are read from a local file');
    const pq = await openParquet(source.path, source.file);
    const columns = pq.schema.columns.map((c) => c.name);
    let line = 0;
    for await (const group of pq.groups()) {
      for (let i = 0; i < group.length; i += BATCH) {
        const slice = group.slice(i, i + BATCH);
        yield { columns, rows: slice.map((r) => columns.map((c) => plainValue(r[c]))), lines: slice.map(() => ++line) };
      }
    }
    return;
  }
  if (!source.stream) throw new Error('records need a stream to read');
  const stream = await source.stream();
  if (source.format === 'jsonl') {
    yield* jsonLinesRecords(stream, source.file);
    return;
  }
  yield* csvRecords(stream, source);
}

async function* jsonLinesRecords(stream: Readable, file: string): AsyncGenerator<RecordBatch> {
  const columns: string[] = [];
  const index = new Map<string, number>();
  let rows: CellValue[][] = [];
  let lines: number[] = [];
  const reader = new JsonLinesReader(file, {
    record(value, line) {
      const row: CellValue[] = new Array<CellValue>(columns.length).fill(null);
      for (const [key, v] of Object.entries(value)) {
        let at = index.get(key);
        if (at === undefined) {
          at = columns.length;
          columns.push(key);
          index.set(key, at);
        }
        row[at] = plainValue(v);
      }
      rows.push(row);
      lines.push(line);
    },
  });
  const flush = () => {
    const width = columns.length;
    const batch = { columns: columns.slice(), rows: rows.map((r) => (r.length < width ? r.concat(new Array<CellValue>(width - r.length).fill(null)) : r)), lines };
    rows = [];
    lines = [];
    return batch;
  };
  for await (const chunk of stream) {
    reader.push(chunk as Buffer);
    if (rows.length >= BATCH) yield flush();
  }
  reader.end();
  if (rows.length > 0) yield flush();
}

async function* csvRecords(stream: Readable, source: RecordSource): AsyncGenerator<RecordBatch> {
  let columns: string[] = [];
  let kinds: string[] = [];
  let rows: CellValue[][] = [];
  let lines: number[] = [];
  let quote = 34;
  const types = new Map((source.schema?.columns ?? []).map((c) => [c.name, c.type]));
  const reader: CsvReader = new CsvReader(
    source.file,
    {
      header(names) {
        columns = names;
        kinds = names.map((n) => types.get(n) ?? 'auto');
        quote = reader.dialect.quote.charCodeAt(0);
      },
      row(buf, starts, ends, flags, line) {
        const row = new Array<CellValue>(columns.length);
        for (let k = 0; k < columns.length; k++) {
          let b = buf;
          let s = starts[k]!;
          let e = ends[k]!;
          if (flags[k] === 2) {
            b = unescapeField(buf, s, e, quote);
            s = 0;
            e = b.length;
          }
          row[k] = cell(b, s, e, kinds[k]!);
        }
        rows.push(row);
        lines.push(line);
      },
    },
    source.csv,
  );
  for await (const chunk of stream) {
    reader.push(chunk as Buffer);
    if (rows.length >= BATCH) {
      yield { columns, rows, lines };
      rows = [];
      lines = [];
    }
  }
  reader.end();
  if (rows.length > 0 || columns.length > 0) yield { columns, rows, lines };
}

/** One CSV cell as a value of its column's type ('auto': as it looks). */
function cell(buf: Buffer, start: number, end: number, kind: string): CellValue {
  if (start === end || isMissingToken(buf, start, end)) return null;
  if (kind === 'string') return buf.toString('utf8', start, end);
  if (kind === 'boolean') {
    const b = booleanToken(buf, start, end);
    if (b >= 0) return b === 1;
  }
  const v = parseNumber(buf, start, end);
  if (v === v) return v;
  if (kind === 'auto') {
    const b = booleanToken(buf, start, end);
    if (b >= 0) return b === 1;
  }
  return buf.toString('utf8', start, end);
}

/** The format a file name suggests, or null when it is not a table we read. */
export function formatOfPath(path: string): DataFormat | null {
  const lower = path.toLowerCase();
  if (lower.endsWith('.csv') || lower.endsWith('.tsv') || lower.endsWith('.tab')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.parquet') || lower.endsWith('.pq')) return 'parquet';
  return null;
}

/** CSV options a file name implies (a .tsv file is tab-separated). */
export function csvDefaultsOfPath(path: string): CsvOptions {
  const lower = path.toLowerCase();
  return lower.endsWith('.tsv') || lower.endsWith('.tab') ? { delimiter: '\t' } : {};
}
