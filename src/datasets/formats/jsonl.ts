import { isUtf8 } from 'node:buffer';
import { DataFormatError } from '../errors.js';
import { firstInvalidUtf8 } from './csv.js';
import { jsonErrorOffset } from './json-position.js';

/** Receives one JSON object per line. */
export interface JsonLinesSink {
  record(value: Record<string, unknown>, line: number): void;
}

const LF = 10;

/**
 * JSON Lines, chunk by chunk: one JSON object per line (blank lines skipped, a trailing CR
 * ignored). Bad JSON, a line that is not an object, and invalid UTF-8 fail with the line and the
 * column (character position) of the problem.
 */
export class JsonLinesReader {
  #carry: Buffer | null = null;
  #line = 0;
  #first = true;

  constructor(
    private readonly file: string,
    private readonly sink: JsonLinesSink,
  ) {}

  push(chunk: Buffer): void {
    let buf = this.#carry === null ? chunk : Buffer.concat([this.#carry, chunk]);
    this.#carry = null;
    if (this.#first && buf.length >= 3) {
      if (buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) buf = buf.subarray(3);
      this.#first = false;
    }
    const last = buf.lastIndexOf(LF);
    if (last < 0) {
      this.#carry = buf;
      return;
    }
    this.#lines(buf, last + 1);
    if (last + 1 < buf.length) this.#carry = buf.subarray(last + 1);
  }

  end(): void {
    const rest = this.#carry;
    this.#carry = null;
    if (rest !== null && rest.length > 0) this.#lines(Buffer.concat([rest, Buffer.from('\n')]), rest.length + 1);
  }

  #lines(buf: Buffer, end: number): void {
    if (!isUtf8(buf.subarray(0, end))) {
      const bad = firstInvalidUtf8(buf, end);
      let line = this.#line + 1;
      let start = 0;
      for (let k = buf.indexOf(LF); k >= 0 && k < bad; k = buf.indexOf(LF, k + 1)) {
        line++;
        start = k + 1;
      }
      throw new DataFormatError({ file: this.file, line, column_number: Buffer.from(buf.subarray(start, bad)).toString('utf8').length + 1 }, `byte 0x${buf[bad]!.toString(16)} is not valid UTF-8`);
    }
    let i = 0;
    while (i < end) {
      const lf = buf.indexOf(LF, i);
      const line = ++this.#line;
      let stop = lf;
      if (stop > i && buf[stop - 1] === 13) stop--;
      if (stop > i) {
        const text = buf.toString('utf8', i, stop);
        if (text.trim() !== '') this.#parse(text, line);
      }
      i = lf + 1;
    }
  }

  #parse(text: string, line: number): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (err) {
      const column = jsonErrorOffset(text) + 1;
      const reason = (err as Error).message.replace(/,? ".*" is not valid JSON$/s, '').replace(/ in JSON at position \d+.*$/s, '');
      throw new DataFormatError({ file: this.file, line, column_number: column }, `not valid JSON at character ${column} (${reason})`);
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new DataFormatError({ file: this.file, line, column_number: 1 }, 'each line of a JSON Lines dataset must be one JSON object');
    }
    this.sink.record(value as Record<string, unknown>, line);
  }
}
