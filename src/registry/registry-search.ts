import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import type { DbCapabilities } from '../db/index.js';
import type { FilterClause } from '../search-filter/index.js';

// Joins under fixed aliases that Kysely's static types cannot follow.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyEb = ExpressionBuilder<any, any>;

/** The tag MLflow uses to mark prompts; its `!=` matches models that lack it. */
const PROMPT_TAG = 'mlflow.prompt.is_prompt';

function compareValue(eb: AnyEb, ref: string, c: FilterClause, caps: DbCapabilities): Expression<SqlBool> {
  const v = c.value;
  switch (c.comparator) {
    case '=':
      return eb(ref, '=', v as string | number);
    case '!=':
      return eb(ref, '<>', v as string | number);
    case '>':
    case '>=':
    case '<':
    case '<=':
      return eb(ref, c.comparator, v as number);
    case 'LIKE':
      return caps.like(eb.ref(ref), String(v));
    case 'ILIKE':
      return caps.ilike(eb.ref(ref), String(v));
    case 'IN':
    case 'NOT IN': {
      const list = [...(v as readonly string[])];
      if (list.length === 0) return c.comparator === 'IN' ? sql<SqlBool>`1 = 0` : sql<SqlBool>`1 = 1`;
      return eb(ref, c.comparator === 'IN' ? 'in' : 'not in', list);
    }
  }
}

/**
 * One registered-model or model-version clause as SQL. `owner` is the alias of the searched
 * table; tags are matched with EXISTS on `tagTable` joined by `tagJoin` columns.
 */
export function registryClause(
  eb: AnyEb,
  c: FilterClause,
  caps: DbCapabilities,
  columns: Readonly<Record<string, string>>,
  tagTable: 'registered_model_tags' | 'model_version_tags',
): Expression<SqlBool> {
  if (c.entity === 'tag') {
    const joinVersion = tagTable === 'model_version_tags';
    const tagRows = (valueCondition: (inner: AnyEb) => Expression<SqlBool>) =>
      eb.exists(
        eb
          .selectFrom(`${tagTable} as t`)
          .select(sql`1`.as('one'))
          .where((inner: AnyEb) =>
            inner.and([
              inner('t.name', '=', inner.ref(joinVersion ? 'mv.name' : 'rm.name')),
              ...(joinVersion ? [inner('t.version', '=', inner.ref('mv.version'))] : []),
              inner('t.key', '=', c.key),
              valueCondition(inner),
            ]),
          ),
      );
    if (c.key === PROMPT_TAG && c.comparator === '!=') {
      return eb.not(tagRows((inner) => inner('t.value', '=', c.value as string)));
    }
    return tagRows((inner) => compareValue(inner, 't.value', c, caps));
  }
  return compareValue(eb, columns[c.key], c, caps);
}
