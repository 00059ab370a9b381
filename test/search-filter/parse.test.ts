import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { InvalidParameterError } from '../../src/errors/index.js';
import {
  parseFilter,
  parseOrderBy,
  RUN_SEARCH,
  EXPERIMENT_SEARCH,
  REGISTERED_MODEL_SEARCH,
  MODEL_VERSION_SEARCH,
  LOGGED_MODEL_SEARCH,
  type FilterClause,
} from '../../src/search-filter/index.js';

describe('parseFilter for runs', () => {
  it.each<[string, FilterClause[]]>([
    ['', []],
    ['   ', []],
    [
      "metrics.auc > 0.8 and params.model = 'gbdt'",
      [
        { entity: 'metric', key: 'auc', comparator: '>', value: 0.8 },
        { entity: 'param', key: 'model', comparator: '=', value: 'gbdt' },
      ],
    ],
    ["metric.loss <= -1.5e-3", [{ entity: 'metric', key: 'loss', comparator: '<=', value: -0.0015 }]],
    ['metrics.train.loss != 2', [{ entity: 'metric', key: 'train.loss', comparator: '!=', value: 2 }]],
    ["param.a = 'x'", [{ entity: 'param', key: 'a', comparator: '=', value: 'x' }]],
    ["parameter.a LIKE 'x%'", [{ entity: 'param', key: 'a', comparator: 'LIKE', value: 'x%' }]],
    ["parameters.a ilike 'X%'", [{ entity: 'param', key: 'a', comparator: 'ILIKE', value: 'X%' }]],
    ["params.`learning-rate` = '0.1'", [{ entity: 'param', key: 'learning-rate', comparator: '=', value: '0.1' }]],
    ['tags."user-name" = \'ana\'', [{ entity: 'tag', key: 'user-name', comparator: '=', value: 'ana' }]],
    ["tag.`mlflow.runName` <> 'x'", [{ entity: 'tag', key: 'mlflow.runName', comparator: '!=', value: 'x' }]],
    ["tags.note = 'it''s'", [{ entity: 'tag', key: 'note', comparator: '=', value: "it's" }]],
    ["attributes.status = 'FINISHED'", [{ entity: 'attribute', key: 'status', comparator: '=', value: 'FINISHED' }]],
    ["attribute.user_id = 'u'", [{ entity: 'attribute', key: 'user_id', comparator: '=', value: 'u' }]],
    ["attr.artifact_uri LIKE 'mlflow-artifacts:%'", [{ entity: 'attribute', key: 'artifact_uri', comparator: 'LIKE', value: 'mlflow-artifacts:%' }]],
    ["run.run_name = 'r'", [{ entity: 'attribute', key: 'run_name', comparator: '=', value: 'r' }]],
    ["status = 'RUNNING'", [{ entity: 'attribute', key: 'status', comparator: '=', value: 'RUNNING' }]],
    ["attributes.`Run name` = 'r'", [{ entity: 'attribute', key: 'run_name', comparator: '=', value: 'r' }]],
    ["`Run Name` = 'r'", [{ entity: 'attribute', key: 'run_name', comparator: '=', value: 'r' }]],
    ["`run name` = 'r'", [{ entity: 'attribute', key: 'run_name', comparator: '=', value: 'r' }]],
    ['created > 1000', [{ entity: 'attribute', key: 'start_time', comparator: '>', value: 1000 }]],
    ['Created >= 1000', [{ entity: 'attribute', key: 'start_time', comparator: '>=', value: 1000 }]],
    ['attributes.end_time < 5', [{ entity: 'attribute', key: 'end_time', comparator: '<', value: 5 }]],
    ["attributes.run_id IN ('a', 'b')", [{ entity: 'attribute', key: 'run_id', comparator: 'IN', value: ['a', 'b'] }]],
    ["run_id not in ('a')", [{ entity: 'attribute', key: 'run_id', comparator: 'NOT IN', value: ['a'] }]],
    ["datasets.digest IN ('d1', 'd2')", [{ entity: 'dataset', key: 'digest', comparator: 'IN', value: ['d1', 'd2'] }]],
    ["dataset.context = 'train'", [{ entity: 'dataset', key: 'context', comparator: '=', value: 'train' }]],
    ['params.a = "double"', [{ entity: 'param', key: 'a', comparator: '=', value: 'double' }]],
    [
      "metrics.a=1 AND metrics.b>=2 AnD params.c='3'",
      [
        { entity: 'metric', key: 'a', comparator: '=', value: 1 },
        { entity: 'metric', key: 'b', comparator: '>=', value: 2 },
        { entity: 'param', key: 'c', comparator: '=', value: '3' },
      ],
    ],
  ])('%s', (text, expected) => {
    expect(parseFilter(text, RUN_SEARCH)).toEqual(expected);
  });

  it.each([
    ["metrics.auc > 'x'", 'must be compared with a number'],
    ['params.a = 1', 'quoted string'],
    ["tags.a > 'x'", "invalid comparator '>'"],
    ["metrics.a = 1 OR metrics.b = 2", 'OR is not supported'],
    ['metrics.auc >', 'expected a number or a quoted string'],
    ["run_id IN 'a'", 'parenthesized list'],
    ["run_id IN ('a' 'b')", "expected ',' or ')'"],
    ["status > 'x'", "invalid comparator '>' for attribute 'status'"],
    ["run_name IN ('a')", "invalid comparator 'IN' for attribute 'run_name'"],
    ["foo.bar = 'x'", "unknown entity 'foo'"],
    ["nothing = 'x'", "unknown attribute 'nothing'"],
    ["start_time = 'x'", "attribute 'start_time' must be compared with a number"],
    ["'unclosed", 'never closed'],
    ["metrics.a = 1 params.b = 'c'", 'expected AND'],
    ['metrics. = 1', 'expected a key'],
    ['metrics.a # 1', "unexpected character '#'"],
    ["datasets.size = 'x'", "unknown dataset attribute 'size'"],
    ['metrics.a = 1abc', 'neither a number nor a quoted string'],
  ])('refuses %s', (text, message) => {
    expect(() => parseFilter(text, RUN_SEARCH)).toThrow(InvalidParameterError);
    expect(() => parseFilter(text, RUN_SEARCH)).toThrow(message);
  });
});

describe('parseFilter for other resources', () => {
  it('experiments accept name, times and tags only', () => {
    expect(parseFilter("name LIKE 'exp%' and tags.team = 'a' and creation_time > 5", EXPERIMENT_SEARCH)).toEqual([
      { entity: 'attribute', key: 'name', comparator: 'LIKE', value: 'exp%' },
      { entity: 'tag', key: 'team', comparator: '=', value: 'a' },
      { entity: 'attribute', key: 'creation_time', comparator: '>', value: 5 },
    ]);
    expect(() => parseFilter('metrics.a > 1', EXPERIMENT_SEARCH)).toThrow('not supported when searching experiments');
  });

  it("registered models accept MLflow's prompt-exclusion clause", () => {
    expect(parseFilter("name = 'm' AND tag.`mlflow.prompt.is_prompt` != 'true'", REGISTERED_MODEL_SEARCH)).toEqual([
      { entity: 'attribute', key: 'name', comparator: '=', value: 'm' },
      { entity: 'tag', key: 'mlflow.prompt.is_prompt', comparator: '!=', value: 'true' },
    ]);
    expect(parseFilter("name IN ('a','b')", REGISTERED_MODEL_SEARCH)[0].value).toEqual(['a', 'b']);
  });

  it('model versions resolve source_path to source', () => {
    expect(parseFilter("source_path = 'runs:/x/model' and version_number >= 2", MODEL_VERSION_SEARCH)).toEqual([
      { entity: 'attribute', key: 'source', comparator: '=', value: 'runs:/x/model' },
      { entity: 'attribute', key: 'version_number', comparator: '>=', value: 2 },
    ]);
  });

  it('logged models accept metrics, params and time aliases', () => {
    expect(parseFilter("metrics.acc > 0.5 and creation_time > 1 and status = 'LOGGED_MODEL_READY'", LOGGED_MODEL_SEARCH)).toEqual([
      { entity: 'metric', key: 'acc', comparator: '>', value: 0.5 },
      { entity: 'attribute', key: 'creation_timestamp', comparator: '>', value: 1 },
      { entity: 'attribute', key: 'status', comparator: '=', value: 'LOGGED_MODEL_READY' },
    ]);
  });
});

describe('parseOrderBy', () => {
  it('reads entities, quoting, directions and aliases', () => {
    expect(parseOrderBy(['metrics.auc DESC', 'start_time', 'params.`a b` asc', 'Created DESC', 'tags.x'], RUN_SEARCH)).toEqual([
      { entity: 'metric', key: 'auc', ascending: false },
      { entity: 'attribute', key: 'start_time', ascending: true },
      { entity: 'param', key: 'a b', ascending: true },
      { entity: 'attribute', key: 'start_time', ascending: false },
      { entity: 'tag', key: 'x', ascending: true },
    ]);
    expect(parseOrderBy(['timestamp DESC'], REGISTERED_MODEL_SEARCH)).toEqual([
      { entity: 'attribute', key: 'creation_timestamp', ascending: false },
    ]);
  });

  it.each([
    [['metrics.auc sideways'], 'expected ASC or DESC'],
    [['nope'], "cannot order runs by 'nope'"],
    [[''], 'empty'],
    [['metrics.a DESC extra'], 'expected ASC or DESC'],
  ])('refuses %o', (items, message) => {
    expect(() => parseOrderBy(items, RUN_SEARCH)).toThrow(message);
  });

  it('refuses metric ordering where a resource has no metrics', () => {
    expect(() => parseOrderBy(['metrics.a'], EXPERIMENT_SEARCH)).toThrow('cannot be ordered by metrics');
  });
});

// Printing a clause list back to text must give the same clauses.
const key = fc.stringMatching(/^[A-Za-z0-9_ .:/-]{1,12}$/).filter((k) => k.trim() === k && k !== '');
const str = fc.string({ maxLength: 10 });
// Backslash escapes the next character, as in SQL strings MLflow's parser accepts.
const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "''")}'`;
const clause = fc.oneof(
  fc.record({ entity: fc.constant('metric' as const), key, comparator: fc.constantFrom('=', '!=', '>', '>=', '<', '<=') as fc.Arbitrary<FilterClause['comparator']>, value: fc.double({ noNaN: true, noDefaultInfinity: true }) }),
  fc.record({ entity: fc.constantFrom('param' as const, 'tag' as const), key, comparator: fc.constantFrom('=', '!=', 'LIKE', 'ILIKE') as fc.Arbitrary<FilterClause['comparator']>, value: str }),
  fc.record({ entity: fc.constant('attribute' as const), key: fc.constant('run_id'), comparator: fc.constantFrom('IN', 'NOT IN') as fc.Arbitrary<FilterClause['comparator']>, value: fc.array(str, { minLength: 1, maxLength: 3 }) }),
  fc.record({ entity: fc.constant('attribute' as const), key: fc.constant('start_time'), comparator: fc.constantFrom('=', '>', '<=') as fc.Arbitrary<FilterClause['comparator']>, value: fc.integer({ min: -1e12, max: 1e12 }) }),
);
const PREFIX = { metric: 'metrics', param: 'params', tag: 'tags', attribute: 'attributes', dataset: 'datasets' } as const;
function print(c: FilterClause): string {
  const value = Array.isArray(c.value) ? `(${c.value.map(quote).join(', ')})` : typeof c.value === 'number' ? String(c.value) : quote(c.value as string);
  return `${PREFIX[c.entity]}.\`${c.key}\` ${c.comparator} ${value}`;
}

describe('parseFilter properties', () => {
  it('parses a printed clause list back to the same clauses', () => {
    fc.assert(
      fc.property(fc.array(clause, { minLength: 1, maxLength: 4 }), (clauses) => {
        const parsed = parseFilter(clauses.map(print).join(' AND '), RUN_SEARCH);
        expect(parsed).toEqual(clauses.map((c) => (Object.is(c.value, -0) ? { ...c, value: 0 } : c)));
      }),
      { numRuns: 300 },
    );
  });

  it('throws nothing but InvalidParameterError on any text', () => {
    const mutated = fc.tuple(fc.array(clause, { minLength: 1, maxLength: 3 }), fc.nat(), fc.string({ maxLength: 3 })).map(([cs, at, junk]) => {
      const text = cs.map(print).join(' and ');
      const i = at % (text.length + 1);
      return text.slice(0, i) + junk + text.slice(i + 1);
    });
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'grapheme' }), mutated), (text) => {
        for (const grammar of [RUN_SEARCH, REGISTERED_MODEL_SEARCH]) {
          try {
            parseFilter(text, grammar);
            parseOrderBy([text], grammar);
          } catch (err) {
            if (!(err instanceof InvalidParameterError)) throw err;
          }
        }
      }),
      { numRuns: 2000 },
    );
  });
});
