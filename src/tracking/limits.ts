import { InvalidParameterError, missingParameter } from '../errors/index.js';
import type { LogBatchInput, MetricInput, RunStatus, Tag, ViewType } from './types.js';

/*
 * The limits MLflow's server enforces (section 7 of the compatibility spec), and the checks that
 * apply them. Every check throws InvalidParameterError naming the field, before anything is
 * written.
 */

export const LIMITS = Object.freeze({
  keyLength: 250,
  paramValue: 6000,
  runTagValue: 8000,
  experimentName: 500,
  experimentTagValue: 5000,
  runName: 250,
  batchMetrics: 1000,
  batchParams: 100,
  batchTags: 100,
  batchTotal: 1000,
  datasetName: 500,
  datasetDigest: 36,
  datasetSourceType: 36,
  datasetSource: 65_535,
  datasetSchema: 1_048_575,
  datasetProfile: 16_777_215,
  inputTagKey: 255,
  inputTagValue: 500,
  loggedModelName: 500,
  searchMaxResults: 50_000,
  bulkIntervalRuns: 100,
  bulkIntervalMaxResults: 2500,
});

/** The largest finite double; MLflow stores ±Infinity as ±this. */
export const MAX_DOUBLE = 1.7976931348623157e308;

// Letters and digits of any script, and `_ - . space / :` (MLflow's `^[/\w.\- :]*$`).
const KEY_CHARS = /^[\p{L}\p{N}_\-. /:]+$/u;

export const RUN_STATUSES: readonly RunStatus[] = ['RUNNING', 'SCHEDULED', 'FINISHED', 'FAILED', 'KILLED'];
export const VIEW_TYPES: readonly ViewType[] = ['ACTIVE_ONLY', 'DELETED_ONLY', 'ALL'];

type KeyKind = 'metric' | 'param' | 'tag';

/** Checks a metric, param or tag key: charset, length, and that it is a normalised relative path. */
export function checkKey(kind: KeyKind, key: unknown, field = 'key'): string {
  if (key === undefined || key === null) throw missingParameter(field);
  if (typeof key !== 'string') throw new InvalidParameterError(`Invalid ${kind} name ${JSON.stringify(key)} in '${field}': expected a string.`, field);
  if (!KEY_CHARS.test(key)) {
    throw new InvalidParameterError(
      `Invalid ${kind} name '${truncate(key)}' in '${field}'. Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colons (:) and slashes (/).`,
      field,
    );
  }
  // Keys become file names in some places; they must not resolve to another name.
  if (key.startsWith('/') || key.endsWith('/') || key.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new InvalidParameterError(
      `Invalid ${kind} name '${truncate(key)}' in '${field}'. Names may be treated as files in certain cases, and must not resolve to other names when treated as such.`,
      field,
    );
  }
  checkLength(`${kind} key`, key, LIMITS.keyLength, field);
  return key;
}

/** Throws when `value` is longer than `limit` characters. */
export function checkLength(what: string, value: string, limit: number, field: string): void {
  if (value.length > limit) {
    throw new InvalidParameterError(
      `'${field}' (${what}) had length ${value.length}, which exceeds the length limit of ${limit}.`,
      field,
    );
  }
}

/** A required string value. */
export function checkString(value: unknown, field: string, allowEmpty = true): string {
  if (value === undefined || value === null || (!allowEmpty && value === '')) throw missingParameter(field);
  if (typeof value !== 'string') throw new InvalidParameterError(`Invalid value ${JSON.stringify(value)} for '${field}': expected a string.`, field);
  // PostgreSQL cannot store NUL in text; refuse it on every engine alike.
  if (value.includes('\u0000')) throw new InvalidParameterError(`Invalid value for '${field}': it must not contain NUL characters.`, field);
  return value;
}

/** An optional string value with a length limit. */
export function checkOptionalString(value: unknown, field: string, limit: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  const s = checkString(value, field);
  checkLength(field, s, limit, field);
  return s;
}

/** A metric value given as a string: only MLflow's spellings of non-finite values (and numeric text). */
function nonFinite(value: unknown, key: string, field: string): number {
  if (value === undefined || value === null) throw missingParameter(field);
  if (typeof value === 'string') {
    const t = value.trim().toLowerCase();
    if (t === 'nan') return NaN;
    if (t === 'infinity' || t === 'inf' || t === '+infinity') return Infinity;
    if (t === '-infinity' || t === '-inf') return -Infinity;
    const n = Number(t);
    if (t !== '' && Number.isFinite(n)) return n;
  }
  throw new InvalidParameterError(`Invalid value ${JSON.stringify(value)} for metric '${key}' in '${field}': expected a number.`, field);
}

/** A non-negative safe integer (a number or an int64 in a numeric string). */
export function checkTimestamp(value: unknown, field: string): number {
  const n = checkInteger(value, field);
  if (n < 0) throw new InvalidParameterError(`Invalid value ${n} for '${field}': must be a non-negative number of milliseconds.`, field);
  return n;
}

/** A safe integer: a number or an int64 in a numeric string (MLflow clients send both). */
export function checkInteger(value: unknown, field: string): number {
  if (value === undefined || value === null) throw missingParameter(field);
  if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) value = Number(value);
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) {
    throw new InvalidParameterError(`Invalid value ${JSON.stringify(value)} for '${field}': expected an integer.`, field);
  }
  return value;
}

/** Checks one param and returns it; the value is up to 6000 characters. */
export function checkParam(p: Tag, field = 'params'): Tag {
  if (p === null || typeof p !== 'object') throw new InvalidParameterError(`Invalid param in '${field}': expected {key, value}.`, field);
  const key = checkKey('param', p.key, `${field}.key`);
  const value = checkString(p.value, `${field}.value`);
  checkLength(`param value of '${key}'`, value, LIMITS.paramValue, `${field}.value`);
  return { key, value };
}

/** Checks one run tag and returns it; the value is up to 8000 characters. */
export function checkRunTag(t: Tag, field = 'tags'): Tag {
  if (t === null || typeof t !== 'object') throw new InvalidParameterError(`Invalid tag in '${field}': expected {key, value}.`, field);
  const key = checkKey('tag', t.key, `${field}.key`);
  const value = checkString(t.value, `${field}.value`);
  checkLength(`tag value of '${key}'`, value, LIMITS.runTagValue, `${field}.value`);
  return { key, value };
}

/** Checks one experiment tag; the value is up to 5000 characters. */
export function checkExperimentTag(t: Tag, field = 'tags'): Tag {
  if (t === null || typeof t !== 'object') throw new InvalidParameterError(`Invalid tag in '${field}': expected {key, value}.`, field);
  const key = checkKey('tag', t.key, `${field}.key`);
  const value = checkString(t.value, `${field}.value`);
  checkLength(`experiment tag value of '${key}'`, value, LIMITS.experimentTagValue, `${field}.value`);
  return { key, value };
}

/** A metric point ready to store: ±Infinity clamped, NaN as a flag with value 0. */
export interface StoredPoint {
  readonly key: string;
  readonly value: number;
  readonly timestamp: number;
  readonly step: number;
  readonly is_nan: 0 | 1;
  readonly model_id: string | undefined;
  readonly dataset_name: string | undefined;
  readonly dataset_digest: string | undefined;
}

/** Checks a metric and converts it to its stored form. `keysSeen` avoids re-checking keys of one batch. */
export function toStoredPoint(m: MetricInput, field: string, keysSeen?: Set<string>): StoredPoint {
  if (m === null || typeof m !== 'object') throw new InvalidParameterError(`Invalid metric in '${field}': expected {key, value, timestamp, step}.`, field);
  const key = m.key;
  if (keysSeen === undefined || typeof key !== 'string' || !keysSeen.has(key)) {
    checkKey('metric', key, `${field}.key`);
    keysSeen?.add(key);
  }
  const raw = typeof m.value === 'number' ? m.value : nonFinite(m.value, key, `${field}.value`);
  const timestamp = checkTimestamp(m.timestamp, `${field}.timestamp`);
  const step = m.step === undefined || m.step === null ? 0 : checkInteger(m.step, `${field}.step`);
  const isNan = Number.isNaN(raw);
  const value = isNan ? 0 : raw === Infinity ? MAX_DOUBLE : raw === -Infinity ? -MAX_DOUBLE : raw;
  const model_id = m.model_id === undefined || m.model_id === null || m.model_id === '' ? undefined : checkOptionalString(m.model_id, `${field}.model_id`, 64);
  const dataset_name = m.dataset_name ? checkOptionalString(m.dataset_name, `${field}.dataset_name`, LIMITS.datasetName) : undefined;
  const dataset_digest = m.dataset_digest ? checkOptionalString(m.dataset_digest, `${field}.dataset_digest`, LIMITS.datasetDigest) : undefined;
  return { key, value, timestamp, step, is_nan: isNan ? 1 : 0, model_id, dataset_name, dataset_digest };
}

/** A checked batch: metrics in stored form, params and tags with unique keys. */
export interface CheckedBatch {
  readonly metrics: StoredPoint[];
  readonly params: Tag[];
  readonly tags: Tag[];
}

/** Applies every log-batch rule in one pass; throws on the first bad element. */
export function checkBatch(batch: LogBatchInput): CheckedBatch {
  const metrics = batch.metrics ?? [];
  const params = batch.params ?? [];
  const tags = batch.tags ?? [];
  for (const [name, list] of [['metrics', metrics], ['params', params], ['tags', tags]] as const) {
    if (!Array.isArray(list)) throw new InvalidParameterError(`'${name}' must be a list.`, name);
  }
  if (metrics.length > LIMITS.batchMetrics) throw batchLimit('metrics', LIMITS.batchMetrics, metrics.length);
  if (params.length > LIMITS.batchParams) throw batchLimit('params', LIMITS.batchParams, params.length);
  if (tags.length > LIMITS.batchTags) throw batchLimit('tags', LIMITS.batchTags, tags.length);
  const total = metrics.length + params.length + tags.length;
  if (total > LIMITS.batchTotal) {
    throw new InvalidParameterError(
      `A batch logging request can contain at most ${LIMITS.batchTotal} metrics, params and tags in total. Got ${total}. Please split up the data across multiple requests and try again.`,
      'metrics',
    );
  }
  const keysSeen = new Set<string>();
  const storedMetrics = new Array<StoredPoint>(metrics.length);
  for (let i = 0; i < metrics.length; i++) storedMetrics[i] = toStoredPoint(metrics[i], `metrics[${i}]`, keysSeen);
  const checkedParams = params.map((p, i) => checkParam(p, `params[${i}]`));
  const paramKeys = new Set<string>();
  const duplicates = new Set<string>();
  for (const p of checkedParams) (paramKeys.has(p.key) ? duplicates : paramKeys).add(p.key);
  if (duplicates.size > 0) {
    throw new InvalidParameterError(
      `Duplicate parameter keys have been submitted: ${[...duplicates].map((k) => `'${k}'`).join(', ')}. Please ensure the request contains only one param value per param key.`,
      'params',
    );
  }
  // The last value of a repeated tag key wins, as when the tags are set one by one.
  const tagMap = new Map<string, Tag>();
  tags.forEach((t, i) => {
    const checked = checkRunTag(t, `tags[${i}]`);
    tagMap.set(checked.key, checked);
  });
  return { metrics: storedMetrics, params: checkedParams, tags: [...tagMap.values()] };
}

function batchLimit(name: string, limit: number, got: number): InvalidParameterError {
  return new InvalidParameterError(
    `A batch logging request can contain at most ${limit} ${name}. Got ${got} ${name}. Please split up ${name} across multiple requests and try again.`,
    name,
  );
}

/** Checks `max_results` against a limit and applies the default. */
export function checkMaxResults(value: number | undefined, limit: number, fallback: number, field = 'max_results'): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1 || value > limit) {
    throw new InvalidParameterError(`Invalid value ${value} for parameter '${field}': it must be at most ${limit} and at least 1.`, field);
  }
  return value;
}

function truncate(s: string): string {
  return s.length > 100 ? `${s.slice(0, 100)}…` : s;
}
