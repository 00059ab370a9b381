import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DIALECTS, makeTestApp, type TestApp } from '../../helpers/test-app.js';
import { PuenteClient } from '../../../src/client/index.js';
import { addLocalData } from '../../../src/datasets/index.js';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const FIXTURES = join(import.meta.dirname, '../../fixtures/monitoring-report');
const dir = mkdtempSync(join(tmpdir(), 'puente-report-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the CLI; by default with no server at all (files are read offline). */
async function puente(...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  const server = args[0] === '--server' ? [] : ['--server', 'http://127.0.0.1:9'];
  try {
    const { stdout, stderr } = await run(process.execPath, [...CLI, ...server, ...args], { env: { ...process.env, PUENTE_URL: '' } });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

describe('puente monitor report', () => {
  const train = join(FIXTURES, 'credit_train.csv');
  const drifted = join(FIXTURES, 'credit_drifted.csv');
  const test = join(FIXTURES, 'credit_test.csv');

  it('prints the JSON report, writes HTML and JSON files, and exits 1 on drift when asked', async () => {
    const html = join(dir, 'report.html');
    const jsonOut = join(dir, 'report.json');
    const res = await puente('monitor', 'report', '--reference', train, '--current', drifted, '--json', '--html', html, '--json-out', jsonOut,
      '--stattest', 'income=ks', '--target', 'default', 'risk_tier', '--drift-share', '0.3', '--fail-on-drift');
    expect(res.stderr).toBe('');
    expect(res.code).toBe(1);
    const report = JSON.parse(res.stdout);
    expect(report).toMatchObject({ dataset_drifted: true, drifted_columns: 3, evaluated_columns: 9, drift_share_threshold: 0.3 });
    expect(report.drift_share).toBeCloseTo(1 / 3, 12);
    for (const entry of report.columns) {
      expect(Object.keys(entry).sort()).toEqual(['column', 'drifted', 'p_value', 'role', 'statistic', 'test', 'threshold', 'type']);
    }
    expect(report.columns.find((c: { column: string }) => c.column === 'income')).toMatchObject({ test: 'ks', drifted: true });
    expect(report.columns.find((c: { column: string }) => c.column === 'age')).toMatchObject({ test: 'wasserstein', p_value: null, drifted: false });
    expect(JSON.parse(readFileSync(jsonOut, 'utf8'))).toEqual(report);
    const page = readFileSync(html, 'utf8');
    expect(page).toContain('<svg');
    expect(page).toContain('Dataset drift: 3 of 9 feature columns drifted');
  });

  it('prints a table and exits 0 when nothing drifted, even with --fail-on-drift', async () => {
    const res = await puente('monitor', 'report', '--reference', train, '--current', test, '--target', 'default', 'risk_tier', '--fail-on-drift');
    expect(res.code).toBe(0);
    expect(res.stdout).toMatch(/^column\s+type\s+test\s+statistic\s+p_value\s+threshold\s+drifted\s+quality/);
    expect(res.stdout).toMatch(/purpose\s+categorical\s+jensenshannon\s+[\d.]+\s+-\s+0\.1\s+no/);
    expect(res.stdout).toContain('No dataset drift: 0 of 9 feature columns drifted');
    // Drift without --fail-on-drift is not a failure.
    expect((await puente('monitor', 'report', '--reference', train, '--current', drifted, '--drift-share', '0.2')).code).toBe(0);
  });

  it('exits 2 with a message when the report cannot be made', async () => {
    const missing = await puente('monitor', 'report', '--reference', join(dir, 'nothing.csv'), '--current', drifted);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('nothing.csv: no such file');
    const test_ = await puente('monitor', 'report', '--reference', train, '--current', drifted, '--stattest', 'anova');
    expect(test_.code).toBe(2);
    expect(test_.stderr).toMatch(/Unknown drift test 'anova'/);
    const wrong = await puente('monitor', 'report', '--reference', train, '--current', drifted, '--stattest', 'purpose=ks');
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('purpose');
    expect(existsSync(join(dir, 'never.html'))).toBe(false);
  });
});

describe.each(DIALECTS)('puente monitor report with dataset versions on $name', (dialect) => {
  let t: TestApp;
  let url: string;
  beforeAll(async () => {
    t = await makeTestApp(dialect);
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    const version = await addLocalData(new PuenteClient({ baseUrl: url }), 'credit', join(FIXTURES, 'credit_train.csv'));
    expect(version.version).toBe(1);
  }, 60_000);
  afterAll(async () => t?.close());

  it('reads --reference credit@1 through the server and reports as from the file', async () => {
    const drifted = join(FIXTURES, 'credit_drifted.csv');
    const viaServer = await puente('--server', url, '--json', 'monitor', 'report', '--reference', 'credit@1', '--current', drifted, '--target', 'default', 'risk_tier');
    expect(viaServer.stderr).toBe('');
    expect(viaServer.code).toBe(0);
    const fromFile = await puente('--json', 'monitor', 'report', '--reference', join(FIXTURES, 'credit_train.csv'), '--current', drifted, '--target', 'default', 'risk_tier');
    const a = JSON.parse(viaServer.stdout);
    const b = JSON.parse(fromFile.stdout);
    expect(a.reference).toEqual({ source: 'credit@1', rows: 20_000 });
    expect(a.columns).toEqual(b.columns);
    expect(a.columns.filter((c: { drifted: boolean }) => c.drifted).map((c: { column: string }) => c.column)).toEqual(['income', 'credit_score', 'purpose']);
    const missing = await puente('--server', url, 'monitor', 'report', '--reference', 'credit@7', '--current', drifted);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/RESOURCE_DOES_NOT_EXIST/);
  });
});
