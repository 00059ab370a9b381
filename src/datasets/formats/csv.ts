import { isUtf8 } from 'node:buffer';
import { DataFormatError } from '../errors.js';

/*
 * A streaming CSV reader over bytes. It never holds more than the current chunk and one
 * unfinished row. Rows are handed to a sink as field offsets into the chunk, so nothing is
 * decoded unless the sink wants the text. A sink may also take whole runs of rows itself
 * (`fastRows`): the profiler does, parsing numbers while it looks for the delimiter, for chunks
 * without any quote character (the common case, and the one that has to run at disk speed).
 *
 * Dialect: RFC 4180 with a chosen delimiter and quote; LF or CRLF line ends; blank lines are
 * skipped; the first row is the header. A quote inside an unquoted field, text after a closing
 * quote, an unterminated quote, a row with too few or too many fields, and bytes that are not
 * valid UTF-8 (after decoding a declared encoding) are errors naming the line and column.
 */

/** How a CSV file is written; anything absent is detected. */
export interface CsvOptions {
  /** One character; detected from the first lines among , ; TAB | when absent. */
  readonly delimiter?: string;
  /** One character, default `"`. */
  readonly quote?: string;
  /** utf-8 (default), utf-16le, utf-16be, latin1 / iso-8859-1, windows-1252, …; a BOM decides when absent. */
  readonly encoding?: string;
}

/** The dialect a reader settled on. */
export interface CsvDialect {
  readonly delimiter: string;
  readonly quote: string;
  readonly encoding: string;
}

/** Receives the header and the rows of a CSV file. */
export interface CsvSink {
  header(names: string[], dialect: CsvDialect): void;
  /** One row: field i is buf[starts[i], ends[i]); flags[i] is 2 when it holds doubled quotes to undo. */
  row(buf: Buffer, starts: Int32Array, ends: Int32Array, flags: Uint8Array, line: number): void;
  /**
   * Optional: rows buf[from, to) (no quote character among them; `to` just after a line feed),
   * the first on line `line` + 1. Returns the number of the last line read.
   */
  fastRows?(buf: Buffer, from: number, to: number, line: number): number;
}

const LF = 10;
const CR = 13;
const SNIFF_BYTES = 64 * 1024;
const CANDIDATES = [',', '\t', ';', '|'];

/** The bytes of a quoted field with its doubled quotes undone. */
export function unescapeField(buf: Buffer, start: number, end: number, quote: number): Buffer {
  const out = Buffer.allocUnsafe(end - start);
  let n = 0;
  for (let i = start; i < end; i++) {
    out[n++] = buf[i]!;
    if (buf[i] === quote && buf[i + 1] === quote) i++;
  }
  return out.subarray(0, n);
}

/** Picks the delimiter whose count per line is the same over the first lines (and highest). */
export function sniffDelimiter(sample: string, quote = '"'): string {
  const lines: string[] = [];
  let current = '';
  let quoted = false;
  for (const ch of sample) {
    if (ch === quote) quoted = !quoted;
    if (ch === '\n' && !quoted) {
      lines.push(current);
      current = '';
      if (lines.length >= 20) break;
    } else current += ch;
  }
  if (lines.length === 0) lines.push(current);
  const countOutsideQuotes = (line: string, d: string) => {
    let n = 0;
    let q = false;
    for (const ch of line) {
      if (ch === quote) q = !q;
      else if (ch === d && !q) n++;
    }
    return n;
  };
  let best = ',';
  let bestScore = 0;
  for (const d of CANDIDATES) {
    const counts = lines.filter((l) => l.replace(/\r$/, '') !== '').map((l) => countOutsideQuotes(l, d));
    if (counts.length === 0 || counts[0] === 0) continue;
    const consistent = counts.every((c) => c === counts[0]);
    const score = (consistent ? 1000 : 0) + counts[0]!;
    if (score > bestScore) {
      best = d;
      bestScore = score;
    }
  }
  return best;
}

/** Node's names for encodings a user may give. */
function normalizeEncoding(encoding: string): string {
  const e = encoding.trim().toLowerCase().replace(/_/g, '-');
  if (e === 'utf8') return 'utf-8';
  if (e === 'latin-1' || e === 'iso8859-1') return 'latin1';
  if (e === 'utf16le' || e === 'utf-16') return 'utf-16le';
  if (e === 'utf16be') return 'utf-16be';
  return e;
}

/**
 * Turns raw chunks into UTF-8 chunks: a BOM is honoured and dropped, other encodings are decoded
 * (invalid bytes in them are an error). UTF-8 passes through untouched and is checked later, row
 * by row, where the line is known.
 */
export class Utf8Decoder {
  #encoding: string | null;
  #decoder: InstanceType<typeof TextDecoder> | null = null;
  #first = true;
  #pending: Buffer | null = null;

  constructor(private readonly file: string, encoding?: string) {
    this.#encoding = encoding ? normalizeEncoding(encoding) : null;
    if (this.#encoding !== null && this.#encoding !== 'utf-8') this.#decoder = this.#makeDecoder(this.#encoding);
  }

  get encoding(): string {
    return this.#encoding ?? 'utf-8';
  }

  #makeDecoder(encoding: string): InstanceType<typeof TextDecoder> {
    try {
      return new TextDecoder(encoding, { fatal: true });
    } catch {
      throw new DataFormatError({ file: this.file }, `unknown text encoding '${encoding}'`);
    }
  }

  push(chunk: Buffer): Buffer {
    if (this.#first) {
      const data = this.#pending ? Buffer.concat([this.#pending, chunk]) : chunk;
      if (data.length < 3 && this.#encoding === null) {
        this.#pending = data;
        return Buffer.alloc(0);
      }
      this.#pending = null;
      this.#first = false;
      chunk = this.#bom(data);
    }
    if (this.#decoder === null) return chunk;
    try {
      return Buffer.from(this.#decoder.decode(chunk, { stream: true }), 'utf8');
    } catch {
      throw new DataFormatError({ file: this.file }, `bytes that are not valid ${this.#encoding}; give the file's encoding (e.g. --encoding latin1)`);
    }
  }

  end(): Buffer {
    let out: Buffer = Buffer.alloc(0);
    if (this.#first && this.#pending) {
      this.#first = false;
      out = this.#bom(this.#pending);
      this.#pending = null;
      if (this.#decoder === null) return out;
    }
    if (this.#decoder === null) return out;
    try {
      return Buffer.concat([out.length > 0 ? Buffer.from(this.#decoder.decode(out, { stream: true }), 'utf8') : out, Buffer.from(this.#decoder.decode(), 'utf8')]);
    } catch {
      throw new DataFormatError({ file: this.file }, `bytes that are not valid ${this.#encoding} at the end of the file`);
    }
  }

  #bom(data: Buffer): Buffer {
    const utf8Bom = data[0] === 0xef && data[1] === 0xbb && data[2] === 0xbf;
    const le = data[0] === 0xff && data[1] === 0xfe;
    const be = data[0] === 0xfe && data[1] === 0xff;
    if (this.#encoding === null) {
      if (le) this.#encoding = 'utf-16le';
      else if (be) this.#encoding = 'utf-16be';
      else this.#encoding = 'utf-8';
      if (this.#encoding !== 'utf-8') this.#decoder = this.#makeDecoder(this.#encoding);
    }
    if (utf8Bom && this.#encoding === 'utf-8') return data.subarray(3);
    // TextDecoder drops a UTF-16 BOM itself.
    return data;
  }
}

/** Reads CSV bytes chunk by chunk into a sink. */
export class CsvReader {
  readonly #file: string;
  readonly #sink: CsvSink;
  readonly #decoder: Utf8Decoder;
  #delimiter: number;
  readonly #quote: number;
  #carry: Buffer | null = null;
  /** Number of the last line fully read. */
  #line = 0;
  #names: string[] | null = null;
  #starts = new Int32Array(64);
  #ends = new Int32Array(64);
  #flags = new Uint8Array(64);

  /**
   * `header`: the column names when the header was read elsewhere (a part of a file read in
   * parallel); then the delimiter must be given and the bytes start at a row.
   */
  constructor(file: string, sink: CsvSink, options: CsvOptions = {}, header?: { names: string[] }) {
    this.#file = file;
    this.#sink = sink;
    this.#decoder = new Utf8Decoder(file, options.encoding);
    if (options.delimiter !== undefined && [...options.delimiter].length !== 1 && options.delimiter !== '\\t') throw new DataFormatError({ file }, 'the delimiter must be one character');
    const quote = options.quote ?? '"';
    if (Buffer.byteLength(quote) !== 1) throw new DataFormatError({ file }, 'the quote must be one ASCII character');
    this.#quote = quote.charCodeAt(0);
    this.#delimiter = options.delimiter === undefined ? -1 : delimiterByte(file, options.delimiter);
    if (header) {
      if (this.#delimiter < 0) throw new Error('a known header needs a known delimiter');
      this.#names = header.names;
      const n = header.names.length;
      this.#starts = new Int32Array(n);
      this.#ends = new Int32Array(n);
      this.#flags = new Uint8Array(n);
      sink.header(header.names, this.dialect);
    }
  }

  /** Number of the last line read (counted from the last `restartLines`, or the file's start). */
  get line(): number {
    return this.#line;
  }

  /** Counts lines from 0 again: the next bytes are a part of a file read from its first row. */
  restartLines(): void {
    this.#line = 0;
  }

  get columns(): string[] | null {
    return this.#names;
  }

  get dialect(): CsvDialect {
    return { delimiter: String.fromCharCode(this.#delimiter < 0 ? 44 : this.#delimiter), quote: String.fromCharCode(this.#quote), encoding: this.#decoder.encoding };
  }

  push(raw: Buffer): void {
    const chunk = this.#decoder.push(raw);
    if (chunk.length === 0) return;
    const buf = this.#carry === null ? chunk : Buffer.concat([this.#carry, chunk]);
    this.#carry = null;
    this.#process(buf, false);
  }

  end(): void {
    const tail = this.#decoder.end();
    let buf = this.#carry === null ? tail : Buffer.concat([this.#carry, tail]);
    this.#carry = null;
    if (buf.length > 0 && buf[buf.length - 1] !== LF) buf = Buffer.concat([buf, Buffer.from('\n')]);
    if (buf.length > 0) this.#process(buf, true);
    if (this.#names === null) throw new DataFormatError({ file: this.#file }, 'the file is empty: a CSV file needs a header row');
  }

  #process(buf: Buffer, final: boolean): void {
    if (this.#delimiter < 0) {
      if (!final && buf.length < SNIFF_BYTES && buf.indexOf(LF) < 0) {
        this.#carry = buf;
        return;
      }
      this.#delimiter = delimiterByte(this.#file, sniffDelimiter(buf.subarray(0, SNIFF_BYTES).toString('utf8'), String.fromCharCode(this.#quote)));
    }
    const lastLf = buf.lastIndexOf(LF);
    if (lastLf < 0) {
      this.#carry = buf;
      return;
    }
    let pos = 0;
    if (this.#names === null) {
      pos = this.#readRows(buf, 0, final, true);
      if (this.#names === null) {
        this.#carry = buf;
        return;
      }
      if (!isUtf8(buf.subarray(0, pos))) this.#invalidUtf8(buf, 0, pos, 1);
    }
    // A line feed never sits inside a multi-byte character, so the bytes up to it can be checked on their own.
    if (pos <= lastLf && !isUtf8(buf.subarray(pos, lastLf + 1))) this.#invalidUtf8(buf, pos, lastLf + 1, this.#line + 1);
    const fast = this.#sink.fastRows;
    if (fast !== undefined && buf.indexOf(this.#quote, pos) < 0) {
      if (pos <= lastLf) {
        this.#line = fast.call(this.#sink, buf, pos, lastLf + 1, this.#line);
      }
      pos = lastLf + 1;
    } else {
      pos = this.#readRows(buf, pos, final, false);
    }
    if (pos < buf.length) this.#carry = buf.subarray(pos);
  }

  /** Reads whole rows from pos; returns where the first unfinished row starts. */
  #readRows(buf: Buffer, pos: number, final: boolean, headerOnly: boolean): number {
    const d = this.#delimiter;
    const q = this.#quote;
    const len = buf.length;
    let i = pos;
    while (i < len) {
      const rowStart = i;
      const rowLine = this.#line + 1;
      let lines = 1;
      // Blank lines are skipped.
      if (buf[i] === LF || (buf[i] === CR && buf[i + 1] === LF)) {
        i += buf[i] === LF ? 1 : 2;
        this.#line++;
        continue;
      }
      let f = 0;
      for (;;) {
        if (f === this.#starts.length) {
          if (this.#names !== null) this.#ragged(rowLine, f + 1);
          this.#growFields();
        }
        let c = buf[i]!;
        if (c === q) {
          let j = i + 1;
          let escaped = false;
          for (;;) {
            const at = buf.indexOf(q, j);
            // Two bytes after the quote decide what it is (a doubled quote, CR LF, …).
            if (at < 0 || (at + 2 >= len && !final)) {
              if (final) this.#fail(rowLine, f, `a quoted field that is never closed (the quote opens on line ${rowLine})`);
              return rowStart;
            }
            if (buf[at + 1] === q) {
              escaped = true;
              j = at + 2;
              continue;
            }
            j = at;
            break;
          }
          for (let k = buf.indexOf(LF, i + 1); k >= 0 && k < j; k = buf.indexOf(LF, k + 1)) lines++;
          this.#starts[f] = i + 1;
          this.#ends[f] = j;
          this.#flags[f] = escaped ? 2 : 1;
          f++;
          i = j + 1;
          c = buf[i]!;
          if (c === d) {
            i++;
            continue;
          }
          if (c === CR && buf[i + 1] === LF) i++;
          if (buf[i] === LF) {
            i++;
            break;
          }
          this.#fail(rowLine + lines - 1, f - 1, `text after the closing quote of a quoted field (quote it all, and double any quote inside)`);
        } else {
          let j = i;
          while (j < len && (c = buf[j]!) !== d && c !== LF) {
            if (c === q) this.#fail(rowLine, f, 'a quote inside an unquoted field (quote the whole field and double the quote)');
            j++;
          }
          // The last buffer always ends with a line feed, so only a chunk in the middle runs out here.
          if (j >= len) return rowStart;
          let end = j;
          if (c === LF && end > i && buf[end - 1] === CR) end--;
          this.#starts[f] = i;
          this.#ends[f] = end;
          this.#flags[f] = 0;
          f++;
          i = j + 1;
          if (c === LF) break;
        }
      }
      this.#line += lines;
      if (this.#names === null) {
        this.#setHeader(buf, f, rowLine);
        if (headerOnly) return i;
        continue;
      }
      if (f !== this.#names.length) this.#ragged(rowLine, f);
      this.#sink.row(buf, this.#starts, this.#ends, this.#flags, rowLine);
    }
    return i;
  }

  #setHeader(buf: Buffer, count: number, line: number): void {
    const names: string[] = [];
    const seen = new Map<string, number>();
    for (let f = 0; f < count; f++) {
      const bytes = this.#flags[f] === 2 ? unescapeField(buf, this.#starts[f]!, this.#ends[f]!, this.#quote) : buf.subarray(this.#starts[f]!, this.#ends[f]!);
      let name = bytes.toString('utf8').trim();
      if (name === '') name = `column_${f + 1}`;
      const before = seen.get(name);
      if (before !== undefined) {
        throw new DataFormatError({ file: this.#file, line, column: name, column_number: f + 1 }, `the header names column '${name}' twice (columns ${before + 1} and ${f + 1})`);
      }
      seen.set(name, f);
      names.push(name);
    }
    this.#names = names;
    this.#starts = new Int32Array(count);
    this.#ends = new Int32Array(count);
    this.#flags = new Uint8Array(count);
    this.#sink.header(names, this.dialect);
  }

  #growFields(): void {
    const n = this.#starts.length * 2;
    const grow = <T extends Int32Array | Uint8Array>(a: T, make: (n: number) => T) => {
      const b = make(n);
      b.set(a);
      return b;
    };
    this.#starts = grow(this.#starts, (n) => new Int32Array(n));
    this.#ends = grow(this.#ends, (n) => new Int32Array(n));
    this.#flags = grow(this.#flags, (n) => new Uint8Array(n));
  }

  /** Fails for a row with `count` fields where the header has another number. */
  #ragged(line: number, count: number): never {
    const expected = this.#names!.length;
    if (count > expected) {
      throw new DataFormatError({ file: this.#file, line, column_number: expected + 1 }, `the row has more fields than the header's ${expected} columns`);
    }
    throw new DataFormatError(
      { file: this.#file, line, column: this.#names![count], column_number: count + 1 },
      `the row ends after ${count} field${count === 1 ? '' : 's'}; the header has ${expected} columns`,
    );
  }

  #fail(line: number, field: number, problem: string): never {
    const name = this.#names?.[field];
    throw new DataFormatError({ file: this.#file, line, ...(name !== undefined ? { column: name } : {}), column_number: field + 1 }, problem);
  }

  /** Finds the first byte that breaks UTF-8 in buf[from, end) and fails naming its line and column. */
  #invalidUtf8(buf: Buffer, from: number, end: number, firstLine: number): never {
    const bad = from + firstInvalidUtf8(buf.subarray(from), end - from);
    let line = firstLine;
    let lineStart = from;
    for (let k = buf.indexOf(LF, from); k >= 0 && k < bad; k = buf.indexOf(LF, k + 1)) {
      line++;
      lineStart = k + 1;
    }
    // Column by delimiters before the byte on its line (outside quotes).
    let field = 0;
    let quoted = false;
    for (let k = lineStart; k < bad; k++) {
      if (buf[k] === this.#quote) quoted = !quoted;
      else if (buf[k] === this.#delimiter && !quoted) field++;
    }
    const name = this.#names?.[field];
    throw new DataFormatError(
      { file: this.#file, line, ...(name !== undefined ? { column: name } : {}), column_number: field + 1 },
      `byte 0x${buf[bad]!.toString(16).padStart(2, '0')} is not valid UTF-8; give the file's encoding (e.g. --encoding latin1) or convert it to UTF-8`,
    );
  }
}

function delimiterByte(file: string, delimiter: string): number {
  const code = delimiter === '\\t' ? 9 : delimiter.charCodeAt(0);
  if (code > 127 || code === LF || code === CR || code === 34) throw new DataFormatError({ file }, `'${delimiter}' cannot be a delimiter: use an ASCII character other than a quote or a line end`);
  return code;
}

/** Offset of the first byte that is not part of a valid UTF-8 sequence (end when none). */
export function firstInvalidUtf8(buf: Uint8Array, end: number): number {
  let i = 0;
  while (i < end) {
    const c = buf[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need = 0;
    let min = 0;
    if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      min = 0x10000;
    } else return i;
    if (i + need >= end) return i;
    let cp = c & (0x3f >> need);
    for (let k = 1; k <= need; k++) {
      const b = buf[i + k];
      if (b === undefined || (b & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return end;
}
