import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';
import { PuenteApiError, PuenteClient } from '../../src/client/index.js';
import { creditInputs, creditRows, registerCredit } from './bundles.js';
import { FIXTURES } from './fixtures.js';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const DATA = join(FIXTURES, 'credit_test.csv');
const COLUMNS = ['age', 'income', 'loan_amount', 'credit_score', 'debt_to_income', 'months_employed', 'home_ownership', 'purpose', 'state'];

describe('puente explain and the SDK, against a running server', () => {
  let t: TestApp;
  let url: string;
  let dir: string;
  const puente = (...args: string[]) => run(process.execPath, [...CLI, '--server', url, ...args], { env: { ...process.env, PUENTE_URL: '', PUENTE_TOKEN: '' } });
  const fails = async (...args: string[]) => {
    try {
      await puente(...args);
    } catch (err) {
      const e = err as { code: number; stderr: string };
      return { code: e.code, stderr: e.stderr };
    }
    throw new Error('the command succeeded');
  };

  beforeAll(async () => {
    t = await makeTestApp(DIALECTS[0]!);
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    await registerCredit(t.services, 'credit');
    await registerCredit(t.services, 'credit-onnx', { format: 'onnx' });
    dir = mkdtempSync(join(tmpdir(), 'puente-explain-'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('--json lists, per row, the contribution of every input column by name and the base value', async () => {
    const { stdout, stderr } = await puente('--json', 'explain', 'credit@1', '--data', DATA, '--rows', '3');
    const body = JSON.parse(stdout);
    expect(body).toMatchObject({ model: 'credit', version: 1, method: 'tree', output: 'margin', columns: COLUMNS });
    expect(body.rows).toHaveLength(3);
    for (const row of body.rows) {
      expect(Object.keys(row.contributions)).toEqual(COLUMNS);
      expect(typeof row.base_value).toBe('number');
      const total = row.base_value + Object.values(row.contributions as Record<string, number>).reduce((a, b) => a + b, 0);
      expect(total).toBeCloseTo(row.value, 9);
    }
    expect(stderr).toMatch(/ignoring column\(s\) risk_tier, default: not inputs of credit/);
    // The same answer as the API gives for the same rows.
    const api = await t.app.inject({ method: 'POST', url: '/serve/credit/1/explain', payload: { dataframe_records: creditInputs.slice(0, 3) } });
    expect(body.rows).toEqual(api.json().rows);
  });

  it('prints a table by default, and without @REF explains the champion, else the latest version', async () => {
    const { stdout } = await puente('explain', 'credit', '--data', DATA, '--rows', '2');
    expect(stdout).toMatch(/^credit version 1: tree explains the margin/);
    expect(stdout).toMatch(/row\s+value\s+age\s+income/);
    expect(stdout).toMatch(/mean \|contribution\| over 2 rows: \w+ /);
  });

  it('Kernel SHAP for an ONNX model, the data file as background summarised by k-means', async () => {
    const { stdout } = await puente('--json', 'explain', 'credit-onnx@1', '--data', DATA, '--rows', '2', '--method', 'kernel', '--kmeans', '8', '--seed', '3');
    const body = JSON.parse(stdout);
    expect(body).toMatchObject({ method: 'kernel', output: 'prediction', details: { background_rows: 8 } });
    expect(body.details.max_additivity_error).toBeLessThan(1e-9);
  });

  it('--target adds permutation importance on every row of the file', async () => {
    const { stdout } = await puente('--json', 'explain', 'credit@1', '--data', DATA, '--rows', '1', '--target', 'default', '--repeats', '2', '--seed', '1');
    const body = JSON.parse(stdout);
    expect(body.importance).toMatchObject({ metric: 'auc', rows: 5000, repeats: 2 });
    expect(body.importance.importances).toHaveLength(9);
    const table = await puente('explain', 'credit@1', '--data', DATA, '--rows', '1', '--target', 'default', '--repeats', '1');
    expect(table.stdout).toMatch(/permutation importance \(auc lost when a column is shuffled; 5000 rows/);
  });

  it('says what to do instead when a model cannot be explained exactly, and refuses bad input', async () => {
    const tree = await fails('explain', 'credit-onnx@1', '--data', DATA, '--method', 'tree');
    expect(tree.code).toBe(1);
    expect(tree.stderr).toMatch(/INVALID_PARAMETER_VALUE: Method tree needs a tree model.*method kernel or permutation/);
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, 'age,income\n');
    expect((await fails('explain', 'credit@1', '--data', empty)).stderr).toMatch(/has no rows to explain/);
    expect((await fails('explain', 'credit@1', '--data', join(dir, 'missing.csv'))).stderr).toMatch(/--data .*missing.csv: no such file/);
    expect((await fails('explain', 'credit@1', '--data', DATA, '--method', 'lime')).stderr).toMatch(/--method must be one of tree, kernel, permutation/);
    const wrongSchema = join(dir, 'other.csv');
    writeFileSync(wrongSchema, 'zip,size\n94110,3\n');
    expect((await fails('explain', 'credit-onnx@1', '--data', DATA, '--rows', '1', '--method', 'kernel', '--background', wrongSchema)).stderr).toMatch(/background/i);
  });

  it('SDK: client.explain.rows and client.explain.importance', async () => {
    const client = new PuenteClient({ baseUrl: url });
    const e = await client.explain.rows('credit', 1, creditInputs.slice(0, 2));
    expect(e.rows[0].contributions).toHaveProperty('credit_score');
    const byAlias = await client.explain.rows('credit', 'latest', creditInputs.slice(0, 2), { method: 'permutation', background: creditInputs.slice(10, 30), seed: 1 });
    expect(byAlias.method).toBe('permutation');
    const imp = await client.explain.importance('credit', 1, creditRows.slice(0, 800), { target: 'default', extra_columns: 'drop', repeats: 1 });
    expect(imp.importances).toHaveLength(9);
    await expect(client.explain.rows('credit-onnx', 1, creditInputs.slice(0, 1), { method: 'tree' })).rejects.toBeInstanceOf(PuenteApiError);
  });
});
