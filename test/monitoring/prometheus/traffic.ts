import type { FastifyInstance } from 'fastify';
import { composeServices } from '../../../src/main.js';
import { buildApp, type AppServices } from '../../../src/http/index.js';
import { ARTIFACT_BACKENDS, DIALECTS } from '../../helpers/backends.js';
import { registerSyntheticModel, syntheticRows } from '../../deployments/models.js';

/*
 * A Puente server listening on loopback with a deployment that has served traffic: answers,
 * invalid requests, a staged second version, a reference profile with one-second monitoring
 * windows (drift and data-quality gauges), feedback labels (live metrics), and one of Puente's own
 * alert rules firing — so /metrics exports the series the deploy/ files read.
 */

export interface TrafficApp {
  readonly app: FastifyInstance;
  readonly services: AppServices;
  readonly url: string;
  /** Sends n requests through the deployment (every tenth invalid) and labels the answered ones. */
  traffic(n: number): Promise<void>;
  close(): Promise<void>;
}

export const DEPLOYMENT = 'promo';

export async function startTrafficApp(): Promise<TrafficApp> {
  const { db, cleanup } = await DIALECTS[0]!.open();
  const art = await ARTIFACT_BACKENDS[0]!.open();
  // One-second monitoring windows, so drift and data-quality gauges appear within the test.
  const services = composeServices(db, art.store, { monitoringWindowMs: 1000 });
  services.monitoring.start();
  const app = await buildApp(services, { bodyLimitBytes: 4 * 1024 * 1024, logger: false });
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  const api = async (method: 'POST' | 'PUT', path: string, payload: object) => {
    const res = await app.inject({ method, url: `/api/v1${path}`, payload });
    if (res.statusCode !== 200) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`);
    return res.json();
  };
  const v1 = await registerSyntheticModel(services, 'promo-model', { seed: 7 });
  const v2 = await registerSyntheticModel(services, 'promo-model', { seed: 8 });
  // The reference the live windows compare with: a sample like the training data.
  const sample = syntheticRows(1000, 5).rows;
  const reference = await app.inject({
    method: 'PUT', url: `/api/v1/models/promo-model/versions/${v1}/reference?name=train.csv`, headers: { 'content-type': 'text/csv' },
    payload: ['x0,x1,x2,x3', ...sample.map((r) => [r.x0, r.x1, r.x2, r.x3].join(','))].join('\n'),
  });
  if (reference.statusCode !== 200) throw new Error(`reference: ${reference.statusCode} ${reference.body}`);
  await api('POST', '/deployments', { name: DEPLOYMENT, model: 'promo-model', version: v1 });
  await api('POST', `/deployments/${DEPLOYMENT}/blue-green`, { model: 'promo-model', version: v2 });
  await api('POST', '/alerts/rules', {
    name: 'promo-serving', metric: 'puente_deployment_requests_total', labels: { deployment: DEPLOYMENT }, aggregation: 'increase',
    window: '1h', comparison: '>', threshold: 0, severity: 'info',
  });
  const { rows, labels } = syntheticRows(200, 11);
  let sent = 0;
  const traffic = async (n: number) => {
    const feedback: { prediction_id: string; label: number }[] = [];
    for (let i = 0; i < n; i++, sent++) {
      const k = sent % rows.length;
      const record = sent % 10 === 9 ? { x0: 'not a number' } : rows[k];
      const res = await app.inject({ method: 'POST', url: `/deployments/${DEPLOYMENT}/invocations`, payload: { dataframe_records: [record] } });
      if (res.statusCode === 200) feedback.push({ prediction_id: String(res.headers['x-puente-prediction-id']), label: labels[k]! });
    }
    await services.predictions.flush();
    if (feedback.length > 0) await api('POST', `/deployments/${DEPLOYMENT}/feedback`, { labels: feedback });
    await services.alerts.evaluate();
  };
  await services.alerts.evaluate();
  await traffic(60);
  return {
    app, services, url, traffic,
    async close() {
      await services.monitoring.stop();
      await app.close();
      await cleanup();
      await art.cleanup();
    },
  };
}
