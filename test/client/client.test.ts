import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { PuenteApiError, PuenteClient, PuenteUnreachableError, downloadFile, uploadFile } from '../../src/client/index.js';
import { ARTIFACT_BACKENDS, DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';

for (const dialect of DIALECTS) {
  describe(`${dialect.name}: the TypeScript SDK against a listening server`, () => {
    let t: TestApp;
    let client: PuenteClient;
    beforeAll(async () => {
      t = await makeTestApp(dialect);
      const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
      client = new PuenteClient({ baseUrl: address });
    });
    afterAll(async () => t.close());

    it('tracks an experiment end to end', async () => {
      const exp = await client.experiments.create({ name: 'sdk', tags: [{ key: 'team', value: 'ml' }] });
      expect(await client.experiments.getByName('sdk')).toMatchObject({ experiment_id: exp.experiment_id, tags: [{ key: 'team', value: 'ml' }] });
      const runs = [];
      for (let i = 0; i < 5; i++) {
        const run = await client.runs.create({ experiment_id: exp.experiment_id, run_name: `r${i}` });
        await client.runs.logBatch(run.info.run_id, {
          params: [{ key: 'model', value: i % 2 ? 'gbdt' : 'logreg' }],
          metrics: [0, 1, 2].map((step) => ({ key: 'auc', value: 0.5 + i / 10 + step / 100, timestamp: 1000 + step, step })),
        });
        runs.push(run.info.run_id);
      }
      await client.runs.end(runs[0]);
      expect((await client.runs.get(runs[0])).info.status).toBe('FINISHED');
      expect((await client.runs.metricHistory(runs[4], 'auc')).map((m) => m.step)).toEqual([0, 1, 2]);

      const found: string[] = [];
      for await (const run of client.runs.searchAll({ experiment_ids: [exp.experiment_id], filter: "params.model = 'gbdt'", order_by: ['metrics.auc DESC'], max_results: 1 })) {
        found.push(run.info.run_name);
      }
      expect(found).toEqual(['r3', 'r1']);
    });

    it('registers models and reads lineage', async () => {
      const run = await client.runs.create({ experiment_id: '0' });
      await client.models.create('sdk-model');
      const v = await client.models.createVersion('sdk-model', { source: `runs:/${run.info.run_id}/model` });
      await client.models.setAlias('sdk-model', 'champion', v.version);
      expect((await client.models.getVersion('sdk-model', '@champion')).version).toBe(1);
      expect((await client.models.lineage('sdk-model', '@champion')).run?.info.run_id).toBe(run.info.run_id);
      expect((await client.models.setStage('sdk-model', 1, 'Staging')).current_stage).toBe('Staging');
      expect((await client.models.versions('sdk-model')).map((x) => x.version)).toEqual([1]);
    });

    it('uploads, lists and downloads artifacts byte for byte', async () => {
      const run = await client.runs.create({ experiment_id: '0' });
      const dir = mkdtempSync(join(tmpdir(), 'puente-sdk-'));
      const source = join(dir, 'weights.bin');
      writeFileSync(source, randomBytes(2 * 1024 * 1024 + 17));
      const seen: number[] = [];
      await uploadFile(client, run.info.run_id, source, 'model/weights.bin', (done) => seen.push(done));
      expect(seen.at(-1)).toBe(2 * 1024 * 1024 + 17);
      expect(await client.artifacts.list(run.info.run_id)).toEqual([{ path: 'model', is_dir: true }]);
      expect(await client.artifacts.list(run.info.run_id, 'model')).toEqual([{ path: 'model/weights.bin', is_dir: false, file_size: 2 * 1024 * 1024 + 17 }]);
      const target = join(dir, 'copy.bin');
      expect(await downloadFile(client, run.info.run_id, 'model/weights.bin', target)).toBe(2 * 1024 * 1024 + 17);
      expect(readFileSync(target).equals(readFileSync(source))).toBe(true);
    });

    it('raises typed errors carrying the stable code', async () => {
      const err = await client.models.get('missing').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(PuenteApiError);
      expect(err).toMatchObject({ status: 404, code: 'RESOURCE_DOES_NOT_EXIST' });
      const bad = await client.experiments.create({ name: '' }).catch((e: unknown) => e);
      expect(bad).toMatchObject({ status: 400, code: 'INVALID_PARAMETER_VALUE' });
    });
  });
}

describe('the SDK without a server', () => {
  it('says which URL it tried and how to start a server', async () => {
    const client = new PuenteClient({ baseUrl: 'http://127.0.0.1:9' });
    const err = await client.experiments.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PuenteUnreachableError);
    expect((err as Error).message).toContain('http://127.0.0.1:9');
    expect((err as Error).message).toContain('puente server');
  });

  it('works against an S3 artifact store too', async () => {
    const s3 = await ARTIFACT_BACKENDS[1].open();
    const t = await makeTestApp(DIALECTS[0], s3.store);
    try {
      const client = new PuenteClient({ baseUrl: await t.app.listen({ host: '127.0.0.1', port: 0 }) });
      const run = await client.runs.create({});
      await client.artifacts.upload(run.info.run_id, 'notes/a.txt', 'hello');
      const res = await client.artifacts.download(run.info.run_id, 'notes/a.txt');
      expect(await res.text()).toBe('hello');
    } finally {
      await t.close();
      await s3.cleanup();
    }
  });
});
