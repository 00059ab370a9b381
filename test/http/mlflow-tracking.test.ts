import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';

const BASE = '/api/2.0/mlflow';

for (const dialect of DIALECTS) {
  describe(`${dialect.name}: MLflow tracking API`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await makeTestApp(dialect);
    });
    afterAll(async () => t.close());

    const post = (path: string, body: unknown, base = BASE) =>
      t.app.inject({ method: 'POST', url: `${base}/${path}`, payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });
    const get = (path: string, query: Record<string, string | string[]> = {}) => t.app.inject({ method: 'GET', url: `${BASE}/${path}`, query });
    const ok = async (p: Promise<{ statusCode: number; body: string; json(): any }>) => {
      const res = await p;
      expect(res.statusCode, res.body).toBe(200);
      return res.json();
    };
    const fails = async (p: Promise<{ statusCode: number; body: string; json(): any }>, status: number, code: string) => {
      const res = await p;
      expect(res.statusCode, res.body).toBe(status);
      expect(res.json().error_code).toBe(code);
      return res.json().message as string;
    };
    const newExperiment = async (name: string) => (await ok(post('experiments/create', { name }))).experiment_id as string;
    const newRun = async (experimentId: string, extra: Record<string, unknown> = {}) =>
      (await ok(post('runs/create', { experiment_id: experimentId, start_time: Date.now(), ...extra }))).run;

    describe('experiments', () => {
      it('does what mlflow.set_experiment does: get-by-name 404, create, get', async () => {
        const message = await fails(get('experiments/get-by-name', { experiment_name: 'first' }), 404, 'RESOURCE_DOES_NOT_EXIST');
        expect(message).toContain('first');
        const created = await ok(post('experiments/create', { name: 'first', tags: [{ key: 'k', value: 'v' }] }));
        expect(typeof created.experiment_id).toBe('string');
        const { experiment } = await ok(get('experiments/get', { experiment_id: created.experiment_id }));
        expect(experiment).toMatchObject({
          experiment_id: created.experiment_id,
          name: 'first',
          artifact_location: `mlflow-artifacts:/${created.experiment_id}`,
          lifecycle_stage: 'active',
          tags: [{ key: 'k', value: 'v' }],
        });
        expect(typeof experiment.creation_time).toBe('number');
        expect((await ok(get('experiments/get-by-name', { experiment_name: 'first' }))).experiment.experiment_id).toBe(created.experiment_id);
      });

      it('answers duplicates with 400 RESOURCE_ALREADY_EXISTS and missing names with the MLflow message', async () => {
        await newExperiment('dup');
        await fails(post('experiments/create', { name: 'dup' }), 400, 'RESOURCE_ALREADY_EXISTS');
        const message = await fails(post('experiments/create', {}), 400, 'INVALID_PARAMETER_VALUE');
        expect(message).toContain("Missing value for required parameter 'name'");
        await fails(post('experiments/create', { name: 'n'.repeat(501) }), 400, 'INVALID_PARAMETER_VALUE');
        await fails(get('experiments/get', { experiment_id: '123456' }), 404, 'RESOURCE_DOES_NOT_EXIST');
        await fails(get('experiments/get', {}), 400, 'INVALID_PARAMETER_VALUE');
      });

      it('refuses POST bodies that are not JSON', async () => {
        const form = await t.app.inject({ method: 'POST', url: `${BASE}/experiments/create`, payload: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
        expect(form.statusCode).toBe(400);
        expect(form.json().error_code).toBe('INVALID_PARAMETER_VALUE');
        const text = await t.app.inject({ method: 'POST', url: `${BASE}/experiments/create`, payload: '{"name":"x"}', headers: { 'content-type': 'text/plain' } });
        expect(text.statusCode).toBe(400);
        expect(text.json().error_code).toBe('INVALID_PARAMETER_VALUE');
        const array = await post('experiments/create', [1, 2]);
        expect(array.statusCode).toBe(400);
        const broken = await t.app.inject({ method: 'POST', url: `${BASE}/experiments/create`, payload: '{"name":', headers: { 'content-type': 'application/json' } });
        expect(broken.statusCode).toBe(400);
      });

      it('updates, tags, deletes and restores, answering {}', async () => {
        const id = await newExperiment('life');
        expect(await ok(post('experiments/update', { experiment_id: id, new_name: 'life2' }))).toEqual({});
        expect(await ok(post('experiments/set-experiment-tag', { experiment_id: id, key: 'a', value: '1' }))).toEqual({});
        expect((await ok(get('experiments/get', { experiment_id: id }))).experiment).toMatchObject({ name: 'life2', tags: [{ key: 'a', value: '1' }] });
        expect(await ok(post('experiments/delete-experiment-tag', { experiment_id: id, key: 'a' }))).toEqual({});
        await fails(post('experiments/delete-experiment-tag', { experiment_id: id, key: 'a' }), 404, 'RESOURCE_DOES_NOT_EXIST');
        expect(await ok(post('experiments/delete', { experiment_id: id }))).toEqual({});
        expect((await ok(get('experiments/get', { experiment_id: id }))).experiment.lifecycle_stage).toBe('deleted');
        const message = await fails(post('experiments/set-experiment-tag', { experiment_id: id, key: 'b', value: '2' }), 400, 'INVALID_PARAMETER_VALUE');
        expect(message).toContain("must be in the 'active' state");
        expect(await ok(post('experiments/restore', { experiment_id: id }))).toEqual({});
        await fails(post('experiments/set-experiment-tag', { experiment_id: id, key: 'b' }), 400, 'INVALID_PARAMETER_VALUE');
        await fails(post('experiments/delete', {}), 400, 'INVALID_PARAMETER_VALUE');
        // Integer ids are accepted as well as strings.
        expect(await ok(post('experiments/set-experiment-tag', { experiment_id: Number(id), key: 'n', value: '1' }))).toEqual({});
      });

      it('searches by POST and by GET with repeated order_by keys', async () => {
        for (const n of ['s-b', 's-a', 's-c']) await newExperiment(n);
        const byPost = await ok(post('experiments/search', { filter: "name LIKE 's-%'", order_by: ['name ASC'], max_results: 2 }));
        expect(byPost.experiments.map((e: { name: string }) => e.name)).toEqual(['s-a', 's-b']);
        expect(byPost.next_page_token).toBeTruthy();
        const next = await ok(post('experiments/search', { filter: "name LIKE 's-%'", order_by: ['name ASC'], max_results: 2, page_token: byPost.next_page_token }));
        expect(next.experiments.map((e: { name: string }) => e.name)).toEqual(['s-c']);
        expect(next.next_page_token).toBeUndefined();
        const byGet = await ok(get('experiments/search', { filter: "name LIKE 's-%'", order_by: ['name DESC'], max_results: '5' }));
        expect(byGet.experiments.map((e: { name: string }) => e.name)).toEqual(['s-c', 's-b', 's-a']);
        await fails(post('experiments/search', { max_results: 50001 }), 400, 'INVALID_PARAMETER_VALUE');
        await fails(post('experiments/search', { filter: 'name = ' }), 400, 'INVALID_PARAMETER_VALUE');
        await fails(post('experiments/search', { view_type: 'SOME' }), 400, 'INVALID_PARAMETER_VALUE');
      });

      it('is mounted under /ajax-api too', async () => {
        const res = await post('experiments/create', { name: 'ajax' }, '/ajax-api/2.0/mlflow');
        expect(res.statusCode).toBe(200);
        expect((await t.app.inject({ url: '/ajax-api/2.0/mlflow/experiments/get-by-name?experiment_name=ajax' })).statusCode).toBe(200);
      });
    });

    describe('runs', () => {
      let exp: string;
      beforeAll(async () => {
        exp = await newExperiment('runs');
      });

      it('creates a run as mlflow.start_run does and reads it back', async () => {
        const run = await newRun(exp, {
          user_id: 'ana',
          run_name: 'first-run',
          tags: [
            { key: 'mlflow.user', value: 'ana' },
            { key: 'mlflow.source.type', value: 'LOCAL' },
            { key: 'mlflow.runName', value: 'first-run' },
          ],
        });
        expect(run.info).toMatchObject({ run_name: 'first-run', experiment_id: exp, user_id: 'ana', status: 'RUNNING', lifecycle_stage: 'active' });
        expect(run.info.run_uuid).toBe(run.info.run_id);
        expect(run.info.end_time).toBeUndefined();
        expect(run.info.artifact_uri).toBe(`mlflow-artifacts:/${exp}/${run.info.run_id}/artifacts`);
        expect(run.data).toMatchObject({ metrics: [], params: [] });
        expect(run.inputs).toEqual({ dataset_inputs: [], model_inputs: [] });
        expect(run.outputs).toEqual({});
        const fetched = await ok(get('runs/get', { run_id: run.info.run_id }));
        expect(fetched.run.info).toEqual(run.info);
        const legacy = await ok(get('runs/get', { run_uuid: run.info.run_id }));
        expect(legacy.run.info.run_id).toBe(run.info.run_id);
        await fails(get('runs/get', { run_id: '0'.repeat(32) }), 404, 'RESOURCE_DOES_NOT_EXIST');
        await fails(get('runs/get', {}), 400, 'INVALID_PARAMETER_VALUE');
        await fails(post('runs/create', { experiment_id: '424242' }), 404, 'RESOURCE_DOES_NOT_EXIST');
      });

      it('logs metrics, params and tags one by one, and ends the run', async () => {
        const id = (await newRun(exp)).info.run_id;
        expect(await ok(post('runs/log-metric', { run_id: id, run_uuid: id, key: 'loss', value: 0.5, timestamp: 1000, step: 1 }))).toEqual({});
        expect(await ok(post('runs/log-metric', { run_id: id, key: 'loss', value: 'NaN', timestamp: '1001', step: '2' }))).toEqual({});
        expect(await ok(post('runs/log-parameter', { run_id: id, key: 'lr', value: '0.1' }))).toEqual({});
        expect(await ok(post('runs/set-tag', { run_id: id, key: 'note', value: 'hi' }))).toEqual({});
        const { run_info } = await ok(post('runs/update', { run_id: id, run_uuid: id, status: 'FINISHED', end_time: 5000 }));
        expect(run_info).toMatchObject({ run_id: id, run_uuid: id, status: 'FINISHED', end_time: 5000 });
        const { run } = await ok(get('runs/get', { run_id: id }));
        expect(run.data.metrics).toEqual([{ key: 'loss', value: 'NaN', timestamp: 1001, step: 2 }]);
        expect(run.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
        expect(run.data.tags).toContainEqual({ key: 'note', value: 'hi' });
        const history = await ok(get('metrics/get-history', { run_id: id, metric_key: 'loss' }));
        expect(history.metrics).toEqual([
          { key: 'loss', value: 0.5, timestamp: 1000, step: 1 },
          { key: 'loss', value: 'NaN', timestamp: 1001, step: 2 },
        ]);
        expect(await ok(post('runs/delete-tag', { run_id: id, key: 'note' }))).toEqual({});
        await fails(post('runs/delete-tag', { run_id: id, key: 'note' }), 404, 'RESOURCE_DOES_NOT_EXIST');
      });

      it('names the missing field of single-item writes', async () => {
        const id = (await newRun(exp)).info.run_id;
        expect(await fails(post('runs/log-metric', { run_id: id, key: 'm', timestamp: 1 }), 400, 'INVALID_PARAMETER_VALUE')).toContain("'value'");
        expect(await fails(post('runs/log-metric', { run_id: id, key: 'm', value: 1 }), 400, 'INVALID_PARAMETER_VALUE')).toContain("'timestamp'");
        expect(await fails(post('runs/log-metric', { key: 'm', value: 1, timestamp: 1 }), 400, 'INVALID_PARAMETER_VALUE')).toContain("'run_id'");
        expect(await fails(post('runs/log-parameter', { run_id: id, key: 'p' }), 400, 'INVALID_PARAMETER_VALUE')).toContain("'value'");
        expect(await fails(post('runs/set-tag', { run_id: id, value: 'v' }), 400, 'INVALID_PARAMETER_VALUE')).toContain("'key'");
        expect(await fails(post('runs/log-metric', { run_id: id, key: 'm', value: true, timestamp: 1 }), 400, 'INVALID_PARAMETER_VALUE')).toContain('value');
        await fails(post('runs/log-metric', { run_id: '9'.repeat(32), key: 'm', value: 1, timestamp: 1 }), 404, 'RESOURCE_DOES_NOT_EXIST');
      });

      it('logs batches all or nothing, with MLflow limits and write-once params', async () => {
        const id = (await newRun(exp)).info.run_id;
        const metrics = Array.from({ length: 10 }, (_, i) => ({ key: 'acc', value: i / 10, timestamp: 100 + i, step: i }));
        expect(await ok(post('runs/log-batch', { run_id: id, metrics, params: [{ key: 'model', value: 'gbdt' }], tags: [{ key: 'phase', value: 'a' }] }))).toEqual({});
        let message = await fails(
          post('runs/log-batch', { run_id: id, metrics: [...metrics, { key: 'acc', value: 'x', timestamp: 1, step: 0 }], tags: [{ key: 'phase', value: 'b' }] }),
          400,
          'INVALID_PARAMETER_VALUE',
        );
        expect(message).toContain('metrics[10].value');
        message = await fails(post('runs/log-batch', { run_id: id, params: [{ key: 'model', value: 'linear' }] }), 400, 'INVALID_PARAMETER_VALUE');
        expect(message).toContain('model');
        await ok(post('runs/log-batch', { run_id: id, params: [{ key: 'model', value: 'gbdt' }] }));
        message = await fails(post('runs/log-batch', { run_id: id, metrics: Array.from({ length: 1001 }, (_, i) => ({ key: 'm', value: i, timestamp: i })) }), 400, 'INVALID_PARAMETER_VALUE');
        expect(message).toContain('1000');
        await fails(post('runs/log-batch', { run_id: id, params: [{ key: 'long', value: 'v'.repeat(6001) }] }), 400, 'INVALID_PARAMETER_VALUE');
        await fails(post('runs/log-batch', { run_id: id, tags: [{ key: 'long', value: 'v'.repeat(8001) }] }), 400, 'INVALID_PARAMETER_VALUE');
        await fails(post('runs/log-batch', { run_id: id, metrics: 'no' }), 400, 'INVALID_PARAMETER_VALUE');
        const { run } = await ok(get('runs/get', { run_id: id }));
        expect(run.data.metrics).toEqual([{ key: 'acc', value: 0.9, timestamp: 109, step: 9 }]);
        expect(run.data.params).toEqual([{ key: 'model', value: 'gbdt' }]);
        expect(run.data.tags).toContainEqual({ key: 'phase', value: 'a' });
        expect((await ok(get('metrics/get-history', { run_id: id, metric_key: 'acc' }))).metrics).toHaveLength(10);
      });

      it('round-trips NaN and clamps ±Infinity', async () => {
        const id = (await newRun(exp)).info.run_id;
        await ok(
          post('runs/log-batch', {
            run_id: id,
            metrics: [
              { key: 'a', value: 'NaN', timestamp: 1, step: 0 },
              { key: 'b', value: 'Infinity', timestamp: 1, step: 0 },
              { key: 'c', value: '-Infinity', timestamp: 1, step: 0 },
            ],
          }),
        );
        const { run } = await ok(get('runs/get', { run_id: id }));
        expect(run.data.metrics).toEqual([
          { key: 'a', value: 'NaN', timestamp: 1, step: 0 },
          { key: 'b', value: 1.7976931348623157e308, timestamp: 1, step: 0 },
          { key: 'c', value: -1.7976931348623157e308, timestamp: 1, step: 0 },
        ]);
      });

      it('refuses writes to deleted runs and restores them', async () => {
        const id = (await newRun(exp)).info.run_id;
        expect(await ok(post('runs/delete', { run_id: id }))).toEqual({});
        expect((await ok(get('runs/get', { run_id: id }))).run.info.lifecycle_stage).toBe('deleted');
        const message = await fails(post('runs/log-parameter', { run_id: id, key: 'p', value: 'v' }), 400, 'INVALID_PARAMETER_VALUE');
        expect(message).toContain("must be in the 'active' state");
        expect(await ok(post('runs/restore', { run_id: id }))).toEqual({});
        await ok(post('runs/log-parameter', { run_id: id, key: 'p', value: 'v' }));
      });

      it('pages metric history and samples it across runs', async () => {
        const a = (await newRun(exp)).info.run_id;
        const b = (await newRun(exp)).info.run_id;
        await ok(post('runs/log-batch', { run_id: a, metrics: Array.from({ length: 5 }, (_, i) => ({ key: 'x', value: i, timestamp: i, step: i })) }));
        await ok(post('runs/log-batch', { run_id: b, metrics: [{ key: 'x', value: 1, timestamp: 1, step: 4 }] }));
        const first = await ok(get('metrics/get-history', { run_id: a, metric_key: 'x', max_results: '3' }));
        expect(first.metrics.map((m: { step: number }) => m.step)).toEqual([0, 1, 2]);
        const second = await ok(get('metrics/get-history', { run_id: a, metric_key: 'x', max_results: '3', page_token: first.next_page_token }));
        expect(second.metrics.map((m: { step: number }) => m.step)).toEqual([3, 4]);
        expect(second.next_page_token).toBeUndefined();
        const bulk = await ok(get('metrics/get-history-bulk-interval', { run_ids: [a, b], metric_key: 'x', start_step: '2', end_step: '4' }));
        expect(bulk.metrics).toEqual([
          { key: 'x', value: 2, timestamp: 2, step: 2, run_id: a },
          { key: 'x', value: 3, timestamp: 3, step: 3, run_id: a },
          { key: 'x', value: 4, timestamp: 4, step: 4, run_id: a },
          { key: 'x', value: 1, timestamp: 1, step: 4, run_id: b },
        ]);
        await fails(get('metrics/get-history-bulk-interval', { run_ids: [a], metric_key: 'x', start_step: '2' }), 400, 'INVALID_PARAMETER_VALUE');
        await fails(get('metrics/get-history', { run_id: a }), 400, 'INVALID_PARAMETER_VALUE');
      });

      it('logs inputs and outputs', async () => {
        const id = (await newRun(exp)).info.run_id;
        const dataset = { name: 'train', digest: 'abcd', source_type: 'local', source: '{}', profile: '{"num_rows": 3}' };
        await ok(post('runs/log-inputs', { run_id: id, datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset }] }));
        const { model } = await ok(post('logged-models', { experiment_id: exp, name: 'm', source_run_id: id }));
        await ok(post('runs/outputs', { run_id: id, models: [{ model_id: model.info.model_id, step: 0 }] }));
        const { run } = await ok(get('runs/get', { run_id: id }));
        expect(run.inputs.dataset_inputs).toEqual([{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset }]);
        expect(run.outputs.model_outputs).toEqual([{ model_id: model.info.model_id, step: 0 }]);
        await fails(post('runs/log-inputs', { run_id: id, datasets: [{ dataset: { name: 'x' } }] }), 400, 'INVALID_PARAMETER_VALUE');
      });

      it('records legacy log-model calls in the history tag', async () => {
        const id = (await newRun(exp)).info.run_id;
        await ok(post('runs/log-model', { run_id: id, model_json: JSON.stringify({ artifact_path: 'model', flavors: {} }) }));
        const { run } = await ok(get('runs/get', { run_id: id }));
        const tag = run.data.tags.find((x: { key: string }) => x.key === 'mlflow.log-model.history');
        expect(JSON.parse(tag.value)).toEqual([{ artifact_path: 'model', flavors: {} }]);
        await fails(post('runs/log-model', { run_id: id, model_json: 'not json' }), 400, 'INVALID_PARAMETER_VALUE');
      });
    });

    describe('search runs', () => {
      let exp: string;
      const ids: Record<string, string> = {};
      beforeAll(async () => {
        exp = await newExperiment('search');
        // name: [start_time, auc, model param]
        const corpus: [string, number, number | string | null, string | null][] = [
          ['r1', 1000, 0.9, 'gbdt'],
          ['r2', 2000, 0.7, 'gbdt'],
          ['r3', 3000, 'NaN', 'gbdt'],
          ['r4', 4000, null, 'gbdt'],
          ['r5', 5000, 0.85, 'linear'],
          ['r6', 6000, 0.95, null],
        ];
        for (const [name, start, auc, model] of corpus) {
          const run = await newRun(exp, { run_name: name, start_time: start });
          ids[name] = run.info.run_id;
          await ok(
            post('runs/log-batch', {
              run_id: run.info.run_id,
              metrics: auc === null ? [] : [{ key: 'auc', value: auc, timestamp: 1, step: 0 }],
              params: model === null ? [] : [{ key: 'model', value: model }],
            }),
          );
        }
      });
      const names = (runs: { info: { run_name: string } }[]) => runs.map((r) => r.info.run_name);

      it('filters and orders as MLflow does', async () => {
        const res = await ok(post('runs/search', { experiment_ids: [exp], filter: "metrics.auc > 0.8 and params.model = 'gbdt'", order_by: ['metrics.auc DESC'] }));
        expect(names(res.runs)).toEqual(['r1']);
        const desc = await ok(post('runs/search', { experiment_ids: [exp], order_by: ['metrics.auc DESC'] }));
        expect(names(desc.runs)).toEqual(['r6', 'r1', 'r5', 'r2', 'r3', 'r4']);
        const asc = await ok(post('runs/search', { experiment_ids: [exp], order_by: ['metrics.auc ASC'] }));
        expect(names(asc.runs)).toEqual(['r2', 'r5', 'r1', 'r6', 'r3', 'r4']);
        const byDefault = await ok(post('runs/search', { experiment_ids: [exp] }));
        expect(names(byDefault.runs)).toEqual(['r6', 'r5', 'r4', 'r3', 'r2', 'r1']);
        const notGbdt = await ok(post('runs/search', { experiment_ids: [exp], filter: "params.model != 'gbdt'" }));
        expect(names(notGbdt.runs)).toEqual(['r5']);
        const like = await ok(post('runs/search', { experiment_ids: [exp], filter: "params.model LIKE 'GB%'" }));
        expect(names(like.runs)).toEqual([]);
        const ilike = await ok(post('runs/search', { experiment_ids: [exp], filter: "params.model ILIKE 'GB%'" }));
        expect(names(ilike.runs)).toEqual(['r4', 'r3', 'r2', 'r1']);
        const attr = await ok(post('runs/search', { experiment_ids: [exp], filter: "attributes.start_time >= 3000 and run_name != 'r4'" }));
        expect(names(attr.runs)).toEqual(['r6', 'r5', 'r3']);
        const inList = await ok(post('runs/search', { experiment_ids: [exp], filter: `attributes.run_id IN ('${ids.r2}', '${ids.r5}')` }));
        expect(names(inList.runs)).toEqual(['r5', 'r2']);
        // Runs come with their data.
        expect(res.runs[0].data.params).toEqual([{ key: 'model', value: 'gbdt' }]);
        expect(res.runs[0].data.metrics).toEqual([{ key: 'auc', value: 0.9, timestamp: 1, step: 0 }]);
        expect(res.runs[0].info.run_uuid).toBe(ids.r1);
      });

      it('pages through results until the token runs out', async () => {
        const seen: string[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
          const res = await ok(post('runs/search', { experiment_ids: [exp], max_results: 4, order_by: ['attributes.start_time ASC'], ...(token ? { page_token: token } : {}) }));
          seen.push(...names(res.runs));
          token = res.next_page_token;
          pages++;
        } while (token);
        expect(pages).toBe(2);
        expect(seen).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
        const exact = await ok(post('runs/search', { experiment_ids: [exp], max_results: 6 }));
        expect(exact.next_page_token).toBeUndefined();
      });

      it('refuses bad filters, bad order terms and too-large pages with 400', async () => {
        await fails(post('runs/search', { experiment_ids: [exp], filter: "metrics.auc > 0.8 or params.model = 'x'" }), 400, 'INVALID_PARAMETER_VALUE');
        await fails(post('runs/search', { experiment_ids: [exp], filter: 'params.model = gbdt' }), 400, 'INVALID_PARAMETER_VALUE');
        await fails(post('runs/search', { experiment_ids: [exp], order_by: ['metrics.auc SIDEWAYS'] }), 400, 'INVALID_PARAMETER_VALUE');
        await fails(post('runs/search', { experiment_ids: [exp], max_results: 50001 }), 400, 'INVALID_PARAMETER_VALUE');
        await fails(post('runs/search', { experiment_ids: [exp], page_token: 'nope' }), 400, 'INVALID_PARAMETER_VALUE');
      });
    });

    describe('logged models', () => {
      let exp: string;
      beforeAll(async () => {
        exp = await newExperiment('lm');
      });

      it('goes through the MLflow 3 log_model sequence', async () => {
        const run = await newRun(exp);
        const created = await ok(post('logged-models', { experiment_id: exp, name: 'model', model_type: 'pyfunc', source_run_id: run.info.run_id, params: [{ key: 'a', value: '1' }] }));
        const id = created.model.info.model_id;
        expect(id).toMatch(/^m-[0-9a-f]{32}$/);
        expect(created.model.info).toMatchObject({ status: 'LOGGED_MODEL_PENDING', artifact_uri: `mlflow-artifacts:/${exp}/models/${id}/artifacts`, registrations: [] });
        await ok(post('runs/outputs', { run_id: run.info.run_id, models: [{ model_id: id, step: 0 }] }));
        expect((await ok(t.app.inject({ url: `${BASE}/logged-models/${id}` }))).model.info.model_id).toBe(id);
        const finalized = await ok(
          t.app.inject({ method: 'PATCH', url: `${BASE}/logged-models/${id}`, payload: { model_id: id, status: 'LOGGED_MODEL_READY' } }),
        );
        expect(finalized.model.info.status).toBe('LOGGED_MODEL_READY');
        const tagged = await ok(
          t.app.inject({
            method: 'PATCH',
            url: `${BASE}/logged-models/${id}/tags`,
            payload: { tags: [{ key: 'mlflow.modelVersions', value: JSON.stringify([{ name: 'reg', version: 1 }, { name: 'reg', version: '1' }]) }] },
          }),
        );
        expect(tagged).toEqual({});
        const afterTags = await ok(t.app.inject({ url: `${BASE}/logged-models/${id}` }));
        expect(afterTags.model.info.registrations).toEqual([{ name: 'reg', version: '1' }]);
        expect(afterTags.model.info.model_type).toBe('pyfunc');
        expect(await ok(post(`logged-models/${id}/params`, { params: [{ key: 'b', value: '2' }] }))).toEqual({});
        const found = await ok(post('logged-models/search', { experiment_ids: [exp], filter: "name = 'model'" }));
        expect(found.models.map((m: { info: { model_id: string } }) => m.info.model_id)).toEqual([id]);
        expect(found.models[0].data.params).toEqual([
          { key: 'a', value: '1' },
          { key: 'b', value: '2' },
        ]);
        expect((await ok(post('logged-models/search', { experiment_ids: [exp], filter: "name = 'other'" }))).models).toEqual([]);
        expect(await ok(t.app.inject({ method: 'DELETE', url: `${BASE}/logged-models/${id}/tags/mlflow.modelVersions` }))).toEqual({});
        expect(await ok(t.app.inject({ method: 'DELETE', url: `${BASE}/logged-models/${id}` }))).toEqual({});
        await fails(t.app.inject({ url: `${BASE}/logged-models/${id}` }), 404, 'RESOURCE_DOES_NOT_EXIST');
      });

      it('refuses bad input', async () => {
        expect((await ok(post('logged-models', { experiment_id: exp }))).model.info.model_type).toBe('');
        await fails(post('logged-models', {}), 400, 'INVALID_PARAMETER_VALUE');
        await fails(post('logged-models', { experiment_id: '777777' }), 404, 'RESOURCE_DOES_NOT_EXIST');
        const { model } = await ok(post('logged-models', { experiment_id: exp }));
        await fails(
          t.app.inject({ method: 'PATCH', url: `${BASE}/logged-models/${model.info.model_id}`, payload: { status: 'DONE' } }),
          400,
          'INVALID_PARAMETER_VALUE',
        );
        await fails(t.app.inject({ method: 'PATCH', url: `${BASE}/logged-models/m-none`, payload: { status: 'LOGGED_MODEL_READY' } }), 404, 'RESOURCE_DOES_NOT_EXIST');
        await fails(post('logged-models/search', { experiment_ids: [exp], max_results: 0 }), 400, 'INVALID_PARAMETER_VALUE');
      });

      it('lists a directory of the model artifacts', async () => {
        const { model } = await ok(post('logged-models', { experiment_id: exp, name: 'files' }));
        const root = model.info.artifact_uri.slice('mlflow-artifacts:/'.length);
        await t.services.artifacts.put(`${root}/MLmodel`, Buffer.from('flavors: {}'));
        await t.services.artifacts.put(`${root}/data/model.json`, Buffer.from('{}'));
        const listing = await ok(t.app.inject({ url: `${BASE}/logged-models/${model.info.model_id}/artifacts/directories` }));
        expect(listing.files).toEqual([
          { path: 'MLmodel', is_dir: false, file_size: 11 },
          { path: 'data', is_dir: true },
        ]);
        const sub = await ok(t.app.inject({ url: `${BASE}/logged-models/${model.info.model_id}/artifacts/directories?artifact_directory_path=data` }));
        expect(sub.files).toEqual([{ path: 'data/model.json', is_dir: false, file_size: 2 }]);
        await fails(t.app.inject({ url: `${BASE}/logged-models/${model.info.model_id}/artifacts/directories?artifact_directory_path=../x` }), 400, 'INVALID_PARAMETER_VALUE');
      });
    });
  });
}
