/**
 * Envelope encryption of artifact bodies.
 *
 * Each object gets its own random 32-byte data key. The data key is wrapped (AES-256-GCM) with
 * the master key and kept in the database; the object body holds only ciphertext. Rotating the
 * master key therefore re-wraps small database rows and never rewrites artifact bytes.
 *
 * Body layout:
 *
 *   header   "PNTE" | version (1 byte, = 1) | nonce prefix (8 random bytes)
 *   segments ciphertext | tag (16 bytes), one per 64 KiB of plaintext
 *
 * Segment i is AES-256-GCM under the data key with nonce = prefix | uint32be(i), so nonces never
 * repeat within a key and a segment moved to another position fails to authenticate. The AAD is
 * a single byte, 1 for the last segment and 0 for every other one: cutting the object at a
 * segment boundary leaves a last segment sealed as "not last", which fails too. An empty
 * plaintext is one empty final segment (just a tag), so even it is authenticated.
 *
 * The final segment may be full; which segment is last is only known at end of input, so both
 * directions hold back one segment's worth of bytes until more arrive. Memory stays at about one
 * segment plus one incoming chunk, whatever the object size.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { PuenteError } from '../../errors/index.js';
import type { MasterKey } from './master-key.js';

/** Plaintext bytes per segment. */
export const SEGMENT_SIZE = 64 * 1024;
/** GCM authentication tag length, per segment and per wrapped key. */
export const TAG_LENGTH = 16;
/** Bytes of a stored segment that carries a full SEGMENT_SIZE of plaintext. */
export const STORED_SEGMENT_SIZE = SEGMENT_SIZE + TAG_LENGTH;
/** Identifies an encrypted body; also lets a reader refuse a plaintext file early. */
export const MAGIC = Buffer.from('PNTE', 'ascii');
export const FORMAT_VERSION = 1;
const PREFIX_LENGTH = 8;
/** magic (4) + version (1) + nonce prefix (8). */
export const HEADER_SIZE = MAGIC.length + 1 + PREFIX_LENGTH;
const DATA_KEY_LENGTH = 32;
const IV_LENGTH = 12;
/** A 32-bit segment counter bounds one object to 2^32 segments (256 TiB). */
const MAX_SEGMENTS = 2 ** 32;

const FINAL_AAD = Buffer.from([1]);
const NOT_FINAL_AAD = Buffer.from([0]);

/** A fresh random data key for one object. */
export function generateDataKey(): Buffer {
  return randomBytes(DATA_KEY_LENGTH);
}

/** Wraps a data key with the master key: base64(iv 12 | tag 16 | ciphertext 32). */
export function wrapDataKey(masterKey: MasterKey, dataKey: Buffer): string {
  if (dataKey.length !== DATA_KEY_LENGTH) throw new Error(`data key must be ${DATA_KEY_LENGTH} bytes`);
  const iv = randomBytes(IV_LENGTH);
  const cipher = createCipheriv('aes-256-gcm', masterKey.key, iv, { authTagLength: TAG_LENGTH });
  const ciphertext = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
}

/** The wrapped key could not be opened: the master key is not the one it was wrapped with, or the row is damaged. */
export class UnwrapError extends Error {
  constructor() {
    super('the master key does not match the key this data key was wrapped with');
    this.name = 'UnwrapError';
  }
}

/** Opens a wrapped data key; throws UnwrapError when authentication fails. */
export function unwrapDataKey(masterKey: MasterKey, wrapped: string): Buffer {
  const raw = Buffer.from(wrapped, 'base64');
  if (raw.length !== IV_LENGTH + TAG_LENGTH + DATA_KEY_LENGTH) throw new UnwrapError();
  const iv = raw.subarray(0, IV_LENGTH);
  const tag = raw.subarray(IV_LENGTH, IV_LENGTH + TAG_LENGTH);
  try {
    const decipher = createDecipheriv('aes-256-gcm', masterKey.key, iv, { authTagLength: TAG_LENGTH });
    decipher.setAuthTag(tag);
    return Buffer.concat([decipher.update(raw.subarray(IV_LENGTH + TAG_LENGTH)), decipher.final()]);
  } catch {
    throw new UnwrapError();
  }
}

/** Stored size of an encrypted body holding `size` plaintext bytes. */
export function encryptedSize(size: number): number {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`invalid plaintext size ${size}`);
  const segments = size === 0 ? 1 : Math.ceil(size / SEGMENT_SIZE);
  return HEADER_SIZE + size + segments * TAG_LENGTH;
}

/**
 * Plaintext size of an encrypted body of `storedSize` bytes (the inverse of `encryptedSize`).
 * Throws RangeError for a size no encrypted body can have, which means the object is damaged.
 */
export function plaintextSize(storedSize: number): number {
  if (!Number.isSafeInteger(storedSize)) throw new RangeError(`invalid stored size ${storedSize}`);
  const body = storedSize - HEADER_SIZE;
  if (body < TAG_LENGTH) throw new RangeError(`stored size ${storedSize} is too small for an encrypted artifact`);
  const segments = Math.ceil(body / STORED_SEGMENT_SIZE);
  const lastStored = body - (segments - 1) * STORED_SEGMENT_SIZE;
  // A last segment shorter than a tag cannot exist; an empty one only when it is the only one.
  if (lastStored < TAG_LENGTH || (lastStored === TAG_LENGTH && segments > 1)) {
    throw new RangeError(`stored size ${storedSize} is not a possible encrypted artifact size`);
  }
  return body - segments * TAG_LENGTH;
}

function segmentNonce(prefix: Buffer, index: number): Buffer {
  const nonce = Buffer.alloc(IV_LENGTH);
  prefix.copy(nonce, 0);
  nonce.writeUInt32BE(index, PREFIX_LENGTH);
  return nonce;
}

function sealSegment(dataKey: Buffer, prefix: Buffer, index: number, plaintext: Buffer, final: boolean): Buffer {
  if (index >= MAX_SEGMENTS) throw new Error('artifact is too large to encrypt (more than 2^32 segments)');
  const cipher = createCipheriv('aes-256-gcm', dataKey, segmentNonce(prefix, index), { authTagLength: TAG_LENGTH });
  cipher.setAAD(final ? FINAL_AAD : NOT_FINAL_AAD);
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** Returns the plaintext, or null when the segment does not authenticate. */
function openSegment(dataKey: Buffer, prefix: Buffer, index: number, stored: Buffer, final: boolean): Buffer | null {
  if (stored.length < TAG_LENGTH || index >= MAX_SEGMENTS) return null;
  const ciphertext = stored.subarray(0, stored.length - TAG_LENGTH);
  try {
    const decipher = createDecipheriv('aes-256-gcm', dataKey, segmentNonce(prefix, index), { authTagLength: TAG_LENGTH });
    decipher.setAAD(final ? FINAL_AAD : NOT_FINAL_AAD);
    decipher.setAuthTag(stored.subarray(stored.length - TAG_LENGTH));
    // update() hands back bytes before the tag is checked; they are released only after final() succeeds.
    const plain = decipher.update(ciphertext);
    decipher.final();
    return plain;
  } catch {
    return null;
  }
}

function newHeader(): { header: Buffer; prefix: Buffer } {
  const prefix = randomBytes(PREFIX_LENGTH);
  return { header: Buffer.concat([MAGIC, Buffer.from([FORMAT_VERSION]), prefix]), prefix };
}

/** Collects incoming chunks and joins them only when enough bytes are there to act on. */
class ChunkQueue {
  #chunks: Buffer[] = [];
  #length = 0;

  get length(): number {
    return this.#length;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.#chunks.push(chunk);
    this.#length += chunk.length;
  }

  /** Everything queued as one buffer; the queue is emptied. */
  takeAll(): Buffer {
    const all = this.#chunks.length === 1 ? this.#chunks[0] : Buffer.concat(this.#chunks, this.#length);
    this.#chunks = [];
    this.#length = 0;
    return all;
  }
}

function toBuffer(chunk: unknown, encoding: BufferEncoding): Buffer {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (typeof chunk === 'string') return Buffer.from(chunk, encoding);
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new TypeError('artifact streams carry bytes only');
}

/** Plaintext in, encrypted body out. `plaintextBytes` counts what went in. */
export class EncryptStream extends Transform {
  readonly #dataKey: Buffer;
  readonly #pending = new ChunkQueue();
  #prefix: Buffer | undefined;
  #index = 0;
  #plaintextBytes = 0;

  constructor(dataKey: Buffer) {
    super();
    if (dataKey.length !== DATA_KEY_LENGTH) throw new Error(`data key must be ${DATA_KEY_LENGTH} bytes`);
    this.#dataKey = dataKey;
  }

  get plaintextBytes(): number {
    return this.#plaintextBytes;
  }

  #start(): void {
    if (this.#prefix) return;
    const { header, prefix } = newHeader();
    this.#prefix = prefix;
    this.push(header);
  }

  override _transform(chunk: unknown, encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      const bytes = toBuffer(chunk, encoding);
      this.#start();
      this.#plaintextBytes += bytes.length;
      this.#pending.push(bytes);
      // Strictly more than a segment: a segment is sealed as "not last" only once a byte after it exists.
      if (this.#pending.length > SEGMENT_SIZE) {
        const all = this.#pending.takeAll();
        let offset = 0;
        while (all.length - offset > SEGMENT_SIZE) {
          this.push(sealSegment(this.#dataKey, this.#prefix!, this.#index++, all.subarray(offset, offset + SEGMENT_SIZE), false));
          offset += SEGMENT_SIZE;
        }
        this.#pending.push(all.subarray(offset));
      }
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      this.#start();
      this.push(sealSegment(this.#dataKey, this.#prefix!, this.#index++, this.#pending.takeAll(), true));
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }
}

/** Encrypted body in, plaintext out; errors (without emitting the bad segment) when anything fails to authenticate. */
export class DecryptStream extends Transform {
  readonly #dataKey: Buffer;
  readonly #label: string;
  readonly #pending = new ChunkQueue();
  #prefix: Buffer | undefined;
  #index = 0;

  /** `label` names the object in error messages, e.g. "artifact 'run/model.pkl'". */
  constructor(dataKey: Buffer, label: string) {
    super();
    if (dataKey.length !== DATA_KEY_LENGTH) throw new Error(`data key must be ${DATA_KEY_LENGTH} bytes`);
    this.#dataKey = dataKey;
    this.#label = label;
  }

  #corrupt(detail: string): PuenteError {
    return new PuenteError('INTERNAL_ERROR', `The ${this.#label} is corrupt or was tampered with: ${detail}.`);
  }

  /** Parses the header once enough bytes are queued; returns the bytes after it. */
  #readHeader(all: Buffer): Buffer {
    if (!all.subarray(0, MAGIC.length).equals(MAGIC)) throw this.#corrupt('it does not start with the encrypted-artifact header');
    const version = all[MAGIC.length];
    if (version !== FORMAT_VERSION) throw this.#corrupt(`unknown format version ${version}`);
    this.#prefix = Buffer.from(all.subarray(MAGIC.length + 1, HEADER_SIZE));
    return all.subarray(HEADER_SIZE);
  }

  #open(stored: Buffer, final: boolean): void {
    const plain = openSegment(this.#dataKey, this.#prefix!, this.#index, stored, final);
    if (!plain) {
      throw this.#corrupt(final ? `segment ${this.#index} (the last one present) failed authentication; the object may be truncated` : `segment ${this.#index} failed authentication`);
    }
    this.#index++;
    if (plain.length > 0) this.push(plain);
  }

  override _transform(chunk: unknown, encoding: BufferEncoding, callback: TransformCallback): void {
    try {
      this.#pending.push(toBuffer(chunk, encoding));
      const needed = this.#prefix ? STORED_SEGMENT_SIZE : HEADER_SIZE + STORED_SEGMENT_SIZE;
      if (this.#pending.length > needed) {
        let all = this.#pending.takeAll();
        if (!this.#prefix) all = this.#readHeader(all);
        let offset = 0;
        while (all.length - offset > STORED_SEGMENT_SIZE) {
          this.#open(all.subarray(offset, offset + STORED_SEGMENT_SIZE), false);
          offset += STORED_SEGMENT_SIZE;
        }
        this.#pending.push(all.subarray(offset));
      }
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }

  override _flush(callback: TransformCallback): void {
    try {
      let rest = this.#pending.takeAll();
      if (!this.#prefix) {
        if (rest.length < HEADER_SIZE) throw this.#corrupt('it is shorter than the encrypted-artifact header');
        rest = this.#readHeader(rest);
      }
      // Whatever is left is the final segment; at most one full segment can remain here.
      if (rest.length < TAG_LENGTH) throw this.#corrupt('the final segment is missing or cut short');
      this.#open(rest, true);
      callback();
    } catch (err) {
      callback(err as Error);
    }
  }
}

/** A stream that encrypts under `dataKey`. */
export function createEncryptStream(dataKey: Buffer): EncryptStream {
  return new EncryptStream(dataKey);
}

/** A stream that decrypts a body encrypted under `dataKey`; `label` names the object in errors. */
export function createDecryptStream(dataKey: Buffer, label: string): DecryptStream {
  return new DecryptStream(dataKey, label);
}

/** Encrypts a whole buffer at once (the same format as EncryptStream), for small bodies. */
export function encryptBuffer(dataKey: Buffer, plaintext: Buffer): Buffer {
  const { header, prefix } = newHeader();
  const parts: Buffer[] = [header];
  const segments = plaintext.length === 0 ? 1 : Math.ceil(plaintext.length / SEGMENT_SIZE);
  for (let i = 0; i < segments; i++) {
    parts.push(sealSegment(dataKey, prefix, i, plaintext.subarray(i * SEGMENT_SIZE, (i + 1) * SEGMENT_SIZE), i === segments - 1));
  }
  return Buffer.concat(parts);
}
