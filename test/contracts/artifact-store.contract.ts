import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../src/artifacts/index.js';
import { NotFoundError } from '../../src/errors/index.js';

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The behaviour every ArtifactStore must have; each implementation's test file runs it. */
export function runArtifactStoreContract(name: string, open: () => Promise<{ store: ArtifactStore; cleanup(): Promise<void> }>): void {
  describe(`${name}: ArtifactStore contract`, () => {
    let store: ArtifactStore;
    let cleanup: () => Promise<void>;
    beforeAll(async () => {
      ({ store, cleanup } = await open());
    });
    afterAll(async () => cleanup());

    it('round-trips a buffer and a stream, and overwrites', async () => {
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      expect(await store.put('a/b/bytes.bin', bytes)).toEqual({ size: 256 });
      const got = await store.get('a/b/bytes.bin');
      expect(got.size).toBe(256);
      expect((await readAll(got.stream)).equals(bytes)).toBe(true);

      await store.put('a/stream.txt', Readable.from([Buffer.from('hello '), Buffer.from('world')]));
      expect((await readAll((await store.get('a/stream.txt')).stream)).toString()).toBe('hello world');
      await store.put('a/stream.txt', Buffer.from('new'));
      expect((await readAll((await store.get('a/stream.txt')).stream)).toString()).toBe('new');
      expect(await store.stat('a/stream.txt')).toEqual({ size: 3 });
    });

    it('lists immediate children, sorted, with file sizes', async () => {
      await store.put('list/z.txt', Buffer.from('zz'));
      await store.put('list/a.txt', Buffer.from('a'));
      await store.put('list/dir/inner.txt', Buffer.from('inner'));
      expect(await store.list('list')).toEqual([
        { name: 'a.txt', isDir: false, size: 1 },
        { name: 'dir', isDir: true },
        { name: 'z.txt', isDir: false, size: 2 },
      ]);
      expect(await store.list('list/dir')).toEqual([{ name: 'inner.txt', isDir: false, size: 5 }]);
      expect(await store.list('no/such/dir')).toEqual([]);
      expect(await store.stat('list/dir')).toBeNull();
      expect(await store.stat('list/missing.txt')).toBeNull();
    });

    it('deletes files and whole directories, and ignores missing keys', async () => {
      await store.put('del/one.txt', Buffer.from('1'));
      await store.put('del/sub/two.txt', Buffer.from('2'));
      await store.put('del/sub/deeper/three.txt', Buffer.from('3'));
      await store.delete('del/one.txt');
      expect(await store.stat('del/one.txt')).toBeNull();
      await store.delete('del/sub');
      expect(await store.list('del/sub')).toEqual([]);
      await store.delete('del/never-there');
    });

    it('refuses to read what is not there', async () => {
      await expect(store.get('nothing/here.bin')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('streams a 12 MiB upload (multipart on S3) back byte for byte', async () => {
      const big = randomBytes(12 * 1024 * 1024);
      const chunks = Array.from({ length: 12 }, (_, i) => big.subarray(i * 1024 * 1024, (i + 1) * 1024 * 1024));
      expect((await store.put('big/blob.bin', Readable.from(chunks))).size).toBe(big.length);
      const got = await store.get('big/blob.bin');
      expect(got.size).toBe(big.length);
      expect(sha(await readAll(got.stream))).toBe(sha(big));
    });

    it('reports that it can be written', async () => {
      await expect(store.checkWritable()).resolves.toBeUndefined();
    });
  });
}
