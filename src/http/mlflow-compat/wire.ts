import type { FastifyInstance } from 'fastify';
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

/** Page tokens live with the search grammar; re-exported for the routes. */
export { encodePageToken, decodePageToken } from '../../search-filter/index.js';

/**
 * MLflow's rule for POST/PUT endpoints: the body must be JSON (`Content-Type: application/json`),
 * otherwise 400 INVALID_PARAMETER_VALUE. Installs, in the calling plugin's scope, a catch-all
 * parser (so other types reach the check instead of a 415) and the check itself.
 */
export function requireJsonContentType(app: FastifyInstance): void {
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
  app.addHook('preValidation', async (request) => {
    if (request.method !== 'POST' && request.method !== 'PUT') return;
    const type = request.headers['content-type'];
    if (type === undefined) throw new InvalidParameterError('Bad Request. Content-Type header is missing.', 'content-type');
    if (type.split(';')[0].trim().toLowerCase() !== 'application/json') {
      throw new InvalidParameterError("Bad Request. Content-Type must be one of ['application/json'].", 'content-type');
    }
  });
}

/** The JSON body as an object; absent → `{}`, anything but an object → 400. */
export function bodyObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null || body === '') return {};
  if (typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidParameterError('Invalid request body: expected a JSON object.', 'body');
  }
  return body as Record<string, unknown>;
}

/** An id field that MLflow clients send as a string (some send numbers); required. */
export function requireId(value: unknown, field: string): string {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  return requireString(value, field);
}

/** One query-string value (the first when the key repeats), or undefined. */
export function queryValue(query: unknown, field: string): string | undefined {
  const v = (query as Record<string, unknown> | undefined)?.[field];
  if (v === undefined || v === null) return undefined;
  return String(Array.isArray(v) ? v[0] : v);
}

/** A list field of a JSON body: absent → [], anything but a list → 400. */
export function listField<T = unknown>(value: unknown, field: string): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new InvalidParameterError(`Invalid value for parameter '${field}': expected a list.`, field);
  return value as T[];
}

/** A boolean sent as JSON true/false or, in query strings, as "true"/"false". */
export function parseOptionalBool(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  if (value === 'true' || value === 'false') return value === 'true';
  throw new InvalidParameterError(`Invalid value ${JSON.stringify(value)} for parameter '${field}': expected true or false.`, field);
}
