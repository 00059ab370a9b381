import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  DASHBOARD, PROMETHEUS_CONFIG, RULES, dashboard, dashboardExpressions, exportedSeries, metricNames, panelsOf, ruleExpressions,
} from './deploy-files.js';
import { startTrafficApp, type TrafficApp } from './traffic.js';

const run = promisify(execFile);
const promtool = await run('promtool', ['--version']).then(() => true, () => false);
if (!promtool) console.log('\n[puente tests] promtool (Debian package prometheus) is not installed: the syntax checks of deploy/prometheus are skipped (scripts/ci/install-services.sh installs it).\n');

describe('deploy/: Grafana dashboard and Prometheus files', () => {
  let t: TrafficApp;
  beforeAll(async () => {
    t = await startTrafficApp();
  }, 60_000);
  afterAll(async () => t?.close());

  it('has the panels a person looks for, each reading Prometheus', () => {
    const d = dashboard();
    const titles = panelsOf(d).filter((p) => p.type !== 'row').map((p) => p.title);
    expect(titles).toEqual(expect.arrayContaining([
      'Traffic', 'Error ratio', 'Latency p99', 'Traffic weights', 'Drift scores', 'Dataset drift share', 'Data quality issues', 'Live metrics',
    ]));
    for (const p of panelsOf(d).filter((x) => x.type !== 'row')) expect(p.targets?.length, p.title).toBeGreaterThan(0);
    expect(ruleExpressions().map((r) => r.where)).toEqual(['PuenteDeploymentHighErrorRate', 'PuenteDeploymentHighLatencyP99', 'PuenteDatasetDrift', 'PuenteAccuracyDrop']);
  });

  it('references only metrics a running Puente exports, with series once a deployment served traffic', async () => {
    // Monitoring windows close every second and live metrics follow labels within seconds.
    const missingNow = async () => {
      const series = exportedSeries((await t.app.inject({ method: 'GET', url: '/metrics' })).body);
      const missing: string[] = [];
      for (const { where, expr } of [...dashboardExpressions(), ...ruleExpressions()]) {
        for (const name of metricNames(expr)) if (!series.has(name)) missing.push(`${name} (${where})`);
      }
      return missing;
    };
    let missing = await missingNow();
    for (const until = Date.now() + 20_000; missing.length > 0 && Date.now() < until;) {
      await new Promise((r) => setTimeout(r, 500));
      await t.traffic(10);
      missing = await missingNow();
    }
    expect(missing).toEqual([]);
    const res = await t.app.inject({ method: 'GET', url: '/metrics' });
    // The names are really there: a deployment's requests by version and status.
    expect(res.body).toMatch(/puente_deployment_requests_total\{deployment="promo",model="promo-model",version="1",role="stable",status="ok"\} \d+/);
    expect(res.body).toMatch(/puente_deployment_requests_total\{deployment="promo",model="promo-model",version="1",role="stable",status="invalid"\} \d+/);
  });

  it.skipIf(!promtool)('passes promtool\'s checks', async () => {
    const rules = await run('promtool', ['check', 'rules', RULES]);
    expect(rules.stdout).toContain('SUCCESS: 4 rules found');
    const config = await run('promtool', ['check', 'config', PROMETHEUS_CONFIG]);
    expect(config.stdout).toContain('SUCCESS');
    // Every dashboard query parses as PromQL too (variables replaced as Grafana would).
    expect(DASHBOARD).toMatch(/json$/);
  });
});
