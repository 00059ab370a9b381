import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';

for (const dialect of DIALECTS) {
  describe(`${dialect.name}: /api/v1 run artifacts`, () => {
    let t: TestApp;
    let runId: string;
    beforeAll(async () => {
      t = await makeTestApp(dialect);
      runId = (await t.services.tracking.createRun({ experiment_id: '0' })).info.run_id;
    });
    afterAll(async () => t.close());

    it('uploads, lists, downloads and deletes files under a run', async () => {
      const up = await t.app.inject({ method: 'PUT', url: `/api/v1/runs/${runId}/artifacts/model/model.json`, payload: '{"trees": []}', headers: { 'content-type': 'application/json' } });
      expect(up.json()).toEqual({ path: 'model/model.json', file_size: 13 });
      expect((await t.app.inject(`/api/v1/runs/${runId}/artifacts`)).json()).toEqual({ files: [{ path: 'model', is_dir: true }] });
      expect((await t.app.inject(`/api/v1/runs/${runId}/artifacts?path=model`)).json()).toEqual({ files: [{ path: 'model/model.json', is_dir: false, file_size: 13 }] });
      expect((await t.app.inject(`/api/v1/runs/${runId}/artifacts/model/model.json`)).body).toBe('{"trees": []}');
      const dir = await t.app.inject(`/api/v1/runs/${runId}/artifacts/model`);
      expect(dir.statusCode).toBe(400);
      expect(dir.json().message).toContain('is a directory');
      expect((await t.app.inject(`/api/v1/runs/${runId}/artifacts/absent.txt`)).statusCode).toBe(404);
      expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/runs/${runId}/artifacts/model` })).statusCode).toBe(204);
      expect((await t.app.inject(`/api/v1/runs/${runId}/artifacts`)).json()).toEqual({ files: [] });
    });

    it('refuses unknown runs, deleted runs and escaping paths', async () => {
      expect((await t.app.inject(`/api/v1/runs/${'f'.repeat(32)}/artifacts`)).json().error_code).toBe('RESOURCE_DOES_NOT_EXIST');
      expect((await t.app.inject({ url: `/api/v1/runs/${runId}/artifacts`, query: { path: '../../x' } })).statusCode).toBe(400);
      const deleted = (await t.services.tracking.createRun({ experiment_id: '0' })).info.run_id;
      await t.services.tracking.deleteRun(deleted);
      const res = await t.app.inject({ method: 'PUT', url: `/api/v1/runs/${deleted}/artifacts/a.txt`, payload: 'x', headers: { 'content-type': 'text/plain' } });
      expect(res.statusCode).toBe(400);
      expect(res.json().message).toContain('deleted');
    });
  });
}
