import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { extname } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { InvalidParameterError, NotFoundError } from '../../errors/index.js';
import { readCsvTable } from './read-csv.js';
import { ColumnBuilder, type Table } from './table.js';

/** File formats a report reads. */
export type TableFormat = 'csv' | 'jsonl' | 'parquet';

/** The format a file name says (.csv/.tsv/.txt, .jsonl/.ndjson/.json, .parquet/.pq), or null. */
export function formatOfFile(path: string): TableFormat | null {
  const ext = extname(path).toLowerCase();
  if (ext === '.csv' || ext === '.tsv' || ext === '.txt') return 'csv';
  if (ext === '.jsonl' || ext === '.ndjson' || ext === '.json') return 'jsonl';
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  return null;
}

/** Adds one JSON-ish value (JSON Lines, Parquet) to a column. */
function addValue(b: ColumnBuilder, row: number, v: unknown): void {
  if (v === null || v === undefined) return;
  if (typeof v === 'number') b.number(row, v);
  else if (typeof v === 'bigint') b.number(row, Number(v));
  else if (typeof v === 'string') b.text(row, v);
  else if (typeof v === 'boolean') b.text(row, String(v));
  else if (v instanceof Date) b.text(row, v.toISOString());
  else b.text(row, JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x)));
}

/** One JSON object per line; columns in the order keys first appear, absent keys missing. */
async function readJsonLines(path: string, source: string): Promise<Table> {
  const builders = new Map<string, ColumnBuilder>();
  let row = 0;
  let line = 0;
  let rest = '';
  const take = (text: string) => {
    line++;
    if (text.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      throw new InvalidParameterError(`${source}, line ${line}: not JSON (${(err as Error).message}).`, 'file');
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) throw new InvalidParameterError(`${source}, line ${line}: expected a JSON object per line.`, 'file');
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      let b = builders.get(key);
      if (!b) builders.set(key, (b = new ColumnBuilder(key)));
      addValue(b, row, v);
    }
    row++;
  };
  for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
    const lines = (rest + (chunk as string)).split('\n');
    rest = lines.pop()!;
    for (const l of lines) take(l);
  }
  if (rest !== '') take(rest);
  return { source, rows: row, columns: [...builders.values()].map((b) => b.finish(row)) };
}

async function readParquet(path: string, source: string): Promise<Table> {
  let rows: Record<string, unknown>[];
  try {
    rows = (await parquetReadObjects({ file: await asyncBufferFromFile(path) })) as Record<string, unknown>[];
  } catch (err) {
    throw new InvalidParameterError(`${source}: not a readable Parquet file (${(err as Error).message}).`, 'file');
  }
  const builders = new Map<string, ColumnBuilder>();
  rows.forEach((r, i) => {
    for (const [key, v] of Object.entries(r)) {
      let b = builders.get(key);
      if (!b) builders.set(key, (b = new ColumnBuilder(key, Math.max(rows.length, 1))));
      addValue(b, i, v);
    }
  });
  return { source, rows: rows.length, columns: [...builders.values()].map((b) => b.finish(rows.length)) };
}

/** Reads a CSV, JSON Lines or Parquet file (format from its name, unless given) into columns. */
export async function readTable(path: string, options: { format?: TableFormat; source?: string; delimiter?: string } = {}): Promise<Table> {
  const source = options.source ?? path;
  const info = await stat(path).catch(() => null);
  if (!info || !info.isFile()) throw new NotFoundError(`${source}: no such file.`, 'file');
  const format = options.format ?? formatOfFile(path);
  if (format === null) throw new InvalidParameterError(`${source}: cannot tell the format from the name; use .csv, .jsonl or .parquet.`, 'file');
  if (format === 'csv') {
    const delimiter = options.delimiter ?? (extname(path).toLowerCase() === '.tsv' ? '\t' : undefined);
    return readCsvTable(path, { source, ...(delimiter !== undefined ? { delimiter } : {}) });
  }
  if (format === 'jsonl') return readJsonLines(path, source);
  return readParquet(path, source);
}

/** Several files of one dataset version as one table (columns matched by name, rows in file order). */
export function concatTables(source: string, tables: readonly Table[]): Table {
  if (tables.length === 1) return { ...tables[0]!, source };
  const names: string[] = [];
  for (const t of tables) for (const c of t.columns) if (!names.includes(c.name)) names.push(c.name);
  const rows = tables.reduce((s, t) => s + t.rows, 0);
  const columns = names.map((name) => {
    const b = new ColumnBuilder(name, Math.max(rows, 1));
    let offset = 0;
    for (const t of tables) {
      const c = t.columns.find((x) => x.name === name);
      if (c) {
        for (let i = 0; i < t.rows; i++) {
          const n = c.numbers[i]!;
          if (n === n) b.number(offset + i, n);
          else if (c.codes && c.codes[i]! >= 0) b.text(offset + i, c.dictionary[c.codes[i]!]!);
        }
      }
      offset += t.rows;
    }
    return b.finish(rows);
  });
  return { source, rows, columns };
}
