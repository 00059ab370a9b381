import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, type FileMetaData, type SchemaElement } from 'hyparquet';
import { fileWriter, parquetWriteRows } from 'hyparquet-writer';
import type { ColumnType, DatasetSchema } from '../types.js';
import { DataFormatError } from '../errors.js';

/*
 * Parquet through hyparquet (reading) and hyparquet-writer (writing). A file is read one row
 * group at a time, so memory follows the row-group size, not the file.
 */

/** Our column type of a Parquet leaf column. */
function columnType(e: SchemaElement): ColumnType {
  const logical = e.logical_type?.type;
  if (logical === 'STRING' || logical === 'JSON' || logical === 'ENUM' || logical === 'UUID' || logical === 'DATE' || logical === 'TIMESTAMP' || logical === 'TIME') return 'string';
  if (logical === 'DECIMAL' || e.converted_type === 'DECIMAL') return 'float';
  if (e.converted_type === 'UTF8' || e.converted_type === 'JSON' || e.converted_type === 'ENUM') return 'string';
  if (e.converted_type === 'DATE' || e.converted_type?.startsWith('TIMESTAMP') || e.converted_type?.startsWith('TIME_')) return 'string';
  switch (e.type) {
    case 'BOOLEAN':
      return 'boolean';
    case 'INT32':
    case 'INT64':
      return 'integer';
    case 'FLOAT':
    case 'DOUBLE':
      return 'float';
    default:
      return 'string';
  }
}

/** Columns of a Parquet file's top level (nested groups are read as JSON text). */
export function parquetSchema(metadata: FileMetaData): DatasetSchema {
  const [root, ...rest] = metadata.schema;
  const columns: { name: string; type: ColumnType }[] = [];
  let i = 0;
  for (let c = 0; c < (root?.num_children ?? 0); c++) {
    const e = rest[i]!;
    columns.push({ name: e.name, type: e.num_children ? 'string' : columnType(e) });
    // Skip over the subtree of a group column.
    let pending = e.num_children ?? 0;
    i++;
    while (pending > 0) {
      pending += (rest[i]!.num_children ?? 0) - 1;
      i++;
    }
  }
  return { columns };
}

/** A value as the rest of Puente sees it: numbers, booleans, strings or null. */
export function plainValue(v: unknown): string | number | boolean | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return Number(v);
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : x));
}

/** Opens a Parquet file: its schema, row count and a reader of row groups. */
export async function openParquet(path: string, name: string): Promise<{ schema: DatasetSchema; rows: number; groups: () => AsyncGenerator<Record<string, unknown>[]> }> {
  let metadata: FileMetaData;
  const file = await asyncBufferFromFile(path);
  try {
    metadata = await parquetMetadataAsync(file);
  } catch (err) {
    throw new DataFormatError({ file: name }, `not a readable Parquet file (${(err as Error).message})`);
  }
  const schema = parquetSchema(metadata);
  return {
    schema,
    rows: Number(metadata.num_rows),
    async *groups() {
      let start = 0;
      for (const group of metadata.row_groups) {
        const end = start + Number(group.num_rows);
        let rows: Record<string, unknown>[];
        try {
          rows = (await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: end })) as Record<string, unknown>[];
        } catch (err) {
          throw new DataFormatError({ file: name, line: start + 1 }, `a row group from row ${start + 1} cannot be read (${(err as Error).message})`);
        }
        yield rows;
        start = end;
      }
    },
  };
}

const PARQUET_TYPE: Readonly<Record<ColumnType, 'INT64' | 'DOUBLE' | 'BOOLEAN' | 'STRING'>> = { integer: 'INT64', float: 'DOUBLE', boolean: 'BOOLEAN', string: 'STRING' };

/** Writes rows (objects keyed by column name) to a Parquet file, one row group at a time. */
export async function writeParquet(path: string, schema: DatasetSchema, rows: AsyncIterable<Record<string, unknown>> | Iterable<Record<string, unknown>>): Promise<void> {
  const writer = fileWriter(path);
  const integer = schema.columns.filter((c) => c.type === 'integer').map((c) => c.name);
  async function* converted() {
    for await (const row of rows as AsyncIterable<Record<string, unknown>>) {
      if (integer.length === 0) yield row;
      else {
        const out = { ...row };
        for (const name of integer) {
          const v = out[name];
          if (typeof v === 'number') out[name] = BigInt(Math.trunc(v));
        }
        yield out;
      }
    }
  }
  await parquetWriteRows({
    writer,
    rows: converted(),
    columns: schema.columns.map((c) => ({ name: c.name, type: PARQUET_TYPE[c.type], nullable: true })),
    rowGroupSize: 100_000,
  });
}
