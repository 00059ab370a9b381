import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { DIALECTS, type TestApp } from '../../helpers/test-app.js';
import { makeMonitoredApp } from './app.js';
import { creditRows, FIXTURES, inputsOf, registerCreditModel } from './credit.js';

/*
 * References from dataset versions (named by the bundle, or set explicitly with a target column),
 * drift settings, a deployment whose version has no reference, and refusals that name the field.
 */
describe.each(DIALECTS)('references and settings on $name', (dialect) => {
  let t: TestApp;
  const api = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown, headers: Record<string, string> = {}) =>
    t.app.inject({ method, url: `/api/v1${url}`, headers, ...(payload !== undefined ? { payload: payload as object } : {}) });
  const test = creditRows('credit_test.csv').slice(0, 1500).map(inputsOf);

  beforeAll(async () => {
    t = await makeMonitoredApp(dialect, { monitoringWindowMs: 60_000 });
    const datasets = t.services.datasets;
    await datasets.createDataset('credit_train');
    const { upload_id } = await datasets.startUpload('credit_train');
    await datasets.uploadFile('credit_train', upload_id, 'credit_train.csv', Readable.from([readFileSync(`${FIXTURES}/credit_train.csv`)]));
    await datasets.commitUpload('credit_train', upload_id);
    // Version 1 names its training dataset; version 2 does not.
    await registerCreditModel(t.services, 'credit', { name: 'credit_train', version: '1' });
    await registerCreditModel(t.services, 'credit');
  }, 60_000);
  afterAll(async () => t?.close());

  it('builds the reference from the training dataset version the bundle names, on first traffic', async () => {
    expect((await api('POST', '/deployments', { name: 'trained', model: 'credit', version: 1 })).statusCode).toBe(200);
    const res = await t.app.inject({ method: 'POST', url: '/deployments/trained/invocations', payload: { dataframe_records: test.slice(0, 200) } });
    expect(res.statusCode).toBe(200);
    const drift = (await api('GET', '/deployments/trained/monitoring/drift')).json();
    expect(drift.windows[0]).toMatchObject({ open: true, rows: 200, reference: 'dataset credit_train@1 (training dataset)' });
    expect(drift.windows[0].drift.columns).toHaveLength(9);
    const ref = (await api('GET', '/models/credit/versions/1/reference')).json();
    expect(ref).toMatchObject({ rows: 20_000, source: 'dataset credit_train@1 (training dataset)', performance: null });
  });

  it('sets a reference from a dataset version with a target column: the model is scored on it', async () => {
    const res = await api('PUT', '/models/credit/versions/2/reference', { dataset: 'credit_train@1', target: 'default' });
    expect(res.statusCode, res.body).toBe(200);
    const ref = res.json();
    expect(ref.source).toBe('dataset credit_train@1');
    expect(ref.performance.n).toBe(10_000);
    // On its own training rows the model ranks better than on the test set (AUC 0.748).
    expect(ref.performance.metrics.roc_auc).toBeGreaterThan(0.75);
    expect((await api('PUT', '/models/credit/versions/2/reference', { dataset: 'credit_train@7' })).statusCode).toBe(404);
    expect((await api('PUT', '/models/credit/versions/2/reference', { dataset: 'nosuch@1' })).statusCode).toBe(404);
    const noAt = await api('PUT', '/models/credit/versions/2/reference', { dataset: 'credit_train' });
    expect(noAt.statusCode).toBe(400);
    expect(noAt.json().message).toMatch(/NAME@VERSION/);
  });

  it('refuses samples it cannot use, naming what is wrong', async () => {
    const put = (body: string | Buffer, type: string, query = '') => t.app.inject({ method: 'PUT', url: `/api/v1/models/credit/versions/2/reference${query}`, headers: { 'content-type': type }, payload: body });
    const ragged = await put('age,income\n1,2\n3\n', 'text/csv');
    expect(ragged.statusCode).toBe(400);
    expect(ragged.json().message).toMatch(/line 3/);
    const unrelated = await put('a,b\n1,2\n', 'text/csv');
    expect(unrelated.statusCode).toBe(400);
    expect(unrelated.json().message).toMatch(/none of the model's inputs/);
    const noTarget = await put(readFileSync(`${FIXTURES}/credit_test.csv`), 'text/csv', '?target=outcome');
    expect(noTarget.statusCode).toBe(400);
    expect(noTarget.json().message).toMatch(/'outcome'/);
    const unknownType = await put('x', 'application/octet-stream');
    expect(unknownType.statusCode).toBe(400);
    expect(unknownType.json().message).toMatch(/format=csv\|jsonl\|parquet/);
    const badJsonl = await put('{"age": 1}\nnot json\n', 'application/x-ndjson');
    expect(badJsonl.statusCode).toBe(400);
    expect(badJsonl.json().message).toMatch(/line 2/);
    const jsonl = await put(creditRows('credit_test.csv').slice(0, 300).map((r) => JSON.stringify(r)).join('\n'), 'application/x-ndjson', '?name=sample.jsonl');
    expect(jsonl.statusCode, jsonl.body).toBe(200);
    expect(jsonl.json()).toMatchObject({ rows: 300, source: 'upload sample.jsonl (jsonl, 300 rows)' });
    expect((await api('DELETE', '/models/credit/versions/2/reference')).statusCode).toBe(200);
    expect((await api('DELETE', '/models/credit/versions/2/reference')).statusCode).toBe(404);
  });

  it('monitors a version without a reference for missing values only, and applies drift settings', async () => {
    expect((await api('POST', '/deployments', { name: 'bare', model: 'credit', version: 2 })).statusCode).toBe(200);
    await t.app.inject({ method: 'POST', url: '/deployments/bare/invocations', payload: { dataframe_records: test.slice(0, 50) } });
    const bare = (await api('GET', '/deployments/bare/monitoring/quality')).json().windows[0];
    expect(bare).toMatchObject({ rows: 50, reference: null });
    expect(bare.columns.find((c: { column: string }) => c.column === 'income')).toMatchObject({ reference_missing_share: null, out_of_range: 0 });
    expect((await api('GET', '/deployments/bare/monitoring/drift')).json().windows[0]).toMatchObject({ drift: null, prediction_drift: null });

    // Settings: a test for every input, one per input, a dataset share; refused with the field named.
    for (const [body, field] of [[{ stattest: 'anderson' }, 'stattest'], [{ drift_share: 2 }, 'drift_share'], [{ per_column_threshold: { age: -1 } }, 'per_column_threshold.age'], [{ nonsense: 1 }, 'nonsense']] as const) {
      const res = await api('PUT', '/deployments/trained/monitoring/settings', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().message).toContain(field);
    }
    const set = await api('PUT', '/deployments/trained/monitoring/settings', { stattest: 'psi', per_column_stattest: { purpose: 'chisquare' }, drift_share: 0.3 });
    expect(set.statusCode, set.body).toBe(200);
    expect((await api('GET', '/deployments/trained/monitoring/settings')).json()).toEqual({ stattest: 'psi', per_column_stattest: { purpose: 'chisquare' }, drift_share: 0.3 });
    // The window open under the old settings was closed and stored; the next one uses the new tests.
    const stored = (await api('GET', '/deployments/trained/monitoring/drift?include_open=false')).json().windows;
    expect(stored).toHaveLength(1);
    expect(stored[0].drift.columns.find((c: { column: string }) => c.column === 'age').test).toBe('wasserstein');
    await t.app.inject({ method: 'POST', url: '/deployments/trained/invocations', payload: { dataframe_records: test.slice(200, 1500) } });
    const open = (await api('GET', '/deployments/trained/monitoring/drift')).json().windows[0];
    expect(open.open).toBe(true);
    const tests = Object.fromEntries(open.drift.columns.map((c: { column: string; test: string }) => [c.column, c.test]));
    expect(tests).toMatchObject({ age: 'psi', income: 'psi', purpose: 'chisquare', state: 'psi' });
    // A per-request override for the open window only.
    const hellinger = (await api('GET', '/deployments/trained/monitoring/drift?stattest=hellinger')).json().windows[0];
    expect(hellinger.drift.columns.every((c: { column: string; test: string }) => c.test === 'hellinger' || c.column === 'purpose')).toBe(true);
    expect((await api('GET', '/deployments/nowhere/monitoring/drift')).statusCode).toBe(404);
    expect((await api('PUT', '/deployments/nowhere/monitoring/settings', {})).statusCode).toBe(404);
  });
});
