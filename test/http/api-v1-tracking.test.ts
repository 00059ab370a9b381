import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';

const V1 = '/api/v1';

for (const dialect of DIALECTS) {
  describe(`${dialect.name}: native tracking API`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await makeTestApp(dialect);
    });
    afterAll(async () => t.close());

    type Res = { statusCode: number; body: string; json(): any };
    const call = (method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE', path: string, body?: unknown): Promise<Res> =>
      t.app.inject({ method, url: `${V1}${path}`, ...(body === undefined ? {} : { payload: body as object }) });
    const expectStatus = async (p: Promise<Res>, status: number) => {
      const res = await p;
      expect(res.statusCode, res.body).toBe(status);
      return res.body === '' ? undefined : res.json();
    };
    const expectError = async (p: Promise<Res>, status: number, code: string) => {
      const res = await p;
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().error_code).toBe(code);
      return res.json().message as string;
    };

    describe('experiments', () => {
      it('creates (201), gets by id and by name, renames, tags, deletes and restores', async () => {
        const exp = await expectStatus(call('POST', '/experiments', { name: 'native', tags: [{ key: 'a', value: '1' }] }), 201);
        expect(exp).toMatchObject({ name: 'native', lifecycle_stage: 'active', artifact_location: `mlflow-artifacts:/${exp.experiment_id}`, tags: [{ key: 'a', value: '1' }] });
        expect(await expectStatus(call('GET', `/experiments/${exp.experiment_id}`), 200)).toEqual(exp);
        expect(await expectStatus(call('GET', '/experiments/by-name/native'), 200)).toEqual(exp);
        const renamed = await expectStatus(call('PATCH', `/experiments/${exp.experiment_id}`, { name: 'native 2' }), 200);
        expect(renamed.name).toBe('native 2');
        expect((await expectStatus(call('GET', `/experiments/by-name/${encodeURIComponent('native 2')}`), 200)).experiment_id).toBe(exp.experiment_id);
        await expectStatus(call('PUT', `/experiments/${exp.experiment_id}/tags/b`, { value: '2' }), 204);
        await expectStatus(call('DELETE', `/experiments/${exp.experiment_id}/tags/a`), 204);
        expect((await expectStatus(call('GET', `/experiments/${exp.experiment_id}`), 200)).tags).toEqual([{ key: 'b', value: '2' }]);
        await expectStatus(call('DELETE', `/experiments/${exp.experiment_id}`), 204);
        expect((await expectStatus(call('GET', `/experiments/${exp.experiment_id}`), 200)).lifecycle_stage).toBe('deleted');
        expect(await expectError(call('PUT', `/experiments/${exp.experiment_id}/tags/c`, { value: '3' }), 400, 'INVALID_PARAMETER_VALUE')).toContain("'active' state");
        expect((await expectStatus(call('POST', `/experiments/${exp.experiment_id}/restore`), 200)).lifecycle_stage).toBe('active');
      });

      it('refuses bad input with 4xx and the field name', async () => {
        await call('POST', '/experiments', { name: 'taken' });
        await expectError(call('POST', '/experiments', { name: 'taken' }), 400, 'RESOURCE_ALREADY_EXISTS');
        expect(await expectError(call('POST', '/experiments', {}), 400, 'INVALID_PARAMETER_VALUE')).toContain('name');
        expect(await expectError(call('POST', '/experiments', { name: 'x'.repeat(501) }), 400, 'INVALID_PARAMETER_VALUE')).toContain('name');
        await expectError(call('GET', '/experiments/31337'), 404, 'RESOURCE_DOES_NOT_EXIST');
        await expectError(call('GET', '/experiments/by-name/nothing-here'), 404, 'RESOURCE_DOES_NOT_EXIST');
        await expectError(call('DELETE', '/experiments/31337'), 404, 'RESOURCE_DOES_NOT_EXIST');
        await expectError(call('GET', '/experiments?max_results=50001'), 400, 'INVALID_PARAMETER_VALUE');
        await expectError(call('GET', '/experiments?view_type=NONE'), 400, 'INVALID_PARAMETER_VALUE');
      });

      it('searches with filter, order and pages', async () => {
        for (const n of ['q-3', 'q-1', 'q-2']) await call('POST', '/experiments', { name: n });
        const first = await expectStatus(call('GET', `/experiments?filter=${encodeURIComponent("name LIKE 'q-%'")}&order_by=name&max_results=2`), 200);
        expect(first.experiments.map((e: { name: string }) => e.name)).toEqual(['q-1', 'q-2']);
        const second = await expectStatus(
          call('GET', `/experiments?filter=${encodeURIComponent("name LIKE 'q-%'")}&order_by=name&max_results=2&page_token=${encodeURIComponent(first.next_page_token)}`),
          200,
        );
        expect(second.experiments.map((e: { name: string }) => e.name)).toEqual(['q-3']);
        expect(second.next_page_token).toBeUndefined();
      });
    });

    describe('runs', () => {
      let exp: string;
      beforeAll(async () => {
        exp = (await (await call('POST', '/experiments', { name: 'native-runs' })).json()).experiment_id;
      });

      it('creates (201), gets, updates, deletes and restores', async () => {
        const run = await expectStatus(call('POST', '/runs', { experiment_id: exp, run_name: 'n1', start_time: 10 }), 201);
        expect(run.info).toMatchObject({ run_name: 'n1', experiment_id: exp, status: 'RUNNING', start_time: 10, end_time: null, lifecycle_stage: 'active' });
        const id = run.info.run_id;
        expect(await expectStatus(call('GET', `/runs/${id}`), 200)).toEqual(run);
        const updated = await expectStatus(call('PATCH', `/runs/${id}`, { status: 'FINISHED', end_time: 20 }), 200);
        expect(updated.info).toMatchObject({ status: 'FINISHED', end_time: 20 });
        await expectStatus(call('DELETE', `/runs/${id}`), 204);
        expect(await expectError(call('PUT', `/runs/${id}/params/p`, { value: '1' }), 400, 'INVALID_PARAMETER_VALUE')).toContain("'active' state");
        expect((await expectStatus(call('POST', `/runs/${id}/restore`), 200)).info.lifecycle_stage).toBe('active');
        await expectError(call('GET', `/runs/${'a'.repeat(32)}`), 404, 'RESOURCE_DOES_NOT_EXIST');
        await expectError(call('PATCH', `/runs/${id}`, { status: 'DONE' }), 400, 'INVALID_PARAMETER_VALUE');
      });

      it('makes nested runs', async () => {
        const parent = (await expectStatus(call('POST', '/runs', { experiment_id: exp }), 201)).info.run_id;
        const child = await expectStatus(call('POST', '/runs', { experiment_id: exp, parent_run_id: parent }), 201);
        expect(child.data.tags).toContainEqual({ key: 'mlflow.parentRunId', value: parent });
        const found = await expectStatus(call('POST', '/runs/search', { experiment_ids: [exp], filter: `tags.mlflow.parentRunId = '${parent}'` }), 200);
        expect(found.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([child.info.run_id]);
        await expectError(call('POST', '/runs', { experiment_id: exp, parent_run_id: 'b'.repeat(32) }), 404, 'RESOURCE_DOES_NOT_EXIST');
      });

      it('logs batches, params, tags and reads history (NaN as a string)', async () => {
        const id = (await expectStatus(call('POST', '/runs', { experiment_id: exp }), 201)).info.run_id;
        await expectStatus(
          call('POST', `/runs/${id}/log-batch`, {
            metrics: [
              { key: 'train/loss', value: 1, timestamp: 1, step: 0 },
              { key: 'train/loss', value: 'NaN', timestamp: 2, step: 1 },
            ],
            params: [{ key: 'lr', value: '0.1' }],
            tags: [{ key: 'phase', value: 'x' }],
          }),
          204,
        );
        await expectStatus(call('PUT', `/runs/${id}/params/lr`, { value: '0.1' }), 204);
        expect(await expectError(call('PUT', `/runs/${id}/params/lr`, { value: '0.2' }), 400, 'INVALID_PARAMETER_VALUE')).toContain('lr');
        await expectStatus(call('PUT', `/runs/${id}/tags/${encodeURIComponent('a/b')}`, { value: 'v' }), 204);
        await expectStatus(call('DELETE', `/runs/${id}/tags/phase`), 204);
        await expectError(call('DELETE', `/runs/${id}/tags/phase`), 404, 'RESOURCE_DOES_NOT_EXIST');
        const run = await expectStatus(call('GET', `/runs/${id}`), 200);
        expect(run.data.metrics).toEqual([{ key: 'train/loss', value: 'NaN', timestamp: 2, step: 1 }]);
        expect(run.data.tags).toContainEqual({ key: 'a/b', value: 'v' });
        expect(run.data.tags.map((x: { key: string }) => x.key)).not.toContain('phase');
        const history = await expectStatus(call('GET', `/runs/${id}/metrics/${encodeURIComponent('train/loss')}/history?max_results=1`), 200);
        expect(history.metrics).toEqual([{ key: 'train/loss', value: 1, timestamp: 1, step: 0 }]);
        const rest = await expectStatus(call('GET', `/runs/${id}/metrics/${encodeURIComponent('train/loss')}/history?max_results=1&page_token=${encodeURIComponent(history.next_page_token)}`), 200);
        expect(rest.metrics).toEqual([{ key: 'train/loss', value: 'NaN', timestamp: 2, step: 1 }]);
        expect(rest.next_page_token).toBeUndefined();
      });

      it('writes nothing from a batch with one bad element', async () => {
        const id = (await expectStatus(call('POST', '/runs', { experiment_id: exp }), 201)).info.run_id;
        const message = await expectError(
          call('POST', `/runs/${id}/log-batch`, {
            metrics: [{ key: 'ok', value: 1, timestamp: 1 }],
            params: [{ key: 'p', value: 'v'.repeat(6001) }],
          }),
          400,
          'INVALID_PARAMETER_VALUE',
        );
        expect(message).toContain('params[0].value');
        await expectError(call('POST', `/runs/${id}/log-batch`, { metrics: [{ key: 'ok', value: 'lots', timestamp: 1 }] }), 400, 'INVALID_PARAMETER_VALUE');
        const run = await expectStatus(call('GET', `/runs/${id}`), 200);
        expect(run.data.metrics).toEqual([]);
        expect(run.data.params).toEqual([]);
      });

      it('logs inputs', async () => {
        const id = (await expectStatus(call('POST', '/runs', { experiment_id: exp }), 201)).info.run_id;
        const dataset = { name: 'd', digest: 'x1', source_type: 'local', source: '{}' };
        await expectStatus(call('POST', `/runs/${id}/inputs`, { datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'eval' }], dataset }] }), 204);
        expect((await expectStatus(call('GET', `/runs/${id}`), 200)).inputs.dataset_inputs).toEqual([{ tags: [{ key: 'mlflow.data.context', value: 'eval' }], dataset }]);
        const ctx = await expectStatus(call('POST', '/runs/search', { experiment_ids: [exp], filter: "datasets.context = 'eval'" }), 200);
        expect(ctx.runs.map((r: { info: { run_id: string } }) => r.info.run_id)).toEqual([id]);
      });

      it('searches with filter, order and exhausting page tokens', async () => {
        const e = (await expectStatus(call('POST', '/experiments', { name: 'native-search' }), 201)).experiment_id;
        const values = [0.3, 0.9, 0.6, 0.1, 0.8];
        for (const [i, v] of values.entries()) {
          const id = (await expectStatus(call('POST', '/runs', { experiment_id: e, run_name: `s${i}`, start_time: i }), 201)).info.run_id;
          await expectStatus(call('POST', `/runs/${id}/log-batch`, { metrics: [{ key: 'auc', value: v, timestamp: 0 }] }), 204);
        }
        const names: string[] = [];
        let token: string | undefined;
        do {
          const page = await expectStatus(
            call('POST', '/runs/search', { experiment_ids: [e], filter: 'metrics.auc >= 0.3', order_by: ['metrics.auc DESC'], max_results: 2, ...(token ? { page_token: token } : {}) }),
            200,
          );
          names.push(...page.runs.map((r: { info: { run_name: string } }) => r.info.run_name));
          token = page.next_page_token;
        } while (token);
        expect(names).toEqual(['s1', 's4', 's2', 's0']);
        await expectError(call('POST', '/runs/search', { experiment_ids: [e], filter: 'metrics.auc >>> 1' }), 400, 'INVALID_PARAMETER_VALUE');
        await expectError(call('POST', '/runs/search', {}), 400, 'INVALID_PARAMETER_VALUE');
      });
    });

    it('documents every native tracking route in /openapi.json', async () => {
      const doc = (await t.app.inject('/openapi.json')).json();
      const paths = Object.keys(doc.paths);
      for (const p of [
        '/api/v1/experiments',
        '/api/v1/experiments/{experiment_id}',
        '/api/v1/experiments/by-name/{name}',
        '/api/v1/experiments/{experiment_id}/restore',
        '/api/v1/experiments/{experiment_id}/tags/{key}',
        '/api/v1/runs',
        '/api/v1/runs/search',
        '/api/v1/runs/{run_id}',
        '/api/v1/runs/{run_id}/restore',
        '/api/v1/runs/{run_id}/log-batch',
        '/api/v1/runs/{run_id}/metrics/{key}/history',
        '/api/v1/runs/{run_id}/inputs',
        '/api/v1/runs/{run_id}/tags/{key}',
        '/api/v1/runs/{run_id}/params/{key}',
      ]) {
        expect(paths).toContain(p);
      }
      expect(doc.paths['/api/v1/runs/{run_id}/log-batch'].post.requestBody).toBeDefined();
      expect(paths.some((p) => p.startsWith('/api/2.0'))).toBe(false);
    });
  });
}
