import { createHash, randomBytes } from 'node:crypto';
import { hash as argon2Hash, verify as argon2Verify, Algorithm } from '@node-rs/argon2';

/** Every API token starts with this, so secret scanners and people recognise one. */
export const TOKEN_PREFIX = 'pnt_';

/** A new API token secret: 32 random bytes, base64url, prefixed. Shown once, never stored. */
export function newTokenSecret(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** What the store keeps of a token: its SHA-256, hex. */
export function hashToken(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export async function hashPassword(password: string): Promise<string> {
  return argon2Hash(password, ARGON2_OPTIONS);
}

/** Hash of a password nobody has, verified against when the user does not exist so timing tells nothing. */
let decoyHash: Promise<string> | undefined;

/** Checks a password against a stored hash (or against a decoy when there is none), in constant time. */
export async function verifyPassword(storedHash: string | null, password: string): Promise<boolean> {
  const target = storedHash ?? (await (decoyHash ??= hashPassword(randomBytes(16).toString('hex'))));
  let ok: boolean;
  try {
    ok = await argon2Verify(target, password);
  } catch {
    ok = false;
  }
  return ok && storedHash !== null;
}
