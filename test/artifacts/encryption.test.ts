import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EncryptedArtifactStore,
  encryptedSize,
  generateMasterKeyText,
  HEADER_SIZE,
  parseMasterKey,
  plaintextSize,
  rotateMasterKey,
  SEGMENT_SIZE,
  TAG_LENGTH,
  type ArtifactStore,
  type MasterKey,
} from '../../src/artifacts/index.js';
import type { PuenteDb } from '../../src/db/index.js';
import { isPuenteError, NotFoundError, PuenteError } from '../../src/errors/index.js';
import { ARTIFACT_BACKENDS, DIALECTS } from '../helpers/backends.js';
import { runArtifactStoreContract } from '../contracts/artifact-store.contract.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

async function readStore(store: ArtifactStore, key: string): Promise<Buffer> {
  return readAll((await store.get(key)).stream);
}

/** Reads a key through the store, expecting the read (the open or the stream) to fail. */
async function readError(store: ArtifactStore, key: string): Promise<PuenteError> {
  try {
    await readStore(store, key);
  } catch (err) {
    expect(isPuenteError(err)).toBe(true);
    return err as PuenteError;
  }
  throw new Error(`reading ${key} unexpectedly succeeded`);
}

function newKey(): MasterKey {
  return parseMasterKey(generateMasterKeyText(), 'test key');
}

describe('master keys', () => {
  it('parses hex and base64, and identifies a key by a fingerprint', () => {
    const raw = randomBytes(32);
    const fromHex = parseMasterKey(`  ${raw.toString('hex')}\n`, 'PUENTE_MASTER_KEY');
    const fromBase64 = parseMasterKey(raw.toString('base64'), 'PUENTE_MASTER_KEY');
    const fromBase64Url = parseMasterKey(raw.toString('base64url'), 'PUENTE_MASTER_KEY');
    expect(fromHex.key.equals(raw)).toBe(true);
    expect(fromBase64.key.equals(raw)).toBe(true);
    expect(fromBase64Url.key.equals(raw)).toBe(true);
    expect(fromHex.id).toBe(sha(raw).slice(0, 16));
    expect(fromBase64.id).toBe(fromHex.id);
    // The key material stays out of logs and JSON.
    expect(JSON.stringify(fromHex)).not.toContain(raw.toString('hex'));
    expect(Buffer.from(generateMasterKeyText(), 'base64')).toHaveLength(32);
  });

  it.each(['', 'abc', randomBytes(31).toString('hex'), randomBytes(33).toString('base64'), randomBytes(16).toString('base64'), `${randomBytes(32).toString('hex')}00`, '!'.repeat(44)])(
    'refuses %j, naming the source and not echoing the text',
    (text) => {
      try {
        parseMasterKey(text, 'PUENTE_MASTER_KEY');
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(PuenteError);
        expect((err as PuenteError).code).toBe('INVALID_PARAMETER_VALUE');
        expect((err as PuenteError).message).toContain('PUENTE_MASTER_KEY must be 32 bytes as 64 hex characters or base64');
        if (text.length > 3) expect((err as PuenteError).message).not.toContain(text);
      }
    },
  );
});

describe('envelope sizes', () => {
  it('plaintextSize inverts encryptedSize', () => {
    const sizes = [0, 1, 100, SEGMENT_SIZE - 1, SEGMENT_SIZE, SEGMENT_SIZE + 1, 2 * SEGMENT_SIZE, 2 * SEGMENT_SIZE + 5, 1_000_000, 12 * 1024 * 1024];
    for (const n of sizes) expect(plaintextSize(encryptedSize(n))).toBe(n);
    expect(encryptedSize(0)).toBe(HEADER_SIZE + TAG_LENGTH);
    expect(encryptedSize(SEGMENT_SIZE)).toBe(HEADER_SIZE + SEGMENT_SIZE + TAG_LENGTH);
    expect(encryptedSize(SEGMENT_SIZE + 1)).toBe(HEADER_SIZE + SEGMENT_SIZE + 1 + 2 * TAG_LENGTH);
  });

  it('refuses sizes no encrypted body can have', () => {
    for (const bad of [0, HEADER_SIZE, HEADER_SIZE + TAG_LENGTH - 1, HEADER_SIZE + SEGMENT_SIZE + TAG_LENGTH + 5, HEADER_SIZE + SEGMENT_SIZE + 2 * TAG_LENGTH]) {
      expect(() => plaintextSize(bad)).toThrow(RangeError);
    }
  });
});

interface Fixture {
  db: PuenteDb;
  inner: ArtifactStore;
  key: MasterKey;
  store: EncryptedArtifactStore;
}

for (const dialect of DIALECTS) {
  for (const backend of ARTIFACT_BACKENDS) {
    describe(`EncryptedArtifactStore on ${backend.name} with ${dialect.name}`, () => {
      let f: Fixture;
      let cleanups: Array<() => Promise<void>> = [];
      beforeAll(async () => {
        const opened = await dialect.open();
        const art = await backend.open();
        cleanups = [art.cleanup, opened.cleanup];
        const key = newKey();
        f = { db: opened.db, inner: art.store, key, store: new EncryptedArtifactStore({ inner: art.store, db: opened.db, masterKey: key }) };
      });
      afterAll(async () => {
        for (const c of cleanups) await c();
      });

      const withKey = (key: MasterKey) => new EncryptedArtifactStore({ inner: f.inner, db: f.db, masterKey: key });
      const keyRows = async () => (await f.db.kysely.selectFrom('artifact_data_keys').select('object_key').orderBy('object_key').execute()).map((r) => r.object_key);

      it('describes itself as encrypted', () => {
        expect(f.store.description).toBe(`${f.inner.description} (encrypted)`);
      });

      it.each([
        ['small', 100],
        ['empty', 0],
        ['exactly one segment', SEGMENT_SIZE],
        ['one segment and a byte', SEGMENT_SIZE + 1],
        ['1 MiB and a bit', 1024 * 1024 + 12_345],
      ])('round-trips a %s file (%i bytes) from a buffer and from a stream', async (_label, size) => {
        const bytes = randomBytes(size);
        const key = `rt/${size}.bin`;
        expect(await f.store.put(key, bytes)).toEqual({ size });
        const got = await f.store.get(key);
        expect(got.size).toBe(size);
        expect(sha(await readAll(got.stream))).toBe(sha(bytes));
        expect((await f.inner.stat(key))?.size).toBe(encryptedSize(size));

        // Odd chunk sizes, so segment boundaries fall inside chunks.
        const parts: Buffer[] = [];
        for (let o = 0; o < size; o += 7919) parts.push(bytes.subarray(o, o + 7919));
        expect(await f.store.put(`${key}.stream`, Readable.from(parts))).toEqual({ size });
        expect(sha(await readStore(f.store, `${key}.stream`))).toBe(sha(bytes));
        expect(await f.store.stat(`${key}.stream`)).toEqual({ size });
      });

      it('round-trips a large buffer body (streamed internally)', async () => {
        const bytes = randomBytes(9 * 1024 * 1024 + 3);
        expect(await f.store.put('rt/large.bin', bytes)).toEqual({ size: bytes.length });
        expect(sha(await readStore(f.store, 'rt/large.bin'))).toBe(sha(bytes));
      });

      it('stores no plaintext in the inner store', async () => {
        const marker = 'PUENTE-PLAINTEXT-MARKER-7f3a9c';
        const body = Buffer.from(`${marker}\n`.repeat(5000));
        await f.store.put('secret/notes.txt', body);
        await f.store.put('secret/streamed.txt', Readable.from([body.subarray(0, 1000), body.subarray(1000)]));
        for (const key of ['secret/notes.txt', 'secret/streamed.txt']) {
          const stored = await readStore(f.inner, key);
          expect(stored.subarray(0, 4).toString()).toBe('PNTE');
          expect(stored.includes(Buffer.from(marker))).toBe(false);
          expect(stored.includes(Buffer.from(marker.slice(0, 12)))).toBe(false);
          expect((await readStore(f.store, key)).equals(body)).toBe(true);
        }
      });

      it('refuses a wrong master key with a clear error, not garbage', async () => {
        await f.store.put('wrong/key.bin', Buffer.from('some bytes'));
        const other = newKey();
        const err = await readError(withKey(other), 'wrong/key.bin');
        expect(err.code).toBe('ENCRYPTION_KEY_MISMATCH');
        expect(err.status).toBe(500);
        expect(err.message).toContain(f.key.id);
        expect(err.message).toContain(other.id);
        expect(err.message).toContain('puente admin rotate-key');
      });

      it('reports a key row that does not unwrap under its own key id', async () => {
        await f.store.put('wrong/row.bin', Buffer.from('x'));
        // A row claiming the configured key id but wrapped under another key.
        const forged = withKey(newKey());
        await forged.put('wrong/forged.bin', Buffer.from('y'));
        const forgedRow = await f.db.kysely.selectFrom('artifact_data_keys').select('wrapped_key').where('object_key', '=', 'wrong/forged.bin').executeTakeFirstOrThrow();
        await f.db.kysely.updateTable('artifact_data_keys').set({ wrapped_key: forgedRow.wrapped_key }).where('object_key', '=', 'wrong/row.bin').execute();
        const err = await readError(f.store, 'wrong/row.bin');
        expect(err.code).toBe('ENCRYPTION_KEY_MISMATCH');
        expect(err.message).toContain('master key does not match');
        // Leave no rows under stray keys for the rotation test.
        await f.store.delete('wrong');
      });

      it('detects a flipped byte in any part of the stored object', async () => {
        const bytes = randomBytes(3 * SEGMENT_SIZE + 100);
        await f.store.put('tamper/flip.bin', bytes);
        const stored = await readStore(f.inner, 'tamper/flip.bin');
        for (const at of [2, HEADER_SIZE - 1, HEADER_SIZE + 10, HEADER_SIZE + SEGMENT_SIZE + 20, stored.length - 1]) {
          const copy = Buffer.from(stored);
          copy[at] ^= 0x01;
          await f.inner.put('tamper/flip.bin', copy);
          const err = await readError(f.store, 'tamper/flip.bin');
          expect(err.message).toContain("artifact 'tamper/flip.bin' is corrupt or was tampered with");
        }
        await f.inner.put('tamper/flip.bin', stored);
        expect(sha(await readStore(f.store, 'tamper/flip.bin'))).toBe(sha(bytes));
      });

      it('never emits the plaintext of a segment that fails authentication', async () => {
        const bytes = randomBytes(3 * SEGMENT_SIZE);
        await f.store.put('tamper/partial.bin', bytes);
        const stored = await readStore(f.inner, 'tamper/partial.bin');
        stored[HEADER_SIZE + SEGMENT_SIZE + TAG_LENGTH + 5] ^= 0xff; // inside segment 1
        await f.inner.put('tamper/partial.bin', stored);
        const received: Buffer[] = [];
        const { stream } = await f.store.get('tamper/partial.bin');
        await expect(
          (async () => {
            for await (const chunk of stream) received.push(Buffer.from(chunk));
          })(),
        ).rejects.toThrow(/corrupt or was tampered with/);
        const got = Buffer.concat(received);
        expect(got.length).toBeLessThanOrEqual(SEGMENT_SIZE);
        expect(got.equals(bytes.subarray(0, got.length))).toBe(true);
      });

      it('detects truncation by a whole segment, and reordered segments', async () => {
        const bytes = randomBytes(2 * SEGMENT_SIZE + 500);
        await f.store.put('tamper/cut.bin', bytes);
        const stored = await readStore(f.inner, 'tamper/cut.bin');
        const seg = SEGMENT_SIZE + TAG_LENGTH;
        // Drop the final (partial) segment: the object now ends at a segment boundary.
        await f.inner.put('tamper/cut.bin', stored.subarray(0, HEADER_SIZE + 2 * seg));
        expect((await readError(f.store, 'tamper/cut.bin')).message).toMatch(/corrupt or was tampered with/);
        // Only the header is left.
        await f.inner.put('tamper/cut.bin', stored.subarray(0, HEADER_SIZE));
        expect((await readError(f.store, 'tamper/cut.bin')).message).toMatch(/corrupt or was tampered with/);
        // Swap the two full segments.
        const swapped = Buffer.concat([stored.subarray(0, HEADER_SIZE), stored.subarray(HEADER_SIZE + seg, HEADER_SIZE + 2 * seg), stored.subarray(HEADER_SIZE, HEADER_SIZE + seg), stored.subarray(HEADER_SIZE + 2 * seg)]);
        await f.inner.put('tamper/cut.bin', swapped);
        expect((await readError(f.store, 'tamper/cut.bin')).message).toMatch(/corrupt or was tampered with/);
        // A one-segment object truncated to nothing but a tag-less stub.
        await f.store.put('tamper/one.bin', Buffer.from('tiny'));
        const one = await readStore(f.inner, 'tamper/one.bin');
        await f.inner.put('tamper/one.bin', one.subarray(0, one.length - 1));
        expect((await readError(f.store, 'tamper/one.bin')).message).toMatch(/corrupt or was tampered with/);
      });

      it('serves objects written before encryption was enabled unchanged', async () => {
        const legacy = Buffer.from('written in plaintext, before encryption');
        await f.inner.put('legacy/old.txt', legacy);
        expect((await readStore(f.store, 'legacy/old.txt')).equals(legacy)).toBe(true);
        expect(await f.store.stat('legacy/old.txt')).toEqual({ size: legacy.length });
        await f.store.put('legacy/new.txt', Buffer.from('new'));
        expect(await f.store.list('legacy')).toEqual([
          { name: 'new.txt', isDir: false, size: 3 },
          { name: 'old.txt', isDir: false, size: legacy.length },
        ]);
        // Overwriting a legacy object encrypts it.
        await f.store.put('legacy/old.txt', legacy);
        expect((await readStore(f.inner, 'legacy/old.txt')).includes(legacy)).toBe(false);
        expect((await readStore(f.store, 'legacy/old.txt')).equals(legacy)).toBe(true);
      });

      it('reports plaintext sizes from stat and list', async () => {
        await f.store.put('sizes/a.bin', randomBytes(10));
        await f.store.put('sizes/b.bin', randomBytes(SEGMENT_SIZE * 2 + 1));
        await f.store.put('sizes/empty.bin', Buffer.alloc(0));
        await f.store.put('sizes/dir/c.bin', randomBytes(5));
        expect(await f.store.stat('sizes/a.bin')).toEqual({ size: 10 });
        expect(await f.store.stat('sizes/empty.bin')).toEqual({ size: 0 });
        expect(await f.store.stat('sizes/nope.bin')).toBeNull();
        expect(await f.store.list('sizes')).toEqual([
          { name: 'a.bin', isDir: false, size: 10 },
          { name: 'b.bin', isDir: false, size: SEGMENT_SIZE * 2 + 1 },
          { name: 'dir', isDir: true },
          { name: 'empty.bin', isDir: false, size: 0 },
        ]);
        expect((await f.store.get('sizes/b.bin')).size).toBe(SEGMENT_SIZE * 2 + 1);
      });

      it('overwrites replace the key row', async () => {
        await f.store.put('over/x.bin', Buffer.from('first'));
        const before = await f.db.kysely.selectFrom('artifact_data_keys').selectAll().where('object_key', '=', 'over/x.bin').executeTakeFirstOrThrow();
        await f.store.put('over/x.bin', Buffer.from('second'));
        const after = await f.db.kysely.selectFrom('artifact_data_keys').selectAll().where('object_key', '=', 'over/x.bin').execute();
        expect(after).toHaveLength(1);
        expect(after[0].wrapped_key).not.toBe(before.wrapped_key);
        expect((await readStore(f.store, 'over/x.bin')).toString()).toBe('second');
      });

      it('keeps the old key row when a write fails, so the old bytes still read', async () => {
        await f.store.put('fail/x.bin', Buffer.from('original'));
        const failing = new Readable({
          read() {
            this.destroy(new Error('upload interrupted'));
          },
        });
        await expect(f.store.put('fail/x.bin', failing)).rejects.toThrow();
        expect((await readStore(f.store, 'fail/x.bin')).toString()).toBe('original');
        const failingNew = new Readable({
          read() {
            this.destroy(new Error('upload interrupted'));
          },
        });
        await expect(f.store.put('fail/new.bin', failingNew)).rejects.toThrow();
        expect(await keyRows()).not.toContain('fail/new.bin');
      });

      it('deletes the key rows of a file and of a whole directory, and only those', async () => {
        for (const k of ['del/one.txt', 'del/sub/two.txt', 'del/sub/deeper/three.txt', 'del/subway.txt', 'del/sub_x/y.txt', 'del/s%b/z.txt', 'del/sab/w.txt']) {
          await f.store.put(k, Buffer.from(k));
        }
        await f.store.delete('del/one.txt');
        expect(await f.store.stat('del/one.txt')).toBeNull();
        await f.store.delete('del/sub');
        expect(await f.store.list('del/sub')).toEqual([]);
        // Wildcards in the deleted key must not reach other keys.
        await f.store.delete('del/s_b');
        await f.store.delete('del/s%b');
        const rows = (await keyRows()).filter((k) => k.startsWith('del/'));
        expect(rows).toEqual(['del/sab/w.txt', 'del/sub_x/y.txt', 'del/subway.txt']);
        expect((await readStore(f.store, 'del/sub_x/y.txt')).toString()).toBe('del/sub_x/y.txt');
        expect((await readStore(f.store, 'del/sab/w.txt')).toString()).toBe('del/sab/w.txt');
      });

      it('reports missing objects as not found', async () => {
        await expect(f.store.get('missing/none.bin')).rejects.toBeInstanceOf(NotFoundError);
      });

      it('rotates the master key without touching artifact bytes, and can be re-run', async () => {
        const files = new Map<string, Buffer>();
        for (let i = 0; i < 5; i++) files.set(`rot/f${i}.bin`, randomBytes(i * 40_000));
        for (const [k, v] of files) await f.store.put(k, v);
        const storedBefore = new Map<string, string>();
        for (const k of files.keys()) storedBefore.set(k, sha(await readStore(f.inner, k)));
        const total = (await keyRows()).length;

        const next = newKey();
        expect(await rotateMasterKey(f.db, f.key, next)).toEqual({ rewrapped: total, skipped: 0 });
        // Re-running after completion (or after a crash) moves nothing twice.
        expect(await rotateMasterKey(f.db, f.key, next)).toEqual({ rewrapped: 0, skipped: total });

        const rotated = withKey(next);
        for (const [k, v] of files) {
          expect(sha(await readStore(f.inner, k))).toBe(storedBefore.get(k));
          expect(sha(await readStore(rotated, k))).toBe(sha(v));
          const err = await readError(f.store, k);
          expect(err.code).toBe('ENCRYPTION_KEY_MISMATCH');
          expect(err.message).toContain(next.id);
        }
        // A row under a third key stops the rotation, naming the key.
        const third = newKey();
        await withKey(third).put('rot/third.bin', Buffer.from('3'));
        await expect(rotateMasterKey(f.db, next, newKey())).rejects.toThrow(third.id);
        await f.store.delete('rot/third.bin');
        await expect(rotateMasterKey(f.db, next, next)).rejects.toThrow(/same as the old one/);

        // Rotate back so later tests keep using the fixture's key.
        expect(await rotateMasterKey(f.db, next, f.key)).toEqual({ rewrapped: (await keyRows()).length, skipped: 0 });
        for (const [k, v] of files) expect(sha(await readStore(f.store, k))).toBe(sha(v));
      });

      it('reports that it can be written', async () => {
        await expect(f.store.checkWritable()).resolves.toBeUndefined();
      });
    });
  }

  describe(`rotation in batches with ${dialect.name}`, () => {
    let db: PuenteDb;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ db, cleanup } = await dialect.open());
    });
    afterAll(async () => cleanup());

    it('re-wraps more rows than one batch holds, resuming after a partial run', async () => {
      const art = await ARTIFACT_BACKENDS[0].open();
      try {
        const oldKey = newKey();
        const store = new EncryptedArtifactStore({ inner: art.store, db, masterKey: oldKey });
        const n = 1234;
        for (let i = 0; i < n; i += 50) {
          await Promise.all(Array.from({ length: Math.min(50, n - i) }, (_, j) => store.put(`b/${String(i + j).padStart(5, '0')}.txt`, Buffer.from(`file ${i + j}`))));
        }
        const newer = newKey();
        // Simulate a crash part-way: some rows already moved to the new key.
        const moved = await db.kysely.selectFrom('artifact_data_keys').select(['object_key', 'wrapped_key']).orderBy('object_key').limit(700).execute();
        const { unwrapDataKey, wrapDataKey } = await import('../../src/artifacts/index.js');
        for (const r of moved) {
          await db.kysely
            .updateTable('artifact_data_keys')
            .set({ master_key_id: newer.id, wrapped_key: wrapDataKey(newer, unwrapDataKey(oldKey, r.wrapped_key)) })
            .where('object_key', '=', r.object_key)
            .execute();
        }
        expect(await rotateMasterKey(db, oldKey, newer)).toEqual({ rewrapped: n - 700, skipped: 700 });
        const rotated = new EncryptedArtifactStore({ inner: art.store, db, masterKey: newer });
        for (const i of [0, 499, 500, 699, 700, 1233]) {
          expect((await readStore(rotated, `b/${String(i).padStart(5, '0')}.txt`)).toString()).toBe(`file ${i}`);
        }
      } finally {
        await art.cleanup();
      }
    });
  });
}

// The shared ArtifactStore behaviour, through the encrypting layer over a local directory.
runArtifactStoreContract('encrypted(local)', async () => {
  const opened = await DIALECTS[0].open();
  const art = await ARTIFACT_BACKENDS[0].open();
  return {
    store: new EncryptedArtifactStore({ inner: art.store, db: opened.db, masterKey: newKey() }),
    async cleanup() {
      await art.cleanup();
      await opened.cleanup();
    },
  };
});
