import type { DatasetSchema } from '../types.js';
import type { CellValue, RecordBatch } from '../formats/records.js';
import { ColumnAccumulator, type ColumnSketch } from '../profile/column-accumulator.js';
import { sketchBuckets, type DatasetSketch } from '../profile/profile.js';
import { bucketQuantile, seededRandom } from '../profile/sketches.js';
import { plainValue } from '../formats/parquet.js';
import { compareColumns, PSI_DRIFT } from '../drift.js';
import { ROW_EXPECTATIONS, type Expectation, type ExpectationResult, type ExpectationSuite, type FailingRow, type FailingValue, type ValidationResult } from './types.js';

/** What a validation may need besides the rows. */
export interface ValidateOptions {
  /** The sketch of a reference version (`name@version`), for drift expectations; null when unknown. */
  readonly reference?: (ref: string) => Promise<DatasetSketch | null>;
  /** Column types of the data, when known (a stored version's schema). */
  readonly schema?: DatasetSchema;
  /** The version validated, recorded in the result. */
  readonly dataset?: ValidationResult['dataset'];
  /** Failing values kept per expectation (default 10) and failing rows kept overall (default 50). */
  readonly samplesPerExpectation?: number;
  readonly failingRows?: number;
}

/** Whether a value can be read as a column type (numbers written as text count). */
export function conformsTo(value: CellValue, type: string): boolean {
  if (value === null) return true;
  switch (type) {
    case 'integer':
      return (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && /^[+-]?\d+$/.test(value.trim()));
    case 'float':
      return typeof value === 'number' || (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value)));
    case 'boolean':
      return typeof value === 'boolean' || (typeof value === 'string' && /^(true|false)$/i.test(value));
    default:
      return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  }
}

/** A row check compiled once: true when the (non-null) value fails. */
type ValueCheck = (value: CellValue) => boolean;

function compileCheck(e: Expectation): ValueCheck | null {
  switch (e.expect) {
    case 'column_type':
      return (v) => !conformsTo(v, e.type);
    case 'between':
      return (v) => {
        const x = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
        return !(x === x) || (e.min !== undefined && x < e.min) || (e.max !== undefined && x > e.max);
      };
    case 'in_set': {
      const allowed = new Set(e.values.map((v) => String(v)));
      return (v) => !allowed.has(String(v));
    }
    case 'regex': {
      const re = new RegExp(e.pattern, 'u');
      return (v) => !re.test(String(v));
    }
    default:
      return null;
  }
}

/** Per-expectation state while rows stream by. */
interface RowState {
  readonly index: number;
  readonly expectation: Expectation & { column: string };
  readonly check: ValueCheck | null;
  seen: Set<string> | null;
  elements: number;
  missing: number;
  unexpected: number;
  readonly samples: FailingValue[];
  failures: number;
}

/**
 * Applies row expectations to records one at a time, and keeps what a suite needs to judge the
 * whole table (counts, samples, column statistics). Deployments use `checkRecord` on incoming
 * requests; `finish` gives the full result for a table.
 */
export class SuiteRun {
  readonly #suite: ExpectationSuite;
  readonly #options: ValidateOptions;
  readonly #rowStates: RowState[];
  readonly #columnsNeeded: Set<string>;
  readonly #accumulators = new Map<string, ColumnAccumulator>();
  readonly #random = seededRandom(0xda7a);
  readonly #columnsSeen = new Set<string>();
  #rows = 0;
  #failingRows: FailingRow[] = [];
  #failingCount = 0;
  #started = Date.now();
  #lastColumns: string[] | null = null;
  readonly #referenced: string[];
  #positions: number[] = [];
  #accumulatorPositions: number[] = [];

  constructor(suite: ExpectationSuite, options: ValidateOptions = {}) {
    this.#suite = suite;
    this.#options = options;
    this.#rowStates = suite.expectations.flatMap((e, index) =>
      ROW_EXPECTATIONS.includes(e.expect)
        ? [{ index, expectation: e as Expectation & { column: string }, check: compileCheck(e), seen: e.expect === 'unique' ? new Set<string>() : null, elements: 0, missing: 0, unexpected: 0, samples: [], failures: 0 }]
        : [],
    );
    this.#columnsNeeded = new Set(
      suite.expectations.filter((e) => e.expect === 'mean_between' || e.expect === 'median_between' || e.expect === 'quantile_between' || e.expect === 'distribution_close_to').map((e) => (e as { column: string }).column),
    );
    const types = new Map((options.schema?.columns ?? []).map((c) => [c.name, c.type]));
    for (const name of this.#columnsNeeded) this.#accumulators.set(name, new ColumnAccumulator(name, types.get(name)));
    this.#referenced = [...new Set(suite.expectations.flatMap((e) => ('column' in e ? [e.column] : [])))];
  }

  /**
   * Checks one record (an object keyed by column) against the row expectations; returns the
   * indexes (in the suite) of those it fails. Counts it towards the result either way.
   */
  checkRecord(record: Record<string, unknown>, line = this.#rows + 1): number[] {
    const keys = Object.keys(record);
    for (const k of keys) this.#columnsSeen.add(k);
    // A key the record lacks is a null value of that column.
    const columns = [...new Set([...keys, ...this.#referenced])];
    return this.#checkRow(columns, columns.map((c) => plainValue(record[c])), line, false);
  }

  /** Checks a batch of rows read from a file. */
  addBatch(batch: RecordBatch): void {
    for (let r = 0; r < batch.rows.length; r++) this.#checkRow(batch.columns, batch.rows[r]!, batch.lines[r]!);
  }

  #checkRow(columns: string[], row: CellValue[], line: number, seen = true): number[] {
    this.#rows++;
    if (columns !== this.#lastColumns) {
      // Batches share their column list; look the positions up once per list.
      this.#lastColumns = columns;
      this.#positions = this.#rowStates.map((s) => columns.indexOf(s.expectation.column));
      this.#accumulatorPositions = [...this.#accumulators.keys()].map((name) => columns.indexOf(name));
      if (seen) for (const c of columns) this.#columnsSeen.add(c);
    }
    const positions = this.#positions;
    let failed: number[] | null = null;
    for (let k = 0; k < this.#rowStates.length; k++) {
      const s = this.#rowStates[k]!;
      const at = positions[k]!;
      if (at < 0) continue;
      const value = row[at] ?? null;
      s.elements++;
      let bad: boolean;
      if (s.expectation.expect === 'not_null') bad = value === null;
      else if (value === null) {
        s.missing++;
        continue;
      } else if (s.seen !== null) {
        const key = `${typeof value}:${String(value)}`;
        bad = s.seen.has(key);
        if (!bad) s.seen.add(key);
      } else bad = s.check!(value);
      if (!bad) continue;
      s.unexpected++;
      this.#sample(s, { line, value });
      (failed ??= []).push(s.index);
    }
    let a = 0;
    for (const acc of this.#accumulators.values()) {
      const at = this.#accumulatorPositions[a++]!;
      acc.addValue(at < 0 ? null : row[at]);
    }
    if (failed !== null) this.#keepFailingRow(columns, row, line, failed);
    return failed ?? [];
  }

  /** Keeps a uniform sample of failing values (reservoir, seeded). */
  #sample(s: RowState, value: FailingValue): void {
    const limit = this.#options.samplesPerExpectation ?? 10;
    s.failures++;
    if (s.samples.length < limit) s.samples.push(value);
    else {
      const j = Math.floor(this.#random() * s.failures);
      if (j < limit) s.samples[j] = value;
    }
  }

  #keepFailingRow(columns: string[], row: CellValue[], line: number, failed: number[]): void {
    const limit = this.#options.failingRows ?? 50;
    this.#failingCount++;
    let slot = this.#failingRows.length;
    if (slot >= limit) {
      slot = Math.floor(this.#random() * this.#failingCount);
      if (slot >= limit) return;
    }
    this.#failingRows[slot] = { line, row: Object.fromEntries(columns.map((c, i) => [c, row[i] ?? null])), failed };
  }

  get rows(): number {
    return this.#rows;
  }

  /** Judges every expectation on what was seen. */
  async finish(): Promise<ValidationResult> {
    const sketches = new Map<string, ColumnSketch>([...this.#accumulators].map(([n, a]) => [n, a.sketch()]));
    const schemaColumns = new Set([...(this.#options.schema?.columns.map((c) => c.name) ?? []), ...this.#columnsSeen]);
    const types = new Map((this.#options.schema?.columns ?? []).map((c) => [c.name, c.type]));
    const rowResults = new Map(this.#rowStates.map((s) => [s.index, s]));
    const results: ExpectationResult[] = [];
    for (const [index, e] of this.#suite.expectations.entries()) {
      const column = 'column' in e ? e.column : undefined;
      if (column !== undefined && e.expect !== 'column_exists' && !schemaColumns.has(column)) {
        results.push({ expectation: e, success: false, error: `the data has no column '${column}'` });
        continue;
      }
      const s = rowResults.get(index);
      if (s) {
        const denominator = e.expect === 'not_null' ? s.elements : s.elements - s.missing;
        const share = denominator === 0 ? 0 : s.unexpected / denominator;
        const mostly = 'mostly' in e && e.mostly !== undefined ? e.mostly : 1;
        let success = 1 - share >= mostly - 1e-12;
        // A declared or inferred type that differs fails the type check even when every value could be read as it.
        const declared = e.expect === 'column_type' ? types.get(e.column) : undefined;
        if (e.expect === 'column_type' && declared !== undefined && declared !== e.type && !(declared === 'integer' && e.type === 'float')) success = false;
        results.push({
          expectation: e,
          success,
          ...(e.expect === 'column_type' && declared !== undefined ? { observed: declared } : {}),
          element_count: s.elements,
          missing_count: s.missing,
          unexpected_count: s.unexpected,
          unexpected_percent: round(share * 100, 6),
          unexpected_samples: s.samples.slice().sort((a, b) => a.line - b.line),
        });
        continue;
      }
      results.push(await this.#judge(e, sketches));
    }
    const failed = results.filter((r) => !r.success).length;
    return {
      suite_name: this.#suite.name,
      success: failed === 0,
      ...(this.#options.dataset ? { dataset: this.#options.dataset } : {}),
      row_count: this.#rows,
      statistics: { evaluated: results.length, successful: results.length - failed, failed, success_percent: results.length === 0 ? 100 : round(((results.length - failed) / results.length) * 100, 4) },
      results,
      failing_rows: this.#failingRows.slice().sort((a, b) => a.line - b.line),
      suite: this.#suite,
      run_time_ms: Date.now() - this.#started,
    };
  }

  async #judge(e: Expectation, sketches: Map<string, ColumnSketch>): Promise<ExpectationResult> {
    const within = (x: number, r: { min?: number; max?: number }) => (r.min === undefined || x >= r.min) && (r.max === undefined || x <= r.max);
    switch (e.expect) {
      case 'column_exists': {
        const exists = this.#columnsSeen.has(e.column) || (this.#options.schema?.columns.some((c) => c.name === e.column) ?? false);
        return { expectation: e, success: exists };
      }
      case 'row_count_between':
        return { expectation: e, success: within(this.#rows, e), observed: this.#rows };
      case 'mean_between':
      case 'median_between':
      case 'quantile_between': {
        const c = sketches.get(e.column)!;
        if (c.type !== 'integer' && c.type !== 'float') return { expectation: e, success: false, observed: null, error: `column '${e.column}' is not numeric` };
        if (c.n === 0) return { expectation: e, success: false, observed: null, error: `column '${e.column}' has no values` };
        const q = e.expect === 'median_between' ? 0.5 : e.expect === 'quantile_between' ? e.quantile : null;
        // Quantiles come from the column's log buckets: within 0.4% of the exact value.
        const observed = q === null ? c.mean : bucketQuantile(sketchBuckets(c), c.n, q, c.min!, c.max!, false);
        return { expectation: e, success: within(observed, e), observed };
      }
      case 'distribution_close_to': {
        const reference = await this.#options.reference?.(e.reference);
        const refColumn = reference?.columns.find((c) => c.name === e.column);
        if (!reference) return { expectation: e, success: false, error: `reference ${e.reference} is not a dataset version this server has` };
        if (!refColumn) return { expectation: e, success: false, error: `reference ${e.reference} has no column '${e.column}'` };
        const cmp = compareColumns(refColumn, sketches.get(e.column)!);
        if (cmp === null) return { expectation: e, success: false, error: `column '${e.column}' has no values to compare` };
        const maxPsi = e.max_psi ?? PSI_DRIFT;
        let success = cmp.psi < maxPsi;
        if (e.min_ks_p_value !== undefined && cmp.ks_p_value !== undefined) success = success && cmp.ks_p_value >= e.min_ks_p_value;
        return {
          expectation: e,
          success,
          observed: cmp.psi,
          details: { psi: cmp.psi, max_psi: maxPsi, ...(cmp.ks_statistic !== undefined ? { ks_statistic: cmp.ks_statistic, ks_p_value: cmp.ks_p_value! } : {}) },
        };
      }
      default:
        return { expectation: e, success: false, error: 'not a table expectation' };
    }
  }
}

function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Runs a suite over batches of records read from a file. */
export async function validateBatches(suite: ExpectationSuite, batches: AsyncIterable<RecordBatch>, options: ValidateOptions = {}): Promise<ValidationResult> {
  const run = new SuiteRun(suite, options);
  for await (const batch of batches) run.addBatch(batch);
  return run.finish();
}

/**
 * Runs a suite over records held in memory (objects keyed by column), e.g. the rows of
 * incoming prediction requests. Row expectations are checked row by row; table expectations
 * (row count, mean, quantiles, drift) judge the records as one table.
 *
 * @example
 * const result = await validateRecords(parseSuite(text), [{ age: 30, income: 52000 }]);
 * if (!result.success) console.log(result.results.filter((r) => !r.success));
 */
export async function validateRecords(suite: ExpectationSuite, records: Iterable<Record<string, unknown>>, options: ValidateOptions = {}): Promise<ValidationResult> {
  const run = new SuiteRun(suite, options);
  let line = 0;
  for (const record of records) run.checkRecord(record, ++line);
  return run.finish();
}

/**
 * Counts rows that break a suite's row expectations, one record at a time, in constant memory
 * (except `unique`, which remembers values): for serving, where requests never end.
 */
export class RecordChecker {
  readonly #checks: { index: number; column: string; kind: Expectation['expect']; check: ValueCheck | null }[];
  checked = 0;
  violations = 0;
  /** Failures per expectation index. */
  readonly failures: number[];

  constructor(readonly suite: ExpectationSuite) {
    this.#checks = suite.expectations.flatMap((e, index) => (ROW_EXPECTATIONS.includes(e.expect) && e.expect !== 'unique' ? [{ index, column: (e as { column: string }).column, kind: e.expect, check: compileCheck(e) }] : []));
    this.failures = suite.expectations.map(() => 0);
  }

  /** Indexes of the row expectations the record breaks (a missing key is a null value). */
  check(record: Record<string, unknown>): number[] {
    this.checked++;
    const failed: number[] = [];
    for (const c of this.#checks) {
      const value = plainValue(record[c.column]);
      const bad = c.kind === 'not_null' ? value === null : value !== null && c.check!(value);
      if (bad) {
        failed.push(c.index);
        this.failures[c.index]!++;
      }
    }
    if (failed.length > 0) this.violations++;
    return failed;
  }
}
