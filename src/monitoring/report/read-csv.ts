import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { InvalidParameterError } from '../../errors/index.js';
import { ColumnBuilder, type Table } from './table.js';

/*
 * CSV straight into columns. Reports read whole files, often large ones (a million training rows),
 * so cells go from bytes to numbers without an intermediate string: decimal numbers of up to 15
 * significant digits and exponents within ±22 are one exact multiplication or division by a power
 * of ten (the result is the correctly rounded double, as Number() gives); the rare others go
 * through Number(). Dialect: RFC 4180 (quoted fields, doubled quotes, line breaks inside quotes),
 * LF or CRLF, a byte-order mark, a header row, the delimiter detected among , TAB ; |.
 */

const LF = 10;
const CR = 13;
const QUOTE = 34;
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** Text cells read as missing, as pandas reads them. */
const MISSING = new Set(['NA', 'N/A', 'n/a', 'NaN', 'nan', '-NaN', '-nan', 'null', 'NULL', 'None', '#N/A', '<NA>']);
const INFINITE = new Set(['inf', '-inf', '+inf', 'Inf', '-Inf', 'Infinity', '-Infinity', '+Infinity']);

/**
 * The number a decimal text holds, or NaN when the bytes are not a decimal number. Leading and
 * trailing spaces are allowed; hexadecimal, thousands separators and the like are text.
 */
export function parseDecimal(buf: Uint8Array, start: number, end: number): number {
  let i = start;
  let e = end;
  while (i < e && buf[i] === 32) i++;
  while (e > i && buf[e - 1] === 32) e--;
  if (i === e) return NaN;
  let negative = false;
  if (buf[i] === 45) {
    negative = true;
    i++;
  } else if (buf[i] === 43) i++;
  let mantissa = 0;
  let digits = 0;
  let scale = 0;
  let seen = false;
  for (; i < e; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) break;
    seen = true;
    if (mantissa === 0 && d === 0) continue;
    if (digits < 17) {
      mantissa = mantissa * 10 + d;
      digits++;
    } else {
      // Digits beyond what a double keeps: Number() decides below.
      digits++;
      scale++;
    }
  }
  if (i < e && buf[i] === 46) {
    for (i++; i < e; i++) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) break;
      seen = true;
      if (mantissa === 0 && d === 0) {
        scale--;
        continue;
      }
      if (digits < 17) {
        mantissa = mantissa * 10 + d;
        digits++;
        scale--;
      } else digits++;
    }
  }
  if (!seen) return NaN;
  if (i < e && (buf[i] === 101 || buf[i] === 69)) {
    i++;
    let expNegative = false;
    if (buf[i] === 45) {
      expNegative = true;
      i++;
    } else if (buf[i] === 43) i++;
    let exp = 0;
    let expDigits = 0;
    for (; i < e; i++) {
      const d = buf[i]! - 48;
      if (d < 0 || d > 9) break;
      exp = exp * 10 + d;
      expDigits++;
    }
    if (expDigits === 0) return NaN;
    scale += expNegative ? -exp : exp;
  }
  if (i !== e) return NaN;
  if (digits <= 15 && scale >= -22 && scale <= 22) {
    const value = scale < 0 ? mantissa / POW10[-scale]! : mantissa * POW10[scale]!;
    return negative ? -value : value;
  }
  // The text (sign included) is a valid decimal: Number() reads it exactly.
  return Number(Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('latin1').trim());
}

function unescapeQuotes(buf: Buffer, start: number, end: number): string {
  return buf.toString('utf8', start, end).replaceAll('""', '"');
}

function detectDelimiter(headerLine: string): string {
  let best = ',';
  let bestCount = 0;
  for (const d of [',', '\t', ';', '|']) {
    const count = headerLine.split(d).length - 1;
    if (count > bestCount) {
      best = d;
      bestCount = count;
    }
  }
  return best;
}

/** Reads a whole CSV file into columns. Errors name the file and the line. */
export async function readCsvTable(path: string, options: { delimiter?: string; source?: string } = {}): Promise<Table> {
  const source = options.source ?? path;
  const fileSize = (await stat(path)).size;
  let delimiter = options.delimiter === undefined ? -1 : options.delimiter.charCodeAt(0);
  let header: string[] | null = null;
  let builders: ColumnBuilder[] = [];
  let row = 0;
  let line = 1;
  let leftover: Buffer = Buffer.alloc(0);
  let first = true;
  // Offsets of the fields of the record being read.
  let starts = new Int32Array(64);
  let ends = new Int32Array(64);
  let quoted = new Uint8Array(64);

  const fail = (message: string, at = line): never => {
    throw new InvalidParameterError(`${source}, line ${at}: ${message}`, 'file');
  };

  /** Parses the complete records of buf; returns where the unfinished one begins. */
  const parse = (buf: Buffer, final: boolean): number => {
    const len = buf.length;
    const delim = delimiter;
    let pos = 0;
    while (pos < len) {
      const recordStart = pos;
      const recordLine = line;
      let fields = 0;
      let newlines = 0;
      let complete = false;
      for (;;) {
        if (fields === starts.length) {
          const grow = (a: Int32Array) => {
            const b = new Int32Array(a.length * 2);
            b.set(a);
            return b;
          };
          starts = grow(starts);
          ends = grow(ends);
          const q = new Uint8Array(quoted.length * 2);
          q.set(quoted);
          quoted = q;
        }
        if (buf[pos] === QUOTE) {
          let i = pos + 1;
          let escaped = false;
          for (;;) {
            if (i >= len) {
              if (!final) return recordStart;
              fail('a quoted field is never closed', recordLine);
            }
            const c = buf[i]!;
            if (c === QUOTE) {
              if (i + 1 >= len && !final) return recordStart;
              if (buf[i + 1] === QUOTE) {
                escaped = true;
                i += 2;
                continue;
              }
              break;
            }
            if (c === LF) newlines++;
            i++;
          }
          starts[fields] = pos + 1;
          ends[fields] = i;
          quoted[fields] = escaped ? 2 : 1;
          fields++;
          pos = i + 1;
          if (pos < len && buf[pos] === CR) pos++;
          if (pos >= len) {
            if (!final) return recordStart;
            complete = true;
            break;
          }
          if (buf[pos] === delim) {
            pos++;
            continue;
          }
          if (buf[pos] === LF) {
            pos++;
            complete = true;
            break;
          }
          fail(`text after the closing quote of field ${fields}`, recordLine + newlines);
        }
        let i = pos;
        while (i < len && buf[i] !== delim && buf[i] !== LF) i++;
        if (i >= len && !final) return recordStart;
        let end = i;
        if (end > pos && buf[end - 1] === CR) end--;
        starts[fields] = pos;
        ends[fields] = end;
        quoted[fields] = 0;
        fields++;
        if (i >= len) {
          pos = i;
          complete = true;
          break;
        }
        pos = i + 1;
        if (buf[i] === LF) {
          complete = true;
          break;
        }
      }
      if (!complete) return recordStart;
      line += newlines + 1;
      // A blank line is no record.
      if (fields === 1 && quoted[0] === 0 && ends[0] === starts[0]) continue;
      if (header === null) {
        header = [];
        for (let k = 0; k < fields; k++) header.push(quoted[k] === 2 ? unescapeQuotes(buf, starts[k]!, ends[k]!) : buf.toString('utf8', starts[k]!, ends[k]!).trim());
        const seen = new Set<string>();
        for (const name of header) {
          if (name === '') fail('a column of the header has no name', recordLine);
          if (seen.has(name)) fail(`column '${name}' appears twice in the header`, recordLine);
          seen.add(name);
        }
        // Room for the rows the file likely holds (its size over the mean size of the rows read so far), so columns rarely regrow.
        const sample = buf.subarray(pos, Math.min(len, pos + (1 << 20)));
        let lines = 0;
        for (let k = 0; k < sample.length; k++) if (sample[k] === LF) lines++;
        const capacity = lines === 0 ? 1024 : Math.min(1 << 26, Math.ceil((fileSize / (sample.length / lines)) * 1.05) + 16);
        builders = header.map((name) => new ColumnBuilder(name, capacity));
        continue;
      }
      if (fields !== header.length) fail(`${fields} fields where the header has ${header.length}`, recordLine);
      for (let k = 0; k < fields; k++) {
        const s = starts[k]!;
        const e = ends[k]!;
        if (s === e) continue;
        const b = builders[k]!;
        const n = parseDecimal(buf, s, e);
        if (n === n) {
          b.number(row, n);
          continue;
        }
        const text = quoted[k] === 2 ? unescapeQuotes(buf, s, e) : buf.toString('utf8', s, e);
        if (MISSING.has(text) || INFINITE.has(text.trim())) continue;
        b.text(row, text);
      }
      row++;
    }
    return len;
  };

  for await (const chunk of createReadStream(path, { highWaterMark: 4 << 20 })) {
    let buf = chunk as Buffer;
    if (first) {
      first = false;
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
      if (delimiter < 0) {
        const nl = buf.indexOf(LF);
        delimiter = detectDelimiter(buf.toString('utf8', 0, nl < 0 ? Math.min(buf.length, 65536) : nl)).charCodeAt(0);
      }
    }
    if (leftover.length > 0) buf = Buffer.concat([leftover, buf]);
    const done = parse(buf, false);
    leftover = Buffer.from(buf.subarray(done));
  }
  if (delimiter < 0) delimiter = 44;
  if (leftover.length > 0) parse(leftover, true);
  if (header === null) fail('the file is empty: a header row is needed', 1);
  return { source, rows: row, columns: builders.map((b) => b.finish(row)) };
}
