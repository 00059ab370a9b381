import { InvalidParameterError } from '../errors/index.js';

/**
 * Turns a user-supplied artifact path into a safe relative key, or refuses it. Rejects
 * absolute paths, `..` segments (also when percent-encoded), backslashes and NUL bytes, so no
 * request can read or write outside the area it addresses.
 *
 * @example
 * normalizeArtifactPath('model//MLmodel') // 'model/MLmodel'
 */
export function normalizeArtifactPath(raw: string, field = 'path'): string {
  let decoded = raw;
  // Paths may arrive percent-encoded more than once; decode until stable to see what they mean.
  for (let i = 0; i < 3 && /%[0-9a-fA-F]{2}/.test(decoded); i++) {
    try {
      decoded = decodeURIComponent(decoded);
    } catch {
      throw new InvalidParameterError(`Invalid ${field} '${raw}': malformed percent-encoding.`, field);
    }
  }
  if (decoded.includes('\0')) throw new InvalidParameterError(`Invalid ${field}: NUL bytes are not allowed.`, field);
  if (decoded.includes('\\')) throw new InvalidParameterError(`Invalid ${field} '${raw}': backslashes are not allowed.`, field);
  if (decoded.startsWith('/') || /^[A-Za-z]:/.test(decoded)) {
    throw new InvalidParameterError(`Invalid ${field} '${raw}': absolute paths are not allowed.`, field);
  }
  const parts = decoded.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) {
    throw new InvalidParameterError(`Invalid ${field} '${raw}': '..' segments are not allowed.`, field);
  }
  return parts.join('/');
}

/** Joins normalized keys with single slashes, skipping empty parts. */
export function joinKeys(...keys: string[]): string {
  return keys.filter((k) => k !== '').join('/');
}
