import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { DIALECTS, type TestApp } from '../../helpers/test-app.js';
import { PredictionLog, exportPredictions } from '../../../src/predictions/index.js';
import { parseCsv } from '../../../src/serving/index.js';
import { makeMonitoredApp } from './app.js';
import { creditRows, inputsOf, registerCreditModel } from './credit.js';

/*
 * The prediction log, completed: ids on the model routes too, sampling, retention, export to
 * CSV and Parquet, label types checked against the model's task, unknown ids reported per id.
 */
describe.each(DIALECTS)('prediction log on $name', (dialect) => {
  let t: TestApp;
  const rows = creditRows('credit_test.csv').slice(0, 40).map(inputsOf);
  let work: string;

  beforeAll(async () => {
    t = await makeMonitoredApp(dialect);
    await registerCreditModel(t.services, 'credit');
    await t.app.inject({ method: 'POST', url: '/api/v1/deployments', payload: { name: 'loans', model: 'credit', version: 1 } });
    work = mkdtempSync(join(tmpdir(), 'puente-log-'));
  });
  afterAll(async () => {
    await t?.close();
    rmSync(work, { recursive: true, force: true });
  });
  const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
    t.app.inject({ method, url: `/api/v1${url}`, ...(payload !== undefined ? { payload: payload as object } : {}) });

  it('gives predictions on the model routes an id (header and Open Inference parameters) and logs them without a deployment', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/serve/credit/1/invocations', payload: { dataframe_records: rows.slice(0, 3) } });
    expect(res.statusCode, res.body).toBe(200);
    const id = String(res.headers['x-puente-prediction-id']);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const infer = await t.app.inject({
      method: 'POST', url: '/v2/models/credit/versions/1/infer',
      payload: { inputs: Object.entries(rows[3]!).map(([name, v]) => ({ name, datatype: typeof v === 'string' ? 'BYTES' : 'FP64', shape: [1], data: [v] })) },
    });
    expect(infer.statusCode, infer.body).toBe(200);
    const inferId = infer.json().parameters.prediction_id;
    expect(infer.headers['x-puente-prediction-id']).toBe(inferId);
    expect(infer.json().id).toBe(inferId);

    const logged = [];
    for await (const r of t.services.predictions.rows({ model: 'credit' })) logged.push(r);
    expect(logged.map((r) => [r.prediction_id, r.row])).toEqual(expect.arrayContaining([[id, 0], [id, 1], [id, 2], [inferId, 0]]));
    const first = logged.find((r) => r.prediction_id === id && r.row === 1)!;
    expect(first).toMatchObject({ deployment: null, role: null, model: 'credit', version: 1, inputs: rows[1] });
    expect(first.output).toBeCloseTo(res.json().predictions[1], 7);

    // Labels for model-route predictions go to the model's feedback route.
    const fb = await api('POST', '/models/credit/feedback', { labels: [{ prediction_id: id, row: 2, label: 1 }, { prediction_id: 'missing', label: 0 }] });
    expect(fb.statusCode, fb.body).toBe(200);
    expect(fb.json()).toMatchObject({ recorded: 1, not_found: 1, results: [{ prediction_id: id, row: 2, status: 'recorded' }, { prediction_id: 'missing', row: 0, status: 'not_found' }] });
  });

  it('refuses labels of the wrong type for the model task (400 naming the item) and writes none of the batch', async () => {
    const ids: string[] = [];
    for (const r of rows.slice(0, 3)) {
      const res = await t.app.inject({ method: 'POST', url: '/deployments/loans/invocations', payload: { dataframe_records: [r] } });
      ids.push(String(res.headers['x-puente-prediction-id']));
    }
    for (const bad of [0.5, 'yes', 2]) {
      const res = await api('POST', '/deployments/loans/feedback', { labels: [{ prediction_id: ids[0], label: 1 }, { prediction_id: ids[1], label: bad }] });
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
      expect(res.json().message).toMatch(/Item 1: credit version 1 is a binary classifier/);
    }
    const labelled = await t.services.predictions.labelled({ deployment: 'loans' });
    expect(labelled).toHaveLength(0);
    // Booleans and 0/1 are both classes of a binary model; unknown ids are reported, not dropped.
    const ok = await api('POST', '/deployments/loans/feedback', {
      labels: [{ prediction_id: ids[0], label: true }, { prediction_id: ids[1], label: 0 }, { prediction_id: 'nope', label: 1 }, { prediction_id: ids[2], row: 5, label: 1 }],
    });
    expect(ok.statusCode, ok.body).toBe(200);
    expect(ok.json().results.map((r: { status: string }) => r.status)).toEqual(['recorded', 'recorded', 'not_found', 'not_found']);
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/puente_feedback_labels_total\{deployment="loans",model="credit",version="1"\} 2/);
    expect(metrics).toMatch(/puente_predictions_logged_total\{deployment="loans",model="credit",version="1"\} 3/);
    expect(metrics).toMatch(/puente_predictions_logged_total\{deployment="",model="credit",version="1"\} 4/);
  });

  it('exports a deployment log as CSV and Parquet through the API, inputs as columns, labels joined', async () => {
    const csv = await api('GET', '/deployments/loans/predictions/export?format=csv');
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    const table = parseCsv(csv.body);
    expect(table).toHaveLength(3);
    expect(Object.keys(table[0]!)).toEqual(['prediction_id', 'row', 'deployment', 'model', 'version', 'role', 'at', 'latency_ms',
      'age', 'income', 'loan_amount', 'credit_score', 'debt_to_income', 'months_employed', 'home_ownership', 'purpose', 'state', 'prediction', 'label', 'label_at', 'explanation']);
    expect(table[0]).toMatchObject({ deployment: 'loans', model: 'credit', version: 1, role: 'stable', age: rows[0]!.age, purpose: rows[0]!.purpose, label: 'true' });
    expect(table.map((r) => r.label)).toEqual(['true', 0, null]);

    const pq = await api('GET', '/deployments/loans/predictions/export?format=parquet');
    expect(pq.statusCode).toBe(200);
    const file = join(work, 'loans.parquet');
    (await import('node:fs')).writeFileSync(file, pq.rawPayload);
    const back = (await parquetReadObjects({ file: await asyncBufferFromFile(file) })) as Record<string, unknown>[];
    expect(back).toHaveLength(3);
    expect(back[0]).toMatchObject({ model: 'credit', version: 1, age: rows[0]!.age, income: rows[0]!.income, state: rows[0]!.state });
    expect(typeof back[0]!.prediction).toBe('number');
    expect(back[0]!.at).toBeInstanceOf(Date);
    expect((await api('GET', '/deployments/loans/predictions/export?format=xlsx')).statusCode).toBe(400);
    expect((await api('GET', '/deployments/nowhere/predictions/export')).statusCode).toBe(404);
    expect((await api('GET', '/deployments/loans/predictions/export?since=yesterday-ish')).statusCode).toBe(400);
    // A range that excludes everything still gives a header (CSV) and a readable file (Parquet).
    const none = await api('GET', `/deployments/loans/predictions/export?until=${Date.now() - 3_600_000}`);
    expect(none.body.trim().split('\n')).toHaveLength(1);
  });

  it('samples the log at the configured rate (monitoring still sees every prediction)', async () => {
    const { db, cleanup } = await dialect.open();
    try {
      const half = new PredictionLog(db, { sampleRate: 0.5 });
      let taken = 0;
      for (let i = 0; i < 4000; i++) if (half.sampled()) taken++;
      expect(taken).toBeGreaterThan(1800);
      expect(taken).toBeLessThan(2200);
      const none = new PredictionLog(db, { sampleRate: 0 });
      expect(Array.from({ length: 100 }, () => none.sampled()).some(Boolean)).toBe(false);
      expect(() => new PredictionLog(db, { sampleRate: 1.5 })).toThrow(/between 0 and 1/);
    } finally {
      await cleanup();
    }
  });

  it('prunes rows older than the retention, and exports a model range to a file', async () => {
    const { db, cleanup } = await dialect.open();
    try {
      const now = Date.UTC(2030, 0, 10);
      const log = new PredictionLog(db, { retentionMs: 7 * 86_400_000, now: () => now, pruneEveryMs: 60_000 });
      const entry = (id: string, daysAgo: number) => ({
        id, deployment: null, model: 'm', version: 1, role: null, at: now - daysAgo * 86_400_000, latency_ms: 1, inputs: [{ x: daysAgo, note: 'a,"b"' }], predictions: [[0.2, 0.8]],
      });
      log.record(entry('old', 30));
      log.record(entry('edge', 8));
      log.record(entry('new', 1));
      await log.flush();
      log.startPruning();
      await new Promise((r) => setTimeout(r, 50));
      const left = [];
      for await (const r of log.rows({ model: 'm' })) left.push(r.prediction_id);
      expect(left).toEqual(['new']);
      await log.close();

      const file = join(work, 'm.csv');
      const summary = await exportPredictions(log, { model: 'm', since: now - 2 * 86_400_000 }, 'csv', file);
      expect(summary.rows).toBe(1);
      const text = readFileSync(file, 'utf8');
      // Text with commas and quotes is quoted; class-score lists are JSON text.
      expect(text).toContain('"a,""b"""');
      expect(parseCsv(text)[0]).toMatchObject({ x: 1, note: 'a,"b"', prediction: '[0.2,0.8]' });
    } finally {
      await cleanup();
    }
  });
});
