import { InvalidParameterError } from '../errors/index.js';

/** Page tokens of every search: base64 of `{"offset": N}`, as MLflow's own, opaque to clients. */
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
