import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/backends.js';
import { openTracking, rejection, type TrackingFixture } from './tracking-fixture.js';

for (const dialect of DIALECTS) {
  describe(`${dialect.name}: logged models`, () => {
    let f: TrackingFixture;
    let expId: string;
    let runId: string;
    beforeAll(async () => {
      f = await openTracking(dialect);
      expId = (await f.tracking.createExperiment({ name: 'models' })).experiment_id;
      runId = (await f.tracking.createRun({ experiment_id: expId })).info.run_id;
    });
    afterAll(async () => f.close());

    it('creates a pending model with an id, artifact URI, params and tags', async () => {
      const m = await f.tracking.createLoggedModel({
        experiment_id: expId,
        name: 'clf',
        model_type: 'sklearn',
        source_run_id: runId,
        params: [{ key: 'alpha', value: '0.5' }],
        tags: [{ key: 'owner', value: 'ana' }],
      });
      expect(m.info.model_id).toMatch(/^m-[0-9a-f]{32}$/);
      expect(m.info).toMatchObject({
        experiment_id: expId,
        name: 'clf',
        model_type: 'sklearn',
        source_run_id: runId,
        status: 'LOGGED_MODEL_PENDING',
        artifact_uri: `mlflow-artifacts:/${expId}/models/${m.info.model_id}/artifacts`,
        tags: [{ key: 'owner', value: 'ana' }],
        registrations: [],
      });
      expect(m.data.params).toEqual([{ key: 'alpha', value: '0.5' }]);
      expect(await f.tracking.getLoggedModel(m.info.model_id)).toEqual(m);
      // A name is generated when none is given.
      expect((await f.tracking.createLoggedModel({ experiment_id: expId })).info.name).not.toBe('');
    });

    it('refuses unknown experiments, unknown source runs and unknown ids', async () => {
      expect((await rejection(f.tracking.createLoggedModel({ experiment_id: '98765' }))).code).toBe('RESOURCE_DOES_NOT_EXIST');
      expect((await rejection(f.tracking.createLoggedModel({ experiment_id: expId, source_run_id: 'a'.repeat(32) }))).code).toBe('RESOURCE_DOES_NOT_EXIST');
      expect((await rejection(f.tracking.getLoggedModel('m-nothing'))).code).toBe('RESOURCE_DOES_NOT_EXIST');
      expect((await rejection(f.tracking.finalizeLoggedModel('m-nothing', 'LOGGED_MODEL_READY'))).code).toBe('RESOURCE_DOES_NOT_EXIST');
    });

    it('finalizes with READY or UPLOAD_FAILED only', async () => {
      const m = await f.tracking.createLoggedModel({ experiment_id: expId, name: 'fin' });
      expect((await rejection(f.tracking.finalizeLoggedModel(m.info.model_id, 'LOGGED_MODEL_PENDING'))).code).toBe('INVALID_PARAMETER_VALUE');
      expect((await f.tracking.finalizeLoggedModel(m.info.model_id, 'LOGGED_MODEL_READY')).info.status).toBe('LOGGED_MODEL_READY');
    });

    it('derives registrations from the mlflow.modelVersions tag', async () => {
      const m = await f.tracking.createLoggedModel({ experiment_id: expId, name: 'reg' });
      const tagged = await f.tracking.setLoggedModelTags(m.info.model_id, [
        { key: 'mlflow.modelVersions', value: JSON.stringify([{ name: 'churn', version: 1 }, { name: 'churn', version: '2' }]) },
        { key: 'stage', value: 'x' },
      ]);
      expect(tagged.info.registrations).toEqual([
        { name: 'churn', version: '1' },
        { name: 'churn', version: '2' },
      ]);
      await f.tracking.deleteLoggedModelTag(m.info.model_id, 'stage');
      const after = await f.tracking.getLoggedModel(m.info.model_id);
      expect(after.info.tags.map((t) => t.key)).toEqual(['mlflow.modelVersions']);
      expect((await rejection(f.tracking.deleteLoggedModelTag(m.info.model_id, 'stage'))).code).toBe('RESOURCE_DOES_NOT_EXIST');
    });

    it('logs params and metrics that name the model', async () => {
      const m = await f.tracking.createLoggedModel({ experiment_id: expId, name: 'metrics', source_run_id: runId });
      await f.tracking.logLoggedModelParams(m.info.model_id, [{ key: 'depth', value: '4' }]);
      await f.tracking.logBatch(runId, {
        metrics: [{ key: 'acc', value: 0.9, timestamp: 5, step: 1, model_id: m.info.model_id, dataset_name: 'eval', dataset_digest: 'd1' }],
      });
      const got = await f.tracking.getLoggedModel(m.info.model_id);
      expect(got.data.params).toEqual([{ key: 'depth', value: '4' }]);
      expect(got.data.metrics).toEqual([
        { key: 'acc', value: 0.9, timestamp: 5, step: 1, model_id: m.info.model_id, run_id: runId, dataset_name: 'eval', dataset_digest: 'd1' },
      ]);
      const err = await rejection(f.tracking.logBatch(runId, { metrics: [{ key: 'acc', value: 1, timestamp: 1, model_id: 'm-unknown' }] }));
      expect(err.code).toBe('RESOURCE_DOES_NOT_EXIST');
    });

    it('records run outputs and model inputs', async () => {
      const m = await f.tracking.createLoggedModel({ experiment_id: expId, name: 'out' });
      await f.tracking.logOutputs(runId, [{ model_id: m.info.model_id, step: 3 }]);
      await f.tracking.logInputs(runId, { models: [{ model_id: m.info.model_id }] });
      const run = await f.tracking.getRun(runId);
      expect(run.outputs.model_outputs).toEqual([{ model_id: m.info.model_id, step: 3 }]);
      expect(run.inputs.model_inputs).toEqual([{ model_id: m.info.model_id }]);
      expect((await rejection(f.tracking.logOutputs(runId, [{ model_id: 'm-unknown', step: 0 }]))).code).toBe('RESOURCE_DOES_NOT_EXIST');
    });

    it('deletes: the model is then neither found nor searched', async () => {
      const m = await f.tracking.createLoggedModel({ experiment_id: expId, name: 'gone' });
      await f.tracking.deleteLoggedModel(m.info.model_id);
      expect((await rejection(f.tracking.getLoggedModel(m.info.model_id))).code).toBe('RESOURCE_DOES_NOT_EXIST');
      const all = await f.tracking.searchLoggedModels({ experiment_ids: [expId] });
      expect(all.items.map((x) => x.info.model_id)).not.toContain(m.info.model_id);
    });

    it('searches newest first and pages until the token runs out', async () => {
      const e = (await f.tracking.createExperiment({ name: 'model-paging' })).experiment_id;
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push((await f.tracking.createLoggedModel({ experiment_id: e, name: `p${i}` })).info.model_id);
        await new Promise((r) => setTimeout(r, 3));
      }
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await f.tracking.searchLoggedModels({ experiment_ids: [e], max_results: 2, page_token: token });
        seen.push(...page.items.map((m) => m.info.model_id));
        token = page.next_page_token;
      } while (token);
      expect(seen).toEqual([...ids].reverse());
      expect((await f.tracking.searchLoggedModels({ experiment_ids: [] })).items).toEqual([]);
    });
  });
}
