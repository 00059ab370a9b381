import { InvalidParameterError } from '../../errors/index.js';

/*
 * Alert rules, shaped like Prometheus alerting rules but written as data: a metric exported at
 * /metrics, label matchers, how samples over a window become one number per series or group,
 * a comparison with a threshold, and how long it must hold before the alert fires.
 */

export type Comparison = '>' | '>=' | '<' | '<=';
export type Severity = 'info' | 'warning' | 'critical';
export type MatchOp = '=' | '!=' | '=~' | '!~';

/** One label matcher, as in a Prometheus selector (`=~` and `!~` are anchored regular expressions). */
export interface LabelMatcher {
  readonly op: MatchOp;
  readonly value: string;
}

/**
 * How samples in the window become a value.
 * - counters: `rate` (per second) or `increase`;
 * - histograms: `pNN` (e.g. `p99`, `p99.9`), the quantile of the observations made during the window;
 * - gauges: `last`, `avg`, `min`, `max` of the samples in the window.
 */
export type Aggregation = 'rate' | 'increase' | 'last' | 'avg' | 'min' | 'max' | `p${string}`;

/** An alert rule as stored and returned (the webhook secret is never returned). */
export interface AlertRule {
  readonly name: string;
  readonly description: string;
  readonly metric: string;
  /** label name → exact value, or a matcher. */
  readonly labels: Readonly<Record<string, string | LabelMatcher>>;
  readonly aggregation: Aggregation;
  /** Counters only: the value is this rate (or increase) divided by the one of the denominator's series. */
  readonly denominator: { readonly metric: string; readonly labels: Readonly<Record<string, string | LabelMatcher>> } | null;
  /** Series are summed (counters, histograms) or combined (gauges) per value of these labels; null: one alert per series. */
  readonly group_by: readonly string[] | null;
  /** Duration text, e.g. `5m`. */
  readonly window: string;
  readonly comparison: Comparison;
  readonly threshold: number;
  /** How long the condition must hold before a pending alert fires (`0s`: at once). */
  readonly for: string;
  readonly severity: Severity;
  readonly webhooks: readonly string[];
  readonly webhook_secret_set: boolean;
  readonly enabled: boolean;
  readonly created_at: number;
  readonly updated_at: number;
  readonly created_by: string | null;
}

/** What a caller sends to create or replace a rule. */
export interface AlertRuleInput {
  readonly name?: unknown;
  readonly description?: unknown;
  readonly metric?: unknown;
  readonly labels?: unknown;
  readonly aggregation?: unknown;
  readonly denominator?: unknown;
  readonly group_by?: unknown;
  readonly window?: unknown;
  readonly comparison?: unknown;
  readonly threshold?: unknown;
  readonly for?: unknown;
  readonly severity?: unknown;
  readonly webhooks?: unknown;
  readonly webhook_secret?: unknown;
  readonly enabled?: unknown;
}

/** The validated definition of a rule (what is stored as its spec), plus its secret. */
export interface RuleDefinition {
  readonly spec: Omit<AlertRule, 'name' | 'webhook_secret_set' | 'created_at' | 'updated_at' | 'created_by'>;
  readonly name: string;
  /** undefined: not given (an update keeps the old one); null: none. */
  readonly webhook_secret: string | null | undefined;
}

const FIELDS = new Set([
  'name', 'description', 'metric', 'labels', 'aggregation', 'denominator', 'group_by', 'window', 'comparison', 'threshold', 'for', 'severity',
  'webhooks', 'webhook_secret', 'enabled',
]);
const READ_ONLY = new Set(['webhook_secret_set', 'created_at', 'updated_at', 'created_by', 'evaluation']);
const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const RULE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$/;
const COMPARISONS: readonly Comparison[] = ['>', '>=', '<', '<='];
const SEVERITIES: readonly Severity[] = ['info', 'warning', 'critical'];
const MATCH_OPS: readonly MatchOp[] = ['=', '!=', '=~', '!~'];
const MAX_WINDOW_MS = 7 * 24 * 3600_000;

const bad = (field: string, message: string) => new InvalidParameterError(`Invalid alert rule: '${field}' ${message}`, field);

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Milliseconds of a Prometheus-style duration (`90s`, `5m`, `1h30m`, `500ms`) or a number of seconds; null when malformed. */
export function parseDuration(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value * 1000) : null;
  if (typeof value !== 'string') return null;
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const re = /(\d+)(ms|s|m|h|d|w)/gy;
  let ms = 0;
  let end = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    ms += Number(m[1]) * UNITS[m[2]!]!;
    end = re.lastIndex;
  }
  return end === text.length && end > 0 ? ms : null;
}

/** The shortest duration text for milliseconds (`1h30m`, `45s`, `250ms`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const [unit, size] of [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000], ['ms', 1]] as const) {
    if (rest >= size) {
      out += `${Math.floor(rest / size)}${unit}`;
      rest %= size;
    }
  }
  return out;
}

/** The quantile a `pNN` aggregation asks for (p99 → 0.99), or null for other aggregations. */
export function quantileOf(aggregation: string): number | null {
  const m = /^p(\d{1,2}(?:\.\d+)?)$/.exec(aggregation);
  if (!m) return null;
  const q = Number(m[1]) / 100;
  return q > 0 && q < 1 ? q : null;
}

/** Which kind of metric an aggregation reads. */
export function aggregationKind(aggregation: Aggregation): 'counter' | 'histogram' | 'gauge' {
  if (aggregation === 'rate' || aggregation === 'increase') return 'counter';
  if (quantileOf(aggregation) !== null) return 'histogram';
  return 'gauge';
}

function parseMatchers(value: unknown, field: string): Record<string, string | LabelMatcher> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw bad(field, 'must be an object of label name → value or {op, value}.');
  const out: Record<string, string | LabelMatcher> = {};
  for (const [name, matcher] of Object.entries(value as Record<string, unknown>)) {
    const where = `${field}.${name}`;
    if (!LABEL_NAME.test(name)) throw bad(where, 'is not a valid label name (letters, digits and _, not starting with a digit).');
    if (typeof matcher === 'string') {
      out[name] = matcher;
      continue;
    }
    if (!matcher || typeof matcher !== 'object' || Array.isArray(matcher)) throw bad(where, 'must be a string or {op, value}.');
    const { op, value: v, ...rest } = matcher as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) throw bad(`${where}.${extra}`, 'is not a field of a label matcher (op, value).');
    if (typeof op !== 'string' || !MATCH_OPS.includes(op as MatchOp)) throw bad(`${where}.op`, `must be one of ${MATCH_OPS.join(' ')}.`);
    if (typeof v !== 'string') throw bad(`${where}.value`, 'must be a string.');
    if (op === '=~' || op === '!~') {
      try {
        new RegExp(`^(?:${v})$`);
      } catch {
        throw bad(`${where}.value`, `is not a valid regular expression: ${v}`);
      }
    }
    out[name] = op === '=' ? v : { op: op as MatchOp, value: v };
  }
  return out;
}

/**
 * Checks a rule as a caller sent it and returns its stored form. Every problem is a 400 that
 * names the field, so a person can fix a rule from the message alone.
 */
export function parseRule(input: AlertRuleInput, options: { name?: string } = {}): RuleDefinition {
  if (!input || typeof input !== 'object' || Array.isArray(input)) throw new InvalidParameterError('An alert rule must be a JSON object.');
  // What a GET answers may be sent back as it is: its read-only fields are ignored.
  for (const key of Object.keys(input)) if (!FIELDS.has(key) && !READ_ONLY.has(key)) throw bad(key, `is not a field of an alert rule (fields: ${[...FIELDS].join(', ')}).`);

  const name = options.name ?? input.name;
  if (options.name !== undefined && input.name !== undefined && input.name !== options.name) throw bad('name', `'${String(input.name)}' differs from the rule named in the path ('${options.name}').`);
  if (typeof name !== 'string' || name === '') throw bad('name', 'is required.');
  if (!RULE_NAME.test(name)) throw bad('name', 'must be 1–128 characters: letters, digits, _ . : - (starting with a letter or digit).');

  if (input.description !== undefined && typeof input.description !== 'string') throw bad('description', 'must be a string.');
  const description = (input.description as string | undefined) ?? '';
  if (description.length > 2000) throw bad('description', 'must be at most 2000 characters.');

  if (typeof input.metric !== 'string' || input.metric === '') throw bad('metric', 'is required: the name of a metric exported at /metrics.');
  if (!METRIC_NAME.test(input.metric)) throw bad('metric', `'${input.metric}' is not a valid Prometheus metric name.`);
  const metric = input.metric;

  const labels = parseMatchers(input.labels, 'labels');

  if (typeof input.aggregation !== 'string' || input.aggregation === '') {
    throw bad('aggregation', 'is required: rate or increase (counters), pNN such as p99 (histograms), last, avg, min or max (gauges).');
  }
  const aggregation = input.aggregation as Aggregation;
  if (!['rate', 'increase', 'last', 'avg', 'min', 'max'].includes(aggregation) && quantileOf(aggregation) === null) {
    throw bad('aggregation', `'${aggregation}' is not known: use rate or increase (counters), pNN such as p99 (histograms), last, avg, min or max (gauges).`);
  }

  let denominator: RuleDefinition['spec']['denominator'] = null;
  if (input.denominator !== undefined && input.denominator !== null) {
    const d = input.denominator;
    if (typeof d !== 'object' || Array.isArray(d)) throw bad('denominator', 'must be an object {metric?, labels?}.');
    const { metric: dm, labels: dl, ...rest } = d as Record<string, unknown>;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) throw bad(`denominator.${extra}`, 'is not a field of a denominator (metric, labels).');
    if (aggregationKind(aggregation) !== 'counter') throw bad('denominator', 'applies to counter aggregations only (rate, increase).');
    if (dm !== undefined && (typeof dm !== 'string' || !METRIC_NAME.test(dm))) throw bad('denominator.metric', 'must be a valid Prometheus metric name.');
    denominator = { metric: (dm as string | undefined) ?? metric, labels: parseMatchers(dl, 'denominator.labels') };
  }

  let groupBy: string[] | null = null;
  if (input.group_by !== undefined && input.group_by !== null) {
    if (!Array.isArray(input.group_by)) throw bad('group_by', 'must be a list of label names.');
    groupBy = [];
    for (const [i, l] of input.group_by.entries()) {
      if (typeof l !== 'string' || !LABEL_NAME.test(l)) throw bad(`group_by[${i}]`, 'must be a label name.');
      if (l === 'le') throw bad(`group_by[${i}]`, 'cannot be le: histogram buckets are combined by the quantile.');
      if (!groupBy.includes(l)) groupBy.push(l);
    }
  }

  const windowMs = input.window === undefined ? 300_000 : parseDuration(input.window);
  if (windowMs === null) throw bad('window', `'${String(input.window)}' is not a duration (e.g. 30s, 5m, 1h30m, or a number of seconds).`);
  if (windowMs < 1000 || windowMs > MAX_WINDOW_MS) throw bad('window', 'must be between 1s and 7d.');

  if (typeof input.comparison !== 'string' || !COMPARISONS.includes(input.comparison as Comparison)) {
    throw bad('comparison', `must be one of ${COMPARISONS.join(' ')}.`);
  }
  if (typeof input.threshold !== 'number' || !Number.isFinite(input.threshold)) throw bad('threshold', 'must be a finite number.');

  const forMs = input.for === undefined ? 0 : parseDuration(input.for);
  if (forMs === null) throw bad('for', `'${String(input.for)}' is not a duration (e.g. 0s, 2m).`);
  if (forMs > MAX_WINDOW_MS) throw bad('for', 'must be at most 7d.');

  const severity = input.severity ?? 'warning';
  if (typeof severity !== 'string' || !SEVERITIES.includes(severity as Severity)) throw bad('severity', `must be one of ${SEVERITIES.join(', ')}.`);

  const webhooks: string[] = [];
  if (input.webhooks !== undefined && input.webhooks !== null) {
    if (!Array.isArray(input.webhooks)) throw bad('webhooks', 'must be a list of URLs.');
    if (input.webhooks.length > 20) throw bad('webhooks', 'may list at most 20 URLs.');
    for (const [i, url] of input.webhooks.entries()) {
      if (typeof url !== 'string' || !/^https?:\/\//i.test(url)) throw bad(`webhooks[${i}]`, 'must be an http or https URL.');
      try {
        new URL(url);
      } catch {
        throw bad(`webhooks[${i}]`, `'${url}' is not a URL.`);
      }
      webhooks.push(url);
    }
  }

  let secret: string | null | undefined;
  if (input.webhook_secret === null) secret = null;
  else if (input.webhook_secret !== undefined) {
    if (typeof input.webhook_secret !== 'string' || input.webhook_secret.length < 8 || input.webhook_secret.length > 512) {
      throw bad('webhook_secret', 'must be a string of 8 to 512 characters.');
    }
    secret = input.webhook_secret;
  }

  if (input.enabled !== undefined && typeof input.enabled !== 'boolean') throw bad('enabled', 'must be true or false.');

  return {
    name,
    webhook_secret: secret,
    spec: {
      description, metric, labels, aggregation, denominator, group_by: groupBy, window: formatDuration(windowMs), comparison: input.comparison as Comparison,
      threshold: input.threshold, for: formatDuration(forMs), severity: severity as Severity, webhooks, enabled: (input.enabled as boolean | undefined) ?? true,
    },
  };
}

/** Whether a label set satisfies every matcher (a missing label reads as the empty string, as in Prometheus). */
export function compileMatchers(matchers: Readonly<Record<string, string | LabelMatcher>>): (labels: Readonly<Record<string, string>>) => boolean {
  const tests = Object.entries(matchers).map(([name, m]) => {
    const { op, value } = typeof m === 'string' ? { op: '=' as const, value: m } : m;
    if (op === '=') return (l: Readonly<Record<string, string>>) => (l[name] ?? '') === value;
    if (op === '!=') return (l: Readonly<Record<string, string>>) => (l[name] ?? '') !== value;
    const re = new RegExp(`^(?:${value})$`);
    return op === '=~' ? (l: Readonly<Record<string, string>>) => re.test(l[name] ?? '') : (l: Readonly<Record<string, string>>) => !re.test(l[name] ?? '');
  });
  return (labels) => tests.every((t) => t(labels));
}

/** Whether a value meets the rule's condition (NaN never does). */
export function meets(value: number, comparison: Comparison, threshold: number): boolean {
  if (Number.isNaN(value)) return false;
  switch (comparison) {
    case '>': return value > threshold;
    case '>=': return value >= threshold;
    case '<': return value < threshold;
    case '<=': return value <= threshold;
  }
}
