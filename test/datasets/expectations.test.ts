import { describe, expect, it } from 'vitest';
import { PuenteError } from '../../src/errors/index.js';
import { RecordChecker, checkSuite, parseSuite, renderValidationHtml, suiteToYaml, validateRecords, type ExpectationSuite } from '../../src/datasets/index.js';

function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof PuenteError) return err.message;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('expectation suites', () => {
  it('reads YAML, JSON and Great Expectations spellings to the same suite', () => {
    const yaml = parseSuite('name: s\nexpectations:\n  - { expect: between, column: age, min: 18, max: 99, mostly: 0.9 }\n  - { expect: column_type, column: age, type: int64 }\n');
    const json = parseSuite(JSON.stringify({ expectation_suite_name: 's', expectations: [
      { expectation_type: 'expect_column_values_to_be_between', kwargs: { column: 'age', min_value: 18, max_value: 99, mostly: 0.9 } },
      { expectation_type: 'expect_column_values_to_be_of_type', kwargs: { column: 'age', type_: 'int' } },
    ] }));
    expect(json).toEqual(yaml);
    expect(yaml.expectations[1]).toEqual({ expect: 'column_type', column: 'age', type: 'integer' });
    expect(parseSuite(suiteToYaml(yaml))).toEqual(yaml);
    const quantiles = checkSuite({ name: 'q', expectations: [{ expectation_type: 'expect_column_quantile_values_to_be_between', kwargs: { column: 'x', quantile_ranges: { quantiles: [0.1, 0.9], value_ranges: [[0, 1], [5, 9]] } } }] });
    expect(quantiles.expectations).toEqual([
      { expect: 'quantile_between', column: 'x', quantile: 0.1, min: 0, max: 1 },
      { expect: 'quantile_between', column: 'x', quantile: 0.9, min: 5, max: 9 },
    ]);
  });

  it('names the expectation and the field of a mistake', () => {
    expect(refusal(() => parseSuite('expectations:\n  - { expect: between, column: a }\n'))).toBe("Expectation suite, expectation 1: give 'min', 'max' or both");
    expect(refusal(() => parseSuite('expectations:\n  - { expect: not_null, column: a }\n  - { expect: levitate, column: a }\n'))).toMatch(/^Expectation suite, expectation 2: unknown expectation 'levitate'/);
    expect(refusal(() => parseSuite('expectations:\n  - { expect: regex, column: a, pattern: "(" }\n'))).toMatch(/'pattern' is not a valid regular expression/);
    expect(refusal(() => parseSuite('expectations:\n  - { expect: not_null, column: a, mostly: 2 }\n'))).toMatch(/'mostly' must be between 0 and 1/);
    expect(refusal(() => parseSuite('expectations: 3'))).toMatch(/'expectations' must be a list/);
    expect(refusal(() => parseSuite('a: [b'))).toMatch(/not valid YAML or JSON/);
  });
});

describe('validating records (what a deployment applies to requests)', () => {
  const suite: ExpectationSuite = parseSuite(`
name: requests
expectations:
  - { expect: not_null, column: age }
  - { expect: between, column: age, min: 18, max: 100 }
  - { expect: in_set, column: state, values: [CA, TX, NY] }
  - { expect: regex, column: email, pattern: "^[^@]+@[^@]+$", mostly: 0.5 }
  - { expect: column_type, column: income, type: float }
  - { expect: unique, column: id }
  - { expect: row_count_between, min: 3 }
  - { expect: mean_between, column: age, min: 30, max: 40 }
`);
  const records = [
    { id: 1, age: 30, state: 'CA', email: 'a@x.io', income: 50_000 },
    { id: 2, age: 17, state: 'TX', email: 'nope', income: '61000.5' },
    { id: 3, age: null, state: 'WA', email: 'c@x.io', income: 'lots' },
    { id: 3, age: 45, state: 'NY', income: 70_000 },
  ];

  it('counts each expectation over the records and samples failing rows', async () => {
    const r = await validateRecords(suite, records);
    const byKind = Object.fromEntries(r.results.map((x) => [x.expectation.expect, x]));
    expect(byKind.not_null).toMatchObject({ success: false, element_count: 4, unexpected_count: 1, unexpected_percent: 25 });
    expect(byKind.between).toMatchObject({ success: false, unexpected_count: 1, missing_count: 1, unexpected_samples: [{ line: 2, value: 17 }] });
    expect(byKind.in_set!.unexpected_samples).toEqual([{ line: 3, value: 'WA' }]);
    // One of three emails fails: 67% match, above mostly 0.5.
    expect(byKind.regex).toMatchObject({ success: true, unexpected_count: 1, missing_count: 1 });
    expect(byKind.column_type).toMatchObject({ success: false, unexpected_samples: [{ line: 3, value: 'lots' }] });
    expect(byKind.unique).toMatchObject({ success: false, unexpected_samples: [{ line: 4, value: 3 }] });
    expect(byKind.row_count_between).toMatchObject({ success: true, observed: 4 });
    expect(byKind.mean_between!.observed).toBeCloseTo((30 + 17 + 45) / 3, 10);
    expect(r.statistics).toEqual({ evaluated: 8, successful: 3, failed: 5, success_percent: 37.5 });
    expect(r.failing_rows.map((f) => [f.line, f.failed])).toEqual([[2, [1, 3]], [3, [0, 2, 4]], [4, [5]]]);
    expect(r.failing_rows[1]!.row).toEqual({ id: 3, age: null, state: 'WA', email: 'c@x.io', income: 'lots' });
    const html = renderValidationHtml(r);
    expect(html).toContain('FAILED: requests');
    expect(html).not.toContain('<script');
  });

  it('checks one record at a time in constant memory, counting violations', () => {
    const checker = new RecordChecker(suite);
    expect(records.map((r) => checker.check(r))).toEqual([[], [1, 3], [0, 2, 4], []]);
    expect([checker.checked, checker.violations]).toEqual([4, 2]);
    expect(checker.failures).toEqual([1, 1, 1, 1, 1, 0, 0, 0]);
    // Markup in values is escaped in reports.
  });

  it('escapes values in the HTML report', async () => {
    const r = await validateRecords(parseSuite('expectations:\n  - { expect: in_set, column: s, values: [a] }\n'), [{ s: '<script>alert(1)</script>' }]);
    const html = renderValidationHtml(r);
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;');
  });
});
