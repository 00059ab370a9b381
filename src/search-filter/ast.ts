/*
 * The parsed form of MLflow's search grammar, shared by every searchable resource (runs,
 * experiments, logged models, registered models, model versions). Parsing validates text into
 * these values; repositories compile them into parameterized SQL.
 */

/** Which part of a resource a clause addresses. */
export type FilterEntity = 'attribute' | 'metric' | 'param' | 'tag' | 'dataset';

export type Comparator = '=' | '!=' | '>' | '>=' | '<' | '<=' | 'LIKE' | 'ILIKE' | 'IN' | 'NOT IN';

/** One `<entity>.<key> <comparator> <value>` clause. Clauses of a filter are joined by AND. */
export interface FilterClause {
  readonly entity: FilterEntity;
  /** Attribute names are canonical (aliases such as `created` or `run name` already resolved). */
  readonly key: string;
  readonly comparator: Comparator;
  /** A number for numeric comparisons, a string for string ones, a list for IN / NOT IN. */
  readonly value: number | string | readonly string[];
}

/** One `order_by` term. */
export interface OrderTerm {
  readonly entity: FilterEntity;
  readonly key: string;
  readonly ascending: boolean;
}
