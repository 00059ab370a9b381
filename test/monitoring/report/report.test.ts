import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { buildDriftReport, readTable, renderReportHtml, type DriftReport, type Table } from '../../../src/monitoring/index.js';
import { PuenteError } from '../../../src/errors/index.js';

const FIXTURES = join(import.meta.dirname, '../../fixtures/monitoring-report');
const file = (name: string) => join(FIXTURES, name);
const golden = JSON.parse(readFileSync(file('drift.json'), 'utf8')) as {
  numeric: { id: string; results: Record<string, any> }[];
  categorical: { id: string; results: Record<string, any> }[];
};
const goldenOf = (id: string) => [...golden.numeric, ...golden.categorical].find((g) => g.id === id)!.results;

/** A plain split-based reading of the unquoted fixture CSVs, independent of the reader under test. */
function naiveColumn(name: string, column: string): number[] {
  const [header, ...lines] = readFileSync(file(name), 'utf8').trim().split('\n');
  const k = header!.split(',').indexOf(column);
  return lines.map((l) => l.split(',')[k]!).filter((v) => v !== '').map(Number);
}

const close = (actual: number | null, expected: number, rel = 1e-9) => {
  expect(actual).not.toBeNull();
  expect(Math.abs(actual! - expected)).toBeLessThanOrEqual(rel * Math.max(Math.abs(expected), 1e-300));
};

describe('drift report on the credit fixtures', () => {
  let train: Table;
  let test: Table;
  let drifted: Table;
  beforeAll(async () => {
    [train, test, drifted] = await Promise.all(['credit_train.csv', 'credit_test.csv', 'credit_drifted.csv'].map((f) => readTable(file(f))));
  });

  it('reads every row and column, numbers exactly, missing cells as missing', () => {
    expect(train.rows).toBe(20_000);
    expect(train.columns.map((c) => c.name)).toEqual(['age', 'income', 'loan_amount', 'credit_score', 'debt_to_income', 'months_employed', 'home_ownership', 'purpose', 'state', 'risk_tier', 'default']);
    const income = train.columns.find((c) => c.name === 'income')!;
    const naive = naiveColumn('credit_train.csv', 'income');
    expect(income.numberCount).toBe(naive.length);
    expect(income.missingCount).toBe(20_000 - naive.length);
    expect(Array.from(income.numbers).filter((v) => !Number.isNaN(v))).toEqual(naive);
    const dti = train.columns.find((c) => c.name === 'debt_to_income')!;
    expect(Array.from(dti.numbers)).toEqual(naiveColumn('credit_train.csv', 'debt_to_income'));
    const purpose = drifted.columns.find((c) => c.name === 'purpose')!;
    expect([...purpose.dictionary].sort()).toEqual(['car', 'credit_card', 'crypto', 'debt_consolidation', 'home_improvement', 'medical', 'small_business']);
  });

  it('finds drift on the shifted columns and the new category, none on the others; the target is reported, not counted', () => {
    const { report } = buildDriftReport(train, drifted, { targets: ['default', 'risk_tier'] });
    const drifted_ = report.columns.filter((c) => c.drifted).map((c) => c.column);
    expect(drifted_).toEqual(['income', 'credit_score', 'purpose']);
    expect(report.columns.find((c) => c.column === 'default')).toMatchObject({ role: 'target', type: 'numeric' });
    expect(report.evaluated_columns).toBe(9);
    expect(report.drifted_columns).toBe(3);
    expect(report.drift_share).toBeCloseTo(3 / 9, 12);
    expect(report.dataset_drifted).toBe(false);
    // Evidently's choice for more than 1000 reference rows.
    expect(report.columns.find((c) => c.column === 'income')).toMatchObject({ type: 'numeric', test: 'wasserstein', p_value: null, threshold: 0.1 });
    expect(report.columns.find((c) => c.column === 'purpose')).toMatchObject({ type: 'categorical', test: 'jensenshannon', p_value: null });
    const purpose = report.data_quality.find((q) => q.column === 'purpose')!;
    expect(purpose.unseen_values).toEqual(['crypto']);
    expect(purpose.unseen_share).toBeGreaterThan(0.05);
    expect(purpose.issues).toEqual(['unseen_category']);
    const income = report.data_quality.find((q) => q.column === 'income')!;
    expect(income.missing_share).toBeCloseTo(87 / 5000, 12);
    expect(income.issues).toEqual([]);
    // A stricter dataset share makes it a dataset drift.
    expect(buildDriftReport(train, drifted, { targets: ['default', 'risk_tier'], driftShare: 0.3 }).report.dataset_drifted).toBe(true);
  });

  it('finds no drift and no quality issue on data like the training data', () => {
    const { report } = buildDriftReport(train, test, { targets: ['default', 'risk_tier'] });
    expect(report.columns.filter((c) => c.drifted)).toEqual([]);
    expect(report.drift_share).toBe(0);
    expect(report.quality_issues).toBe(0);
    expect(report.skipped).toEqual([]);
  });

  it('matches SciPy (golden/drift.json) when tests are forced, through the file reader', () => {
    for (const [current, which] of [[test, 'train_vs_test'], [drifted, 'train_vs_drifted']] as const) {
      const ks = buildDriftReport(train, current, { stattest: 'ks' }).report;
      const psi = buildDriftReport(train, current, { stattest: 'psi' }).report;
      const w = buildDriftReport(train, current, { stattest: 'wasserstein' }).report;
      for (const column of ['age', 'income', 'loan_amount', 'credit_score', 'debt_to_income', 'months_employed']) {
        const g = goldenOf(`${column}/${which}/full`);
        const k = ks.columns.find((c) => c.column === column)!;
        close(k.statistic, g.ks_auto.statistic);
        close(k.p_value, g.ks_auto.pvalue, 1e-6);
        close(psi.columns.find((c) => c.column === column)!.statistic, g.psi.value);
        const ref = naiveColumn('credit_train.csv', column);
        const mean = ref.reduce((a, b) => a + b, 0) / ref.length;
        const std = Math.sqrt(ref.reduce((a, b) => a + (b - mean) ** 2, 0) / ref.length);
        close(w.columns.find((c) => c.column === column)!.statistic, g.wasserstein / std, 1e-9);
      }
      const chi = buildDriftReport(train, current, { stattest: 'chisquare' }).report;
      const js = buildDriftReport(train, current, { stattest: 'jensenshannon' }).report;
      for (const column of ['home_ownership', 'purpose', 'state', 'default']) {
        const g = goldenOf(`${column}/${which}/full`);
        close(chi.columns.find((c) => c.column === column)!.statistic, g.chi2.statistic);
        close(chi.columns.find((c) => c.column === column)!.p_value, g.chi2.pvalue, 1e-6);
        close(js.columns.find((c) => c.column === column)!.statistic, g.jensenshannon.base_e);
      }
    }
  });

  it('takes per-column tests and refuses ones that do not fit, naming the column', () => {
    const { report } = buildDriftReport(train, drifted, { perColumnStattest: { income: 'ks', purpose: 'chisquare' } });
    expect(report.columns.find((c) => c.column === 'income')).toMatchObject({ test: 'ks', threshold: 0.05, drifted: true });
    expect(report.columns.find((c) => c.column === 'income')!.p_value).toBeLessThan(1e-100);
    expect(report.columns.find((c) => c.column === 'purpose')).toMatchObject({ test: 'chisquare', drifted: true });
    expect(report.columns.find((c) => c.column === 'age')!.test).toBe('wasserstein');
    expect(() => buildDriftReport(train, drifted, { perColumnStattest: { purpose: 'ks' } })).toThrow(/purpose/);
    expect(() => buildDriftReport(train, drifted, { perColumnStattest: { salary: 'ks' } })).toThrow(/salary/);
    expect(() => buildDriftReport(train, drifted, { targets: ['label'] })).toThrow(/label/);
  });

  it('gives the same report from CSV, JSON Lines and Parquet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'puente-report-'));
    try {
      const lines = readFileSync(file('credit_drifted.csv'), 'utf8').trim().split('\n');
      const header = lines[0]!.split(',');
      const records = lines.slice(1).map((l) => Object.fromEntries(l.split(',').map((v, i) => {
        const name = header[i]!;
        if (v === '') return [name, null];
        return [name, ['home_ownership', 'purpose', 'state'].includes(name) ? v : Number(v)];
      })));
      writeFileSync(join(dir, 'drifted.jsonl'), records.map((r) => JSON.stringify(r)).join('\n'));
      parquetWriteFile({
        filename: join(dir, 'drifted.parquet'),
        columnData: header.map((name) => (['home_ownership', 'purpose', 'state'].includes(name)
          ? { name, data: records.map((r) => r[name] as string), type: 'STRING' as const }
          : { name, data: records.map((r) => r[name] as number | null), type: 'DOUBLE' as const })),
      });
      const strip = (r: DriftReport) => ({ ...r, current: { rows: r.current.rows } });
      const fromCsv = strip(buildDriftReport(train, drifted).report);
      for (const f of ['drifted.jsonl', 'drifted.parquet']) {
        const t = await readTable(join(dir, f));
        expect(t.rows).toBe(5000);
        expect(strip(buildDriftReport(train, t).report)).toEqual(fromCsv);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports type errors, constant columns, missing values and out-of-range values', async () => {
    const lines = readFileSync(file('credit_test.csv'), 'utf8').trim().split('\n');
    const header = lines[0]!.split(',');
    const at = (name: string) => header.indexOf(name);
    const dir = mkdtempSync(join(tmpdir(), 'puente-report-'));
    try {
      const broken = lines.slice(1, 1001).map((l, i) => {
        const cells = l.split(',');
        if (i % 50 === 0) cells[at('age')] = 'unknown';
        cells[at('state')] = 'CA';
        if (i % 5 === 0) cells[at('loan_amount')] = '';
        if (i % 20 === 0) cells[at('credit_score')] = '9999';
        return cells.join(',');
      });
      writeFileSync(join(dir, 'broken.csv'), [lines[0], ...broken].join('\n'));
      {
        const { report } = buildDriftReport(train, await readTable(join(dir, 'broken.csv')));
        const q = Object.fromEntries(report.data_quality.map((x) => [x.column, x]));
        expect(q.age).toMatchObject({ type_errors: 20, issues: ['type_error'] });
        expect(q.state).toMatchObject({ constant: true, issues: ['constant'] });
        expect(q.loan_amount!.missing_share).toBeCloseTo(0.2, 12);
        expect(q.loan_amount!.issues).toEqual(['missing']);
        expect(q.credit_score!.out_of_range_share).toBeCloseTo(0.05, 12);
        expect(q.credit_score!.issues).toEqual(['out_of_range']);
        expect(report.quality_issues).toBe(4);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('renders a self-contained HTML page with a chart per column', () => {
    const { report, histograms } = buildDriftReport(train, drifted, { targets: ['default'] });
    const html = renderReportHtml(report, histograms);
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html.match(/<svg /g)).toHaveLength(report.columns.length);
    expect(html).not.toMatch(/<script|<link|<img|url\(|@import/i);
    expect(html.replaceAll('http://www.w3.org/2000/svg', '')).not.toMatch(/https?:\/\//);
    expect(html).toContain('crypto');
    expect(html).toContain('Drift report');
    const purpose = histograms.find((h) => h.column === 'purpose')!;
    expect(purpose.labels).toContain('crypto');
    expect(purpose.unseen[purpose.labels.indexOf('crypto')]).toBe(true);
    expect(purpose.reference.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    expect(purpose.current.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    const income = histograms.find((h) => h.column === 'income')!;
    expect(income.reference.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
    // Names are escaped.
    const evil = renderReportHtml({ ...report, columns: [{ ...report.columns[0]!, column: '<img src=x onerror=alert(1)>' }] }, []);
    expect(evil).not.toContain('<img src=x');
  });

  it('refuses a missing file with a 404, and an unknown format or a broken file with a 400 naming it', async () => {
    await expect(readTable(file('nope.csv'))).rejects.toMatchObject({ code: 'RESOURCE_DOES_NOT_EXIST' });
    const dir = mkdtempSync(join(tmpdir(), 'puente-report-'));
    try {
      writeFileSync(join(dir, 'data.xlsx'), 'x');
      await expect(readTable(join(dir, 'data.xlsx'))).rejects.toThrow(/data\.xlsx: cannot tell the format/);
      writeFileSync(join(dir, 'rows.jsonl'), '{"a": 1}\n{"a": 2,}\n');
      const err = await readTable(join(dir, 'rows.jsonl')).catch((e) => e);
      expect(err).toBeInstanceOf(PuenteError);
      expect((err as PuenteError).code).toBe('INVALID_PARAMETER_VALUE');
      expect((err as PuenteError).message).toMatch(/rows\.jsonl, line 2/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
