/**
 * MLflow's search grammar, shared by every searchable resource: filters (clauses joined by AND)
 * and order_by terms are parsed and validated here; repositories compile the result to SQL.
 */
export { parseFilter, parseOrderBy } from './parse.js';
export {
  RUN_SEARCH,
  EXPERIMENT_SEARCH,
  REGISTERED_MODEL_SEARCH,
  MODEL_VERSION_SEARCH,
  LOGGED_MODEL_SEARCH,
  type SearchGrammar,
  type AttributeRule,
} from './grammars.js';
export type { FilterClause, OrderTerm, FilterEntity, Comparator } from './ast.js';
export { encodePageToken, decodePageToken } from './page-token.js';
