import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';

// Well-formed MLflow write requests with awkward contents (long, empty, unicode and control
// strings, huge or fractional numbers, numeric strings). Each answer must be 200 or a 4xx with an
// error code: the store must never fail on a value it was handed (PostgreSQL is strict about
// lengths, NUL bytes and integer ranges).
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 8 }),
  fc.constantFrom('', 'a/b', 'a//b', '../x', 'x\u0000y', 'é✓', ' ', 'mlflow.runName', 'mlflow.parentRunId'),
  fc.integer({ min: 0, max: 600 }).map((n) => 'k'.repeat(n)),
  fc.constantFrom(36, 37, 250, 251, 255, 256, 500, 501).map((n) => 'v'.repeat(n)),
);
const number = fc.oneof(
  fc.double(),
  fc.integer(),
  fc.constantFrom(1e308, -1e308, 2 ** 53, 2 ** 63, -1, 0, 0.5),
  fc.constantFrom('NaN', 'Infinity', '-Infinity', '12', '-3', '1.5', 'abc', ''),
);
const kv = fc.record({ key: text, value: text }, { requiredKeys: [] });
const metric = fc.record({ key: text, value: number, timestamp: number, step: number, dataset_name: text, dataset_digest: text }, { requiredKeys: ['key', 'value', 'timestamp'] });

for (const dialect of DIALECTS) {
  describe(`${dialect.name}: generated tracking writes`, () => {
    let t: TestApp;
    let exp: string;
    let runId: string;
    beforeAll(async () => {
      t = await makeTestApp(dialect);
      exp = (await t.services.tracking.createExperiment({ name: 'write-fuzz' })).experiment_id;
      runId = (await t.services.tracking.createRun({ experiment_id: exp })).info.run_id;
    });
    afterAll(async () => t.close());

    const requests = fc.oneof(
      fc.record({ metrics: fc.array(metric, { maxLength: 4 }), params: fc.array(kv, { maxLength: 3 }), tags: fc.array(kv, { maxLength: 3 }) }).map((b) => ['runs/log-batch', { run_id: '$run', ...b }] as const),
      fc.record({ key: text, value: number, timestamp: number, step: number }).map((b) => ['runs/log-metric', { run_id: '$run', ...b }] as const),
      kv.map((b) => ['runs/set-tag', { run_id: '$run', ...b }] as const),
      kv.map((b) => ['runs/log-parameter', { run_id: '$run', ...b }] as const),
      fc.record({ name: text, artifact_location: text, tags: fc.array(kv, { maxLength: 2 }) }, { requiredKeys: ['name'] }).map((b) => ['experiments/create', b] as const),
      fc.record({ run_name: text, user_id: text, start_time: number, tags: fc.array(kv, { maxLength: 2 }) }, { requiredKeys: [] }).map((b) => ['runs/create', { experiment_id: '$exp', ...b }] as const),
      fc.record({ status: fc.constantFrom('FINISHED', 'FAILED', 'X'), end_time: number, run_name: text }, { requiredKeys: [] }).map((b) => ['runs/update', { run_id: '$run', ...b }] as const),
      fc
        .record({ name: text, digest: text, source_type: text, source: text, schema: text, profile: text }, { requiredKeys: [] })
        .chain((dataset) => fc.array(kv, { maxLength: 2 }).map((tags) => ['runs/log-inputs', { run_id: '$run', datasets: [{ tags, dataset }] }] as const)),
      fc.record({ name: text, model_type: text, params: fc.array(kv, { maxLength: 2 }), tags: fc.array(kv, { maxLength: 2 }) }, { requiredKeys: [] }).map((b) => ['logged-models', { experiment_id: '$exp', ...b }] as const),
    );

    it('answer 200 or 4xx, never 5xx', async () => {
      await fc.assert(
        fc.asyncProperty(requests, async ([path, body]) => {
          const payload = JSON.parse(JSON.stringify(body).replaceAll('"$run"', JSON.stringify(runId)).replaceAll('"$exp"', JSON.stringify(exp)));
          const res = await t.app.inject({ method: 'POST', url: `/api/2.0/mlflow/${path}`, payload });
          expect(res.statusCode, `${path} ${JSON.stringify(payload).slice(0, 400)} → ${res.body}`).toBeLessThan(500);
          if (res.statusCode !== 200) expect(typeof res.json().error_code).toBe('string');
        }),
        { numRuns: Number(process.env.PUENTE_FUZZ_RUNS ?? 300) },
      );
      expect((await t.app.inject(`/api/2.0/mlflow/runs/get?run_id=${runId}`)).statusCode).toBe(200);
    });
  });
}
