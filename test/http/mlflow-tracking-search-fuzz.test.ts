import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';

// Filters and order terms assembled from the grammar's pieces, with awkward values, so that the
// SQL compiled from them meets every comparator and operand type. Each answer must be 200 or a
// 400 INVALID_PARAMETER_VALUE: never a 5xx (the MLflow client retries those for minutes).
const entity = fc.constantFrom('metrics', 'params', 'tags', 'attributes', 'datasets', 'metric', 'param', 'tag', 'attr', 'run', '');
const key = fc.oneof(
  fc.constantFrom('auc', 'model', 'run_id', 'run_name', 'status', 'start_time', 'end_time', 'created', 'user_id', 'name', 'digest', 'context', 'artifact_uri'),
  fc.constantFrom('`learning-rate`', '"user name"', '`a.b/c:d`', '`x`', '`%`', '`_`'),
  fc.stringMatching(/^[a-z_]{1,6}$/),
);
const comparator = fc.constantFrom('=', '!=', '>', '>=', '<', '<=', 'LIKE', 'ILIKE', 'like', 'IN', 'NOT IN', '<>', '==');
const value = fc.oneof(
  fc.double({ noNaN: false }).map(String),
  fc.constantFrom('1e308', '-1e308', '1e400', '0', '-0', '9007199254740993', '3.5', '-2'),
  fc.string({ maxLength: 10 }).map((s) => `'${s.replace(/'/g, "''")}'`),
  fc.constantFrom("'%'", "'_'", "'%a%'", "'\\\\'", "'é✓'", "''", '"dq"', "'it''s'"),
  fc.array(fc.string({ maxLength: 4 }).map((s) => `'${s.replace(/'/g, '')}'`), { maxLength: 3 }).map((xs) => `(${xs.join(', ')})`),
);
const clause = fc.tuple(entity, key, comparator, value).map(([e, k, c, v]) => `${e ? `${e}.` : ''}${k} ${c} ${v}`);
const filter = fc.array(clause, { minLength: 1, maxLength: 3 }).map((cs) => cs.join(' and '));
const orderTerm = fc.tuple(entity, key, fc.constantFrom('', ' ASC', ' DESC', ' asc')).map(([e, k, d]) => `${e ? `${e}.` : ''}${k}${d}`);

for (const dialect of DIALECTS) {
  describe(`${dialect.name}: generated run, experiment and logged-model searches`, () => {
    let t: TestApp;
    let exp: string;
    beforeAll(async () => {
      t = await makeTestApp(dialect);
      exp = (await t.services.tracking.createExperiment({ name: 'fuzz' })).experiment_id;
      for (let i = 0; i < 3; i++) {
        const run = await t.services.tracking.createRun({ experiment_id: exp, run_name: `r${i}` });
        await t.services.tracking.logBatch(run.info.run_id, {
          metrics: [{ key: 'auc', value: i === 2 ? NaN : i / 3, timestamp: i }],
          params: [{ key: 'model', value: `m${i}` }],
          tags: [{ key: 'x', value: '%_' }],
        });
        const model = await t.services.tracking.createLoggedModel({ experiment_id: exp, name: `m${i}`, source_run_id: run.info.run_id });
        await t.services.tracking.logBatch(run.info.run_id, { metrics: [{ key: 'auc', value: i, timestamp: 1, model_id: model.info.model_id }] });
      }
    });
    afterAll(async () => t.close());

    it('answer 200 or 400, never 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(fc.option(filter), fc.array(orderTerm, { maxLength: 2 }), fc.constantFrom('runs', 'experiments', 'logged-models'), async (f, order, target) => {
          const res = await t.app.inject({
            method: 'POST',
            url: `/api/2.0/mlflow/${target}/search`,
            payload: {
              experiment_ids: [exp],
              ...(f === null ? {} : { filter: f }),
              order_by: target === 'logged-models' ? order.map((o) => ({ field_name: o.split(' ')[0], ascending: !o.endsWith('DESC') })) : order,
            },
          });
          if (res.statusCode !== 200) {
            expect(res.statusCode, `${f} | ${order.join(', ')} → ${res.body}`).toBe(400);
            expect(res.json().error_code).toBe('INVALID_PARAMETER_VALUE');
          }
        }),
        { numRuns: Number(process.env.PUENTE_FUZZ_RUNS ?? 300) },
      );
    });
  });
}
