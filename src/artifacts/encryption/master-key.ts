import { createHash, randomBytes } from 'node:crypto';
import { PuenteError } from '../../errors/index.js';

/** The key that wraps every artifact's data key. */
export interface MasterKey {
  /**
   * First 16 hex characters of sha256(key). Stored beside each wrapped data key so a reader can
   * tell "wrong master key" apart from "corrupt row"; it identifies the key without revealing it.
   */
  readonly id: string;
  /** 32 bytes of key material. Not enumerable, so logging or serialising the object does not leak it. */
  readonly key: Buffer;
}

const KEY_BYTES = 32;

/** Builds a MasterKey from 32 raw bytes. */
export function masterKeyFromBytes(key: Buffer): MasterKey {
  if (key.length !== KEY_BYTES) throw new PuenteError('INVALID_PARAMETER_VALUE', `A master key must be ${KEY_BYTES} bytes, got ${key.length}.`);
  const copy = Buffer.from(key);
  const id = createHash('sha256').update(copy).digest('hex').slice(0, 16);
  const out = { id } as MasterKey;
  Object.defineProperty(out, 'key', { value: copy, enumerable: false, writable: false });
  return Object.freeze(out);
}

/**
 * Reads a master key from configuration text: 64 hex characters, or base64 (standard or
 * URL-safe alphabet) of exactly 32 bytes. Surrounding whitespace is ignored, since keys usually
 * come from files and environment variables with a trailing newline.
 *
 * `source` names where the text came from (e.g. "PUENTE_MASTER_KEY") for the error message;
 * the text itself is never echoed back, because it is a secret.
 */
export function parseMasterKey(text: string, source: string): MasterKey {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return masterKeyFromBytes(Buffer.from(trimmed, 'hex'));
  // Buffer.from(…, 'base64') skips characters it does not know, so check the alphabet and the
  // length first; otherwise a typo could still decode to 32 bytes of a different key.
  if (/^[A-Za-z0-9+/_-]{43}={0,1}$/.test(trimmed)) {
    const bytes = Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    if (bytes.length === KEY_BYTES && bytes.toString('base64').replace(/=+$/, '') === trimmed.replace(/-/g, '+').replace(/_/g, '/').replace(/=+$/, '')) {
      return masterKeyFromBytes(bytes);
    }
  }
  throw new PuenteError('INVALID_PARAMETER_VALUE', `${source} must be 32 bytes as 64 hex characters or base64 (generate one with \`openssl rand -base64 32\`).`);
}

/** A fresh random master key, as base64 text suitable for `parseMasterKey`. */
export function generateMasterKeyText(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}
