import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';

for (const dialect of DIALECTS) {
  describe(`${dialect.name}: /api/v1/models`, () => {
    let t: TestApp;
    let runId: string;
    let artifactUri: string;
    beforeAll(async () => {
      t = await makeTestApp(dialect);
      const run = await t.services.tracking.createRun({ experiment_id: '0', run_name: 'train' });
      runId = run.info.run_id;
      artifactUri = run.info.artifact_uri;
      await t.services.tracking.logInputs(runId, {
        datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset: { name: 'credit', digest: 'abc123', source_type: 'local', source: 'credit.csv' } }],
      });
    });
    afterAll(async () => t.close());

    const call = (method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
      t.app.inject({ method, url: `/api/v1${url}`, ...(payload === undefined ? {} : { payload: payload as object }) });

    it('registers a model and versions from a run, with aliases, stages, tags and lineage', async () => {
      const created = await call('POST', '/models', { name: 'credit', description: 'risk', tags: [{ key: 'team', value: 'ml' }] });
      expect(created.statusCode).toBe(201);
      expect(created.json()).toMatchObject({ name: 'credit', description: 'risk', tags: [{ key: 'team', value: 'ml' }], latest_versions: [] });

      const v1 = await call('POST', '/models/credit/versions', { source: `runs:/${runId}/model` });
      expect(v1.statusCode).toBe(201);
      expect(v1.json()).toMatchObject({ version: 1, run_id: runId, storage_location: `${artifactUri}/model`, status: 'READY', current_stage: 'None' });
      expect((await call('POST', '/models/credit/versions', { source: `runs:/${runId}/model` })).json().version).toBe(2);

      expect((await call('PUT', '/models/credit/aliases/champion', { version: 1 })).json()).toMatchObject({ version: 1, aliases: ['champion'] });
      expect((await call('GET', '/models/credit/versions/@champion')).json().version).toBe(1);
      expect((await call('GET', '/models/credit/aliases/champion')).json().version).toBe(1);

      const staged = await call('POST', '/models/credit/versions/2/stage', { stage: 'Production', archive_existing_versions: true });
      expect(staged.json().current_stage).toBe('Production');
      expect((await call('PUT', '/models/credit/versions/2/tags/validated', { value: 'yes' })).statusCode).toBe(204);
      const model = (await call('GET', '/models/credit')).json();
      expect(model.latest_versions.map((v: { version: number; current_stage: string }) => [v.version, v.current_stage])).toEqual([
        [1, 'None'],
        [2, 'Production'],
      ]);
      expect(model.aliases).toEqual([{ alias: 'champion', version: 1 }]);

      const lineage = (await call('GET', '/models/credit/versions/@champion/lineage')).json();
      expect(lineage.model_version.version).toBe(1);
      expect(lineage.run.info.run_id).toBe(runId);
      expect(lineage.datasets[0].dataset).toMatchObject({ name: 'credit', digest: 'abc123' });

      const versions = (await call('GET', '/models/credit/versions?max_results=1')).json();
      expect(versions.versions.map((v: { version: number }) => v.version)).toEqual([2]);
      const rest = (await call('GET', `/models/credit/versions?max_results=1&page_token=${encodeURIComponent(versions.next_page_token)}`)).json();
      expect(rest.versions.map((v: { version: number }) => v.version)).toEqual([1]);
      expect(rest.next_page_token).toBeUndefined();
    });

    it('renames a model with its versions and aliases, and deletes versions without reusing numbers', async () => {
      await call('POST', '/models', { name: 'old-name' });
      await call('POST', '/models/old-name/versions', { source: 's3://bucket/model-a' });
      await call('PUT', '/models/old-name/aliases/prod', { version: 1 });
      const renamed = await call('PATCH', '/models/old-name', { new_name: 'new-name', description: 'moved' });
      expect(renamed.json()).toMatchObject({ name: 'new-name', description: 'moved', aliases: [{ alias: 'prod', version: 1 }] });
      expect((await call('GET', '/models/old-name')).statusCode).toBe(404);
      expect((await call('DELETE', '/models/new-name/versions/1')).statusCode).toBe(204);
      expect((await call('POST', '/models/new-name/versions', { source: 's3://bucket/model-b' })).json().version).toBe(2);
      expect((await call('DELETE', '/models/new-name')).statusCode).toBe(204);
      expect((await call('GET', '/models/new-name')).json().error_code).toBe('RESOURCE_DOES_NOT_EXIST');
    });

    it('searches models with the MLflow filter grammar', async () => {
      await call('POST', '/models', { name: 'search-a', tags: [{ key: 'team', value: 'risk' }] });
      await call('POST', '/models', { name: 'search-b', tags: [{ key: 'team', value: 'ops' }] });
      const res = (await call('GET', `/models?filter=${encodeURIComponent("name LIKE 'search-%' AND tags.team = 'risk'")}`)).json();
      expect(res.models.map((m: { name: string }) => m.name)).toEqual(['search-a']);
      const ordered = (await call('GET', `/models?filter=${encodeURIComponent("name LIKE 'search-%'")}&order_by=name%20DESC`)).json();
      expect(ordered.models.map((m: { name: string }) => m.name)).toEqual(['search-b', 'search-a']);
    });

    it('answers bad input with a 4xx that names the problem and writes nothing', async () => {
      expect((await call('POST', '/models', { name: 'credit' })).json().error_code).toBe('RESOURCE_ALREADY_EXISTS');
      expect((await call('POST', '/models', {})).statusCode).toBe(400);
      const local = await call('POST', '/models/credit/versions', { source: '/etc/passwd' });
      expect(local.statusCode).toBe(400);
      expect(local.json().message).toContain('local paths');
      const traversal = await call('POST', '/models/credit/versions', { source: `runs:/${runId}/../../secret` });
      expect(traversal.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
      expect((await call('POST', '/models/credit/versions', { source: 'runs:/0123456789abcdef0123456789abcdef/m' })).statusCode).toBe(404);
      expect((await call('GET', '/models/credit/versions')).json().versions).toHaveLength(2);
      for (const alias of ['latest', 'v3', 'bad alias', 'x'.repeat(256)]) {
        expect((await call('PUT', `/models/credit/aliases/${encodeURIComponent(alias)}`, { version: 1 })).statusCode).toBe(400);
      }
      expect((await call('GET', '/models/credit/aliases/nobody')).json().error_code).toBe('INVALID_PARAMETER_VALUE');
      expect((await call('GET', '/models/credit/versions/99')).statusCode).toBe(404);
      expect((await call('GET', '/models/credit/versions/abc')).statusCode).toBe(400);
      expect((await call('POST', '/models/credit/versions/1/stage', { stage: 'Shipping' })).statusCode).toBe(400);
      expect((await call('GET', `/models?filter=${encodeURIComponent('metrics.a > 1')}`)).statusCode).toBe(400);
    });

    it('documents every route in the OpenAPI document', async () => {
      const doc = (await t.app.inject('/openapi.json')).json();
      expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/api/v1/models', '/api/v1/models/{name}/versions/{version}/lineage', '/api/v1/models/{name}/aliases/{alias}']));
    });
  });
}
