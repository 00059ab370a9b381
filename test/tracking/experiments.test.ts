import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/backends.js';
import { openTracking, rejection, type TrackingFixture } from './tracking-fixture.js';

for (const dialect of DIALECTS) {
  describe(`${dialect.name}: experiments`, () => {
    let f: TrackingFixture;
    beforeAll(async () => {
      f = await openTracking(dialect);
    });
    afterAll(async () => f.close());

    it('has the Default experiment "0"', async () => {
      const exp = await f.tracking.getExperiment('0');
      expect(exp).toMatchObject({ experiment_id: '0', name: 'Default', lifecycle_stage: 'active', artifact_location: 'mlflow-artifacts:/0' });
      expect((await f.tracking.getExperimentByName('Default')).experiment_id).toBe('0');
    });

    it('creates an experiment with a default artifact location and tags', async () => {
      const before = Date.now();
      const exp = await f.tracking.createExperiment({ name: 'churn', tags: [{ key: 'team', value: 'ml' }] });
      expect(exp.experiment_id).toMatch(/^[1-9]\d*$/);
      expect(exp.artifact_location).toBe(`mlflow-artifacts:/${exp.experiment_id}`);
      expect(exp.lifecycle_stage).toBe('active');
      expect(exp.creation_time).toBeGreaterThanOrEqual(before);
      expect(exp.tags).toEqual([{ key: 'team', value: 'ml' }]);
      expect(await f.tracking.getExperimentByName('churn')).toEqual(exp);
      const custom = await f.tracking.createExperiment({ name: 'custom', artifact_location: 's3://bucket/x' });
      expect(custom.artifact_location).toBe('s3://bucket/x');
    });

    it('refuses duplicate names, over-long names and missing names', async () => {
      await f.tracking.createExperiment({ name: 'dup' });
      expect((await rejection(f.tracking.createExperiment({ name: 'dup' }))).code).toBe('RESOURCE_ALREADY_EXISTS');
      const long = await rejection(f.tracking.createExperiment({ name: 'x'.repeat(501) }));
      expect(long.code).toBe('INVALID_PARAMETER_VALUE');
      expect(long.message).toContain("'name'");
      expect((await f.tracking.createExperiment({ name: 'y'.repeat(500) })).name).toHaveLength(500);
      const missing = await rejection(f.tracking.createExperiment({ name: '' }));
      expect(missing.message).toBe("Missing value for required parameter 'name'.");
      const longTag = await rejection(f.tracking.createExperiment({ name: 'tagged', tags: [{ key: 'k', value: 'v'.repeat(5001) }] }));
      expect(longTag.message).toContain('tags[0].value');
      // Nothing of the refused experiment was written.
      expect((await rejection(f.tracking.getExperimentByName('tagged'))).code).toBe('RESOURCE_DOES_NOT_EXIST');
    });

    it('answers unknown ids and names with RESOURCE_DOES_NOT_EXIST', async () => {
      expect((await rejection(f.tracking.getExperiment('987654'))).code).toBe('RESOURCE_DOES_NOT_EXIST');
      expect((await rejection(f.tracking.getExperiment('not-a-number'))).code).toBe('RESOURCE_DOES_NOT_EXIST');
      expect((await rejection(f.tracking.getExperimentByName('nope'))).code).toBe('RESOURCE_DOES_NOT_EXIST');
    });

    it('renames, refusing names in use', async () => {
      const a = await f.tracking.createExperiment({ name: 'rename-a' });
      await f.tracking.createExperiment({ name: 'rename-b' });
      const renamed = await f.tracking.updateExperiment(a.experiment_id, { name: 'rename-c' });
      expect(renamed.name).toBe('rename-c');
      expect((await rejection(f.tracking.getExperimentByName('rename-a'))).code).toBe('RESOURCE_DOES_NOT_EXIST');
      expect((await rejection(f.tracking.updateExperiment(a.experiment_id, { name: 'rename-b' }))).code).toBe('RESOURCE_ALREADY_EXISTS');
      // Renaming to its own name is not a clash.
      expect((await f.tracking.updateExperiment(a.experiment_id, { name: 'rename-c' })).name).toBe('rename-c');
    });

    it('lets exactly one of two concurrent renames to the same name win', async () => {
      const a = await f.tracking.createExperiment({ name: 'race-a' });
      const b = await f.tracking.createExperiment({ name: 'race-b' });
      const results = await Promise.allSettled([
        f.tracking.updateExperiment(a.experiment_id, { name: 'race-target' }),
        f.tracking.updateExperiment(b.experiment_id, { name: 'race-target' }),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(failed.reason.code).toBe('RESOURCE_ALREADY_EXISTS');
    });

    it('sets, replaces and deletes tags', async () => {
      const e = await f.tracking.createExperiment({ name: 'tags' });
      await f.tracking.setExperimentTag(e.experiment_id, 'a', '1');
      await f.tracking.setExperimentTag(e.experiment_id, 'a', '2');
      await f.tracking.setExperimentTag(e.experiment_id, 'b', '');
      expect((await f.tracking.getExperiment(e.experiment_id)).tags).toEqual([
        { key: 'a', value: '2' },
        { key: 'b', value: '' },
      ]);
      await f.tracking.deleteExperimentTag(e.experiment_id, 'a');
      expect((await f.tracking.getExperiment(e.experiment_id)).tags).toEqual([{ key: 'b', value: '' }]);
      expect((await rejection(f.tracking.deleteExperimentTag(e.experiment_id, 'a'))).code).toBe('RESOURCE_DOES_NOT_EXIST');
      expect((await rejection(f.tracking.setExperimentTag(e.experiment_id, 'bad key!', 'v'))).code).toBe('INVALID_PARAMETER_VALUE');
      expect((await rejection(f.tracking.setExperimentTag('424242', 'k', 'v'))).code).toBe('RESOURCE_DOES_NOT_EXIST');
    });

    it('deletes softly, refuses writes while deleted, and restores', async () => {
      const e = await f.tracking.createExperiment({ name: 'soft' });
      const run = await f.tracking.createRun({ experiment_id: e.experiment_id });
      await f.tracking.deleteExperiment(e.experiment_id);
      expect((await f.tracking.getExperiment(e.experiment_id)).lifecycle_stage).toBe('deleted');
      expect((await f.tracking.getRun(run.info.run_id)).info.lifecycle_stage).toBe('deleted');
      for (const write of [
        () => f.tracking.setExperimentTag(e.experiment_id, 'k', 'v'),
        () => f.tracking.updateExperiment(e.experiment_id, { name: 'soft2' }),
        () => f.tracking.createRun({ experiment_id: e.experiment_id }),
        () => f.tracking.logParam(run.info.run_id, 'p', '1'),
        () => f.tracking.deleteExperiment(e.experiment_id),
      ]) {
        const err = await rejection(write());
        expect(err.code).toBe('INVALID_PARAMETER_VALUE');
        expect(err.message).toMatch(/must be in the 'active' state/);
      }
      await f.tracking.restoreExperiment(e.experiment_id);
      expect((await f.tracking.getExperiment(e.experiment_id)).lifecycle_stage).toBe('active');
      expect((await f.tracking.getRun(run.info.run_id)).info.lifecycle_stage).toBe('active');
      await f.tracking.logParam(run.info.run_id, 'p', '1');
      expect((await rejection(f.tracking.restoreExperiment(e.experiment_id))).code).toBe('INVALID_PARAMETER_VALUE');
    });

    it('keeps runs deleted on their own deleted after the experiment is restored', async () => {
      const e = await f.tracking.createExperiment({ name: 'keep-deleted' });
      const own = await f.tracking.createRun({ experiment_id: e.experiment_id });
      const other = await f.tracking.createRun({ experiment_id: e.experiment_id });
      await f.tracking.deleteRun(own.info.run_id);
      await new Promise((r) => setTimeout(r, 5));
      await f.tracking.deleteExperiment(e.experiment_id);
      await f.tracking.restoreExperiment(e.experiment_id);
      expect((await f.tracking.getRun(own.info.run_id)).info.lifecycle_stage).toBe('deleted');
      expect((await f.tracking.getRun(other.info.run_id)).info.lifecycle_stage).toBe('active');
    });

    it('refuses to delete the Default experiment', async () => {
      const err = await rejection(f.tracking.deleteExperiment('0'));
      expect(err.code).toBe('INVALID_PARAMETER_VALUE');
      expect((await f.tracking.getExperiment('0')).lifecycle_stage).toBe('active');
    });
  });
}
