import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { DIALECTS, type TestApp } from '../../helpers/test-app.js';
import type { PuenteEvent } from '../../../src/events/index.js';
import { makeMonitoredApp } from './app.js';
import { creditRows, FIXTURES, inputsOf, INPUTS, registerCreditModel } from './credit.js';

/*
 * The credit model deployed with credit_train as its reference: credit_test replayed through the
 * deployment drifts nowhere; credit_drifted drifts on income, credit_score and purpose (with the
 * new category crypto) and nowhere else; once labels arrive, performance drops (concept drift).
 * Each replay fills one monitoring window: the test waits for a window boundary before each.
 */

const WINDOW_MS = 5000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nextWindow = () => sleep(WINDOW_MS - (Date.now() % WINDOW_MS) + 50);

describe.each(DIALECTS)('live monitoring of a deployed credit model on $name', (dialect) => {
  let t: TestApp;
  const events: PuenteEvent[] = [];
  const test = creditRows('credit_test.csv');
  const drifted = creditRows('credit_drifted.csv');
  const ids: { test: string[][]; drifted: string[][] } = { test: [], drifted: [] };
  const api = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown) =>
    t.app.inject({ method, url: `/api/v1${url}`, ...(payload !== undefined ? { payload: payload as object } : {}) });

  /** Sends the rows 100 at a time; returns the prediction id of each request. */
  const replay = async (rows: Record<string, unknown>[]) => {
    const out: string[][] = [];
    for (let i = 0; i < rows.length; i += 100) {
      const batch = rows.slice(i, i + 100);
      const res = await t.app.inject({ method: 'POST', url: '/deployments/loans/invocations', payload: { dataframe_records: batch.map(inputsOf) } });
      expect(res.statusCode, res.body).toBe(200);
      out.push(batch.map(() => String(res.headers['x-puente-prediction-id'])));
    }
    return out;
  };
  const labelsOf = (rows: Record<string, unknown>[], requestIds: string[][]) =>
    rows.map((r, i) => ({ prediction_id: requestIds[Math.floor(i / 100)]![i % 100]!, row: i % 100, label: r.default }));

  beforeAll(async () => {
    t = await makeMonitoredApp(dialect, { monitoringWindowMs: WINDOW_MS });
    t.services.events.subscribe('monitoring.*', (e) => void events.push(e));
    t.services.monitoring.start();
    await registerCreditModel(t.services, 'credit');
    const ref = await t.app.inject({
      method: 'PUT', url: '/api/v1/models/credit/versions/1/reference?name=credit_train.csv', headers: { 'content-type': 'text/csv' },
      payload: readFileSync(`${FIXTURES}/credit_train.csv`),
    });
    expect(ref.statusCode, ref.body).toBe(200);
    expect((await api('POST', '/deployments', { name: 'loans', model: 'credit', version: 1 })).statusCode).toBe(200);
  }, 60_000);
  afterAll(async () => t?.close());

  it('keeps the reference profile of the model version: inputs, predictions, source', async () => {
    const res = await api('GET', '/models/credit/versions/1/reference');
    expect(res.statusCode, res.body).toBe(200);
    const ref = res.json();
    expect(ref).toMatchObject({ model: 'credit', version: 1, rows: 20_000, source: 'upload credit_train.csv (csv, 20000 rows)', skipped: [] });
    expect(ref.columns.map((c: { column: string; type: string }) => `${c.column}:${c.type}`)).toEqual([
      'age:numeric', 'income:numeric', 'loan_amount:numeric', 'credit_score:numeric', 'debt_to_income:numeric', 'months_employed:numeric',
      'home_ownership:categorical', 'purpose:categorical', 'state:categorical',
    ]);
    expect(ref.columns.find((c: { column: string }) => c.column === 'income').missing).toBeGreaterThan(300);
    expect(ref.predictions).toMatchObject({ column: '__prediction__', type: 'numeric', count: 10_000 });
    expect((await api('GET', '/models/credit/versions/9/reference')).statusCode).toBe(404);
  });

  it('finds no drift and no data-quality issue replaying credit_test', async () => {
    await nextWindow();
    ids.test = await replay(test);
    const open = (await api('GET', '/deployments/loans/monitoring/drift')).json();
    expect(open.window_ms).toBe(WINDOW_MS);
    const w = open.windows[0];
    expect(w).toMatchObject({ open: true, rows: 5000, model: 'credit', version: 1, reference: 'upload credit_train.csv (csv, 20000 rows)' });
    expect(w.drift.columns).toHaveLength(INPUTS.length);
    for (const c of w.drift.columns) {
      expect(c.drifted, `${c.column}: ${c.test} ${c.statistic}`).toBe(false);
      expect(c.test).toBe(c.type === 'numeric' ? 'wasserstein' : 'jensenshannon');
    }
    expect(w.drift).toMatchObject({ drift_share: 0, dataset_drifted: false });
    expect(w.prediction_drift).toMatchObject({ column: '__prediction__', test: 'wasserstein', drifted: false });
    const quality = (await api('GET', '/deployments/loans/monitoring/quality')).json().windows[0];
    expect(quality.issues, JSON.stringify(quality.columns.filter((c: { issues: string[] }) => c.issues.length))).toBe(0);
    const income = quality.columns.find((c: { column: string }) => c.column === 'income');
    expect(income.missing_share).toBeGreaterThan(0.01);
    expect(income.missing_share).toBeLessThan(0.03);
  });

  it('finds drift on income, credit_score and purpose (new category crypto) and nowhere else replaying credit_drifted', async () => {
    await nextWindow();
    ids.drifted = await replay(drifted);
    // The credit_test window closed when the first drifted row arrived; it is stored.
    await t.services.monitoring.monitor.flush();
    const answer = (await api('GET', '/deployments/loans/monitoring/drift?include_open=false')).json();
    expect(answer.windows).toHaveLength(2);
    const [late, early] = answer.windows;
    expect(early).toMatchObject({ open: false, rows: 5000, drift: { dataset_drifted: false, drift_share: 0 } });
    expect(late.open).toBe(false);
    expect(late.rows).toBe(5000);
    const driftedColumns = late.drift.columns.filter((c: { drifted: boolean }) => c.drifted).map((c: { column: string }) => c.column).sort();
    expect(driftedColumns).toEqual(['credit_score', 'income', 'purpose']);
    expect(late.drift.drift_share).toBeCloseTo(3 / 9, 12);
    expect(late.drift.dataset_drifted).toBe(false);
    for (const c of late.drift.columns) if (c.drifted) expect(c.statistic).toBeGreaterThan(c.threshold);

    const quality = (await api('GET', '/deployments/loans/monitoring/quality?include_open=false&limit=1')).json().windows[0];
    const purpose = quality.columns.find((c: { column: string }) => c.column === 'purpose');
    expect(purpose.unseen_values).toEqual(['crypto']);
    expect(purpose.unseen_share).toBeGreaterThan(0.06);
    expect(purpose.issues).toEqual(['unseen_category']);
    expect(purpose.unseen_categories).toBe(drifted.filter((r) => r.purpose === 'crypto').length);

    // Overriding the test for the open window (none now) is checked; an unknown test is refused.
    expect((await api('GET', '/deployments/loans/monitoring/drift?stattest=psi&stattest=purpose=chisquare')).statusCode).toBe(200);
    const bad = await api('GET', '/deployments/loans/monitoring/drift?stattest=anderson');
    expect(bad.statusCode).toBe(400);
    expect(bad.json().message).toMatch(/anderson/);

    await sleep(20);
    const closed = events.filter((e) => e.type === 'monitoring.window_closed');
    expect(closed.map((e) => e.data.rows)).toEqual([5000, 5000]);
    const drift = events.filter((e) => e.type === 'monitoring.drift_detected' && e.data.kind !== 'concept');
    // The dataset share stays below 0.5; the predictions drifted (their reference is the model's own output on credit_train).
    for (const e of drift) expect(e.data.window_start).toBe(late.window_start);

    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    const series = (name: string, labels: string) => new RegExp(`${name}\\{deployment="loans",model="credit",version="1"${labels}\\} ([0-9.e+-]+)`).exec(metrics)?.[1];
    expect(Number(series('puente_feature_drifted', ',feature="income",test="wasserstein"'))).toBe(1);
    expect(Number(series('puente_feature_drifted', ',feature="age",test="wasserstein"'))).toBe(0);
    expect(Number(series('puente_drift_score', ',feature="purpose",test="jensenshannon"'))).toBeGreaterThan(0.1);
    expect(Number(series('puente_dataset_drift_share', ''))).toBeCloseTo(1 / 3, 9);
    expect(Number(series('puente_data_quality_issues', ',feature="purpose",kind="unseen_category"'))).toBe(purpose.unseen_categories);
  });

  it('measures live performance from late labels and sees the drop (concept drift)', async () => {
    const unknown = await api('POST', '/deployments/loans/feedback', { labels: [{ prediction_id: 'not-a-prediction', label: 1 }] });
    expect(unknown.json()).toMatchObject({ recorded: 0, not_found: 1, results: [{ prediction_id: 'not-a-prediction', status: 'not_found' }] });
    for (const [rows, requestIds] of [[test, ids.test], [drifted, ids.drifted]] as const) {
      const labels = labelsOf(rows, requestIds);
      for (let i = 0; i < labels.length; i += 2500) {
        const res = await api('POST', '/deployments/loans/feedback', { labels: labels.slice(i, i + 2500) });
        expect(res.statusCode, res.body).toBe(200);
        expect(res.json().recorded).toBe(Math.min(2500, labels.length - i));
      }
    }
    const res = await api('GET', `/deployments/loans/monitoring/performance?window=${WINDOW_MS / 1000}s`);
    expect(res.statusCode, res.body).toBe(200);
    const [v] = res.json().versions;
    expect(v).toMatchObject({ model: 'credit', version: 1, task: 'binary_classification', n: 10_000 });
    expect(v.windows).toHaveLength(2);
    const [before, after] = v.windows;
    // The fixtures README: AUC 0.748 / accuracy 0.863 / log loss 0.365 on test, 0.674 / 0.764 / 0.542 on drifted.
    expect(before.metrics.roc_auc).toBeCloseTo(0.748, 3);
    expect(before.metrics.accuracy).toBeCloseTo(0.8634, 4);
    expect(before.metrics.log_loss).toBeCloseTo(0.365, 3);
    expect(after.metrics.roc_auc).toBeCloseTo(0.674, 3);
    expect(after.metrics.accuracy).toBeCloseTo(0.7638, 4);
    expect(v.concept_drift).toMatchObject({ metric: 'roc_auc', baseline: { source: 'first_window' }, drifted: true });
    expect(v.concept_drift.drop).toBeCloseTo(0.748 - 0.674, 2);

    await t.services.monitoring.livePerformance.refresh();
    const metrics = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/puente_live_metric\{deployment="loans",model="credit",version="1",metric="accuracy"\} 0\.81/);
    expect(metrics).toMatch(/puente_live_metric\{deployment="loans",model="credit",version="1",metric="labelled_rows"\} 10000/);
    expect(metrics).toMatch(/puente_concept_drift\{deployment="loans",model="credit",version="1",metric="roc_auc"\} 1/);
    await sleep(20);
    const concept = events.find((e) => e.type === 'monitoring.drift_detected' && e.data.kind === 'concept');
    expect(concept?.data).toMatchObject({ deployment: 'loans', model: 'credit', version: 1, metric: 'roc_auc' });
  });
});
