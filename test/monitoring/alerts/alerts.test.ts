import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gauge } from 'prom-client';
import { DIALECTS } from '../../helpers/backends.js';
import { registerSyntheticModel, syntheticRows } from '../../deployments/models.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from '../../../src/webhooks/index.js';
import type { PuenteEvent } from '../../../src/events/index.js';
import { PuenteApiError, PuenteClient } from '../../../src/client/index.js';
import { makeAlertsApp, startReceiver, type AlertsApp, type Receiver } from './harness.js';

const SECRET = 'alert-signing-key';

describe.each(DIALECTS)('alerts on $name', (dialect) => {
  let t: AlertsApp;
  let receiver: Receiver;
  let good: number;
  let release: number;
  const events: PuenteEvent[] = [];
  const { rows } = syntheticRows(50, 3);

  beforeAll(async () => {
    t = await makeAlertsApp(dialect);
    receiver = await startReceiver();
    t.services.events.subscribe('alert.*', (e) => void events.push(e));
    good = await registerSyntheticModel(t.services, 'alerted', { seed: 7 });
    release = await registerSyntheticModel(t.services, 'alerted', { seed: 8 });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown) =>
    t.app.inject({ method, url: `/api/v1${url}`, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const invoke = async (name: string, n: number) => {
    const statuses: number[] = [];
    for (let i = 0; i < n; i++) {
      statuses.push((await t.app.inject({ method: 'POST', url: `/deployments/${name}/invocations`, payload: { dataframe_records: [rows[i % rows.length]] } })).statusCode);
    }
    return statuses;
  };

  it('fires on a bad release\'s error ratio after its for-duration, signs the webhook, and resolves after the rollback', async () => {
    expect((await api('POST', '/deployments', { name: 'svc', model: 'alerted', version: good })).statusCode).toBe(200);
    const rule = await api('POST', '/alerts/rules', {
      name: 'svc-error-ratio', description: 'More than half of svc requests fail.',
      metric: 'puente_deployment_requests_total', labels: { deployment: 'svc', status: 'error' },
      aggregation: 'rate', denominator: { labels: { deployment: 'svc' } }, group_by: ['deployment'],
      window: '1m', comparison: '>', threshold: 0.5, for: '20s', severity: 'critical', webhooks: [receiver.url], webhook_secret: SECRET,
    });
    expect(rule.statusCode, rule.body).toBe(200);
    expect(rule.json()).toMatchObject({ name: 'svc-error-ratio', window: '1m', for: '20s', webhook_secret_set: true, enabled: true, evaluation: null });
    expect(rule.json()).not.toHaveProperty('webhook_secret');

    const alerts = t.services.alerts;
    const t0 = Date.now();
    expect(await invoke('svc', 5)).toEqual([200, 200, 200, 200, 200]);
    await alerts.evaluate(t0);
    // The release: every request of the new version fails.
    expect((await api('POST', '/deployments/svc/blue-green', { model: 'alerted', version: release, faults: { error_percent: 100 } })).statusCode).toBe(200);
    expect((await api('POST', '/deployments/svc/promote', {})).statusCode).toBe(200);
    expect(new Set(await invoke('svc', 15))).toEqual(new Set([503]));
    await alerts.evaluate(t0 + 10_000);
    let listed = (await api('GET', '/alerts')).json().alerts;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ rule: 'svc-error-ratio', state: 'pending', labels: { deployment: 'svc' } });
    // The five good answers came before the first sample: every request in the window failed.
    expect(listed[0].value).toBe(1);

    await invoke('svc', 10);
    await alerts.evaluate(t0 + 20_000);
    expect((await api('GET', '/alerts')).json().alerts[0].state).toBe('pending');
    expect(receiver.received).toHaveLength(0);

    await invoke('svc', 10);
    await alerts.evaluate(t0 + 30_000);
    listed = (await api('GET', '/alerts?state=firing')).json().alerts;
    expect(listed).toHaveLength(1);
    expect(listed[0].fired_at).toBe(t0 + 30_000);
    await alerts.idle();
    expect(receiver.received).toHaveLength(1);
    const firing = receiver.received[0]!;
    expect(firing.headers[SIGNATURE_HEADER]).toBe(signWebhook(SECRET, String(firing.headers[TIMESTAMP_HEADER]), firing.body));
    const body = JSON.parse(firing.body);
    expect(body).toMatchObject({
      type: 'alert.firing', subject: 'svc-error-ratio',
      data: { rule: 'svc-error-ratio', state: 'firing', severity: 'critical', labels: { deployment: 'svc' }, threshold: 0.5, comparison: '>', active_since: t0 + 10_000, fired_at: t0 + 30_000 },
    });
    expect(body.data.value).toBeGreaterThan(0.5);
    expect(events.map((e) => e.type)).toEqual(['alert.firing']);
    expect(events[0]!.data).toEqual(body.data);
    // Prometheus sees Puente's alerts too.
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).body).toContain('puente_alerts{rule="svc-error-ratio",severity="critical",state="firing"} 1');

    // Rolled back: the errors leave the window and the alert resolves.
    expect((await api('POST', '/deployments/svc/rollback', {})).statusCode).toBe(200);
    expect(new Set(await invoke('svc', 20))).toEqual(new Set([200]));
    await alerts.evaluate(t0 + 100_000);
    expect((await api('GET', '/alerts')).json().alerts).toEqual([]);
    await alerts.idle();
    expect(receiver.received).toHaveLength(2);
    const resolved = receiver.received[1]!;
    expect(resolved.headers[SIGNATURE_HEADER]).toBe(signWebhook(SECRET, String(resolved.headers[TIMESTAMP_HEADER]), resolved.body));
    expect(JSON.parse(resolved.body)).toMatchObject({ type: 'alert.resolved', data: { state: 'resolved', value: 0, resolved_at: t0 + 100_000, fired_at: t0 + 30_000 } });
    expect(events.map((e) => e.type)).toEqual(['alert.firing', 'alert.resolved']);
    expect((await t.app.inject({ method: 'GET', url: '/metrics' })).body).not.toContain('puente_alerts{rule="svc-error-ratio"');

    const history = (await api('GET', '/alerts/history?rule=svc-error-ratio')).json().events;
    expect(history.map((e: { state: string }) => e.state)).toEqual(['resolved', 'firing', 'pending']);
    expect(history.map((e: { at: number }) => e.at)).toEqual([t0 + 100_000, t0 + 30_000, t0 + 10_000]);
    expect(history[1].notifications).toEqual([{ url: receiver.url, delivered: true, attempts: 1, status: 204 }]);
    expect(history[2].notifications).toBeNull();
    const status = (await api('GET', '/alerts/rules/svc-error-ratio')).json().evaluation;
    expect(status).toEqual({ at: t0 + 100_000, series: 1, active: 0, problem: null });
  });

  it('fires at once on a latency quantile and on a gauge, and a pending alert that clears goes inactive', async () => {
    const accuracy = new Gauge({ name: 'test_live_accuracy', help: 'A gauge the test sets.', labelNames: ['deployment'], registers: [t.services.metricsRegistry] });
    expect((await api('POST', '/deployments', { name: 'slow', model: 'alerted', version: good, faults: { delay_ms: 30 } })).statusCode).toBe(200);
    for (const body of [
      { name: 'slow-p99', metric: 'puente_deployment_request_duration_seconds', labels: { deployment: 'slow' }, aggregation: 'p99', window: '1m', comparison: '>', threshold: 0.02 },
      { name: 'accuracy-drop', metric: 'test_live_accuracy', aggregation: 'avg', window: '30s', comparison: '<', threshold: 0.8, for: '1m' },
    ]) expect((await api('POST', '/alerts/rules', body)).statusCode).toBe(200);
    const alerts = t.services.alerts;
    const t0 = Date.now() + 1_000_000;
    await invoke('slow', 1);
    await alerts.evaluate(t0);
    await invoke('slow', 10);
    accuracy.set({ deployment: 'svc' }, 0.75);
    await alerts.evaluate(t0 + 5_000);
    const now = (await api('GET', '/alerts')).json().alerts;
    const p99 = now.find((a: { rule: string }) => a.rule === 'slow-p99');
    expect(p99).toMatchObject({ state: 'firing', labels: { deployment: 'slow', model: 'alerted', version: String(good), role: 'stable' } });
    // 30 ms injected: the observations sit in the 25–50 ms bucket (or above it, on a busy machine).
    expect(p99.value).toBeGreaterThan(0.025);
    expect(p99.value).toBeLessThanOrEqual(0.25);
    expect(now.find((a: { rule: string }) => a.rule === 'accuracy-drop')).toMatchObject({ state: 'pending', value: 0.75 });

    accuracy.set({ deployment: 'svc' }, 0.95);
    await alerts.evaluate(t0 + 40_000);
    expect((await api('GET', '/alerts?rule=accuracy-drop')).json().alerts).toEqual([]);
    const history = (await api('GET', '/alerts/history?rule=accuracy-drop')).json().events;
    expect(history.map((e: { state: string }) => e.state)).toEqual(['inactive', 'pending']);
    expect(events.filter((e) => e.subject === 'accuracy-drop')).toEqual([]);
    expect(events.filter((e) => e.subject === 'slow-p99').map((e) => e.type)).toEqual(['alert.firing']);

    // Disabling a rule resolves its alerts (and says so on the bus).
    // A rule as GET answers it goes back with PUT as it is, read-only fields and all.
    const rule = (await api('GET', '/alerts/rules/slow-p99')).json();
    const disabled = await api('PUT', '/alerts/rules/slow-p99', { ...rule, enabled: false });
    expect(disabled.statusCode, disabled.body).toBe(200);
    await alerts.evaluate(t0 + 45_000);
    expect((await api('GET', '/alerts?rule=slow-p99')).json().alerts).toEqual([]);
    await new Promise((r) => setImmediate(r));
    expect(events.filter((e) => e.subject === 'slow-p99').map((e) => e.type)).toEqual(['alert.firing', 'alert.resolved']);
  });

  it('answers 400 naming the field of a malformed rule, 404 for unknown rules, 409-free replacement and deletion', async () => {
    const bad = async (body: object, field: string) => {
      const res = await api('POST', '/alerts/rules', body);
      expect(res.statusCode, res.body).toBe(400);
      expect(res.json().error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(res.json().message).toContain(`'${field}'`);
    };
    const ok = { name: 'r1', metric: 'puente_deployment_requests_total', aggregation: 'rate', comparison: '>', threshold: 1 };
    await bad({ ...ok, threshold: 'lots' }, 'threshold');
    await bad({ ...ok, metric: undefined }, 'metric');
    await bad({ ...ok, comparison: '=' }, 'comparison');
    await bad({ ...ok, window: 'soon' }, 'window');
    await bad({ ...ok, aggregation: 'p99' }, 'aggregation');
    await bad({ ...ok, labels: { status: { op: '=~', value: '[' } } }, 'labels.status.value');
    await bad({ ...ok, thresold: 2 }, 'thresold');
    await bad({ ...ok, webhooks: ['not a url'] }, 'webhooks[0]');
    const denied = await api('POST', '/alerts/rules', { ...ok, webhooks: ['http://169.254.169.254/latest'] });
    expect(denied.statusCode).toBe(403);
    expect(denied.json().message).toContain('PUENTE_WEBHOOK_ALLOWED_HOSTS');

    expect((await api('POST', '/alerts/rules', ok)).statusCode).toBe(200);
    expect((await api('POST', '/alerts/rules', ok)).json().error_code).toBe('RESOURCE_ALREADY_EXISTS');
    const replaced = await api('PUT', '/alerts/rules/r1', { ...ok, threshold: 5, severity: 'info' });
    expect(replaced.json()).toMatchObject({ name: 'r1', threshold: 5, severity: 'info' });
    expect((await api('PUT', '/alerts/rules/nope', ok)).statusCode).toBe(400);
    expect((await api('PUT', '/alerts/rules/nope', { ...ok, name: undefined })).statusCode).toBe(404);
    expect((await api('GET', '/alerts/rules/nope')).statusCode).toBe(404);
    expect((await api('GET', '/alerts/rules')).json().rules.map((r: { name: string }) => r.name)).toContain('r1');
    expect((await api('DELETE', '/alerts/rules/r1')).statusCode).toBe(200);
    expect((await api('DELETE', '/alerts/rules/r1')).statusCode).toBe(404);
  });

  it('works through the SDK', async () => {
    const url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const client = new PuenteClient({ baseUrl: url });
    const created = await client.alerts.rules.create({ name: 'sdk-rule', metric: 'puente_model_requests_total', aggregation: 'increase', comparison: '>=', threshold: 1, window: '10m' });
    expect(created).toMatchObject({ name: 'sdk-rule', window: '10m', for: '0s' });
    expect((await client.alerts.rules.get('sdk-rule')).aggregation).toBe('increase');
    expect((await client.alerts.rules.update('sdk-rule', { metric: 'puente_model_requests_total', aggregation: 'rate', comparison: '>', threshold: 2 })).aggregation).toBe('rate');
    expect((await client.alerts.rules.list()).map((r) => r.name)).toContain('sdk-rule');
    const err = await client.alerts.rules.create({ name: 'sdk-bad', metric: 'x', aggregation: 'rate', comparison: '>', threshold: 1, for: 'later' }).catch((e) => e);
    expect(err).toBeInstanceOf(PuenteApiError);
    expect((err as PuenteApiError).status).toBe(400);
    expect((err as PuenteApiError).message).toContain("'for'");
    expect(await client.alerts.list()).toEqual([]);
    const history = await client.alerts.history({ rule: 'svc-error-ratio', limit: 2 });
    expect(history.map((e) => e.state)).toEqual(['resolved', 'firing']);
    await client.alerts.rules.delete('sdk-rule');
    expect((await client.alerts.rules.list()).map((r) => r.name)).not.toContain('sdk-rule');
  });
});
