import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { InvalidParameterError } from '../../errors/index.js';
import type { ColumnType } from '../types.js';
import type { Expectation, ExpectationKind, ExpectationSuite } from './types.js';

const KINDS: readonly ExpectationKind[] = [
  'column_exists', 'column_type', 'not_null', 'unique', 'between', 'in_set', 'regex', 'row_count_between', 'mean_between', 'median_between',
  'quantile_between', 'distribution_close_to',
];

/** Great Expectations' names of the same checks. */
const GE_NAMES: Readonly<Record<string, ExpectationKind>> = {
  expect_column_to_exist: 'column_exists',
  expect_column_values_to_be_of_type: 'column_type',
  expect_column_values_to_not_be_null: 'not_null',
  expect_column_values_to_be_unique: 'unique',
  expect_column_values_to_be_between: 'between',
  expect_column_values_to_be_in_set: 'in_set',
  expect_column_values_to_match_regex: 'regex',
  expect_table_row_count_to_be_between: 'row_count_between',
  expect_column_mean_to_be_between: 'mean_between',
  expect_column_median_to_be_between: 'median_between',
  expect_column_quantile_values_to_be_between: 'quantile_between',
};

const TYPE_NAMES: Readonly<Record<string, ColumnType>> = {
  integer: 'integer', int: 'integer', int32: 'integer', int64: 'integer', long: 'integer',
  float: 'float', float32: 'float', float64: 'float', double: 'float', number: 'float', numeric: 'float',
  boolean: 'boolean', bool: 'boolean',
  string: 'string', str: 'string', text: 'string', object: 'string',
};

type Raw = Record<string, unknown>;

function fail(where: string, problem: string): never {
  throw new InvalidParameterError(`Expectation suite, ${where}: ${problem}`, 'suite');
}

function str(raw: Raw, key: string, where: string, aliases: string[] = []): string {
  for (const k of [key, ...aliases]) {
    const v = raw[k];
    if (typeof v === 'string' && v !== '') return v;
  }
  return fail(where, `'${key}' must be a non-empty string`);
}

function num(raw: Raw, key: string, where: string, aliases: string[] = []): number | undefined {
  for (const k of [key, ...aliases]) {
    const v = raw[k];
    if (v === undefined || v === null) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) fail(where, `'${key}' must be a number`);
    return v;
  }
  return undefined;
}

function mostly(raw: Raw, where: string): { mostly?: number } {
  const m = num(raw, 'mostly', where);
  if (m === undefined) return {};
  if (m < 0 || m > 1) fail(where, "'mostly' must be between 0 and 1");
  return { mostly: m };
}

function range(raw: Raw, where: string): { min?: number; max?: number } {
  const min = num(raw, 'min', where, ['min_value']);
  const max = num(raw, 'max', where, ['max_value']);
  if (min === undefined && max === undefined) fail(where, "give 'min', 'max' or both");
  if (min !== undefined && max !== undefined && min > max) fail(where, `'min' ${min} is above 'max' ${max}`);
  return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
}

/** One expectation from its written form (ours, or Great Expectations' with `kwargs`). */
function parseExpectation(input: unknown, index: number): Expectation[] {
  const where = `expectation ${index + 1}`;
  if (input === null || typeof input !== 'object' || Array.isArray(input)) fail(where, 'must be an object');
  let raw = input as Raw;
  let kind = raw.expect ?? raw.expectation_type ?? raw.type_of_check;
  if (typeof raw.expectation_type === 'string' && raw.kwargs && typeof raw.kwargs === 'object') raw = { ...(raw.kwargs as Raw), expect: raw.expectation_type };
  if (typeof kind !== 'string') return fail(where, `needs 'expect' (one of ${KINDS.join(', ')})`);
  kind = GE_NAMES[kind] ?? kind;
  const column = () => str(raw, 'column', where);
  switch (kind as ExpectationKind) {
    case 'column_exists':
      return [{ expect: 'column_exists', column: column() }];
    case 'column_type': {
      const written = str(raw, 'type', where, ['type_']);
      const type = TYPE_NAMES[written.toLowerCase()];
      if (!type) fail(where, `unknown type '${written}' (integer, float, boolean or string)`);
      return [{ expect: 'column_type', column: column(), type: type!, ...mostly(raw, where) }];
    }
    case 'not_null':
    case 'unique':
      return [{ expect: kind as 'not_null', column: column(), ...mostly(raw, where) }];
    case 'between':
      return [{ expect: 'between', column: column(), ...range(raw, where), ...mostly(raw, where) }];
    case 'in_set': {
      const values = raw.values ?? raw.value_set;
      if (!Array.isArray(values) || values.length === 0 || !values.every((v) => ['string', 'number', 'boolean'].includes(typeof v))) {
        fail(where, "'values' must be a non-empty list of strings, numbers or booleans");
      }
      return [{ expect: 'in_set', column: column(), values: values as (string | number | boolean)[], ...mostly(raw, where) }];
    }
    case 'regex': {
      const pattern = str(raw, 'pattern', where, ['regex']);
      try {
        new RegExp(pattern, 'u');
      } catch (err) {
        fail(where, `'pattern' is not a valid regular expression (${(err as Error).message})`);
      }
      return [{ expect: 'regex', column: column(), pattern, ...mostly(raw, where) }];
    }
    case 'row_count_between':
      return [{ expect: 'row_count_between', ...range(raw, where) }];
    case 'mean_between':
    case 'median_between':
      return [{ expect: kind as 'mean_between', column: column(), ...range(raw, where) }];
    case 'quantile_between': {
      const ranges = raw.quantile_ranges as { quantiles?: unknown; value_ranges?: unknown } | undefined;
      if (ranges && Array.isArray(ranges.quantiles) && Array.isArray(ranges.value_ranges)) {
        const col = column();
        return ranges.quantiles.map((q, i) => {
          const [min, max] = (ranges.value_ranges as unknown[][])[i] ?? [];
          return parseExpectation({ expect: 'quantile_between', column: col, quantile: q, min, max }, index)[0]!;
        });
      }
      const quantile = num(raw, 'quantile', where);
      if (quantile === undefined || quantile < 0 || quantile > 1) fail(where, "'quantile' must be between 0 and 1");
      return [{ expect: 'quantile_between', column: column(), quantile: quantile!, ...range(raw, where) }];
    }
    case 'distribution_close_to': {
      const maxPsi = num(raw, 'max_psi', where, ['threshold']);
      const minP = num(raw, 'min_ks_p_value', where, ['min_p_value']);
      if (maxPsi !== undefined && maxPsi <= 0) fail(where, "'max_psi' must be above 0");
      if (minP !== undefined && (minP < 0 || minP > 1)) fail(where, "'min_ks_p_value' must be between 0 and 1");
      return [{
        expect: 'distribution_close_to', column: column(), reference: str(raw, 'reference', where),
        ...(maxPsi !== undefined ? { max_psi: maxPsi } : {}), ...(minP !== undefined ? { min_ks_p_value: minP } : {}),
      }];
    }
    default:
      return fail(where, `unknown expectation '${kind}' (one of ${KINDS.join(', ')}, or a Great Expectations name)`);
  }
}

/** Checks a suite given as a value (parsed JSON or YAML). */
export function checkSuite(input: unknown): ExpectationSuite {
  if (input === null || typeof input !== 'object' || Array.isArray(input)) fail('top level', 'must be an object with name and expectations');
  const raw = input as Raw;
  const name = raw.name ?? raw.expectation_suite_name ?? 'suite';
  if (typeof name !== 'string' || name === '') fail('top level', "'name' must be a string");
  if (!Array.isArray(raw.expectations)) fail('top level', "'expectations' must be a list");
  const expectations = (raw.expectations as unknown[]).flatMap((e, i) => parseExpectation(e, i));
  return { name: name as string, expectations };
}

/** Reads a suite from YAML or JSON text (JSON is YAML too). */
export function parseSuite(text: string): ExpectationSuite {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new InvalidParameterError(`Expectation suite is not valid YAML or JSON: ${(err as Error).message}`, 'suite');
  }
  return checkSuite(value);
}

/** The suite as YAML, the way a person would write it. */
export function suiteToYaml(suite: ExpectationSuite): string {
  return stringifyYaml(suite, { lineWidth: 0 });
}
