import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import { DIALECTS, type TestApp } from '../../helpers/test-app.js';
import { PuenteClient } from '../../../src/client/index.js';
import { parseCsv } from '../../../src/serving/index.js';
import { makeMonitoredApp } from './app.js';
import { creditRows, FIXTURES, inputsOf, registerCreditModel } from './credit.js';
import { runCli } from '../../helpers/cli.js';


const puente = runCli;

/*
 * The CLI and the SDK against a running server: reference set from a file, drift, quality and
 * performance of a deployment fed drifted credit rows and their labels, settings, and the
 * prediction log exported as CSV and Parquet.
 */
describe('puente monitor and puente predictions', () => {
  let t: TestApp;
  let url: string;
  let work: string;
  const rows = creditRows('credit_drifted.csv').slice(0, 1200);

  beforeAll(async () => {
    t = await makeMonitoredApp(DIALECTS[0]!, { monitoringWindowMs: 3_600_000 });
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    work = mkdtempSync(join(tmpdir(), 'puente-monitor-cli-'));
    await registerCreditModel(t.services, 'credit');
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('sets a reference from a file, then reports drift, quality and performance as tables and JSON', async () => {
    const set = await puente(url, 'monitor', 'reference', 'set', 'credit@1', '--file', `${FIXTURES}/credit_train.csv`);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toMatch(/Reference of credit@1 set: upload credit_train.csv \(csv, 20000 rows\), 9 inputs profiled/);
    const client = new PuenteClient({ baseUrl: url });
    await client.deployments.create('loans', { model: 'credit', version: '1' });
    const labels: { prediction_id: string; row: number; label: number }[] = [];
    for (let i = 0; i < rows.length; i += 200) {
      const res = await t.app.inject({ method: 'POST', url: '/deployments/loans/invocations', payload: { dataframe_records: rows.slice(i, i + 200).map(inputsOf) } });
      const id = String(res.headers['x-puente-prediction-id']);
      rows.slice(i, i + 200).forEach((r, k) => labels.push({ prediction_id: id, row: k, label: Number(r.default) }));
    }
    await t.app.inject({ method: 'POST', url: '/api/v1/deployments/loans/feedback', payload: { labels } });

    const json = await puente(url, '--json', 'monitor', 'drift', 'loans');
    expect(json.code, json.stderr).toBe(0);
    const window = JSON.parse(json.stdout).windows[0];
    expect(window).toMatchObject({ open: true, rows: 1200, model: 'credit', version: 1 });
    expect(window.drift.columns.filter((c: { drifted: boolean }) => c.drifted).map((c: { column: string }) => c.column).sort()).toEqual(['credit_score', 'income', 'purpose']);

    const table = await puente(url, 'monitor', 'drift', 'loans', '--stattest', 'psi');
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/credit@1 .* \(open\)\s+1200 rows/);
    expect(table.stdout).toMatch(/^income\s+numeric\s+psi\s+[0-9.]+\s+-\s+0\.1\s+yes$/m);
    expect(table.stdout).toMatch(/^age\s+numeric\s+psi\s+[0-9.]+\s+-\s+0\.1\s+no$/m);
    expect(table.stdout).toMatch(/dataset drift share/);

    const quality = await puente(url, 'monitor', 'quality', 'loans');
    expect(quality.code, quality.stderr).toBe(0);
    expect(quality.stdout).toMatch(/^purpose\s.*crypto.*unseen_category$/m);

    const perf = await puente(url, '--json', 'monitor', 'performance', 'loans', '--window', '1h');
    expect(perf.code, perf.stderr).toBe(0);
    const v = JSON.parse(perf.stdout).versions[0];
    expect(v).toMatchObject({ model: 'credit', version: 1, n: 1200 });
    expect(v.metrics.roc_auc).toBeGreaterThan(0.6);
    const perfTable = await puente(url, 'monitor', 'performance', 'loans', '--window', '1h');
    expect(perfTable.stdout).toMatch(/credit@1\s+binary_classification\s+1200 labelled rows/);
    expect(perfTable.stdout).toMatch(/ROC_AUC/);

    // The SDK reads the same answers.
    const viaSdk = await client.monitoring.quality('loans');
    expect(viaSdk.windows[0]!.columns.find((c) => c.column === 'purpose')!.unseen_values).toEqual(['crypto']);
    expect((await client.monitoring.reference('credit', 1)).rows).toBe(20_000);
  }, 120_000);

  it('changes drift settings and refuses bad input with exit code 1 and a message', async () => {
    const set = await puente(url, '--json', 'monitor', 'settings', 'loans', '--stattest', 'ks', '--stattest', 'purpose=chisquare', '--drift-share', '0.3');
    expect(set.code, set.stderr).toBe(0);
    expect(JSON.parse(set.stdout)).toEqual({ stattest: 'ks', per_column_stattest: { purpose: 'chisquare' }, drift_share: 0.3 });
    const bad = await puente(url, 'monitor', 'settings', 'loans', '--stattest', 'anderson');
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/INVALID_PARAMETER_VALUE: 'stattest': Unknown drift test 'anderson'/);
    const missing = await puente(url, 'monitor', 'drift', 'nowhere');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/RESOURCE_DOES_NOT_EXIST/);
    const noVersion = await puente(url, 'monitor', 'reference', 'show', 'credit');
    expect(noVersion.code).toBe(1);
    expect(noVersion.stderr).toMatch(/credit@1/);
    const noOut = await puente(url, 'predictions', 'export', '--deployment', 'loans');
    expect(noOut.code).toBe(1);
    expect(noOut.stderr).toMatch(/--out FILE/);
  }, 120_000);

  it('exports the prediction log as CSV and Parquet files', async () => {
    const csvFile = join(work, 'loans.csv');
    const csv = await puente(url, 'predictions', 'export', '--deployment', 'loans', '--out', csvFile);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout).toBe(`Wrote 1200 rows to ${csvFile} (csv).\n`);
    const table = parseCsv(readFileSync(csvFile, 'utf8'));
    expect(table).toHaveLength(1200);
    expect(table.filter((r) => r.purpose === 'crypto').length).toBe(rows.filter((r) => r.purpose === 'crypto').length);
    expect(table.every((r) => r.label === 0 || r.label === 1)).toBe(true);

    const pqFile = join(work, 'credit.parquet');
    const pq = await puente(url, '--json', 'predictions', 'export', '--model', 'credit@1', '--out', pqFile, '--since', '1h');
    expect(pq.code, pq.stderr).toBe(0);
    expect(JSON.parse(pq.stdout)).toEqual({ out: pqFile, format: 'parquet', rows: 1200 });
    const back = (await parquetReadObjects({ file: await asyncBufferFromFile(pqFile) })) as Record<string, unknown>[];
    expect(back).toHaveLength(1200);
    expect(back[0]).toMatchObject({ deployment: 'loans', model: 'credit', version: 1, income: rows[0]!.income });
  }, 120_000);
});
