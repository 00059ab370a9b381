import type { Comparator, FilterEntity } from './ast.js';

/** How one attribute can be compared. */
export interface AttributeRule {
  readonly type: 'string' | 'numeric';
  readonly comparators: readonly Comparator[];
}

/** What a search over one kind of resource accepts, in filters and in order_by. */
export interface SearchGrammar {
  /** Plural resource name, for messages ("runs"). */
  readonly resource: string;
  /** Entities allowed in filters besides attributes. */
  readonly entities: readonly FilterEntity[];
  /** Canonical attribute names and their rules. */
  readonly attributes: Readonly<Record<string, AttributeRule>>;
  /** Alternative spellings of attributes, mapped to canonical names. */
  readonly attributeAliases: Readonly<Record<string, string>>;
  /** Comparators of param and tag clauses. */
  readonly keyValueComparators: readonly Comparator[];
  /** Dataset keys (runs only). */
  readonly datasetKeys: readonly string[];
  /** Entities allowed in order_by besides attributes. */
  readonly orderEntities: readonly FilterEntity[];
  /** Canonical attribute names allowed in order_by. */
  readonly orderAttributes: readonly string[];
}

const NUMERIC: readonly Comparator[] = ['=', '!=', '>', '>=', '<', '<='];
const STRING: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE'];
const STRING_IN: readonly Comparator[] = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];

/** Runs: `metrics.`, `params.`, `tags.`, `attributes.` and `datasets.` clauses. */
export const RUN_SEARCH: SearchGrammar = Object.freeze<SearchGrammar>({
  resource: 'runs',
  entities: ['metric', 'param', 'tag', 'dataset'],
  attributes: {
    run_id: { type: 'string', comparators: STRING_IN },
    run_name: { type: 'string', comparators: STRING },
    status: { type: 'string', comparators: STRING },
    user_id: { type: 'string', comparators: STRING },
    artifact_uri: { type: 'string', comparators: STRING },
    start_time: { type: 'numeric', comparators: NUMERIC },
    end_time: { type: 'numeric', comparators: NUMERIC },
  },
  attributeAliases: { 'run name': 'run_name', created: 'start_time' },
  keyValueComparators: STRING,
  datasetKeys: ['name', 'digest', 'context'],
  orderEntities: ['metric', 'param', 'tag'],
  orderAttributes: ['run_id', 'run_name', 'status', 'user_id', 'artifact_uri', 'start_time', 'end_time'],
});

/** Experiments: `name`, times and `tags.`. */
export const EXPERIMENT_SEARCH: SearchGrammar = Object.freeze<SearchGrammar>({
  resource: 'experiments',
  entities: ['tag'],
  attributes: {
    name: { type: 'string', comparators: STRING },
    creation_time: { type: 'numeric', comparators: NUMERIC },
    last_update_time: { type: 'numeric', comparators: NUMERIC },
  },
  attributeAliases: {},
  keyValueComparators: STRING,
  datasetKeys: [],
  orderEntities: [],
  orderAttributes: ['name', 'experiment_id', 'creation_time', 'last_update_time'],
});

/** Registered models: `name` and `tags.`. */
export const REGISTERED_MODEL_SEARCH: SearchGrammar = Object.freeze<SearchGrammar>({
  resource: 'registered models',
  entities: ['tag'],
  attributes: { name: { type: 'string', comparators: STRING_IN } },
  attributeAliases: { timestamp: 'creation_timestamp' },
  keyValueComparators: STRING,
  datasetKeys: [],
  orderEntities: [],
  orderAttributes: ['name', 'creation_timestamp', 'last_updated_timestamp'],
});

/** Model versions: `name`, `run_id`, `source` (alias `source_path`), `version_number`, `tags.`. */
export const MODEL_VERSION_SEARCH: SearchGrammar = Object.freeze<SearchGrammar>({
  resource: 'model versions',
  entities: ['tag'],
  attributes: {
    name: { type: 'string', comparators: STRING_IN },
    run_id: { type: 'string', comparators: STRING_IN },
    source: { type: 'string', comparators: STRING_IN },
    version_number: { type: 'numeric', comparators: NUMERIC },
  },
  attributeAliases: { source_path: 'source', timestamp: 'creation_timestamp' },
  keyValueComparators: STRING,
  datasetKeys: [],
  orderEntities: [],
  orderAttributes: ['name', 'version_number', 'creation_timestamp', 'last_updated_timestamp'],
});

/** Logged models (MLflow 3): attributes, `metrics.`, `params.`, `tags.`. */
export const LOGGED_MODEL_SEARCH: SearchGrammar = Object.freeze<SearchGrammar>({
  resource: 'logged models',
  entities: ['metric', 'param', 'tag'],
  attributes: {
    name: { type: 'string', comparators: STRING_IN },
    model_id: { type: 'string', comparators: STRING_IN },
    model_type: { type: 'string', comparators: STRING_IN },
    status: { type: 'string', comparators: STRING_IN },
    source_run_id: { type: 'string', comparators: STRING_IN },
    creation_timestamp: { type: 'numeric', comparators: NUMERIC },
    last_updated_timestamp: { type: 'numeric', comparators: NUMERIC },
  },
  attributeAliases: { creation_time: 'creation_timestamp', last_updated_time: 'last_updated_timestamp' },
  keyValueComparators: STRING,
  datasetKeys: [],
  orderEntities: ['metric', 'param', 'tag'],
  orderAttributes: ['name', 'model_id', 'creation_timestamp', 'last_updated_timestamp'],
});
