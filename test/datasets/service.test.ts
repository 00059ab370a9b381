import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Readable } from 'node:stream';
import { ARTIFACT_BACKENDS, DIALECTS } from '../helpers/test-app.js';
import { DatasetService } from '../../src/datasets/index.js';
import { NotFoundError } from '../../src/errors/index.js';
import type { PuenteDb } from '../../src/db/index.js';
import type { ArtifactStore } from '../../src/artifacts/index.js';

describe.each(DIALECTS)('dataset service ($name)', (dialect) => {
  let db: PuenteDb;
  let store: ArtifactStore;
  const cleanups: (() => Promise<void>)[] = [];
  let clock = Date.UTC(2026, 0, 1);

  beforeAll(async () => {
    const d = await dialect.open();
    db = d.db;
    cleanups.push(d.cleanup);
    const a = await ARTIFACT_BACKENDS[0]!.open();
    store = a.store;
    cleanups.push(a.cleanup);
  });
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it('drops uploads abandoned for a day, with the bytes they stored', async () => {
    const service = new DatasetService({ db, artifacts: store, now: () => clock });
    await service.createDataset('d');
    const { upload_id: old } = await service.startUpload('d');
    await service.uploadFile('d', old, 'a.csv', Readable.from([Buffer.from('x,y\n1,2\n')]));
    expect((await store.list(`datasets/objects/${old}`)).length).toBe(1);
    clock += 25 * 3_600_000;
    const { upload_id: fresh } = await service.startUpload('d');
    await expect(service.commitUpload('d', old)).rejects.toThrow(NotFoundError);
    expect(await store.list(`datasets/objects/${old}`)).toEqual([]);
    // The new one is untouched and commits.
    await service.uploadFile('d', fresh, 'a.csv', Readable.from([Buffer.from('x,y\n1,2\n')]));
    expect((await service.commitUpload('d', fresh, { message: 'kept' })).version).toMatchObject({ version: 1, row_count: 1, message: 'kept' });
  });
});
