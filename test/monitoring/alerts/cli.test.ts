import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Gauge } from 'prom-client';
import { DIALECTS } from '../../helpers/backends.js';
import { makeAlertsApp, startReceiver, type AlertsApp, type Receiver } from './harness.js';
import { runCli } from '../../helpers/cli.js';


const puente = runCli;

describe('puente alerts', () => {
  let t: AlertsApp;
  let url: string;
  let receiver: Receiver;
  beforeAll(async () => {
    t = await makeAlertsApp(DIALECTS[0]!);
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('adds, lists and deletes rules, and lists alerts and their history', async () => {
    const queue = new Gauge({ name: 'test_queue_depth', help: 'A gauge the test sets.', labelNames: ['queue'], registers: [t.services.metricsRegistry] });
    const added = await puente(url, '--json', 'alerts', 'rules', 'add', 'deep-queue',
      '--metric', 'test_queue_depth', '--label', 'queue=~in.*', '--aggregation', 'max', '--window', '2m', '--comparison', '>=', '--threshold', '100',
      '--severity', 'critical', '--webhook', receiver.url, '--webhook-secret', 'cli-signing-key', '--description', 'Work piles up.');
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({
      name: 'deep-queue', metric: 'test_queue_depth', labels: { queue: { op: '=~', value: 'in.*' } }, aggregation: 'max', window: '2m',
      comparison: '>=', threshold: 100, for: '0s', severity: 'critical', webhooks: [receiver.url], webhook_secret_set: true,
    });

    const ratio = await puente(url, 'alerts', 'rules', 'add', 'errors', '--metric', 'puente_deployment_requests_total', '--label', 'status=error',
      '--denominator-label', 'status!=invalid', '--group-by', 'deployment,version', '--aggregation', 'rate', '--comparison', '>', '--threshold', '0.05', '--for', '2m');
    expect(ratio.code, ratio.stderr).toBe(0);
    expect(ratio.stdout).toMatch(/condition\s+rate\(puente_deployment_requests_total\{status="error"\} \/ puente_deployment_requests_total\{status!="invalid"\}\[5m\]\) > 0\.05/);

    const table = await puente(url, 'alerts', 'rules', 'list');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/name\s+condition\s+for\s+severity/);
    expect(table.stdout).toContain('deep-queue');
    expect(table.stdout).toContain('max(test_queue_depth{queue=~"in.*"}[2m]) >= 100');

    queue.set({ queue: 'inbound' }, 250);
    queue.set({ queue: 'outbound' }, 500);
    await t.services.alerts.evaluate();
    const firing = await puente(url, '--json', 'alerts', 'list');
    expect(JSON.parse(firing.stdout)).toEqual([expect.objectContaining({ rule: 'deep-queue', state: 'firing', labels: { queue: 'inbound' }, value: 250 })]);
    const firingTable = await puente(url, 'alerts', 'list', '--state', 'firing');
    expect(firingTable.stdout).toMatch(/deep-queue\s+firing\s+queue=inbound\s+250/);

    expect((await puente(url, 'alerts', 'rules', 'delete', 'deep-queue')).code).toBe(0);
    await t.services.alerts.idle();
    expect(receiver.received.map((r) => JSON.parse(r.body).type)).toEqual(['alert.firing', 'alert.resolved']);
    const history = await puente(url, 'alerts', 'list', '--history', '--rule', 'deep-queue');
    expect(history.stdout.trim().split('\n')).toHaveLength(3);
    expect(history.stdout).toMatch(/deep-queue\s+resolved\s+critical\s+queue=inbound/);
    expect(history.stdout).toMatch(/deep-queue\s+firing\s+critical\s+queue=inbound\s+250\s+100\s+1\/1/);
  });

  it('exits 1 with the field named on a malformed rule', async () => {
    const api = await puente(url, 'alerts', 'rules', 'add', 'broken', '--metric', 'm', '--aggregation', 'p99', '--comparison', '>', '--threshold', '1', '--window', 'a while');
    expect(api.code).toBe(1);
    expect(api.stderr.trim()).toMatch(/^INVALID_PARAMETER_VALUE: .*'window'/);
    const usage = await puente(url, 'alerts', 'rules', 'add', 'broken', '--metric', 'm', '--aggregation', 'rate', '--comparison', '>', '--threshold', 'x');
    expect(usage.code).toBe(1);
    expect(usage.stderr).toContain('--threshold expects a number');
    const label = await puente(url, 'alerts', 'rules', 'add', 'broken', '--metric', 'm', '--aggregation', 'rate', '--comparison', '>', '--threshold', '1', '--label', 'nolabel');
    expect(label.stderr).toContain('--label expects LABEL=VALUE');
  });
});
