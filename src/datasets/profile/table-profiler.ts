import type { ColumnType, DatasetSchema } from '../types.js';
import { DataFormatError } from '../errors.js';
import { unescapeField, type CsvDialect, type CsvSink } from '../formats/csv.js';
import { ColumnAccumulator, INTEGER, TYPE_OF_KIND, type Refusal } from './column-accumulator.js';
import type { DatasetSketch } from './profile.js';
import { compileRowLoop, type RowBatch, type RowLoop, type RowLoopHost } from './row-loop.js';

/** Rows parsed before their values are handed to the columns. */
const BATCH_ROWS = 1024;

/**
 * Profiles a table in one pass: one accumulator per column, fed by a format reader. For CSV it
 * is the reader's sink and reads quote-free runs of rows itself, parsing each number while it
 * looks for the field's end, so every byte is looked at once.
 */
export class TableProfiler implements CsvSink {
  readonly #file: string;
  readonly #declared: ReadonlyMap<string, ColumnType>;
  columns: ColumnAccumulator[] = [];
  rows = 0;
  #delimiter = 44;
  #quote = 34;
  #index = new Map<string, number>();
  // One batch of rows parsed by fastRows, column-interleaved: slot row * width + column.
  #numbers = new Float64Array(0);
  #starts = new Int32Array(0);
  #ends = new Int32Array(0);
  #batch: RowBatch | null = null;
  #loop: RowLoop | null = null;
  readonly #state = new Int32Array(2);
  #fraction = new Uint8Array(0);
  #hadNumbers = new Uint8Array(0);
  #hadTexts = new Uint8Array(0);

  /** `types`: column types to hold values to (a declared schema, or the types of a first pass). */
  constructor(file: string, types: DatasetSchema | null = null) {
    this.#file = file;
    this.#declared = new Map((types?.columns ?? []).map((c) => [c.name, c.type]));
  }


  /** True when a column changed type in a way its earlier values' statistics cannot follow. */
  get needsRetype(): boolean {
    return this.columns.some((c) => c.retype);
  }

  header(names: string[], dialect?: CsvDialect): void {
    if (dialect) {
      this.#delimiter = dialect.delimiter.charCodeAt(0);
      this.#quote = dialect.quote.charCodeAt(0);
    }
    const missing = [...this.#declared.keys()].filter((n) => !names.includes(n));
    if (missing.length > 0) {
      throw new DataFormatError({ file: this.#file, line: 1 }, `the declared schema names column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} that the file does not have`);
    }
    this.columns = names.map((n) => new ColumnAccumulator(n, this.#declared.get(n)));
    this.#index = new Map(names.map((n, k) => [n, k]));
  }

  /** Adds a column first seen after some rows (JSON Lines): those rows count as missing. */
  addColumn(name: string): ColumnAccumulator {
    const c = new ColumnAccumulator(name, this.#declared.get(name));
    c.missing = this.rows;
    this.#index.set(name, this.columns.length);
    this.columns.push(c);
    return c;
  }

  /** One decoded record (JSON Lines, Parquet): keys not seen before become new columns. */
  record(value: Record<string, unknown>, line: number): void {
    const columns = this.columns;
    let matched = 0;
    for (let k = 0; k < columns.length; k++) {
      const v = value[columns[k]!.name];
      if (v === undefined) columns[k]!.addMissing();
      else {
        matched++;
        const refusal = columns[k]!.addValue(v);
        if (refusal !== null) this.refuse(line, k, refusal, typeof v === 'string' ? v : JSON.stringify(v) ?? String(v));
      }
    }
    if (Object.keys(value).length > matched) {
      for (const key of Object.keys(value)) {
        if (this.#index.has(key)) continue;
        const col = this.addColumn(key);
        const v = value[key];
        const refusal = col.addValue(v);
        if (refusal !== null) this.refuse(line, this.columns.length - 1, refusal, String(v));
      }
    }
    this.rows++;
  }

  refuse(line: number, column: number, refusal: Exclude<Refusal, null>, value: string): never {
    const c = this.columns[column]!;
    const type = c.kind === 1 ? 'integer' : c.kind === 2 ? 'float' : c.kind === 3 ? 'boolean' : 'string';
    throw new DataFormatError(
      { file: this.#file, line, column: c.name, column_number: column + 1 },
      `'${value.length > 60 ? `${value.slice(0, 60)}…` : value}' is ${refusal}, but the schema declares the column ${type}`,
    );
  }

  row(buf: Buffer, starts: Int32Array, ends: Int32Array, flags: Uint8Array, line: number): void {
    const columns = this.columns;
    for (let k = 0; k < columns.length; k++) {
      let b = buf;
      let s = starts[k]!;
      let e = ends[k]!;
      if (flags[k] === 2) {
        b = unescapeField(buf, s, e, this.#quote);
        s = 0;
        e = b.length;
      }
      const refusal = columns[k]!.addField(b, s, e);
      if (refusal !== null) this.refuse(line, k, refusal, b.toString('utf8', s, e));
    }
    this.rows++;
  }

  fastRows(buf: Buffer, from: number, to: number, line: number): number {
    const width = this.columns.length;
    if (this.#numbers.length < BATCH_ROWS * width) this.#allocateBatch(width);
    const state = this.#state;
    state[0] = line;
    state[1] = 0;
    let i = from;
    while (i < to) {
      // Generated for the current column types; a row that changes one ends the loop early.
      const loop = (this.#loop ??= compileRowLoop(
        this.columns.map((c) => c.kind),
        this.columns.map((c) => c.fixed && c.kind === INTEGER),
        this.#delimiter,
        BATCH_ROWS,
      ));
      i = loop(buf, i, to, state, this.#batch!, this.#host);
      if (i < to) this.#loop = null;
    }
    this.#flush(buf, state[1]!);
    return state[0]!;
  }

  /** The callbacks of the generated row loop. */
  readonly #host: RowLoopHost = {
    slow: (column, buf, start, end, line) => {
      const col = this.columns[column]!;
      const kind = col.kind;
      const refusal = col.addField(buf, start, end);
      if (refusal !== null) this.refuse(line, column, refusal, buf.toString('utf8', start, end));
      return col.kind !== kind;
    },
    flush: (buf, rows) => this.#flush(buf, rows),
    tooFew: (line, count) => this.#tooFew(line, count),
    tooMany: (line) => this.#tooMany(line),
    refuseInteger: (line, column, buf, start, end) => this.refuse(line, column, 'not an integer', buf.toString('utf8', start, end)),
  };

  #allocateBatch(width: number): void {
    this.#numbers = new Float64Array(BATCH_ROWS * width);
    this.#starts = new Int32Array(BATCH_ROWS * width);
    this.#ends = new Int32Array(BATCH_ROWS * width);
    this.#fraction = new Uint8Array(width);
    this.#hadNumbers = new Uint8Array(width);
    this.#hadTexts = new Uint8Array(width);
    this.#batch = { numbers: this.#numbers, starts: this.#starts, ends: this.#ends, fraction: this.#fraction, hadNumbers: this.#hadNumbers, hadTexts: this.#hadTexts };
    this.#loop = null;
  }

  /** Hands a batch of rows to the columns, one column at a time (each column's tables stay in cache). */
  #flush(buf: Buffer, rows: number): void {
    if (rows === 0) return;
    const width = this.columns.length;
    for (let k = 0; k < width; k++) {
      const col = this.columns[k]!;
      if (this.#hadNumbers[k]) col.countNumbers(this.#numbers, k, width, rows, this.#fraction[k] === 1);
      if (this.#hadTexts[k]) col.countTexts(buf, this.#starts, this.#ends, k, width, rows);
      this.#fraction[k] = 0;
      this.#hadNumbers[k] = 0;
      this.#hadTexts[k] = 0;
    }
    this.rows += rows;
  }

  #tooFew(line: number, count: number): never {
    throw new DataFormatError(
      { file: this.#file, line, column: this.columns[count]!.name, column_number: count + 1 },
      `the row ends after ${count} field${count === 1 ? '' : 's'}; the header has ${this.columns.length} columns`,
    );
  }

  #tooMany(line: number): never {
    throw new DataFormatError({ file: this.#file, line, column_number: this.columns.length + 1 }, `the row has more fields than the header's ${this.columns.length} columns`);
  }

  sketch(): DatasetSketch {
    return { row_count: this.rows, columns: this.columns.map((c) => c.sketch()) };
  }

  /** Column types as inferred (or fixed) so far; all-missing columns are strings. */
  schema(): DatasetSchema {
    return { columns: this.columns.map((c) => ({ name: c.name, type: TYPE_OF_KIND[c.kind] ?? 'string' })) };
  }
}
