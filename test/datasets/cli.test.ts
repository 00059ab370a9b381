import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';
import { PuenteClient } from '../../src/client/index.js';
import { runCli } from '../helpers/cli.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/datasets');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

const puente = runCli;

describe('puente data and puente lineage', { timeout: 120_000 }, () => {
  let t: TestApp;
  let other: TestApp;
  let url: string;
  let otherUrl: string;
  let work: string;
  const credit = readFileSync(join(FIXTURES, 'credit_test.csv'));
  const drifted = readFileSync(join(FIXTURES, 'credit_drifted.csv'));

  beforeAll(async () => {
    t = await makeTestApp(DIALECTS[0]!);
    other = await makeTestApp(DIALECTS[0]!);
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    otherUrl = await other.app.listen({ host: '127.0.0.1', port: 0 });
    work = mkdtempSync(join(tmpdir(), 'puente-data-cli-'));
    writeFileSync(join(work, 'credit.csv'), credit);
    writeFileSync(join(work, 'drifted.csv'), drifted);
  });
  afterAll(async () => {
    await t.close();
    await other.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('adds versions and prints the version object with --json', async () => {
    const added = await puente(url, '--json', 'data', 'add', join(work, 'credit.csv'), '--name', 'credit', '-m', 'first cut');
    expect(added.code).toBe(0);
    const v = JSON.parse(added.stdout);
    expect(v).toMatchObject({ name: 'credit', version: 1, digest: sha256(credit), row_count: 5000, parent: null, message: 'first cut' });
    expect(v.schema.columns).toHaveLength(11);
    expect(v.profile.columns[0]).toMatchObject({ name: 'age', type: 'integer' });
    const second = await puente(url, 'data', 'add', join(work, 'drifted.csv'), '--name', 'credit', '-m', 'drifted');
    expect(second.stdout).toMatch(/^Added credit@2 \(sha256:[0-9a-f]{12}…, 5,000 rows, 11 columns, 278\.7 kB, parent 1\)/);
    const same = await puente(url, 'data', 'add', join(work, 'drifted.csv'), '--name', 'credit');
    expect(same.stdout).toMatch(/^Unchanged: credit@2 already holds this content/);
    const shown = JSON.parse((await puente(url, '--json', 'data', 'show', 'credit@1')).stdout);
    for (const key of ['name', 'version', 'digest', 'row_count', 'schema', 'profile', 'parent', 'message']) expect(shown[key]).toEqual(v[key]);
    const table = await puente(url, 'data', 'show', 'credit');
    expect(table.stdout).toContain('credit@2  sha256:');
    expect(table.stdout).toMatch(/column\s+type\s+missing\s+distinct/);
    const log = await puente(url, 'data', 'log', 'credit');
    expect(log.stdout.split('\n')[1]).toMatch(/^2\s+1\s+[0-9a-f]{12}\s+5000/);
    expect((await puente(url, 'data', 'list')).stdout).toMatch(/credit\s+2/);
  });

  it('diffs two versions with --json: schema changes, row counts and per-column shift', async () => {
    const d = JSON.parse((await puente(url, '--json', 'data', 'diff', 'credit@1', 'credit@2')).stdout);
    expect(d.schema_changes).toEqual([]);
    expect([d.from.row_count, d.to.row_count, d.row_count_change]).toEqual([5000, 5000, 0]);
    expect(d.column_shift.find((c: { column: string }) => c.column === 'credit_score').drifted).toBe(true);
    const text = await puente(url, 'data', 'diff', 'credit@1', 'credit@2');
    expect(text.stdout).toMatch(/credit_score\s+integer\s+[\d.]+\s+[\d.]+\s+\S+\s+.*yes/);
  });

  it('validates with reports and a failing exit code; a drafted suite passes', async () => {
    writeFileSync(join(work, 'suite.yaml'), 'name: strict\nexpectations:\n  - { expect: not_null, column: income }\n  - { expect: in_set, column: purpose, values: [car] }\n  - { expect: row_count_between, min: 1 }\n');
    const out = join(work, 'reports');
    const failed = await puente(url, 'data', 'validate', 'credit@2', '--suite', join(work, 'suite.yaml'), '--out', out);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^FAILED: strict on credit@2: 1 of 3 expectations met \(5000 rows\)/);
    expect(failed.stdout).toContain('✗ 2. in_set(purpose: values=[car])');
    const report = JSON.parse(readFileSync(join(out, 'validation-credit-2.json'), 'utf8'));
    expect(report.results[1].unexpected_samples.length).toBeGreaterThan(0);
    expect(readFileSync(join(out, 'validation-credit-2.html'), 'utf8')).toContain('FAILED: strict on credit@2');
    const stored = await new PuenteClient({ baseUrl: url }).datasets.validations('credit', 2);
    expect(stored[0]).toMatchObject({ suite_name: 'strict', success: false, validation_id: report.validation_id });
    const suggested = await puente(url, 'data', 'suggest', 'credit@1', '-o', join(work, 'drafted.yaml'));
    expect(suggested.code).toBe(0);
    expect(readFileSync(join(work, 'drafted.yaml'), 'utf8')).toContain('expect: distribution_close_to');
    const passed = await puente(url, 'data', 'validate', 'credit@1', '--suite', join(work, 'drafted.yaml'), '--out', out);
    expect(passed.code).toBe(0);
    expect(passed.stdout).toMatch(/^PASSED: credit-suggested on credit@1/);
    const drifting = await puente(url, 'data', 'validate', 'credit@2', '--suite', join(work, 'drafted.yaml'), '--out', out);
    expect(drifting.code).toBe(1);
    expect(drifting.stdout).toContain('distribution_close_to(credit_score: reference=credit@1, max_psi=0.2)');
  });

  it('downloads versions checked by sha256, and as Parquet', async () => {
    const got = await puente(url, 'data', 'get', 'credit@1', '-o', join(work, 'copy.csv'));
    expect(got.code).toBe(0);
    expect(readFileSync(join(work, 'copy.csv')).equals(credit)).toBe(true);
    await puente(url, 'data', 'get', 'credit@2', '--as', 'parquet', '-o', join(work, 'drifted.parquet'));
    const back = JSON.parse((await puente(url, '--json', 'data', 'add', join(work, 'drifted.parquet'), '--name', 'credit-pq')).stdout);
    expect(back.row_count).toBe(5000);
    expect(back.files[0].format).toBe('parquet');
  });

  it('reports bad data and missing versions on stderr with the error code, exit 1', async () => {
    writeFileSync(join(work, 'broken.csv'), 'a,b\n1,2\n3,"open\n');
    const bad = await puente(url, 'data', 'add', join(work, 'broken.csv'), '--name', 'credit');
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toBe("INVALID_PARAMETER_VALUE: broken.csv, line 3, column 'b' (2): a quoted field that is never closed (the quote opens on line 3)");
    expect((await puente(url, 'data', 'log', 'credit')).stdout.trim().split('\n')).toHaveLength(3);
    const missing = await puente(url, 'data', 'show', 'credit@9');
    expect(missing.code).toBe(1);
    expect(missing.stderr.trim()).toBe("RESOURCE_DOES_NOT_EXIST: Dataset 'credit' has no version 9.");
  });

  it('prints lineage from a dataset version to the model version', async () => {
    const client = new PuenteClient({ baseUrl: url });
    const exp = await client.experiments.create({ name: 'cli-lineage' });
    const r = await client.runs.create({ experiment_id: exp.experiment_id, run_name: 'fit' });
    expect((await puente(url, 'data', 'link', 'credit@1', '--run', r.info.run_id)).code).toBe(0);
    await client.models.create('credit-model');
    await client.models.createVersion('credit-model', { source: `${r.info.artifact_uri}/model`, run_id: r.info.run_id });
    await client.models.setAlias('credit-model', 'champion', 1);
    const text = await puente(url, 'lineage', 'credit-model@champion');
    expect(text.code).toBe(0);
    const lines = text.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^dataset credit@1  sha256:[0-9a-f]{12}  5000 rows  \(training\)$/);
    expect(lines[1]).toMatch(/^└─ run fit  experiment \d+  RUNNING$/);
    expect(lines[2]).toBe('   └─ model credit-model version 1 (@champion)');
    const graph = JSON.parse((await puente(url, '--json', 'lineage', 'credit-model@1')).stdout);
    expect(graph.edges).toHaveLength(2);
  });

  it('pushes to and pulls from another server', async () => {
    const pushed = await puente(url, 'data', 'push', 'credit', '--to', otherUrl);
    expect(pushed.code, pushed.stderr).toBe(0);
    expect(pushed.stdout).toMatch(/credit@1\s+[0-9a-f]{12}\s+5000\s+copied/);
    const remote = new PuenteClient({ baseUrl: otherUrl });
    expect((await remote.datasets.versions('credit')).map((v) => v.digest)).toEqual([sha256(drifted), sha256(credit)]);
    expect((await puente(url, 'data', 'push', 'credit@2', '--to', otherUrl)).stdout).toMatch(/credit@2\s+\S+\s+5000\s+already there/);
    await puente(otherUrl, 'data', 'add', join(work, 'credit.csv'), '--name', 'remote-only');
    const pulled = await puente(url, '--json', 'data', 'pull', 'remote-only@1', '--from', otherUrl);
    expect(JSON.parse(pulled.stdout)[0]).toMatchObject({ name: 'remote-only', version: 1, digest: sha256(credit), created: true });
    expect(existsSync(join(work, 'credit.csv'))).toBe(true);
  });
});
