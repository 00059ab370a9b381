import { InvalidParameterError, missingParameter } from '../../errors/index.js';

/*
 * MLflow's JSON wire conventions, shared by every MLflow-compatible route: doubles may be the
 * strings "NaN"/"Infinity"/"-Infinity", int64 may arrive as a number or a numeric string, ids
 * are strings, GET parameters are query strings whose repeated keys form lists.
 */

/** A double for a response: non-finite values as MLflow's strings. */
export function toWireDouble(value: number): number | string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return 'Infinity';
  if (value === -Infinity) return '-Infinity';
  return value;
}

/** A double from a request; accepts numbers and MLflow's spellings of non-finite values. */
export function parseWireDouble(value: unknown, field: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'nan') return NaN;
    if (lower === 'infinity' || lower === 'inf' || lower === '+infinity') return Infinity;
    if (lower === '-infinity' || lower === '-inf') return -Infinity;
    const n = Number(value);
    if (value.trim() !== '' && Number.isFinite(n)) return n;
  }
  if (value === undefined || value === null) throw missingParameter(field);
  throw new InvalidParameterError(`Invalid value ${JSON.stringify(value)} for parameter '${field}': expected a number.`, field);
}

/** An int64 from a request (number or numeric string), or undefined when absent. */
export function parseOptionalInt(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new InvalidParameterError(`Invalid value ${JSON.stringify(value)} for parameter '${field}': expected an integer.`, field);
  }
  return n;
}

/** A required string field. */
export function requireString(value: unknown, field: string): string {
  if (value === undefined || value === null || value === '') throw missingParameter(field);
  if (typeof value !== 'string') {
    throw new InvalidParameterError(`Invalid value ${JSON.stringify(value)} for parameter '${field}': expected a string.`, field);
  }
  return value;
}

/** An optional string field. */
export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') {
    throw new InvalidParameterError(`Invalid value ${JSON.stringify(value)} for parameter '${field}': expected a string.`, field);
  }
  return value;
}

/** A query-string list: absent → [], one value → [value], repeated keys → all values. */
export function queryList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** Page tokens handed to MLflow clients: base64 of `{"offset": N}`, as MLflow's own. */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

/** Reads a page token; a malformed token is the caller's mistake (400), never a 500. */
export function decodePageToken(token: string | undefined): number {
  if (token === undefined || token === '') return 0;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8')) as { offset?: unknown };
    if (typeof parsed.offset === 'number' && Number.isSafeInteger(parsed.offset) && parsed.offset >= 0) return parsed.offset;
  } catch {
    // fall through to the error below
  }
  throw new InvalidParameterError(`Invalid page_token '${token}'.`, 'page_token');
}
