import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/backends.js';
import { MAX_DOUBLE } from '../../src/tracking/index.js';
import { openTracking, rejection, type TrackingFixture } from './tracking-fixture.js';

for (const dialect of DIALECTS) {
  describe(`${dialect.name}: runs`, () => {
    let f: TrackingFixture;
    let expId: string;
    beforeAll(async () => {
      f = await openTracking(dialect);
      expId = (await f.tracking.createExperiment({ name: 'runs' })).experiment_id;
    });
    afterAll(async () => f.close());

    const newRun = async () => (await f.tracking.createRun({ experiment_id: expId })).info.run_id;

    it('creates a running run with a generated name and MLflow artifact URI', async () => {
      const run = await f.tracking.createRun({ experiment_id: expId, user_id: 'ana', start_time: 1234 });
      expect(run.info.run_id).toMatch(/^[0-9a-f]{32}$/);
      expect(run.info).toMatchObject({
        experiment_id: expId,
        user_id: 'ana',
        status: 'RUNNING',
        start_time: 1234,
        end_time: null,
        lifecycle_stage: 'active',
        artifact_uri: `mlflow-artifacts:/${expId}/${run.info.run_id}/artifacts`,
      });
      expect(run.info.run_name).toMatch(/^[a-z]+-[a-z]+-\d+$/);
      expect(run.data.tags).toContainEqual({ key: 'mlflow.runName', value: run.info.run_name });
      expect(run.data).toMatchObject({ metrics: [], params: [] });
      expect(run.inputs).toEqual({ dataset_inputs: [], model_inputs: [] });
      expect(run.outputs).toEqual({ model_outputs: [] });
    });

    it('takes the name from run_name or the mlflow.runName tag, and refuses both differing', async () => {
      expect((await f.tracking.createRun({ experiment_id: expId, run_name: 'given' })).info.run_name).toBe('given');
      const byTag = await f.tracking.createRun({ experiment_id: expId, tags: [{ key: 'mlflow.runName', value: 'tagged' }] });
      expect(byTag.info.run_name).toBe('tagged');
      const err = await rejection(f.tracking.createRun({ experiment_id: expId, run_name: 'a', tags: [{ key: 'mlflow.runName', value: 'b' }] }));
      expect(err.code).toBe('INVALID_PARAMETER_VALUE');
      expect((await rejection(f.tracking.createRun({ experiment_id: expId, run_name: 'n'.repeat(251) }))).message).toContain('run_name');
    });

    it('uses the Default experiment when none is given, and refuses unknown experiments', async () => {
      expect((await f.tracking.createRun({})).info.experiment_id).toBe('0');
      expect((await rejection(f.tracking.createRun({ experiment_id: '99999' }))).code).toBe('RESOURCE_DOES_NOT_EXIST');
    });

    it('answers unknown runs with RESOURCE_DOES_NOT_EXIST', async () => {
      const missing = 'f'.repeat(32);
      expect((await rejection(f.tracking.getRun(missing))).code).toBe('RESOURCE_DOES_NOT_EXIST');
      expect((await rejection(f.tracking.logParam(missing, 'a', 'b'))).code).toBe('RESOURCE_DOES_NOT_EXIST');
      expect((await rejection(f.tracking.updateRun(missing, { status: 'FINISHED' }))).code).toBe('RESOURCE_DOES_NOT_EXIST');
      expect((await rejection(f.tracking.deleteRun(missing))).code).toBe('RESOURCE_DOES_NOT_EXIST');
      expect((await rejection(f.tracking.getMetricHistory(missing, 'loss'))).code).toBe('RESOURCE_DOES_NOT_EXIST');
    });

    it('updates status, end time and name (the tag follows the name)', async () => {
      const id = await newRun();
      const info = await f.tracking.updateRun(id, { status: 'FINISHED', end_time: 5000, run_name: 'renamed' });
      expect(info).toMatchObject({ status: 'FINISHED', end_time: 5000, run_name: 'renamed' });
      const run = await f.tracking.getRun(id);
      expect(run.data.tags).toContainEqual({ key: 'mlflow.runName', value: 'renamed' });
      expect((await rejection(f.tracking.updateRun(id, { status: 'DONE' as never }))).message).toContain('status');
      await f.tracking.setTag(id, 'mlflow.runName', 'by-tag');
      expect((await f.tracking.getRun(id)).info.run_name).toBe('by-tag');
    });

    it('refuses writes to a deleted run, and restores it', async () => {
      const id = await newRun();
      await f.tracking.deleteRun(id);
      expect((await f.tracking.getRun(id)).info.lifecycle_stage).toBe('deleted');
      for (const write of [
        () => f.tracking.logMetric(id, { key: 'm', value: 1, timestamp: 1 }),
        () => f.tracking.logParam(id, 'p', 'v'),
        () => f.tracking.setTag(id, 't', 'v'),
        () => f.tracking.deleteTag(id, 'mlflow.runName'),
        () => f.tracking.logBatch(id, { metrics: [] }),
        () => f.tracking.updateRun(id, { status: 'FAILED' }),
      ]) {
        const err = await rejection(write());
        expect(err.code).toBe('INVALID_PARAMETER_VALUE');
        expect(err.message).toMatch(/must be in the 'active' state/);
      }
      await f.tracking.restoreRun(id);
      await f.tracking.logParam(id, 'p', 'v');
      expect((await f.tracking.getRun(id)).data.params).toEqual([{ key: 'p', value: 'v' }]);
    });

    it('sets and deletes tags; deleting a missing tag is RESOURCE_DOES_NOT_EXIST', async () => {
      const id = await newRun();
      await f.tracking.setTag(id, 'a/b', 'x');
      await f.tracking.setTag(id, 'a/b', 'y');
      expect((await f.tracking.getRun(id)).data.tags).toContainEqual({ key: 'a/b', value: 'y' });
      await f.tracking.deleteTag(id, 'a/b');
      expect((await f.tracking.getRun(id)).data.tags.map((t) => t.key)).not.toContain('a/b');
      expect((await rejection(f.tracking.deleteTag(id, 'a/b'))).code).toBe('RESOURCE_DOES_NOT_EXIST');
    });

    it('makes nested runs through parent_run_id', async () => {
      const parent = await newRun();
      const child = await f.tracking.createRun({ experiment_id: expId, parent_run_id: parent });
      expect(child.data.tags).toContainEqual({ key: 'mlflow.parentRunId', value: parent });
      expect((await rejection(f.tracking.createRun({ experiment_id: expId, parent_run_id: 'e'.repeat(32) }))).code).toBe('RESOURCE_DOES_NOT_EXIST');
    });

    describe('log-batch', () => {
      it('writes metrics, params and tags', async () => {
        const id = await newRun();
        await f.tracking.logBatch(id, {
          metrics: [
            { key: 'loss', value: 0.5, timestamp: 10, step: 0 },
            { key: 'loss', value: 0.25, timestamp: 20, step: 1 },
            { key: 'acc', value: '0.75', timestamp: '30', step: '2' },
          ],
          params: [{ key: 'lr', value: '0.1' }],
          tags: [{ key: 'phase', value: 'train' }],
        });
        const run = await f.tracking.getRun(id);
        expect(run.data.metrics).toEqual([
          { key: 'acc', value: 0.75, timestamp: 30, step: 2 },
          { key: 'loss', value: 0.25, timestamp: 20, step: 1 },
        ]);
        expect(run.data.params).toEqual([{ key: 'lr', value: '0.1' }]);
        expect(run.data.tags).toContainEqual({ key: 'phase', value: 'train' });
        expect((await f.tracking.getMetricHistory(id, 'loss')).items).toEqual([
          { key: 'loss', value: 0.5, timestamp: 10, step: 0 },
          { key: 'loss', value: 0.25, timestamp: 20, step: 1 },
        ]);
      });

      it('enforces the count limits, writing nothing', async () => {
        const id = await newRun();
        const metric = (i: number) => ({ key: `m${i % 3}`, value: i, timestamp: i, step: i });
        const cases = [
          { metrics: Array.from({ length: 1001 }, (_, i) => metric(i)) },
          { params: Array.from({ length: 101 }, (_, i) => ({ key: `p${i}`, value: 'v' })) },
          { tags: Array.from({ length: 101 }, (_, i) => ({ key: `t${i}`, value: 'v' })) },
          {
            metrics: Array.from({ length: 950 }, (_, i) => metric(i)),
            params: Array.from({ length: 51 }, (_, i) => ({ key: `p${i}`, value: 'v' })),
          },
        ];
        for (const batch of cases) {
          const err = await rejection(f.tracking.logBatch(id, batch));
          expect(err.code).toBe('INVALID_PARAMETER_VALUE');
          expect(err.message).toMatch(/at most (1000|100)/);
        }
        // Exactly at the limits is accepted.
        await f.tracking.logBatch(id, {
          metrics: Array.from({ length: 800 }, (_, i) => metric(i)),
          params: Array.from({ length: 100 }, (_, i) => ({ key: `p${i}`, value: 'v' })),
          tags: Array.from({ length: 100 }, (_, i) => ({ key: `t${i}`, value: 'v' })),
        });
        expect((await f.tracking.getMetricHistory(id, 'm0')).items).toHaveLength(267);
      });

      it('writes nothing when one element is bad', async () => {
        const id = await newRun();
        const good = Array.from({ length: 20 }, (_, i) => ({ key: 'loss', value: i, timestamp: i, step: i }));
        const bad = [
          { metrics: [...good, { key: 'loss', value: 'abc', timestamp: 1, step: 1 }] },
          { metrics: [...good, { key: 'bad key!', value: 1, timestamp: 1, step: 1 }] },
          { metrics: [...good, { key: 'a/../b', value: 1, timestamp: 1, step: 1 }] },
          { metrics: [...good, { key: 'ok', value: 1, timestamp: -1, step: 1 }] },
          { metrics: [...good, { key: 'ok', value: 1, timestamp: 1, step: 1.5 }] },
          { metrics: [...good, { key: 'ok', value: true as never, timestamp: 1, step: 1 }] },
          { metrics: good, params: [{ key: 'p', value: 'x'.repeat(6001) }] },
          { metrics: good, tags: [{ key: 't', value: 'x'.repeat(8001) }] },
          { metrics: good, params: [{ key: 'k'.repeat(251), value: 'v' }] },
          { metrics: good, params: [{ key: 'p', value: '1' }, { key: 'p', value: '1' }] },
          { metrics: good, params: [{ key: 'p', value: 'a\u0000b' }] },
        ];
        for (const batch of bad) {
          const err = await rejection(f.tracking.logBatch(id, batch));
          expect(err.code).toBe('INVALID_PARAMETER_VALUE');
        }
        const run = await f.tracking.getRun(id);
        expect(run.data.metrics).toEqual([]);
        expect(run.data.params).toEqual([]);
        expect((await f.tracking.getMetricHistory(id, 'loss')).items).toEqual([]);
      });

      it('names the field in length errors', async () => {
        const id = await newRun();
        expect((await rejection(f.tracking.logBatch(id, { params: [{ key: 'a', value: 'b' }, { key: 'p', value: 'x'.repeat(6001) }] }))).message).toContain('params[1].value');
        expect((await rejection(f.tracking.logBatch(id, { tags: [{ key: 't', value: 'x'.repeat(8001) }] }))).message).toContain('tags[0].value');
        expect((await rejection(f.tracking.logBatch(id, { metrics: [{ key: 'k'.repeat(251), value: 1, timestamp: 1 }] }))).message).toContain('metrics[0].key');
        // At the limits exactly is fine.
        await f.tracking.logBatch(id, { params: [{ key: 'k'.repeat(250), value: 'x'.repeat(6000) }], tags: [{ key: 't', value: 'x'.repeat(8000) }] });
      });

      it('keeps params write-once: the same value is accepted, another refused and nothing else written', async () => {
        const id = await newRun();
        await f.tracking.logParam(id, 'lr', '0.1');
        await f.tracking.logParam(id, 'lr', '0.1');
        await f.tracking.logBatch(id, { params: [{ key: 'lr', value: '0.1' }, { key: 'depth', value: '3' }] });
        const err = await rejection(
          f.tracking.logBatch(id, {
            params: [{ key: 'other', value: '1' }, { key: 'lr', value: '0.2' }],
            metrics: [{ key: 'loss', value: 1, timestamp: 1 }],
          }),
        );
        expect(err.code).toBe('INVALID_PARAMETER_VALUE');
        expect(err.message).toContain('lr');
        const run = await f.tracking.getRun(id);
        expect(run.data.params).toEqual([
          { key: 'depth', value: '3' },
          { key: 'lr', value: '0.1' },
        ]);
        expect(run.data.metrics).toEqual([]);
      });

      it('keeps NaN and clamps ±Infinity', async () => {
        const id = await newRun();
        await f.tracking.logBatch(id, {
          metrics: [
            { key: 'nan', value: NaN, timestamp: 1, step: 0 },
            { key: 'nan_text', value: 'NaN', timestamp: 1, step: 0 },
            { key: 'pinf', value: Infinity, timestamp: 1, step: 0 },
            { key: 'ninf', value: '-Infinity', timestamp: 1, step: 0 },
          ],
        });
        const byKey = Object.fromEntries((await f.tracking.getRun(id)).data.metrics.map((m) => [m.key, m.value]));
        expect(byKey.nan).toBeNaN();
        expect(byKey.nan_text).toBeNaN();
        expect(byKey.pinf).toBe(MAX_DOUBLE);
        expect(byKey.ninf).toBe(-MAX_DOUBLE);
        expect((await f.tracking.getMetricHistory(id, 'nan')).items[0].value).toBeNaN();
      });

      it('keeps every point and the right latest value under concurrent batches', async () => {
        const id = await newRun();
        const keys = ['a', 'b', 'c', 'd'];
        // Four writers, each sending its keys in a different order, 5 batches of 100 points each.
        await Promise.all(
          [0, 1, 2, 3].map(async (w) => {
            const order = [...keys.slice(w), ...keys.slice(0, w)];
            for (let b = 0; b < 5; b++) {
              const metrics = Array.from({ length: 100 }, (_, i) => ({ key: order[i % 4], value: w * 1000 + b * 100 + i, timestamp: b, step: w * 10 + b }));
              await f.tracking.logBatch(id, { metrics, params: [{ key: 'shared', value: 'same' }], tags: [{ key: `writer-${w}`, value: String(b) }] });
            }
          }),
        );
        const run = await f.tracking.getRun(id);
        // Highest step is 3*10+4 = 34 (writer 3, batch 4, values 3400 + i); all its points share
        // step and timestamp, so the largest value per key wins. Writer 3 sends keys in the order
        // d, a, b, c, so i = 96, 97, 98, 99 are the last points of d, a, b, c.
        expect(run.data.metrics).toEqual([
          { key: 'a', value: 3497, timestamp: 4, step: 34 },
          { key: 'b', value: 3498, timestamp: 4, step: 34 },
          { key: 'c', value: 3499, timestamp: 4, step: 34 },
          { key: 'd', value: 3496, timestamp: 4, step: 34 },
        ]);
        for (const key of keys) expect((await f.tracking.getMetricHistory(id, key)).items).toHaveLength(500);
        expect(run.data.params).toEqual([{ key: 'shared', value: 'same' }]);
      });

      it('selects the latest metric by (step, timestamp, value), within and across batches', async () => {
        const id = await newRun();
        await f.tracking.logBatch(id, {
          metrics: [
            { key: 'm', value: 5, timestamp: 100, step: 1 },
            { key: 'm', value: 1, timestamp: 50, step: 2 },
            { key: 'm', value: 3, timestamp: 50, step: 2 },
            { key: 'm', value: 9, timestamp: 200, step: 1 },
          ],
        });
        const latest = async () => (await f.tracking.getRun(id)).data.metrics.find((m) => m.key === 'm');
        expect(await latest()).toEqual({ key: 'm', value: 3, timestamp: 50, step: 2 });
        // Lower step, later timestamp: not later.
        await f.tracking.logMetric(id, { key: 'm', value: 100, timestamp: 999, step: 1 });
        expect(await latest()).toEqual({ key: 'm', value: 3, timestamp: 50, step: 2 });
        // Same step and timestamp, smaller value: not later.
        await f.tracking.logMetric(id, { key: 'm', value: 2, timestamp: 50, step: 2 });
        expect(await latest()).toEqual({ key: 'm', value: 3, timestamp: 50, step: 2 });
        // Same step, later timestamp: later.
        await f.tracking.logMetric(id, { key: 'm', value: -1, timestamp: 51, step: 2 });
        expect(await latest()).toEqual({ key: 'm', value: -1, timestamp: 51, step: 2 });
        // Higher step: later.
        await f.tracking.logMetric(id, { key: 'm', value: 0, timestamp: 0, step: 3 });
        expect(await latest()).toEqual({ key: 'm', value: 0, timestamp: 0, step: 3 });
        expect((await f.tracking.getMetricHistory(id, 'm')).items).toHaveLength(8);
      });
    });

    it('pages metric history until the token runs out', async () => {
      const id = await newRun();
      await f.tracking.logBatch(id, { metrics: Array.from({ length: 25 }, (_, i) => ({ key: 'h', value: i * 2, timestamp: 1000 + i, step: i })) });
      const seen: number[] = [];
      let token: string | undefined;
      let pages = 0;
      do {
        const page = await f.tracking.getMetricHistory(id, 'h', { max_results: 10, page_token: token });
        seen.push(...page.items.map((m) => m.step));
        token = page.next_page_token;
        pages++;
      } while (token);
      expect(pages).toBe(3);
      expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i));
      // Exactly one page's worth: no token.
      expect((await f.tracking.getMetricHistory(id, 'h', { max_results: 25 })).next_page_token).toBeUndefined();
      expect((await rejection(f.tracking.getMetricHistory(id, 'h', { page_token: 'garbage' }))).code).toBe('INVALID_PARAMETER_VALUE');
    });

    it('samples history of many runs for an interval', async () => {
      const a = await newRun();
      const b = await newRun();
      await f.tracking.logBatch(a, { metrics: Array.from({ length: 10 }, (_, i) => ({ key: 'x', value: i, timestamp: i, step: i })) });
      await f.tracking.logBatch(b, { metrics: [3, 7].map((s) => ({ key: 'x', value: s, timestamp: s, step: s })) });
      const all = await f.tracking.getMetricHistoryBulkInterval({ run_ids: [a, b], metric_key: 'x' });
      expect(all.filter((m) => m.run_id === a).map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(all.filter((m) => m.run_id === b).map((m) => m.step)).toEqual([3, 7]);
      const ranged = await f.tracking.getMetricHistoryBulkInterval({ run_ids: [a], metric_key: 'x', start_step: 2, end_step: 4 });
      expect(ranged.map((m) => m.step)).toEqual([2, 3, 4]);
      // 10 distinct steps sampled to 5: evenly spaced indices 0,2,4,6,8 plus each run's first and last step (0, 9, 3, 7).
      const sampled = await f.tracking.getMetricHistoryBulkInterval({ run_ids: [a, b], metric_key: 'x', max_results: 5 });
      expect(sampled.filter((m) => m.run_id === a).map((m) => m.step)).toEqual([0, 2, 3, 4, 6, 7, 8, 9]);
      expect((await rejection(f.tracking.getMetricHistoryBulkInterval({ run_ids: [a], metric_key: 'x', start_step: 1 }))).code).toBe('INVALID_PARAMETER_VALUE');
      expect((await rejection(f.tracking.getMetricHistoryBulkInterval({ run_ids: [a], metric_key: 'x', start_step: 5, end_step: 1 }))).code).toBe('INVALID_PARAMETER_VALUE');
      expect((await rejection(f.tracking.getMetricHistoryBulkInterval({ run_ids: Array(101).fill(a), metric_key: 'x' }))).code).toBe('INVALID_PARAMETER_VALUE');
      expect((await rejection(f.tracking.getMetricHistoryBulkInterval({ run_ids: [a], metric_key: 'x', max_results: 2501 }))).code).toBe('INVALID_PARAMETER_VALUE');
    });

    it('logs dataset inputs shared per experiment by name and digest', async () => {
      const a = await newRun();
      const b = await newRun();
      const dataset = { name: 'iris', digest: 'abc123', source_type: 'local', source: '{"uri": "iris.csv"}', schema: '{"mlflow_colspec": []}' };
      await f.tracking.logInputs(a, { datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset }] });
      await f.tracking.logInputs(b, { datasets: [{ tags: [{ key: 'mlflow.data.context', value: 'eval' }], dataset }] });
      await f.tracking.logInputs(b, { datasets: [{ tags: [], dataset }] });
      const runA = await f.tracking.getRun(a);
      expect(runA.inputs.dataset_inputs).toEqual([{ tags: [{ key: 'mlflow.data.context', value: 'training' }], dataset }]);
      expect((await f.tracking.getRun(b)).inputs.dataset_inputs).toHaveLength(1);
      const rows = await f.db.kysely.selectFrom('datasets').select('dataset_id').where('name', '=', 'iris').execute();
      expect(rows).toHaveLength(1);
      const err = await rejection(f.tracking.logInputs(a, { datasets: [{ dataset: { ...dataset, digest: 'd'.repeat(37) } }] }));
      expect(err.message).toContain('datasets[0].dataset.digest');
      expect((await rejection(f.tracking.logInputs(a, { models: [{ model_id: 'm-missing' }] }))).code).toBe('RESOURCE_DOES_NOT_EXIST');
    });
  });
}
