import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';
import { PuenteApiError, PuenteClient } from '../../src/client/index.js';
import { addLocalData, downloadVersion, manifestDigest, parseSuite, writeParquet, type ExpectationSuite } from '../../src/datasets/index.js';

const FIXTURES = join(import.meta.dirname, '../fixtures/datasets');
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

/** Rows of a CSV fixture as objects (numbers as numbers, empty cells as null). */
function csvRows(file: string): Record<string, string | number | null>[] {
  const [head, ...lines] = readFileSync(join(FIXTURES, file), 'utf8').trim().split('\n');
  const names = head!.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [names[i]!, v === '' ? null : Number.isNaN(Number(v)) ? v : Number(v)])));
}

async function rejection(p: Promise<unknown>): Promise<PuenteApiError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof PuenteApiError) return err;
    throw err;
  }
  throw new Error('expected the call to fail');
}

describe.each(DIALECTS)('datasets API ($name)', (dialect) => {
  let t: TestApp;
  let client: PuenteClient;
  let work: string;
  const credit = readFileSync(join(FIXTURES, 'credit_test.csv'));
  const drifted = readFileSync(join(FIXTURES, 'credit_drifted.csv'));

  beforeAll(async () => {
    t = await makeTestApp(dialect);
    client = new PuenteClient({ baseUrl: await t.app.listen({ host: '127.0.0.1', port: 0 }) });
    work = mkdtempSync(join(tmpdir(), 'puente-datasets-'));
    writeFileSync(join(work, 'credit.csv'), credit);
    writeFileSync(join(work, 'drifted.csv'), drifted);
  });
  afterAll(async () => {
    await t.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('adds a CSV as version 1: digest, schema, profile, source and message', async () => {
    const v = await addLocalData(client, 'credit', join(work, 'credit.csv'), { message: 'first cut' });
    expect(v).toMatchObject({ name: 'credit', version: 1, digest: sha256(credit), row_count: 5000, size: credit.length, parent: null, message: 'first cut', created: true });
    expect(v.source).toBe(join(work, 'credit.csv'));
    expect(v.schema.columns.slice(0, 2)).toEqual([{ name: 'age', type: 'integer' }, { name: 'income', type: 'integer' }]);
    expect(v.files).toEqual([{ path: 'credit.csv', digest: sha256(credit), size: credit.length, format: 'csv', row_count: 5000, options: { delimiter: ',', quote: '"', encoding: 'utf-8' } }]);
    const income = v.profile.columns.find((c) => c.name === 'income')!;
    expect(income).toMatchObject({ type: 'integer', count: 5000 - income.missing_count });
    expect(income.missing_count).toBeGreaterThan(0);
    expect(Object.keys(income)).toEqual(expect.arrayContaining(['min', 'max', 'mean', 'std', 'quantiles', 'histogram', 'distinct_count', 'missing_share']));
    const state = v.profile.columns.find((c) => c.name === 'state')!;
    expect(state.categories!.values.length).toBe(state.distinct_count);
    expect(await client.datasets.getVersion('credit', 1)).toEqual({ ...v, created: undefined, source: v.source } as never);
  });

  it('registers nothing for unchanged content; a new content follows the latest as its parent', async () => {
    const again = await addLocalData(client, 'credit', join(work, 'credit.csv'), { message: 'same bytes' });
    expect(again).toMatchObject({ version: 1, created: false, message: 'first cut' });
    const v2 = await addLocalData(client, 'credit', join(work, 'drifted.csv'), { message: 'drifted' });
    expect(v2).toMatchObject({ version: 2, parent: 1, digest: sha256(drifted), created: true });
    // Back to the first content: a new version, but the bytes are stored once.
    const v3 = await addLocalData(client, 'credit', join(work, 'credit.csv'), { message: 'revert' });
    expect(v3).toMatchObject({ version: 3, parent: 2, digest: sha256(credit) });
    const blobs = await t.services.db.kysely.selectFrom('dataset_blobs').select('digest').execute();
    expect(blobs.map((b) => b.digest.trim()).sort()).toEqual([sha256(credit), sha256(drifted)].sort());
    const log = await client.datasets.versions('credit');
    expect(log.map((v) => [v.version, v.parent, v.message])).toEqual([[3, 2, 'revert'], [2, 1, 'drifted'], [1, null, 'first cut']]);
    expect((await client.datasets.getVersion('credit', 'latest')).version).toBe(3);
    expect((await client.datasets.getVersion('credit', `sha256:${sha256(drifted).slice(0, 10)}`)).version).toBe(2);
    expect((await client.datasets.get('credit')).latest_version).toBe(3);
  });

  it('answers 404 naming a missing dataset, version or file', async () => {
    const noVersion = await rejection(client.datasets.getVersion('credit', 42));
    expect([noVersion.status, noVersion.code]).toEqual([404, 'RESOURCE_DOES_NOT_EXIST']);
    expect(noVersion.message).toContain("Dataset 'credit' has no version 42");
    const noDataset = await rejection(client.datasets.getVersion('nope', 1));
    expect([noDataset.status, noDataset.message]).toEqual([404, "Dataset 'nope' does not exist."]);
    const noFile = await rejection(client.datasets.downloadFile('credit', 1, 'other.csv'));
    expect(noFile.status).toBe(404);
    expect(noFile.message).toContain("no file 'other.csv'");
  });

  it('refuses bad data with file, line and column, and registers nothing', async () => {
    const before = await client.datasets.versions('credit');
    const objectsBefore = await t.services.artifacts.list('datasets/objects');
    const ragged = Buffer.concat([credit.subarray(0, 2000), Buffer.from('\n1,2,3\n')]);
    writeFileSync(join(work, 'ragged.csv'), ragged);
    const err = await rejection(addLocalData(client, 'credit', join(work, 'ragged.csv')));
    expect(err.status).toBe(400);
    expect(err.message).toMatch(/^ragged\.csv, line \d+, column '\w+' \(\d+\): the row ends after/);
    writeFileSync(join(work, 'latin.csv'), Buffer.concat([Buffer.from('city,n\nok,1\n'), Buffer.from('M\xfcnchen,2\n', 'latin1')]));
    expect((await rejection(addLocalData(client, 'credit', join(work, 'latin.csv')))).message).toMatch(/latin\.csv, line 3, column 'city' \(1\): byte 0xfc is not valid UTF-8/);
    writeFileSync(join(work, 'typed.csv'), 'age,income\n30,100\n31,lots\n');
    const typed = await rejection(addLocalData(client, 'typed', join(work, 'typed.csv'), { schema: { columns: [{ name: 'age', type: 'integer' }, { name: 'income', type: 'float' }] } }));
    expect(typed.message).toBe("typed.csv, line 3, column 'income' (2): 'lots' is not a number, but the schema declares the column float");
    writeFileSync(join(work, 'bad.jsonl'), '{"a": 1}\n{"a": 2,}\n');
    expect((await rejection(addLocalData(client, 'credit', join(work, 'bad.jsonl')))).message).toMatch(/^bad\.jsonl, line 2, column 9: not valid JSON at character 9/);
    writeFileSync(join(work, 'bad.parquet'), 'PAR1 not really parquet');
    expect((await rejection(addLocalData(client, 'credit', join(work, 'bad.parquet')))).message).toMatch(/^bad\.parquet: not a readable Parquet file/);
    expect(await client.datasets.versions('credit')).toEqual(before);
    expect((await client.datasets.get('typed')).latest_version).toBeNull();
    // The abandoned uploads left no stored bytes behind.
    expect(await t.services.artifacts.list('datasets/objects')).toEqual(objectsBefore);
  });

  it('versions a directory: a manifest digest, files profiled together, other files kept', async () => {
    const dir = join(work, 'parts');
    mkdirSync(join(dir, 'more'), { recursive: true });
    const [head, ...rows] = credit.toString('utf8').trim().split('\n');
    writeFileSync(join(dir, 'a.csv'), [head, ...rows.slice(0, 3000)].join('\n') + '\n');
    writeFileSync(join(dir, 'more', 'b.csv'), [head, ...rows.slice(3000)].join('\n') + '\n');
    writeFileSync(join(dir, 'README.md'), '# credit parts\n');
    writeFileSync(join(dir, '.hidden'), 'skipped');
    const v = await addLocalData(client, 'credit-parts', dir, { message: 'split' });
    expect(v.files.map((f) => [f.path, f.format, f.row_count])).toEqual([['README.md', null, null], ['a.csv', 'csv', 3000], ['more/b.csv', 'csv', 2000]]);
    expect(v.digest).toBe(manifestDigest(v.files));
    expect(v.row_count).toBe(5000);
    const whole = await client.datasets.getVersion('credit', 1);
    // Profiles of parts merge into the profile of the whole.
    for (const c of whole.profile.columns) {
      const p = v.profile.columns.find((x) => x.name === c.name)!;
      expect([p.count, p.missing_count, p.min, p.max, p.distinct_count]).toEqual([c.count, c.missing_count, c.min, c.max, c.distinct_count]);
      expect(p.quantiles).toEqual(c.quantiles);
    }
    const out = join(work, 'download');
    const got = await downloadVersion(client, 'credit-parts', 1, out);
    expect(got.files.map((f) => f.slice(out.length + 1)).sort()).toEqual(['README.md', 'a.csv', join('more', 'b.csv')].sort());
    expect(readFileSync(join(out, 'more', 'b.csv'), 'utf8')).toBe([head, ...rows.slice(3000)].join('\n') + '\n');
  });

  it('reads JSON Lines and Parquet to the same profile as the CSV', async () => {
    const rows = csvRows('credit_test.csv');
    writeFileSync(join(work, 'credit.jsonl'), rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
    const csv = await client.datasets.getVersion('credit', 1);
    await writeParquet(join(work, 'credit.parquet'), csv.schema, rows);
    const jsonl = await addLocalData(client, 'credit-jsonl', join(work, 'credit.jsonl'));
    const parquet = await addLocalData(client, 'credit-parquet', join(work, 'credit.parquet'));
    expect(parquet.files[0]!.format).toBe('parquet');
    for (const v of [jsonl, parquet]) {
      expect(v.row_count).toBe(5000);
      expect(v.schema).toEqual(csv.schema);
      v.profile.columns.forEach((c, i) => {
        const e = csv.profile.columns[i]!;
        expect([c.name, c.count, c.missing_count, c.min, c.max, c.distinct_count, c.quantiles, c.histogram, c.categories]).toEqual([e.name, e.count, e.missing_count, e.min, e.max, e.distinct_count, e.quantiles, e.histogram, e.categories]);
        if (e.mean !== undefined) expect(c.mean).toBeCloseTo(e.mean, 8);
      });
    }
    // And back out: a CSV version exported as Parquet reads as the same table.
    const res = await client.datasets.exportParquet('credit', 1);
    writeFileSync(join(work, 'exported.parquet'), Buffer.from(await res.arrayBuffer()));
    const again = await addLocalData(client, 'credit-exported', join(work, 'exported.parquet'));
    expect(again.profile.columns.map((c) => [c.name, c.count, c.min, c.max])).toEqual(csv.profile.columns.map((c) => [c.name, c.count, c.min, c.max]));
  });

  it('validates a version against a suite, stores the result, and renders it as HTML', async () => {
    const suite: ExpectationSuite = parseSuite(`
name: credit-checks
expectations:
  - { expect: column_exists, column: age }
  - { expect: column_exists, column: zip }
  - { expect: column_type, column: age, type: integer }
  - { expect: not_null, column: income }
  - { expect: not_null, column: income, mostly: 0.95 }
  - { expect: unique, column: age }
  - { expect: between, column: age, min: 21, max: 75 }
  - { expect: between, column: credit_score, min: 600, max: 850, mostly: 0.5 }
  - { expect: in_set, column: home_ownership, values: [RENT, OWN, MORTGAGE] }
  - { expect: in_set, column: purpose, values: [car, medical] }
  - { expect: regex, column: state, pattern: "^[A-Z]{2}$" }
  - { expect: row_count_between, min: 1000, max: 10000 }
  - { expect: mean_between, column: age, min: 30, max: 50 }
  - { expect: median_between, column: income, min: 1, max: 10 }
  - { expect: quantile_between, column: credit_score, quantile: 0.9, min: 600, max: 900 }
  - { expect: distribution_close_to, column: credit_score, reference: "credit@1" }
  - expectation_type: expect_column_values_to_be_between
    kwargs: { column: debt_to_income, min_value: 0, max_value: 0.5 }
`);
    const onDrifted = await client.datasets.validate('credit', 2, { ...suite, expectations: [...suite.expectations, { expect: 'distribution_close_to', column: 'purpose', reference: 'credit@1' }] });
    const ok = onDrifted.results.map((r) => r.success);
    expect(ok).toEqual([true, false, true, false, true, false, true, true, true, false, true, true, true, false, true, false, false, false]);
    expect(onDrifted.success).toBe(false);
    expect(onDrifted.dataset).toEqual({ name: 'credit', version: 2, digest: sha256(drifted) });
    const notNull = onDrifted.results[3]!;
    const incomeMissing = csvRows('credit_drifted.csv').filter((r) => r.income === null).length;
    expect(notNull).toMatchObject({ element_count: 5000, unexpected_count: incomeMissing });
    expect(notNull.unexpected_samples!.every((s) => s.value === null && s.line > 1)).toBe(true);
    const inSet = onDrifted.results[9]!;
    expect(inSet.unexpected_samples!.length).toBe(10);
    const line = inSet.unexpected_samples![0]!.line;
    const text = drifted.toString('utf8').split('\n')[line - 1]!;
    expect(text.split(',')[7]).toBe(inSet.unexpected_samples![0]!.value);
    // Drift: credit_score's spread grew and `crypto` appeared in purpose.
    expect(onDrifted.results[15]!.details!.ks_p_value as number).toBeLessThan(0.05);
    expect(onDrifted.results[17]!.observed as number).toBeGreaterThan(0.05);
    expect(onDrifted.failing_rows.length).toBe(50);
    const stored = await client.datasets.validations('credit', 2);
    expect(stored[0]).toMatchObject({ validation_id: onDrifted.validation_id, version: 2, suite_name: 'credit-checks', success: false });
    const html = await fetch(`${client.baseUrl}/api/v1/datasets/credit/validations/${onDrifted.validation_id}/report.html`);
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    const page = await html.text();
    expect(page).toContain('FAILED: credit-checks on credit@2');
    expect(page).toContain('in_set(purpose: values=[car, medical])');
    // The drafted suite passes on the version it was drafted from.
    const drafted = await client.datasets.suggestSuite('credit', 1);
    const self = await client.datasets.validate('credit', 1, drafted);
    expect(self.results.filter((r) => !r.success)).toEqual([]);
    expect(self.success).toBe(true);
  });

  it('diffs two versions: schema, rows, per-column shift; with a key, rows added, removed, changed', async () => {
    const d = await client.datasets.diff('credit@1', 'credit@2');
    expect(d).toMatchObject({ from: { version: 1, row_count: 5000 }, to: { version: 2, row_count: 5000 }, same_content: false, row_count_change: 0, schema_changes: [] });
    const shift = Object.fromEntries(d.column_shift.map((c) => [c.column, c]));
    expect(shift.credit_score!.drifted).toBe(true);
    expect(shift.age!.drifted).toBe(false);
    expect(shift.purpose!.psi).toBeGreaterThan(0.05);
    expect(shift.income!.mean_to!).toBeLessThan(shift.income!.mean_from!);
    writeFileSync(join(work, 'people-1.csv'), 'id,name,score\n1,ann,10\n2,bob,20\n3,cy,30\n');
    writeFileSync(join(work, 'people-2.csv'), 'id,name,score,team\n1,ann,10,x\n2,bob,25,y\n4,dee,40,z\n');
    await addLocalData(client, 'people', join(work, 'people-1.csv'));
    await addLocalData(client, 'people', join(work, 'people-2.csv'));
    const keyed = await client.datasets.diff('people@1', 'people@2', 'id');
    expect(keyed.schema_changes).toEqual([{ column: 'team', change: 'added', to: 'string' }]);
    expect(keyed.rows).toEqual({ key: 'id', added: 1, removed: 1, changed: 1, unchanged: 1, examples: { added: ['4'], removed: ['3'], changed: ['2'] }, duplicate_keys: 0 });
    expect((await rejection(client.datasets.diff('people@1', 'people@2', 'nope'))).message).toContain("has no column 'nope'");
  });

  it('traces lineage: dataset version → run → model version', async () => {
    const exp = await client.experiments.create({ name: 'lineage-exp' });
    const run = await client.runs.create({ experiment_id: exp.experiment_id, run_name: 'train' });
    await client.datasets.logToRun(run.info.run_id, await client.datasets.getVersion('credit', 2));
    // An MLflow-style input naming the content by a digest prefix maps to the version too.
    await client.runs.logInputs(run.info.run_id, { datasets: [{ tags: [], dataset: { name: 'credit', digest: sha256(credit).slice(0, 8), source_type: 'local', source: '/data/credit.csv' } }] });
    await client.models.create('credit-model');
    await client.models.createVersion('credit-model', { source: `${run.info.artifact_uri}/model`, run_id: run.info.run_id });
    await client.models.setAlias('credit-model', 'champion', 1);
    const graph = await client.lineage.ofModel('credit-model', 'champion');
    expect(graph.root).toBe('model:credit-model@1');
    expect(graph.nodes.map((n) => n.id).sort()).toEqual(['dataset:credit@2', 'dataset:credit@3', 'model:credit-model@1', `run:${run.info.run_id}`].sort());
    expect(graph.edges).toEqual(expect.arrayContaining([
      { from: 'dataset:credit@2', to: `run:${run.info.run_id}`, relation: 'input' },
      { from: 'dataset:credit@3', to: `run:${run.info.run_id}`, relation: 'input' },
      { from: `run:${run.info.run_id}`, to: 'model:credit-model@1', relation: 'produced' },
    ]));
    const missing = await rejection(client.lineage.ofModel('no-such-model', '1'));
    expect(missing.status).toBe(404);
  });

  it('deletes a version and then the dataset, dropping content nobody else holds', async () => {
    await client.datasets.deleteVersion('people', 1);
    expect((await rejection(client.datasets.getVersion('people', 1))).status).toBe(404);
    expect((await client.datasets.versions('people')).map((v) => v.version)).toEqual([2]);
    await client.datasets.delete('people');
    expect((await rejection(client.datasets.get('people'))).status).toBe(404);
    const people2 = sha256(readFileSync(join(work, 'people-2.csv')));
    expect(await t.services.db.kysely.selectFrom('dataset_blobs').select('digest').where('digest', '=', people2).execute()).toEqual([]);
  });
});
