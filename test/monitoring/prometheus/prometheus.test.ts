import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { dashboardExpressions, ruleExpressions, runnable } from './deploy-files.js';
import { DEPLOYMENT, startTrafficApp, type TrafficApp } from './traffic.js';

/*
 * The real Prometheus (Debian package `prometheus`) scrapes a Puente server on loopback every
 * second; deployment and drift series come back through Prometheus's HTTP API, and every query
 * of the Grafana dashboard and of the alert rules runs there without an error.
 */

const run = promisify(execFile);
const present = await run('prometheus', ['--version']).then(() => true, () => false);
if (!present) console.log('\n[puente tests] prometheus (Debian package prometheus) is not installed: the Prometheus scrape test is skipped (scripts/ci/install-services.sh installs it).\n');

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

interface QueryResult {
  status: string;
  error?: string;
  data: { resultType: string; result: { metric: Record<string, string>; value: [number, string] }[] };
}

describe.skipIf(!present)('Prometheus scraping Puente', () => {
  let t: TrafficApp;
  let prom: ChildProcess;
  let promUrl: string;
  let dir: string;
  let log = '';

  const query = async (q: string): Promise<QueryResult> => {
    const res = await fetch(`${promUrl}/api/v1/query?${new URLSearchParams({ query: q })}`);
    return (await res.json()) as QueryResult;
  };
  /** Polls a query until its result has rows (Prometheus scrapes every second). */
  const eventually = async (q: string, timeoutMs = 20_000): Promise<QueryResult> => {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const r = await query(q);
      if (r.status === 'success' && r.data.result.length > 0) return r;
      if (Date.now() > until) throw new Error(`no series for ${q} within ${timeoutMs} ms: ${JSON.stringify(r)}\n${log.slice(-2000)}`);
      await sleep(250);
    }
  };

  beforeAll(async () => {
    t = await startTrafficApp();
    dir = mkdtempSync(join(tmpdir(), 'puente-prometheus-'));
    const target = new URL(t.url).host;
    writeFileSync(join(dir, 'prometheus.yml'), [
      'global:', '  scrape_interval: 1s', '  evaluation_interval: 1s',
      'scrape_configs:', '  - job_name: puente', '    metrics_path: /metrics', '    static_configs:', `      - targets: ['${target}']`, '',
    ].join('\n'));
    const port = await freePort();
    promUrl = `http://127.0.0.1:${port}`;
    prom = spawn('prometheus', [
      `--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`,
    ], { stdio: ['ignore', 'pipe', 'pipe'] });
    prom.stdout!.on('data', (c) => (log += c));
    prom.stderr!.on('data', (c) => (log += c));
    const until = Date.now() + 30_000;
    for (;;) {
      const ready = await fetch(`${promUrl}/-/ready`).then((r) => r.ok, () => false);
      if (ready) break;
      if (Date.now() > until || prom.exitCode !== null) throw new Error(`Prometheus did not start:\n${log}`);
      await sleep(200);
    }
  }, 90_000);

  afterAll(async () => {
    if (prom && prom.exitCode === null) {
      const exited = new Promise((r) => prom.once('exit', r));
      prom.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
    }
    await t?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('scrapes Puente and answers deployment series through its HTTP API', async () => {
    const up = await eventually('up{job="puente"} == 1');
    expect(up.data.result[0]!.metric.instance).toBe(new URL(t.url).host);
    await t.traffic(40);
    const requests = await eventually(`sum by (version, status) (puente_deployment_requests_total{deployment="${DEPLOYMENT}"})`);
    const byStatus = Object.fromEntries(requests.data.result.map((r) => [r.metric.status, Number(r.value[1])]));
    expect(byStatus.ok).toBeGreaterThan(0);
    expect(byStatus.invalid).toBeGreaterThan(0);
    // What Puente counted is what Prometheus holds, once the last scrape saw it.
    const exported = (await t.app.inject({ method: 'GET', url: '/metrics' })).body;
    const okCount = Number(/puente_deployment_requests_total\{deployment="promo",model="promo-model",version="1",role="stable",status="ok"\} (\d+)/.exec(exported)![1]);
    await eventually(`puente_deployment_requests_total{deployment="${DEPLOYMENT}",status="ok"} == ${okCount}`);
    const alerts = await eventually('puente_alerts{rule="promo-serving",state="firing"}');
    expect(alerts.data.result[0]!.metric.severity).toBe('info');
  });

  it('answers drift series of the deployment\'s monitoring windows', async () => {
    await t.traffic(30);
    const scores = await eventually(`puente_drift_score{deployment="${DEPLOYMENT}"}`);
    const features = new Set(scores.data.result.map((r) => r.metric.feature));
    for (const f of ['x0', 'x1', 'x2', 'x3']) expect(features).toContain(f);
    for (const r of scores.data.result) {
      expect(r.metric).toMatchObject({ deployment: DEPLOYMENT, model: 'promo-model', version: '1' });
      expect(Number.isFinite(Number(r.value[1]))).toBe(true);
    }
    const share = await eventually(`puente_dataset_drift_share{deployment="${DEPLOYMENT}",version="1"}`);
    expect(Number(share.data.result[0]!.value[1])).toBeGreaterThanOrEqual(0);
    expect(Number(share.data.result[0]!.value[1])).toBeLessThanOrEqual(1);
  });

  it('runs every query of the dashboard and of the alert rules without an error, the serving ones with data', async () => {
    await t.traffic(20);
    await sleep(2500);
    const failures: string[] = [];
    const empty: string[] = [];
    for (const { where, expr } of [...dashboardExpressions(), ...ruleExpressions()]) {
      const r = await query(runnable(expr));
      if (r.status !== 'success') failures.push(`${where}: ${r.error}`);
      else if (r.data.result.length === 0) empty.push(where);
    }
    expect(failures).toEqual([]);
    for (const panel of ['Traffic', 'Latency p99', 'Traffic weights', 'Drift scores', 'Dataset drift share', 'Rows monitored', 'Live metrics', 'Puente alerts', 'variable deployment']) {
      expect(empty).not.toContain(panel);
    }
  });
});
