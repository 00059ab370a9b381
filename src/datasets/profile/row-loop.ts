import { BOOLEAN, STRING } from './column-accumulator.js';

/*
 * The row loop of the CSV profiler, generated for one table's column types: the loop over
 * columns is unrolled, so each field's code knows its column's type, its slot and the byte that
 * must end it. Only small integers (types, a delimiter byte) go into the generated source. When a
 * value changes a column's type, the loop returns after that row and a new one is generated.
 */

/** What the generated loop calls back into. */
export interface RowLoopHost {
  /** A field the fast path could not read: missing, text, exponent…; returns true when the column's type changed. */
  slow(column: number, buf: Buffer, start: number, end: number, line: number): boolean;
  flush(buf: Buffer, rows: number): void;
  tooFew(line: number, count: number): never;
  tooMany(line: number): never;
  refuseInteger(line: number, column: number, buf: Buffer, start: number, end: number): never;
}

/** The batch the loop fills, column-interleaved (slot = row * width + column). */
export interface RowBatch {
  readonly numbers: Float64Array;
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  readonly fraction: Uint8Array;
  readonly hadNumbers: Uint8Array;
  readonly hadTexts: Uint8Array;
}

/**
 * Reads rows of buf[from, to) (quote-free, `to` just after a line feed); `state` holds the last
 * line number and the rows in the batch, both updated. Returns where it stopped: `to`, or earlier
 * after a row that changed a column's type.
 */
export type RowLoop = (buf: Buffer, from: number, to: number, state: Int32Array, batch: RowBatch, host: RowLoopHost) => number;

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/** Generates the loop for columns of these kinds (fixed integer columns refuse decimals). */
export function compileRowLoop(kinds: readonly number[], fixedInteger: readonly boolean[], delimiter: number, batchRows: number): RowLoop {
  const width = kinds.length;
  const last = width - 1;
  const fields: string[] = [];
  for (let k = 0; k < width; k++) {
    const end = k < last ? delimiter : 10;
    const kind = kinds[k]!;
    const check = k < last ? `if (c !== ${delimiter}) host.tooFew(line, ${k + 1});` : 'if (c !== 10) host.tooMany(line);';
    const slowField = `{
        numbers[slot + ${k}] = NaN;
        while (c !== ${delimiter} && c !== 10) c = buf[++i];
        const stop = c === 10 && i > start && buf[i - 1] === 13 ? i - 1 : i;
        if (host.slow(${k}, buf, start, stop, line)) changed = 1;
      }`;
    let body: string;
    if (kind === STRING) {
      body = `
      while (c !== ${delimiter} && c !== 10) c = buf[++i];
      starts[slot + ${k}] = start;
      ends[slot + ${k}] = c === 10 && i > start && buf[i - 1] === 13 ? i - 1 : i;
      numbers[slot + ${k}] = NaN;
      hadTexts[${k}] = 1;`;
    } else if (kind === BOOLEAN) {
      body = `
      starts[slot + ${k}] = -1;
      ${slowField}`;
    } else {
      body = `
      starts[slot + ${k}] = -1;
      negative = false; digits = 0; scale = 0; mantissa = 0;
      if (c === 45) { negative = true; c = buf[++i]; }
      while (c >= 48 && c <= 57) { mantissa = mantissa * 10 + (c - 48); digits++; c = buf[++i]; }
      if (c === 46) {
        c = buf[++i];
        while (c >= 48 && c <= 57) { mantissa = mantissa * 10 + (c - 48); digits++; scale++; c = buf[++i]; }
      }
      ${end === 10 ? 'if (c === 13 && buf[i + 1] === 10) c = buf[++i];' : ''}
      if (c === ${end} && digits > 0 && digits <= 15 && buf[i - 1] !== 46) {
        if (scale > 0) {
          ${fixedInteger[k] ? `host.refuseInteger(line, ${k}, buf, start, i);` : ''}
          fraction[${k}] = 1;
          v = mantissa / POW10[scale];
        } else v = mantissa;
        numbers[slot + ${k}] = negative ? -v : v;
        hadNumbers[${k}] = 1;
      } else ${slowField}`;
    }
    fields.push(`
      // column ${k + 1}
      start = i;
      c = buf[i];${body}
      ${check}
      i++;`);
  }
  const source = `
    const numbers = batch.numbers, starts = batch.starts, ends = batch.ends;
    const fraction = batch.fraction, hadNumbers = batch.hadNumbers, hadTexts = batch.hadTexts;
    let line = state[0], r = state[1], i = from, c = 0, start = 0, slot = 0, v = 0;
    let negative = false, digits = 0, scale = 0, mantissa = 0, changed = 0;
    while (i < to) {
      line++;
      c = buf[i];
      if (c === 10 || (c === 13 && buf[i + 1] === 10)) { i += c === 10 ? 1 : 2; continue; }
      slot = r * ${width};
      ${fields.join('\n')}
      if (++r === ${batchRows}) { host.flush(buf, r); r = 0; }
      if (changed !== 0) break;
    }
    state[0] = line;
    state[1] = r;
    return i;`;
  const make = new Function('POW10', `return function rowLoop(buf, from, to, state, batch, host) {${source}\n};`) as (pow10: number[]) => RowLoop;
  return make(POW10);
}

