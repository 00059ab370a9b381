import { sql, type Expression, type ExpressionBuilder, type SelectQueryBuilder, type SqlBool } from 'kysely';
import type { DbCapabilities } from '../db/index.js';
import { InvalidParameterError } from '../errors/index.js';
import type { FilterClause, OrderTerm } from '../search-filter/ast.js';

/*
 * Parsed search clauses compiled into parameterized Kysely SQL. Every user value is a bound
 * parameter; keys and comparators select between fixed fragments. Metric, param and tag clauses
 * join their table once per clause on (run_id, key), so the engine can drive the search from the
 * most selective index (latest_metrics (key, value) for metric ranges).
 */

// The search joins tables under generated aliases, which Kysely's static types cannot follow.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyQuery = SelectQueryBuilder<any, any, any>;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyEb = ExpressionBuilder<any, any>;

const RUN_STRING_ATTRIBUTES: Record<string, string> = {
  run_id: 'runs.run_id',
  run_name: 'runs.run_name',
  status: 'runs.status',
  user_id: 'runs.user_id',
  artifact_uri: 'runs.artifact_uri',
  lifecycle_stage: 'runs.lifecycle_stage',
};
const RUN_NUMERIC_ATTRIBUTES: Record<string, string> = {
  start_time: 'runs.start_time',
  end_time: 'runs.end_time',
  created: 'runs.start_time',
};

const FALSE = sql<SqlBool>`1 = 0`;
const TRUE = sql<SqlBool>`1 = 1`;

/** A string comparison of a column with a clause's value. */
function compareString(eb: AnyEb, ref: string, c: FilterClause, caps: DbCapabilities): Expression<SqlBool> {
  const v = c.value;
  switch (c.comparator) {
    case '=':
      return eb(ref, '=', asString(v, c));
    case '!=':
      return eb(ref, '<>', asString(v, c));
    case 'LIKE':
      return caps.like(eb.ref(ref), likePattern(v, c));
    case 'ILIKE':
      return caps.ilike(eb.ref(ref), likePattern(v, c));
    case 'IN':
    case 'NOT IN': {
      const list = Array.isArray(v) ? [...(v as readonly string[])] : [asString(v, c)];
      if (list.length === 0) return c.comparator === 'IN' ? FALSE : TRUE;
      return eb(ref, c.comparator === 'IN' ? 'in' : 'not in', list);
    }
    default:
      throw badComparator(c, "'=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'");
  }
}

// Integer columns hold epoch milliseconds and ids; beyond this no stored value can reach.
const INTEGER_LIMIT = 1e15;

/**
 * A comparison of an integer (bigint) column with any number, rewritten into an integer
 * comparison with the same meaning, because PostgreSQL refuses to cast 1.5 or 1e308 to bigint.
 */
function compareInteger(eb: AnyEb, ref: string, c: FilterClause): Expression<SqlBool> {
  const v = checkedNumber(c);
  const present = eb(ref, 'is not', null);
  if (v > INTEGER_LIMIT || v < -INTEGER_LIMIT) {
    const above = v > 0;
    switch (c.comparator) {
      case '=':
        return FALSE;
      case '!=':
        return present;
      case '>':
      case '>=':
        return above ? FALSE : present;
      case '<':
      case '<=':
        return above ? present : FALSE;
    }
  }
  switch (c.comparator) {
    case '=':
      return Number.isInteger(v) ? eb(ref, '=', v) : FALSE;
    case '!=':
      return Number.isInteger(v) ? eb(ref, '<>', v) : present;
    case '>':
      return eb(ref, '>', Math.floor(v));
    case '>=':
      return eb(ref, '>=', Math.ceil(v));
    case '<':
      return eb(ref, '<', Math.ceil(v));
    case '<=':
      return eb(ref, '<=', Math.floor(v));
    default:
      throw badComparator(c, "'=', '!=', '>', '>=', '<', '<='");
  }
}

function checkedNumber(c: FilterClause): number {
  const v = c.value;
  if (typeof v !== 'number' || Number.isNaN(v)) {
    throw new InvalidParameterError(`Invalid filter: '${c.key}' must be compared with a number, got ${JSON.stringify(v)}.`, 'filter');
  }
  return v;
}

/** A numeric comparison of a double column with a clause's value. */
function compareNumber(eb: AnyEb, ref: string, c: FilterClause): Expression<SqlBool> {
  const v = checkedNumber(c);
  switch (c.comparator) {
    case '=':
    case '>':
    case '>=':
    case '<':
    case '<=':
      return eb(ref, c.comparator, v);
    case '!=':
      return eb(ref, '<>', v);
    default:
      throw badComparator(c, "'=', '!=', '>', '>=', '<', '<='");
  }
}

// NaN is stored as a flag with value 0: it satisfies only '!='.
function compareMetric(eb: AnyEb, alias: string, c: FilterClause): Expression<SqlBool> {
  if (c.comparator === '!=') return eb.or([eb(`${alias}.is_nan`, '=', 1), compareNumber(eb, `${alias}.value`, c)]);
  return eb.and([eb(`${alias}.is_nan`, '=', 0), compareNumber(eb, `${alias}.value`, c)]);
}

function asString(v: FilterClause['value'], c: FilterClause): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  throw new InvalidParameterError(`Invalid filter: '${c.key}' ${c.comparator} needs a single quoted value.`, 'filter');
}

// A trailing lone backslash escapes nothing: PostgreSQL rejects such a pattern, so every engine does.
function likePattern(v: FilterClause['value'], c: FilterClause): string {
  const pattern = asString(v, c);
  const trailing = /\\+$/.exec(pattern)?.[0].length ?? 0;
  if (trailing % 2 === 1) {
    throw new InvalidParameterError(`Invalid ${c.comparator} pattern for '${c.key}': it must not end with a single backslash.`, 'filter');
  }
  return pattern;
}

function badComparator(c: FilterClause, allowed: string): InvalidParameterError {
  return new InvalidParameterError(
    `Invalid comparator '${c.comparator}' for ${c.entity} '${c.key}' in the filter; allowed: ${allowed}.`,
    'filter',
  );
}

function unknownKey(entity: string, key: string, allowed: readonly string[]): InvalidParameterError {
  return new InvalidParameterError(`Invalid ${entity} key '${key}' in search; valid keys are ${allowed.join(', ')}.`, 'filter');
}

function direction(t: { ascending: boolean }): 'asc' | 'desc' {
  return t.ascending ? 'asc' : 'desc';
}

/** Clauses whose inner join guarantees a present, non-NaN value that an order term can reuse. */
function reusableAlias(clauses: readonly FilterClause[], entity: OrderTerm['entity'], key: string): string | undefined {
  const i = clauses.findIndex((c) => c.entity === entity && c.key === key && c.comparator !== '!=');
  return i < 0 ? undefined : `f${i}`;
}

/** Applies a run filter and ordering (with MLflow's tie-breaks) to a query over `runs`. */
export function applyRunSearch<Q>(query: Q, clauses: readonly FilterClause[], order: readonly OrderTerm[], caps: DbCapabilities): Q {
  let q = query as unknown as AnyQuery;
  clauses.forEach((c, i) => {
    const alias = `f${i}`;
    switch (c.entity) {
      case 'metric':
        q = q
          .innerJoin(`latest_metrics as ${alias}`, (j) => j.onRef(`${alias}.run_id`, '=', 'runs.run_id').on(`${alias}.key`, '=', c.key))
          .where((eb) => compareMetric(eb, alias, c));
        break;
      case 'param':
      case 'tag': {
        const table = c.entity === 'param' ? 'params' : 'tags';
        // The inner join makes every comparison, '!=' included, require the key to exist.
        q = q
          .innerJoin(`${table} as ${alias}`, (j) => j.onRef(`${alias}.run_id`, '=', 'runs.run_id').on(`${alias}.key`, '=', c.key))
          .where((eb) => compareString(eb, `${alias}.value`, c, caps));
        break;
      }
      case 'attribute': {
        const s = RUN_STRING_ATTRIBUTES[c.key];
        const n = RUN_NUMERIC_ATTRIBUTES[c.key];
        if (s) q = q.where((eb) => compareString(eb, s, c, caps));
        else if (n) q = q.where((eb) => compareInteger(eb, n, c));
        else throw unknownKey('attribute', c.key, [...Object.keys(RUN_STRING_ATTRIBUTES), ...Object.keys(RUN_NUMERIC_ATTRIBUTES)]);
        break;
      }
      case 'dataset': {
        const col = { name: 'd.name', digest: 'd.digest', context: 'ri.context' }[c.key];
        if (!col) throw unknownKey('dataset', c.key, ['name', 'digest', 'context']);
        q = q.where((eb) =>
          eb.exists(
            eb
              .selectFrom('run_inputs as ri')
              .innerJoin('datasets as d', 'd.dataset_id', 'ri.dataset_id')
              .select(sql.lit(1).as('one'))
              .whereRef('ri.run_id', '=', 'runs.run_id')
              .where((inner) => compareString(inner, col, c, caps)),
          ),
        );
        break;
      }
    }
  });

  let byStartTime = false;
  let byRunId = false;
  order.forEach((t, i) => {
    const dir = direction(t);
    switch (t.entity) {
      case 'metric': {
        const reuse = reusableAlias(clauses, 'metric', t.key);
        if (reuse) {
          q = q.orderBy(`${reuse}.value`, dir);
          break;
        }
        const alias = `o${i}`;
        q = q.leftJoin(`latest_metrics as ${alias}`, (j) => j.onRef(`${alias}.run_id`, '=', 'runs.run_id').on(`${alias}.key`, '=', t.key));
        // Values first, then NaN, then runs without the metric, whatever the direction.
        q = q
          .orderBy(sql`CASE WHEN ${sql.ref(`${alias}.run_id`)} IS NULL THEN 2 WHEN ${sql.ref(`${alias}.is_nan`)} = 1 THEN 1 ELSE 0 END`)
          .orderBy(`${alias}.value`, dir);
        break;
      }
      case 'param':
      case 'tag': {
        const reuse = reusableAlias(clauses, t.entity, t.key);
        if (reuse) {
          q = q.orderBy(`${reuse}.value`, dir);
          break;
        }
        const alias = `o${i}`;
        const table = t.entity === 'param' ? 'params' : 'tags';
        q = q
          .leftJoin(`${table} as ${alias}`, (j) => j.onRef(`${alias}.run_id`, '=', 'runs.run_id').on(`${alias}.key`, '=', t.key))
          .orderBy(sql`CASE WHEN ${sql.ref(`${alias}.value`)} IS NULL THEN 1 ELSE 0 END`)
          .orderBy(`${alias}.value`, dir);
        break;
      }
      case 'attribute': {
        const col = RUN_STRING_ATTRIBUTES[t.key] ?? RUN_NUMERIC_ATTRIBUTES[t.key];
        if (!col) throw unknownKey('order_by attribute', t.key, [...Object.keys(RUN_STRING_ATTRIBUTES), ...Object.keys(RUN_NUMERIC_ATTRIBUTES)]);
        if (col === 'runs.start_time') byStartTime = true;
        if (col === 'runs.run_id') byRunId = true;
        if (col === 'runs.end_time') q = q.orderBy(sql`CASE WHEN runs.end_time IS NULL THEN 1 ELSE 0 END`);
        q = q.orderBy(col, dir);
        break;
      }
      default:
        throw new InvalidParameterError(`Invalid order_by entity '${t.entity}' for runs.`, 'order_by');
    }
  });
  if (!byStartTime) q = q.orderBy('runs.start_time', 'desc');
  if (!byRunId) q = q.orderBy('runs.run_id', 'asc');
  return q as unknown as Q;
}

const EXPERIMENT_STRING_ATTRIBUTES: Record<string, string> = { name: 'experiments.name' };
const EXPERIMENT_NUMERIC_ATTRIBUTES: Record<string, string> = {
  creation_time: 'experiments.creation_time',
  last_update_time: 'experiments.last_update_time',
  experiment_id: 'experiments.experiment_id',
};

/** Applies an experiment filter and ordering (default creation_time DESC, experiment_id ASC). */
export function applyExperimentSearch<Q>(query: Q, clauses: readonly FilterClause[], order: readonly OrderTerm[], caps: DbCapabilities): Q {
  let q = query as unknown as AnyQuery;
  clauses.forEach((c, i) => {
    const alias = `f${i}`;
    if (c.entity === 'tag') {
      q = q
        .innerJoin(`experiment_tags as ${alias}`, (j) => j.onRef(`${alias}.experiment_id`, '=', 'experiments.experiment_id').on(`${alias}.key`, '=', c.key))
        .where((eb) => compareString(eb, `${alias}.value`, c, caps));
    } else if (c.entity === 'attribute') {
      const s = EXPERIMENT_STRING_ATTRIBUTES[c.key];
      const n = EXPERIMENT_NUMERIC_ATTRIBUTES[c.key];
      if (s) q = q.where((eb) => compareString(eb, s, c, caps));
      else if (n) q = q.where((eb) => compareInteger(eb, n, c));
      else throw unknownKey('attribute', c.key, [...Object.keys(EXPERIMENT_STRING_ATTRIBUTES), ...Object.keys(EXPERIMENT_NUMERIC_ATTRIBUTES)]);
    } else {
      throw new InvalidParameterError(`Invalid filter on experiments: '${c.entity}' clauses are not supported; use attributes or tags.`, 'filter');
    }
  });
  let byCreation = false;
  let byId = false;
  order.forEach((t, i) => {
    const dir = direction(t);
    if (t.entity === 'tag') {
      const alias = `o${i}`;
      q = q
        .leftJoin(`experiment_tags as ${alias}`, (j) => j.onRef(`${alias}.experiment_id`, '=', 'experiments.experiment_id').on(`${alias}.key`, '=', t.key))
        .orderBy(sql`CASE WHEN ${sql.ref(`${alias}.value`)} IS NULL THEN 1 ELSE 0 END`)
        .orderBy(`${alias}.value`, dir);
      return;
    }
    const col = t.entity === 'attribute' ? (EXPERIMENT_STRING_ATTRIBUTES[t.key] ?? EXPERIMENT_NUMERIC_ATTRIBUTES[t.key]) : undefined;
    if (!col) throw unknownKey('order_by', t.key, ['name', 'experiment_id', 'creation_time', 'last_update_time']);
    if (col === 'experiments.creation_time') byCreation = true;
    if (col === 'experiments.experiment_id') byId = true;
    q = q.orderBy(col, dir);
  });
  if (!byCreation) q = q.orderBy('experiments.creation_time', 'desc');
  if (!byId) q = q.orderBy('experiments.experiment_id', 'asc');
  return q as unknown as Q;
}

const MODEL_STRING_ATTRIBUTES: Record<string, string> = {
  name: 'logged_models.name',
  model_id: 'logged_models.model_id',
  model_type: 'logged_models.model_type',
  status: 'logged_models.status',
  source_run_id: 'logged_models.source_run_id',
};
const MODEL_NUMERIC_ATTRIBUTES: Record<string, string> = {
  creation_timestamp: 'logged_models.creation_timestamp_ms',
  creation_time: 'logged_models.creation_timestamp_ms',
  creation_timestamp_ms: 'logged_models.creation_timestamp_ms',
  last_updated_timestamp: 'logged_models.last_updated_timestamp_ms',
  last_updated_time: 'logged_models.last_updated_timestamp_ms',
  last_updated_timestamp_ms: 'logged_models.last_updated_timestamp_ms',
};

/** Datasets that scope logged-model metric clauses and order terms. */
export type DatasetScope = readonly { dataset_name: string; dataset_digest?: string }[];

function scopeToDatasets(eb: AnyEb, alias: string, datasets: DatasetScope): Expression<SqlBool> {
  if (datasets.length === 0) return TRUE;
  return eb.or(
    datasets.map((d) =>
      d.dataset_digest
        ? eb.and([eb(`${alias}.dataset_name`, '=', d.dataset_name), eb(`${alias}.dataset_digest`, '=', d.dataset_digest)])
        : eb(`${alias}.dataset_name`, '=', d.dataset_name),
    ),
  );
}

/** One order term of a logged-model search: `metrics.<key>` (optionally dataset-scoped) or an attribute. */
export interface ModelOrderTerm {
  readonly field: string;
  readonly ascending: boolean;
  readonly datasets: DatasetScope;
}

/**
 * Applies a logged-model filter and ordering (default creation time DESC, model_id ASC). A metric
 * clause matches when any point of that metric (within the given datasets) satisfies it; ordering
 * by a metric uses its latest point.
 */
export function applyLoggedModelSearch<Q>(
  query: Q,
  clauses: readonly FilterClause[],
  order: readonly ModelOrderTerm[],
  datasets: DatasetScope,
  caps: DbCapabilities,
): Q {
  let q = query as unknown as AnyQuery;
  clauses.forEach((c, i) => {
    const alias = `f${i}`;
    switch (c.entity) {
      case 'metric':
        q = q.where((eb) =>
          eb.exists(
            eb
              .selectFrom(`logged_model_metrics as ${alias}`)
              .select(sql.lit(1).as('one'))
              .whereRef(`${alias}.model_id`, '=', 'logged_models.model_id')
              .where(`${alias}.key`, '=', c.key)
              .where((inner) => compareMetric(inner, alias, c))
              .where((inner) => scopeToDatasets(inner, alias, datasets)),
          ),
        );
        break;
      case 'param':
      case 'tag': {
        const table = c.entity === 'param' ? 'logged_model_params' : 'logged_model_tags';
        q = q
          .innerJoin(`${table} as ${alias}`, (j) => j.onRef(`${alias}.model_id`, '=', 'logged_models.model_id').on(`${alias}.key`, '=', c.key))
          .where((eb) => compareString(eb, `${alias}.value`, c, caps));
        break;
      }
      case 'attribute': {
        const s = MODEL_STRING_ATTRIBUTES[c.key];
        const n = MODEL_NUMERIC_ATTRIBUTES[c.key];
        if (s) q = q.where((eb) => compareString(eb, s, c, caps));
        else if (n) q = q.where((eb) => compareInteger(eb, n, c));
        else throw unknownKey('attribute', c.key, [...Object.keys(MODEL_STRING_ATTRIBUTES), 'creation_timestamp', 'last_updated_timestamp']);
        break;
      }
      default:
        throw new InvalidParameterError(`Invalid filter on logged models: '${c.entity}' clauses are not supported.`, 'filter');
    }
  });
  let byCreation = false;
  let byId = false;
  order.forEach((t, i) => {
    const dir = t.ascending ? 'asc' : 'desc';
    if (t.field.startsWith('metrics.')) {
      const key = t.field.slice('metrics.'.length);
      const alias = `o${i}`;
      const scope = t.datasets.length > 0 ? t.datasets : datasets;
      const latest = (eb: AnyEb) =>
        eb
          .selectFrom(`logged_model_metrics as ${alias}`)
          .select(sql`CASE WHEN ${sql.ref(`${alias}.is_nan`)} = 1 THEN NULL ELSE ${sql.ref(`${alias}.value`)} END`.as('v'))
          .whereRef(`${alias}.model_id`, '=', 'logged_models.model_id')
          .where(`${alias}.key`, '=', key)
          .where((inner) => scopeToDatasets(inner, alias, scope))
          .orderBy(`${alias}.timestamp`, 'desc')
          .orderBy(`${alias}.step`, 'desc')
          .limit(1);
      q = q.orderBy((eb) => sql`CASE WHEN (${latest(eb)}) IS NULL THEN 1 ELSE 0 END`).orderBy((eb) => latest(eb), dir);
      return;
    }
    const col = MODEL_STRING_ATTRIBUTES[t.field] ?? MODEL_NUMERIC_ATTRIBUTES[t.field];
    if (!col) throw unknownKey('order_by field_name', t.field, [...Object.keys(MODEL_STRING_ATTRIBUTES), 'creation_timestamp', 'last_updated_timestamp', 'metrics.<key>']);
    if (col === 'logged_models.creation_timestamp_ms') byCreation = true;
    if (col === 'logged_models.model_id') byId = true;
    q = q.orderBy(col, dir);
  });
  if (!byCreation) q = q.orderBy('logged_models.creation_timestamp_ms', 'desc');
  if (!byId) q = q.orderBy('logged_models.model_id', 'asc');
  return q as unknown as Q;
}
