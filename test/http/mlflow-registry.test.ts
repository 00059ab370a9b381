import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';

const API = '/api/2.0/mlflow';

for (const dialect of DIALECTS) {
  describe(`${dialect.name}: MLflow registry endpoints`, () => {
    let t: TestApp;
    let runId: string;
    let runArtifacts: string;
    beforeAll(async () => {
      t = await makeTestApp(dialect);
      const run = await t.services.tracking.createRun({ experiment_id: '0' });
      runId = run.info.run_id;
      runArtifacts = run.info.artifact_uri;
    });
    afterAll(async () => t.close());

    const post = (path: string, body: unknown) => t.app.inject({ method: 'POST', url: `${API}/${path}`, payload: body as object });
    const patch = (path: string, body: unknown) => t.app.inject({ method: 'PATCH', url: `${API}/${path}`, payload: body as object });
    const del = (path: string, body: unknown) => t.app.inject({ method: 'DELETE', url: `${API}/${path}`, payload: body as object });
    const get = (path: string, query: Record<string, string | string[]>) => t.app.inject({ method: 'GET', url: `${API}/${path}`, query });

    it('creates models and versions the way log_model(registered_model_name=…) does', async () => {
      const created = await post('registered-models/create', { name: 'm1', description: 'first', tags: [{ key: 'team', value: 'ml' }] });
      expect(created.statusCode).toBe(200);
      expect(created.json().registered_model).toMatchObject({ name: 'm1', description: 'first', tags: [{ key: 'team', value: 'ml' }] });
      expect(typeof created.json().registered_model.creation_timestamp).toBe('number');

      // A second create of the same name is the signal to just add a version.
      const again = await post('registered-models/create', { name: 'm1' });
      expect(again.statusCode).toBe(400);
      expect(again.json().error_code).toBe('RESOURCE_ALREADY_EXISTS');

      const v1 = (await post('model-versions/create', { name: 'm1', source: `runs:/${runId}/model`, run_id: runId, tags: [{ key: 'k', value: 'v' }] })).json();
      expect(v1.model_version).toMatchObject({ name: 'm1', version: '1', status: 'READY', current_stage: 'None', source: `runs:/${runId}/model`, run_id: runId, tags: [{ key: 'k', value: 'v' }], description: '', run_link: '' });
      const uri = (await get('model-versions/get-download-uri', { name: 'm1', version: '1' })).json();
      expect(uri).toEqual({ artifact_uri: `${runArtifacts}/model` });
    });

    it('registers a logged model (MLflow 3) and records the registration on it', async () => {
      const model = await t.services.tracking.createLoggedModel({ experiment_id: '0', name: 'clf', source_run_id: runId });
      const res = await post('model-versions/create', { name: 'm1', source: `models:/${model.info.model_id}`, model_id: model.info.model_id });
      expect(res.json().model_version).toMatchObject({ version: '2', run_id: runId, model_id: model.info.model_id });
      expect((await get('model-versions/get-download-uri', { name: 'm1', version: '2' })).json().artifact_uri).toBe(model.info.artifact_uri);
      const tag = (await t.services.tracking.getLoggedModel(model.info.model_id)).info.tags.find((x) => x.key === 'mlflow.modelVersions');
      expect(JSON.parse(tag!.value)).toEqual([{ name: 'm1', version: 2 }]);
    });

    it('sets, moves, reads and deletes aliases with MLflow answers', async () => {
      expect((await post('registered-models/alias', { name: 'm1', alias: 'champion', version: '1' })).json()).toEqual({});
      expect((await get('registered-models/alias', { name: 'm1', alias: 'champion' })).json().model_version).toMatchObject({ version: '1', aliases: ['champion'] });
      await post('registered-models/alias', { name: 'm1', alias: 'champion', version: '2' });
      expect((await get('registered-models/alias', { name: 'm1', alias: 'champion' })).json().model_version.version).toBe('2');
      expect((await get('registered-models/get', { name: 'm1' })).json().registered_model.aliases).toEqual([{ alias: 'champion', version: '2' }]);
      expect((await get('registered-models/alias', { name: 'm1', alias: 'latest' })).json().model_version.version).toBe('2');

      const unknown = await get('registered-models/alias', { name: 'm1', alias: 'nobody' });
      expect(unknown.statusCode).toBe(400);
      expect(unknown.json().error_code).toBe('INVALID_PARAMETER_VALUE');
      for (const alias of ['latest', 'v2', 'has space']) {
        expect((await post('registered-models/alias', { name: 'm1', alias, version: '1' })).statusCode).toBe(400);
      }
      expect((await del('registered-models/alias', { name: 'm1', alias: 'champion' })).json()).toEqual({});
      expect((await get('registered-models/alias', { name: 'm1', alias: 'champion' })).statusCode).toBe(400);
    });

    it('moves versions through stages, archiving the others, and answers latest versions by stage', async () => {
      await post('model-versions/transition-stage', { name: 'm1', version: '1', stage: 'Production', archive_existing_versions: false });
      const moved = await post('model-versions/transition-stage', { name: 'm1', version: '2', stage: 'production', archive_existing_versions: true });
      expect(moved.json().model_version.current_stage).toBe('Production');
      expect((await get('model-versions/get', { name: 'm1', version: '1' })).json().model_version.current_stage).toBe('Archived');
      const byPost = (await post('registered-models/get-latest-versions', { name: 'm1', stages: ['Production'] })).json();
      expect(byPost.model_versions.map((v: { version: string }) => v.version)).toEqual(['2']);
      const byGet = (await get('registered-models/get-latest-versions', { name: 'm1', stages: ['Archived', 'Production'] })).json();
      expect(byGet.model_versions.map((v: { version: string }) => v.version)).toEqual(['1', '2']);
      expect((await post('model-versions/transition-stage', { name: 'm1', version: '1', stage: 'Gone', archive_existing_versions: false })).statusCode).toBe(400);
    });

    it('updates, tags and deletes versions; numbers are never reused', async () => {
      expect((await patch('model-versions/update', { name: 'm1', version: '1', description: 'baseline' })).json().model_version.description).toBe('baseline');
      expect((await post('model-versions/set-tag', { name: 'm1', version: '1', key: 'ok', value: 'yes' })).json()).toEqual({});
      expect((await del('model-versions/delete-tag', { name: 'm1', version: '1', key: 'ok' })).json()).toEqual({});
      const v3 = (await post('model-versions/create', { name: 'm1', source: 's3://bucket/m1/3' })).json().model_version;
      expect(v3.version).toBe('3');
      expect((await del('model-versions/delete', { name: 'm1', version: '3' })).json()).toEqual({});
      expect((await get('model-versions/get', { name: 'm1', version: '3' })).json().error_code).toBe('RESOURCE_DOES_NOT_EXIST');
      expect((await post('model-versions/create', { name: 'm1', source: 's3://bucket/m1/4' })).json().model_version.version).toBe('4');
    });

    it('searches models and versions, excluding prompts the way the MLflow client asks', async () => {
      await post('registered-models/create', { name: 'prompt-1', tags: [{ key: 'mlflow.prompt.is_prompt', value: 'true' }] });
      await post('registered-models/create', { name: 'm2' });
      const clientFilter = "tag.`mlflow.prompt.is_prompt` != 'true'";
      const all = (await get('registered-models/search', { filter: clientFilter })).json();
      expect(all.registered_models.map((m: { name: string }) => m.name)).toEqual(['m1', 'm2']);
      const named = (await get('registered-models/search', { filter: `name LIKE 'm%' AND ${clientFilter}`, order_by: ['name DESC'] })).json();
      expect(named.registered_models.map((m: { name: string }) => m.name)).toEqual(['m2', 'm1']);

      const page1 = (await get('registered-models/search', { max_results: '1' })).json();
      expect(page1.registered_models).toHaveLength(1);
      const page2 = (await get('registered-models/search', { max_results: '2', page_token: page1.next_page_token })).json();
      expect(page2.registered_models).toHaveLength(2);
      expect(page2.next_page_token).toBeUndefined();

      const versions = (await get('model-versions/search', { filter: "name = 'm1' AND version_number >= 2", order_by: ['version_number ASC'] })).json();
      expect(versions.model_versions.map((v: { version: string }) => v.version)).toEqual(['2', '4']);
      expect(versions.model_versions[0].aliases).toBeUndefined();
      const byRun = (await get('model-versions/search', { filter: `run_id = '${runId}'` })).json();
      expect(byRun.model_versions.map((v: { version: string }) => v.version).sort()).toEqual(['1', '2']);

      expect((await get('registered-models/search', { filter: 'metrics.x > 1' })).statusCode).toBe(400);
      expect((await get('registered-models/search', { max_results: '1001' })).statusCode).toBe(400);
      expect((await get('registered-models/search', { page_token: 'not-a-token' })).statusCode).toBe(400);
    });

    it('renames a model with its versions, tags and aliases', async () => {
      await post('registered-models/alias', { name: 'm1', alias: 'prod', version: '2' });
      await post('registered-models/set-tag', { name: 'm1', key: 'owner', value: 'ana' });
      const renamed = (await post('registered-models/rename', { name: 'm1', new_name: 'm1-renamed' })).json().registered_model;
      expect(renamed.name).toBe('m1-renamed');
      expect(renamed.aliases).toEqual([{ alias: 'prod', version: '2' }]);
      expect(renamed.tags).toEqual(expect.arrayContaining([{ key: 'owner', value: 'ana' }]));
      expect((await get('model-versions/get', { name: 'm1-renamed', version: '2' })).json().model_version.aliases).toEqual(['prod']);
      expect((await get('registered-models/get', { name: 'm1' })).statusCode).toBe(404);
      expect((await post('registered-models/rename', { name: 'm2', new_name: 'm1-renamed' })).json().error_code).toBe('RESOURCE_ALREADY_EXISTS');
      expect((await del('registered-models/delete-tag', { name: 'm1-renamed', key: 'owner' })).json()).toEqual({});
    });

    it('answers bad input with MLflow error codes and writes nothing', async () => {
      const missing = await post('registered-models/create', {});
      expect(missing.statusCode).toBe(400);
      expect(missing.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("'name'") });
      expect((await post('model-versions/create', { name: 'm2' })).json().message).toContain("'source'");
      expect((await get('registered-models/get', { name: 'nope' })).json().error_code).toBe('RESOURCE_DOES_NOT_EXIST');
      expect((await get('model-versions/get', { name: 'm2', version: '9' })).statusCode).toBe(404);
      expect((await post('model-versions/create', { name: 'nope', source: 's3://b/k' })).statusCode).toBe(404);
      expect((await post('model-versions/create', { name: 'm2', source: `runs:/${runId}/../../x` })).statusCode).toBe(400);
      expect((await post('model-versions/create', { name: 'm2', source: 'file:///etc' })).statusCode).toBe(400);
      expect((await post('model-versions/create', { name: 'm2', source: `runs:/ffffffffffffffffffffffffffffffff/m` })).statusCode).toBe(404);
      expect((await get('registered-models/get', { name: 'm2' })).json().registered_model.latest_versions).toBeUndefined();
      const notJson = await t.app.inject({ method: 'POST', url: `${API}/registered-models/create`, payload: 'name=x', headers: { 'content-type': 'text/plain' } });
      expect(notJson.statusCode).toBe(400);
      expect((await get('registered-models/get', { name: 'x' })).statusCode).toBe(404);
      expect((await del('registered-models/delete', { name: 'm2' })).json()).toEqual({});
      expect((await del('registered-models/delete', { name: 'm2' })).statusCode).toBe(404);
    });
  });
}
