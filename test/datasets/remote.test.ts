import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ARTIFACT_BACKENDS, DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';
import { PuenteApiError, PuenteClient } from '../../src/client/index.js';
import { addLocalData, copyVersions } from '../../src/datasets/index.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/datasets');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/*
 * Two Puente servers on loopback, one storing on local disk and one on S3: versions copied from
 * one to the other (push and pull are the same copy seen from either side), resumed after an
 * interruption, and checked by sha256.
 */
describe.each(DIALECTS)('copying versions between servers ($name)', (dialect) => {
  let a: TestApp;
  let b: TestApp;
  let left: PuenteClient;
  let right: PuenteClient;
  let work: string;
  let s3: { cleanup(): Promise<void> };
  const credit = readFileSync(join(FIXTURES, 'credit_test.csv'));
  const drifted = readFileSync(join(FIXTURES, 'credit_drifted.csv'));
  const house = readFileSync(join(FIXTURES, 'house_test.csv'));

  beforeAll(async () => {
    a = await makeTestApp(dialect);
    const bucket = await ARTIFACT_BACKENDS[1]!.open();
    s3 = bucket;
    b = await makeTestApp(dialect, bucket.store);
    left = new PuenteClient({ baseUrl: await a.app.listen({ host: '127.0.0.1', port: 0 }) });
    right = new PuenteClient({ baseUrl: await b.app.listen({ host: '127.0.0.1', port: 0 }) });
    work = mkdtempSync(join(tmpdir(), 'puente-remote-'));
    for (const [name, bytes] of [['credit.csv', credit], ['drifted.csv', drifted], ['house.csv', house]] as const) writeFileSync(join(work, name), bytes);
    await addLocalData(left, 'credit', join(work, 'credit.csv'), { message: 'v1' });
    await addLocalData(left, 'credit', join(work, 'drifted.csv'), { message: 'v2' });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    await s3.cleanup();
    rmSync(work, { recursive: true, force: true });
  });

  it('copies every version, oldest first, with parents, messages and recomputed profiles', async () => {
    const copied = await copyVersions(left, right, 'credit', undefined);
    expect(copied.map((v) => [v.version, v.parent, v.message, v.created])).toEqual([[1, null, 'v1', true], [2, 1, 'v2', true]]);
    for (const n of [1, 2]) {
      const [x, y] = [await left.datasets.getVersion('credit', n), await right.datasets.getVersion('credit', n)];
      expect(y.digest).toBe(x.digest);
      expect(y.profile).toEqual(x.profile);
      expect(y.schema).toEqual(x.schema);
      expect(y.files).toEqual(x.files);
    }
    // Again: nothing to send, nothing new.
    const again = await copyVersions(left, right, 'credit', undefined);
    expect(again.map((v) => v.created)).toEqual([false, false]);
  });

  it('pulls a single version the other way', async () => {
    await addLocalData(right, 'house', join(work, 'house.csv'), { message: 'from the right' });
    const [pulled] = await copyVersions(right, left, 'house', 'latest');
    expect(pulled).toMatchObject({ name: 'house', version: 1, digest: sha256(house), created: true, message: 'from the right' });
    const res = await left.datasets.downloadFile('house', 1, 'house.csv');
    expect(Buffer.from(await res.arrayBuffer()).equals(house)).toBe(true);
  });

  it('resumes an interrupted copy from the bytes already received', async () => {
    writeFileSync(join(work, 'big.csv'), Buffer.concat([credit, drifted.subarray(drifted.indexOf('\n') + 1)]));
    const big = readFileSync(join(work, 'big.csv'));
    await addLocalData(left, 'big', join(work, 'big.csv'));
    await right.datasets.create('big');
    const digest = sha256(big);
    // The first part arrives, then the connection is lost.
    await right.datasets.putBlob('big', digest, 0, big.length, big.subarray(0, 200_000));
    expect(await right.datasets.blobStatus('big', digest)).toEqual({ digest, present: false, received: 200_000 });
    // A part that does not start where the received bytes end is refused.
    const gap = await right.datasets.putBlob('big', digest, 300_000, big.length, big.subarray(300_000, 400_000)).catch((e: unknown) => e as PuenteApiError);
    expect((gap as PuenteApiError).status).toBe(409);
    let sent = 0;
    const [v] = await copyVersions(left, right, 'big', 1, { partSize: 128 * 1024, onProgress: (done) => (sent = done) });
    expect(v).toMatchObject({ digest, row_count: 10_000, created: true });
    expect(sent).toBe(big.length);
    expect(await right.datasets.blobStatus('big', digest)).toEqual({ digest, present: true, received: big.length, size: big.length });
    const res = await right.datasets.downloadFile('big', 1, 'big.csv');
    expect(sha256(Buffer.from(await res.arrayBuffer()))).toBe(digest);
  });

  it('drops content whose bytes do not hash to the digest, and refuses versions whose content is missing', async () => {
    await right.datasets.create('forged');
    const claimed = sha256(Buffer.from('what was promised'));
    const err = await right.datasets.putBlob('forged', claimed, 0, 11, Buffer.from('other bytes')).catch((e: unknown) => e as PuenteApiError);
    expect((err as PuenteApiError).status).toBe(400);
    expect((err as PuenteApiError).message).toContain(`not ${claimed}`);
    expect(await right.datasets.blobStatus('forged', claimed)).toEqual({ digest: claimed, present: false, received: 0 });
    const v = await left.datasets.getVersion('credit', 1);
    const missing = await right.datasets
      .importVersion('forged', { digest: claimed, message: '', source: 'x', schema: v.schema, files: [{ ...v.files[0]!, digest: claimed }] })
      .catch((e: unknown) => e as PuenteApiError);
    expect((missing as PuenteApiError).message).toContain('Content not received yet');
    const wrongDigest = await right.datasets.importVersion('forged', { digest: claimed, message: '', source: 'x', schema: v.schema, files: v.files }).catch((e: unknown) => e as PuenteApiError);
    expect((wrongDigest as PuenteApiError).message).toContain('hash to version digest');
    expect((await right.datasets.get('forged')).latest_version).toBeNull();
  });
});
