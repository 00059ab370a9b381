import { Readable, pipeline } from 'node:stream';
import { sql } from 'kysely';
import type { PuenteDb } from '../../db/index.js';
import { PuenteError } from '../../errors/index.js';
import type { ArtifactEntry, ArtifactStore } from '../artifact-store.js';
import { joinKeys } from '../artifact-path.js';
import {
  createDecryptStream,
  createEncryptStream,
  encryptBuffer,
  generateDataKey,
  plaintextSize,
  SEGMENT_SIZE,
  unwrapDataKey,
  UnwrapError,
  wrapDataKey,
} from './envelope.js';
import type { MasterKey } from './master-key.js';

/** What an EncryptedArtifactStore is built from. */
export interface EncryptedArtifactStoreOptions {
  /** Where the encrypted bytes go; it never sees plaintext of objects written through this store. */
  readonly inner: ArtifactStore;
  /** Holds the wrapped data keys (table artifact_data_keys, keyed by artifact key). */
  readonly db: PuenteDb;
  readonly masterKey: MasterKey;
}

interface KeyRow {
  master_key_id: string;
  wrapped_key: string;
  created_at: number;
}

/** Key rows looked up per query when listing; far below every engine's parameter limit. */
const LOOKUP_BATCH = 500;
/** Buffers up to this size are encrypted in one go, so small files stay a single PUT on S3. */
const BUFFER_LIMIT = 8 * 1024 * 1024;

/** Escapes LIKE wildcards so `value` matches only itself; pair with `ESCAPE '\'`. */
function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** Message for an object whose key row names a master key other than the configured one. */
function keyMismatchError(objectKey: string, storedKeyId: string, configuredKeyId: string): PuenteError {
  return new PuenteError(
    'ENCRYPTION_KEY_MISMATCH',
    `Artifact '${objectKey}' was encrypted under master key ${storedKeyId}, but the configured master key is ${configuredKeyId}. ` +
      'Configure the master key the object was written with, or run `puente admin rotate-key` to re-wrap data keys under the new key.',
    { objectKey, storedKeyId, configuredKeyId },
  );
}

/**
 * Encrypts artifacts at rest on top of any other store (envelope encryption, see envelope.ts).
 *
 * Objects that have no key row were written before encryption was turned on: they are served
 * unchanged, so enabling encryption on an existing deployment needs no migration of old
 * artifacts. Everything written through this store is encrypted.
 *
 * Keys rows are indexed by the artifact key alone, so one database should back one encrypted
 * artifact root. Concurrent writes of the same key are not ordered against each other: if two
 * writers race, the key row and the bytes may come from different writers and the object then
 * reads as corrupt (never as wrong plaintext).
 */
export class EncryptedArtifactStore implements ArtifactStore {
  readonly #inner: ArtifactStore;
  readonly #db: PuenteDb;
  readonly #masterKey: MasterKey;

  constructor(options: EncryptedArtifactStoreOptions) {
    this.#inner = options.inner;
    this.#db = options.db;
    this.#masterKey = options.masterKey;
  }

  get description(): string {
    return `${this.#inner.description} (encrypted)`;
  }

  /** The id of the configured master key, for logs. */
  get masterKeyId(): string {
    return this.#masterKey.id;
  }

  async #row(key: string): Promise<KeyRow | undefined> {
    return this.#db.kysely
      .selectFrom('artifact_data_keys')
      .select(['master_key_id', 'wrapped_key', 'created_at'])
      .where('object_key', '=', key)
      .executeTakeFirst();
  }

  async #saveRow(key: string, row: KeyRow): Promise<void> {
    await this.#db.kysely
      .insertInto('artifact_data_keys')
      .values({ object_key: key, ...row })
      .onConflict((oc) => oc.column('object_key').doUpdateSet({ master_key_id: row.master_key_id, wrapped_key: row.wrapped_key, created_at: row.created_at }))
      .execute();
  }

  #dataKey(key: string, row: KeyRow): Buffer {
    if (row.master_key_id !== this.#masterKey.id) throw keyMismatchError(key, row.master_key_id, this.#masterKey.id);
    try {
      return unwrapDataKey(this.#masterKey, row.wrapped_key);
    } catch (err) {
      if (!(err instanceof UnwrapError)) throw err;
      // Same key id but the tag fails: the row was altered, or (astronomically unlikely) two keys share an id.
      throw new PuenteError(
        'ENCRYPTION_KEY_MISMATCH',
        `The data key of artifact '${key}' cannot be unwrapped: the master key does not match the one it was wrapped with (key id ${row.master_key_id}), or the key row is damaged.`,
        { objectKey: key, storedKeyId: row.master_key_id, configuredKeyId: this.#masterKey.id },
      );
    }
  }

  /** Plaintext size for display; a size no encrypted body can have is shown as stored, and reading it reports the damage. */
  #shownSize(stored: number): number {
    try {
      return plaintextSize(stored);
    } catch {
      return stored;
    }
  }

  async put(key: string, body: Buffer | Readable): Promise<{ size: number }> {
    const dataKey = generateDataKey();
    const previous = await this.#row(key);
    // The key row goes in first. A crash after this but before the bytes land leaves a row with
    // no object (harmless) rather than an encrypted object with no row, which would be served
    // as if it were plaintext. Overwriting replaces the row.
    await this.#saveRow(key, { master_key_id: this.#masterKey.id, wrapped_key: wrapDataKey(this.#masterKey, dataKey), created_at: Date.now() });
    try {
      if (Buffer.isBuffer(body) && body.length <= BUFFER_LIMIT) {
        await this.#inner.put(key, encryptBuffer(dataKey, body));
        return { size: body.length };
      }
      const source = Buffer.isBuffer(body) ? Readable.from(chunks(body)) : body;
      const encrypt = createEncryptStream(dataKey);
      // pipeline (not pipe) so an error on either side tears down both streams.
      const encrypted = pipeline(source, encrypt, () => undefined);
      try {
        await this.#inner.put(key, encrypted);
      } catch (err) {
        encrypted.destroy();
        throw err;
      }
      return { size: encrypt.plaintextBytes };
    } catch (err) {
      // Both stores replace objects atomically, so after a failed write the old bytes (if any)
      // are still there: put back the key that opens them.
      await (previous ? this.#saveRow(key, previous) : this.#deleteRows(key, false)).catch(() => undefined);
      throw err;
    }
  }

  async get(key: string): Promise<{ stream: Readable; size: number }> {
    const row = await this.#row(key);
    // No key row: written before encryption was enabled; served as stored.
    if (!row) return this.#inner.get(key);
    const dataKey = this.#dataKey(key, row);
    const stored = await this.#inner.get(key);
    let size: number;
    try {
      size = plaintextSize(stored.size);
    } catch {
      stored.stream.destroy();
      throw new PuenteError('INTERNAL_ERROR', `The artifact '${key}' is corrupt or was tampered with: its stored size (${stored.size} bytes) is not a possible encrypted size.`);
    }
    const decrypt = createDecryptStream(dataKey, `artifact '${key}'`);
    const stream = pipeline(stored.stream, decrypt, () => undefined);
    return { stream, size };
  }

  async stat(key: string): Promise<{ size: number } | null> {
    const info = await this.#inner.stat(key);
    if (!info) return null;
    const row = await this.#row(key);
    return row ? { size: this.#shownSize(info.size) } : info;
  }

  async list(dirKey: string): Promise<ArtifactEntry[]> {
    const entries = await this.#inner.list(dirKey);
    const files = entries.filter((e) => !e.isDir).map((e) => joinKeys(dirKey, e.name));
    const encrypted = new Set<string>();
    for (let i = 0; i < files.length; i += LOOKUP_BATCH) {
      const rows = await this.#db.kysely
        .selectFrom('artifact_data_keys')
        .select('object_key')
        .where('object_key', 'in', files.slice(i, i + LOOKUP_BATCH))
        .execute();
      for (const r of rows) encrypted.add(r.object_key);
    }
    return entries.map((e) =>
      !e.isDir && e.size !== undefined && encrypted.has(joinKeys(dirKey, e.name)) ? { ...e, size: this.#shownSize(e.size) } : e,
    );
  }

  async delete(key: string): Promise<void> {
    // Bytes first, keys second: a crash in between leaves orphan key rows (harmless), never
    // encrypted bytes without their key, which would read back as if they were plaintext.
    await this.#inner.delete(key);
    await this.#deleteRows(key, true);
  }

  /** Deletes the key row of `key`, and with `below` every row under `key/` too. */
  async #deleteRows(key: string, below: boolean): Promise<void> {
    let query = this.#db.kysely.deleteFrom('artifact_data_keys');
    if (key === '') {
      // The root: the inner store has just removed everything (or refused to).
      if (!below) return;
    } else if (below) {
      // Keys may contain % and _, which are LIKE wildcards; escape them so 'a_b' does not also
      // take the keys of 'axb'. The escape clause is written out because the dialect helpers
      // in db/capabilities use LIKE without an escape character; both engines accept this form.
      const pattern = `${escapeLike(key)}/%`;
      query = query.where((eb) => eb.or([eb('object_key', '=', key), sql<boolean>`${eb.ref('object_key')} LIKE ${pattern} ESCAPE ${'\\'}`]));
    } else {
      query = query.where('object_key', '=', key);
    }
    await query.execute();
  }

  async checkWritable(): Promise<void> {
    await this.#inner.checkWritable();
    // Writes also need the key table; a missing migration should show up in /health/ready.
    await this.#db.kysely.selectFrom('artifact_data_keys').select('object_key').limit(1).execute();
  }
}

/** Splits a large buffer into segment-sized chunks so encryption never copies it whole. */
function* chunks(body: Buffer): Generator<Buffer> {
  for (let offset = 0; offset < body.length; offset += SEGMENT_SIZE * 16) yield body.subarray(offset, offset + SEGMENT_SIZE * 16);
}
