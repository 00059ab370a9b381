/*
 * A table read for a drift report, column by column: numbers in a Float64Array (NaN where the
 * cell is missing or text), text as codes into a per-column dictionary. One million rows of 25
 * columns then cost typed arrays, not 25 million JavaScript values.
 */

/** One column as read: a cell is a number, a text (code ≥ 0), or missing (NaN and code −1). */
export interface TableColumn {
  readonly name: string;
  readonly numbers: Float64Array;
  /** Text cells as indexes into `dictionary`; null when the column holds no text at all. */
  readonly codes: Int32Array | null;
  readonly dictionary: readonly string[];
  /** Cells that are numbers, text and missing. */
  readonly numberCount: number;
  readonly textCount: number;
  readonly missingCount: number;
}

/** A table read from a file or a dataset version. */
export interface Table {
  /** Where it came from (file path, or NAME@VERSION). */
  readonly source: string;
  readonly rows: number;
  readonly columns: readonly TableColumn[];
}

/** Builds one column while rows arrive in order (cells not set stay missing). */
export class ColumnBuilder {
  readonly name: string;
  #numbers: Float64Array;
  #codes: Int32Array | null = null;
  readonly #index = new Map<string, number>();
  readonly #dictionary: string[] = [];
  #numberCount = 0;
  #textCount = 0;

  constructor(name: string, capacity = 1024) {
    this.name = name;
    this.#numbers = new Float64Array(capacity).fill(NaN);
  }

  #ensure(row: number): void {
    if (row < this.#numbers.length) return;
    let size = this.#numbers.length * 2;
    while (size <= row) size *= 2;
    const numbers = new Float64Array(size).fill(NaN);
    numbers.set(this.#numbers);
    this.#numbers = numbers;
    if (this.#codes) {
      const codes = new Int32Array(size).fill(-1);
      codes.set(this.#codes);
      this.#codes = codes;
    }
  }

  /** A numeric cell (NaN and ±Infinity count as missing, as Evidently drops them). */
  number(row: number, value: number): void {
    if (!Number.isFinite(value)) return;
    this.#ensure(row);
    this.#numbers[row] = value;
    this.#numberCount++;
  }

  /** A text cell. */
  text(row: number, value: string): void {
    this.#ensure(row);
    if (!this.#codes) this.#codes = new Int32Array(this.#numbers.length).fill(-1);
    let code = this.#index.get(value);
    if (code === undefined) {
      code = this.#dictionary.length;
      this.#dictionary.push(value);
      this.#index.set(value, code);
    }
    this.#codes[row] = code;
    this.#textCount++;
  }

  /** The column of a table with `rows` rows. */
  finish(rows: number): TableColumn {
    this.#ensure(Math.max(rows - 1, 0));
    return {
      name: this.name,
      numbers: this.#numbers.subarray(0, rows),
      codes: this.#codes ? this.#codes.subarray(0, rows) : null,
      dictionary: this.#dictionary,
      numberCount: this.#numberCount,
      textCount: this.#textCount,
      missingCount: rows - this.#numberCount - this.#textCount,
    };
  }
}
