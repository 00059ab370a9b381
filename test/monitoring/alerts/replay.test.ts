import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { composeServices } from '../../../src/main.js';
import { buildApp } from '../../../src/http/index.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from '../../../src/webhooks/index.js';
import type { PuenteEvent } from '../../../src/events/index.js';
import { ARTIFACT_BACKENDS, DIALECTS, type TestApp } from '../../helpers/test-app.js';
import { creditRows, inputsOf, registerCreditModel } from '../live/credit.js';
import { startReceiver, type Receiver } from './harness.js';

/*
 * The story end to end: the credit model deployed with credit_train as its reference and
 * two alert rules — an input drifted, the primary metric dropped. Replaying credit_test (and its
 * labels) raises nothing; replaying credit_drifted fires the drift alert, and once its labels
 * arrive the performance drop fires too; a receiver on loopback gets both, correctly signed.
 */

const WINDOW_MS = 5000;
const SECRET = 'credit-alerts-key';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const nextWindow = () => sleep(WINDOW_MS - (Date.now() % WINDOW_MS) + 50);

describe.each(DIALECTS)('alerts on a monitored credit deployment on $name', (dialect) => {
  let t: TestApp;
  let receiver: Receiver;
  const events: PuenteEvent[] = [];
  const test = creditRows('credit_test.csv');
  const drifted = creditRows('credit_drifted.csv');
  const api = async (method: 'POST' | 'GET', url: string, payload?: unknown) => {
    const res = await t.app.inject({ method, url: `/api/v1${url}`, ...(payload !== undefined ? { payload: payload as object } : {}) });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  /** Sends the rows 100 at a time and labels every one afterwards (late labels). */
  const replay = async (rows: Record<string, unknown>[]) => {
    const labels: { prediction_id: string; row: number; label: unknown }[] = [];
    for (let i = 0; i < rows.length; i += 100) {
      const batch = rows.slice(i, i + 100);
      const res = await t.app.inject({ method: 'POST', url: '/deployments/loans/invocations', payload: { dataframe_records: batch.map(inputsOf) } });
      expect(res.statusCode, res.body).toBe(200);
      batch.forEach((r, k) => labels.push({ prediction_id: String(res.headers['x-puente-prediction-id']), row: k, label: r.default }));
    }
    return labels;
  };
  const sendLabels = async (labels: { prediction_id: string; row: number; label: unknown }[]) => {
    await t.services.predictions.flush();
    for (let i = 0; i < labels.length; i += 2500) expect((await api('POST', '/deployments/loans/feedback', { labels: labels.slice(i, i + 2500) })).recorded).toBe(Math.min(2500, labels.length - i));
    await t.services.monitoring.livePerformance.refresh();
  };
  /** Closes the window the replay filled. */
  const closeWindow = async () => {
    await nextWindow();
    await t.services.monitoring.monitor.flush();
  };
  const firing = async () => (await api('GET', '/alerts?state=firing')).alerts.map((a: { rule: string }) => a.rule).sort();

  beforeAll(async () => {
    const { db, cleanup } = await dialect.open();
    const art = await ARTIFACT_BACKENDS[0]!.open();
    const services = composeServices(db, art.store, { webhookAllowedHosts: ['127.0.0.1'], monitoringWindowMs: WINDOW_MS });
    const app = await buildApp(services, { bodyLimitBytes: 16 * 1024 * 1024, logger: false });
    await app.ready();
    t = {
      app, services,
      async close() {
        await services.monitoring.stop();
        await app.close();
        await services.alerts.idle();
        await cleanup();
        await art.cleanup();
      },
    };
    services.monitoring.start();
    services.events.subscribe('alert.*', (e) => void events.push(e));
    receiver = await startReceiver();
    await registerCreditModel(services, 'credit');
    const ref = await app.inject({
      method: 'PUT', url: '/api/v1/models/credit/versions/1/reference?name=credit_train.csv', headers: { 'content-type': 'text/csv' },
      payload: readFileSync('test/fixtures/monitoring-report/credit_train.csv'),
    });
    expect(ref.statusCode, ref.body).toBe(200);
    await api('POST', '/deployments', { name: 'loans', model: 'credit', version: 1 });
    const hook = { webhooks: [receiver.url], webhook_secret: SECRET, severity: 'critical', group_by: ['deployment', 'version'] };
    await api('POST', '/alerts/rules', {
      name: 'loans-input-drift', description: 'An input of the loans deployment drifted in the last window.',
      metric: 'puente_feature_drifted', labels: { deployment: 'loans', feature: { op: '!=', value: '__prediction__' } },
      aggregation: 'max', window: '1m', comparison: '>=', threshold: 1, ...hook,
    });
    await api('POST', '/alerts/rules', {
      name: 'loans-performance-drop', description: 'The primary metric fell against the baseline.',
      metric: 'puente_performance_drop', labels: { deployment: 'loans' }, aggregation: 'last', window: '1m', comparison: '>', threshold: 0.05, ...hook,
    });
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('raises nothing on data like the training data', async () => {
    await nextWindow();
    const labels = await replay(test);
    await closeWindow();
    await sendLabels(labels);
    await t.services.alerts.evaluate();
    expect(await firing()).toEqual([]);
    const rule = await api('GET', '/alerts/rules/loans-input-drift');
    // The rule saw the deployment's inputs; none had drifted.
    expect(rule.evaluation).toMatchObject({ series: 1, active: 0, problem: null });
    expect(events).toEqual([]);
  });

  it('fires on the drifted inputs, then on the performance drop once labels arrive, with signed webhooks', async () => {
    await nextWindow();
    const labels = await replay(drifted);
    await closeWindow();
    await t.services.alerts.evaluate();
    expect(await firing()).toEqual(['loans-input-drift']);

    await sendLabels(labels);
    await t.services.alerts.evaluate();
    expect(await firing()).toEqual(['loans-input-drift', 'loans-performance-drop']);
    await t.services.alerts.idle();

    expect(receiver.received).toHaveLength(2);
    const bodies = receiver.received.map((r) => {
      expect(r.headers[SIGNATURE_HEADER]).toBe(signWebhook(SECRET, String(r.headers[TIMESTAMP_HEADER]), r.body));
      return JSON.parse(r.body);
    });
    expect(bodies[0]).toMatchObject({ type: 'alert.firing', data: { rule: 'loans-input-drift', labels: { deployment: 'loans', version: '1' }, value: 1 } });
    expect(bodies[1]).toMatchObject({ type: 'alert.firing', data: { rule: 'loans-performance-drop', labels: { deployment: 'loans', version: '1' }, severity: 'critical' } });
    // ROC AUC 0.748 on credit_test, 0.674 on credit_drifted.
    expect(bodies[1].data.value).toBeCloseTo(0.748 - 0.674, 2);
    expect(events.map((e) => `${e.type} ${e.subject}`)).toEqual(['alert.firing loans-input-drift', 'alert.firing loans-performance-drop']);
  });
});
