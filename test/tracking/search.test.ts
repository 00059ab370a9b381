import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS } from '../helpers/backends.js';
import type { Page, Run, SearchRunsInput } from '../../src/tracking/index.js';
import { openTracking, rejection, type TrackingFixture } from './tracking-fixture.js';

/*
 * A hand-built corpus; every expected answer below is worked out from this table, not from
 * running the code.
 *
 * name  start  status    user  auc    loss  model    lr    tags               dataset (context)
 * a     100    FINISHED  ana   0.91   0.3   gbdt     0.1   team=core          iris/d1 (training)
 * b     200    FINISHED  bob   0.75   0.2   gbdt     0.01  team=Core          iris/d1 (eval)
 * c     300    FAILED    ana   NaN    0.5   linear   0.1   team=edge          wine/d2 (training)
 * d     400    RUNNING   cy    -      0.1   GBDT     -     -                  -
 * e     500    FINISHED  bob   0.85   -     gbdt     0.2   team=core          -
 * f     500    FINISHED  ana   0.99   0.4   -        0.1   team=core, x=1     -
 */
interface Row {
  name: string;
  start: number;
  status: 'FINISHED' | 'FAILED' | 'RUNNING';
  user: string;
  auc?: number;
  loss?: number;
  model?: string;
  lr?: string;
  tags: Record<string, string>;
  dataset?: [string, string, string];
}

const CORPUS: Row[] = [
  { name: 'a', start: 100, status: 'FINISHED', user: 'ana', auc: 0.91, loss: 0.3, model: 'gbdt', lr: '0.1', tags: { team: 'core' }, dataset: ['iris', 'd1', 'training'] },
  { name: 'b', start: 200, status: 'FINISHED', user: 'bob', auc: 0.75, loss: 0.2, model: 'gbdt', lr: '0.01', tags: { team: 'Core' }, dataset: ['iris', 'd1', 'eval'] },
  { name: 'c', start: 300, status: 'FAILED', user: 'ana', auc: NaN, loss: 0.5, model: 'linear', lr: '0.1', tags: { team: 'edge' }, dataset: ['wine', 'd2', 'training'] },
  { name: 'd', start: 400, status: 'RUNNING', user: 'cy', loss: 0.1, model: 'GBDT', tags: {} },
  { name: 'e', start: 500, status: 'FINISHED', user: 'bob', auc: 0.85, model: 'gbdt', lr: '0.2', tags: { team: 'core' } },
  { name: 'f', start: 500, status: 'FINISHED', user: 'ana', auc: 0.99, loss: 0.4, lr: '0.1', tags: { team: 'core', x: '1' } },
];

for (const dialect of DIALECTS) {
  describe(`${dialect.name}: search`, () => {
    let f: TrackingFixture;
    let exp: string;
    const idOf: Record<string, string> = {};
    const nameOf: Record<string, string> = {};
    beforeAll(async () => {
      f = await openTracking(dialect);
      exp = (await f.tracking.createExperiment({ name: 'corpus' })).experiment_id;
      for (const row of CORPUS) {
        const run = await f.tracking.createRun({ experiment_id: exp, run_name: row.name, start_time: row.start, user_id: row.user });
        const id = run.info.run_id;
        idOf[row.name] = id;
        nameOf[id] = row.name;
        const metrics = [];
        if (row.auc !== undefined) metrics.push({ key: 'auc', value: row.auc, timestamp: 1, step: 0 });
        if (row.loss !== undefined) metrics.push({ key: 'loss', value: row.loss, timestamp: 1, step: 0 });
        const params = [];
        if (row.model !== undefined) params.push({ key: 'model', value: row.model });
        if (row.lr !== undefined) params.push({ key: 'lr', value: row.lr });
        const tags = Object.entries(row.tags).map(([key, value]) => ({ key, value }));
        await f.tracking.logBatch(id, { metrics, params, tags });
        if (row.dataset) {
          const [name, digest, context] = row.dataset;
          await f.tracking.logInputs(id, {
            datasets: [{ tags: [{ key: 'mlflow.data.context', value: context }], dataset: { name, digest, source_type: 'local', source: '{}' } }],
          });
        }
        if (row.status !== 'RUNNING') await f.tracking.updateRun(id, { status: row.status, end_time: row.start + 50 });
      }
      // A run in another experiment and a deleted run never show up in the default view.
      const other = (await f.tracking.createExperiment({ name: 'other' })).experiment_id;
      await f.tracking.createRun({ experiment_id: other, run_name: 'elsewhere' });
      const gone = await f.tracking.createRun({ experiment_id: exp, run_name: 'gone', start_time: 50 });
      await f.tracking.deleteRun(gone.info.run_id);
      idOf.gone = gone.info.run_id;
      nameOf[gone.info.run_id] = 'gone';
    });
    afterAll(async () => f.close());

    const search = async (input: Partial<SearchRunsInput>): Promise<string[]> =>
      (await f.tracking.searchRuns({ experiment_ids: [exp], ...input })).items.map((r) => nameOf[r.info.run_id]);

    // Ties on start_time (e and f at 500) break by run_id ascending.
    const tie = () => (idOf.e < idOf.f ? ['e', 'f'] : ['f', 'e']);

    it('orders by start_time DESC then run_id by default', async () => {
      expect(await search({})).toEqual([...tie(), 'd', 'c', 'b', 'a']);
    });

    it('filters on metrics (NaN and missing never match, except NaN for !=)', async () => {
      expect((await search({ filter: 'metrics.auc > 0.8' })).sort()).toEqual(['a', 'e', 'f']);
      expect((await search({ filter: 'metrics.auc <= 0.75' })).sort()).toEqual(['b']);
      expect((await search({ filter: 'metrics.auc != 0.75' })).sort()).toEqual(['a', 'c', 'e', 'f']);
      expect((await search({ filter: 'metrics.auc = 0.91' })).sort()).toEqual(['a']);
      expect((await search({ filter: 'metrics.auc > 0.8 and metrics.loss < 0.35' })).sort()).toEqual(['a']);
    });

    it('filters on params and tags (missing keys never match, also for !=)', async () => {
      expect((await search({ filter: "params.model = 'gbdt'" })).sort()).toEqual(['a', 'b', 'e']);
      expect((await search({ filter: "params.model != 'gbdt'" })).sort()).toEqual(['c', 'd']);
      expect((await search({ filter: "params.model LIKE 'gb%'" })).sort()).toEqual(['a', 'b', 'e']);
      expect((await search({ filter: "params.model ILIKE 'gb%'" })).sort()).toEqual(['a', 'b', 'd', 'e']);
      expect((await search({ filter: "tags.team = 'core'" })).sort()).toEqual(['a', 'e', 'f']);
      expect((await search({ filter: "tags.team != 'core'" })).sort()).toEqual(['b', 'c']);
      expect((await search({ filter: "tags.team ILIKE 'CORE'" })).sort()).toEqual(['a', 'b', 'e', 'f']);
      expect((await search({ filter: "params.lr = '0.1' and tags.x = '1'" })).sort()).toEqual(['f']);
      expect((await search({ filter: "params.`model` = 'linear'" })).sort()).toEqual(['c']);
    });

    it('filters on attributes', async () => {
      expect((await search({ filter: "attributes.status = 'FINISHED'" })).sort()).toEqual(['a', 'b', 'e', 'f']);
      expect((await search({ filter: "attributes.user_id = 'ana' and attributes.start_time > 100" })).sort()).toEqual(['c', 'f']);
      expect((await search({ filter: "run_name LIKE '%'" })).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
      expect((await search({ filter: `attributes.run_id IN ('${idOf.a}', '${idOf.d}')` })).sort()).toEqual(['a', 'd']);
      expect((await search({ filter: `attributes.run_id NOT IN ('${idOf.a}', '${idOf.d}')` })).sort()).toEqual(['b', 'c', 'e', 'f']);
      expect((await search({ filter: 'attributes.end_time <= 350' })).sort()).toEqual(['a', 'b', 'c']);
    });

    it('compares integer attributes with any number', async () => {
      expect((await search({ filter: 'attributes.start_time > 150.5' })).sort()).toEqual(['b', 'c', 'd', 'e', 'f']);
      expect((await search({ filter: 'attributes.start_time <= 200.7' })).sort()).toEqual(['a', 'b']);
      expect((await search({ filter: 'attributes.start_time >= 199.2 and attributes.start_time < 300.1' })).sort()).toEqual(['b', 'c']);
      expect(await search({ filter: 'attributes.start_time = 100.5' })).toEqual([]);
      expect((await search({ filter: 'attributes.start_time < 1e308' })).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
      expect(await search({ filter: 'attributes.start_time > 1e308' })).toEqual([]);
      // d is still running: no end time, so it never matches.
      expect((await search({ filter: 'attributes.end_time != 1e300' })).sort()).toEqual(['a', 'b', 'c', 'e', 'f']);
      expect((await search({ filter: 'attributes.end_time != 150.5' })).sort()).toEqual(['a', 'b', 'c', 'e', 'f']);
    });

    it('refuses LIKE patterns that end with a lone backslash', async () => {
      expect((await rejection(f.tracking.searchRuns({ experiment_ids: [exp], filter: "tags.team LIKE 'core\\'" }))).code).toBe('INVALID_PARAMETER_VALUE');
    });

    it('filters on dataset inputs', async () => {
      expect((await search({ filter: "datasets.name = 'iris'" })).sort()).toEqual(['a', 'b']);
      expect((await search({ filter: "datasets.digest = 'd2'" })).sort()).toEqual(['c']);
      expect((await search({ filter: "datasets.context = 'training'" })).sort()).toEqual(['a', 'c']);
    });

    it('orders by metrics with NaN and missing values last in both directions', async () => {
      expect(await search({ order_by: ['metrics.auc DESC'] })).toEqual(['f', 'a', 'e', 'b', 'c', 'd']);
      expect(await search({ order_by: ['metrics.auc ASC'] })).toEqual(['b', 'e', 'a', 'f', 'c', 'd']);
      expect(await search({ order_by: ['metrics.auc'] })).toEqual(['b', 'e', 'a', 'f', 'c', 'd']);
      expect(await search({ filter: 'metrics.auc > 0.8', order_by: ['metrics.auc DESC'] })).toEqual(['f', 'a', 'e']);
    });

    it('orders by params, tags and attributes, missing last, ties by start_time DESC', async () => {
      // lr: a 0.1, b 0.01, c 0.1, e 0.2, f 0.1, d missing; ties on 0.1 by start_time DESC: f(500), c(300), a(100).
      expect(await search({ order_by: ['params.lr ASC'] })).toEqual(['b', 'f', 'c', 'a', 'e', 'd']);
      expect(await search({ order_by: ['params.lr DESC'] })).toEqual(['e', 'f', 'c', 'a', 'b', 'd']);
      expect(await search({ order_by: ['attributes.run_name DESC'] })).toEqual(['f', 'e', 'd', 'c', 'b', 'a']);
      expect(await search({ order_by: ['attributes.start_time ASC'] })).toEqual(['a', 'b', 'c', 'd', ...tie()]);
      expect(await search({ order_by: ['tags.x DESC', 'attributes.run_name ASC'] })).toEqual(['f', 'a', 'b', 'c', 'd', 'e']);
    });

    it('pages through exactly, for every page size', async () => {
      const all = await search({ order_by: ['metrics.auc DESC'] });
      for (const size of [1, 2, 4, 5, 6, 7]) {
        const seen: string[] = [];
        let token: string | undefined;
        let pages = 0;
        do {
          const page: Page<Run> = await f.tracking.searchRuns({ experiment_ids: [exp], order_by: ['metrics.auc DESC'], max_results: size, page_token: token });
          seen.push(...page.items.map((r) => nameOf[r.info.run_id]));
          token = page.next_page_token;
          pages++;
        } while (token);
        expect(seen).toEqual(all);
        expect(pages).toBe(Math.max(1, Math.ceil(all.length / size)));
      }
    });

    it('honours view types and experiment lists', async () => {
      expect(await search({ run_view_type: 'DELETED_ONLY' })).toEqual(['gone']);
      expect((await search({ run_view_type: 'ALL' })).sort()).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'gone']);
      expect((await f.tracking.searchRuns({ experiment_ids: [] })).items).toEqual([]);
      expect((await f.tracking.searchRuns({ experiment_ids: ['123456'] })).items).toEqual([]);
    });

    it('returns runs with their latest metrics, params, tags and inputs', async () => {
      const [run] = (await f.tracking.searchRuns({ experiment_ids: [exp], filter: `attributes.run_id = '${idOf.a}'` })).items;
      expect(run.data.metrics).toEqual([
        { key: 'auc', value: 0.91, timestamp: 1, step: 0 },
        { key: 'loss', value: 0.3, timestamp: 1, step: 0 },
      ]);
      expect(run.data.params).toEqual([
        { key: 'lr', value: '0.1' },
        { key: 'model', value: 'gbdt' },
      ]);
      expect(run.data.tags).toContainEqual({ key: 'team', value: 'core' });
      expect(run.inputs.dataset_inputs.map((d) => d.dataset.name)).toEqual(['iris']);
    });

    it('refuses bad searches with INVALID_PARAMETER_VALUE', async () => {
      for (const input of [
        { filter: "metrics.auc > 0.8 OR params.model = 'gbdt'" },
        { filter: "params.model = gbdt" },
        { filter: "metrics.auc > 'high'" },
        { filter: 'attributes.nothing = 1' },
        { order_by: ['metrics.auc UP'] },
        { max_results: 0 },
        { max_results: 50001 },
        { page_token: '!!' },
        { run_view_type: 'SOME' as never },
      ]) {
        expect((await rejection(f.tracking.searchRuns({ experiment_ids: [exp], ...input }))).code).toBe('INVALID_PARAMETER_VALUE');
      }
    });

    it('searches experiments by name, tags and times, with view types and pages', async () => {
      const names = async (input: Parameters<TrackingFixture['tracking']['searchExperiments']>[0]) =>
        (await f.tracking.searchExperiments(input)).items.map((e) => e.name);
      for (const [n, team] of [['exp-b', 'x'], ['exp-a', 'y'], ['exp-c', 'x']] as const) {
        await f.tracking.createExperiment({ name: n, tags: [{ key: 'team', value: team }] });
        await new Promise((r) => setTimeout(r, 3));
      }
      expect(await names({ filter: "name LIKE 'exp-%'", order_by: ['name ASC'] })).toEqual(['exp-a', 'exp-b', 'exp-c']);
      expect(await names({ filter: "name LIKE 'exp-%'" })).toEqual(['exp-c', 'exp-a', 'exp-b']);
      expect(await names({ filter: "tags.team = 'x'", order_by: ['name DESC'] })).toEqual(['exp-c', 'exp-b']);
      const c = await f.tracking.getExperimentByName('exp-c');
      expect(await names({ filter: `creation_time >= ${c.creation_time} and name LIKE 'exp-%'` })).toEqual(['exp-c']);
      await f.tracking.deleteExperiment(c.experiment_id);
      expect(await names({ filter: "name LIKE 'exp-%'", order_by: ['name ASC'] })).toEqual(['exp-a', 'exp-b']);
      expect(await names({ filter: "name LIKE 'exp-%'", view_type: 'DELETED_ONLY' })).toEqual(['exp-c']);
      expect(await names({ filter: "name LIKE 'exp-%'", view_type: 'ALL', order_by: ['name ASC'] })).toEqual(['exp-a', 'exp-b', 'exp-c']);
      const first = await f.tracking.searchExperiments({ view_type: 'ALL', max_results: 2, order_by: ['name ASC'] });
      expect(first.next_page_token).toBeDefined();
      const total = (await f.tracking.searchExperiments({ view_type: 'ALL' })).items.length;
      let seen = first.items.length;
      let token = first.next_page_token;
      while (token) {
        const page = await f.tracking.searchExperiments({ view_type: 'ALL', max_results: 2, order_by: ['name ASC'], page_token: token });
        seen += page.items.length;
        token = page.next_page_token;
      }
      expect(seen).toBe(total);
    });

    it('searches logged models by attributes, params and metrics, ordered by metric', async () => {
      const runId = idOf.a;
      const models: Record<string, string> = {};
      for (const [name, acc, kind] of [['m1', 0.7, 'sk'], ['m2', 0.9, 'xgb'], ['m3', 0.8, 'xgb']] as const) {
        const m = await f.tracking.createLoggedModel({ experiment_id: exp, name, model_type: kind, source_run_id: runId, params: [{ key: 'kind', value: kind }] });
        models[m.info.model_id] = name;
        await f.tracking.logBatch(runId, { metrics: [{ key: 'acc', value: acc, timestamp: 1, step: 0, model_id: m.info.model_id, dataset_name: 'eval', dataset_digest: 'e1' }] });
      }
      const find = async (input: Partial<Parameters<TrackingFixture['tracking']['searchLoggedModels']>[0]>) =>
        (await f.tracking.searchLoggedModels({ experiment_ids: [exp], ...input })).items.map((m) => models[m.info.model_id]);
      expect(await find({ filter: "name = 'm2'" })).toEqual(['m2']);
      expect((await find({ filter: "model_type = 'xgb'" })).sort()).toEqual(['m2', 'm3']);
      expect((await find({ filter: "params.kind = 'sk'" })).sort()).toEqual(['m1']);
      expect((await find({ filter: 'metrics.acc >= 0.8' })).sort()).toEqual(['m2', 'm3']);
      expect(await find({ order_by: [{ field_name: 'metrics.acc', ascending: false }] })).toEqual(['m2', 'm3', 'm1']);
      expect(await find({ order_by: [{ field_name: 'name', ascending: true }] })).toEqual(['m1', 'm2', 'm3']);
      expect(await find({ filter: 'metrics.acc >= 0.8', datasets: [{ dataset_name: 'other' }] })).toEqual([]);
      expect((await find({ filter: 'metrics.acc >= 0.8', datasets: [{ dataset_name: 'eval', dataset_digest: 'e1' }] })).sort()).toEqual(['m2', 'm3']);
      expect((await rejection(f.tracking.searchLoggedModels({ experiment_ids: [exp], order_by: [{ field_name: 'nothing' }] }))).code).toBe('INVALID_PARAMETER_VALUE');
    });
  });
}
