import { aggregationKind, compileMatchers, quantileOf, type Aggregation, type AlertRule, type LabelMatcher } from './rule.js';
import { seriesKey, type HistogramSeries, type MetricSamples, type ScalarSeries } from './sampler.js';

/*
 * From kept samples to one value per alert: the arithmetic of PromQL's increase/rate,
 * histogram_quantile and *_over_time, on the samples of one window. Pure functions.
 */

/** The value of one series or group at one evaluation. */
export interface GroupValue {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** What one evaluation of a rule found: values per series or group, or why there are none. */
export interface RuleValues {
  readonly values: GroupValue[];
  readonly problem: string | null;
}

/** Index of the sample a window starting at `from` measures from: the newest at or before it, else the oldest. */
function baseline(t: readonly number[], from: number): number {
  let i = 0;
  while (i + 1 < t.length && t[i + 1]! <= from) i++;
  return i;
}

/** Increase of a counter over samples [s, end], counting through resets (a drop means it restarted at 0). */
export function counterIncrease(v: readonly number[], s: number, end = v.length - 1): number {
  let total = 0;
  for (let i = s + 1; i <= end; i++) {
    const d = v[i]! - v[i - 1]!;
    total += d >= 0 ? d : v[i]!;
  }
  return total;
}

/**
 * The q-quantile of observations given cumulative bucket counts, as Prometheus's
 * histogram_quantile: linear within the bucket holding the rank, the first bucket starting at 0,
 * and the highest finite bound when the rank falls in +Inf. NaN without observations.
 */
export function histogramQuantile(q: number, bounds: readonly number[], cumulative: ArrayLike<number>): number {
  const n = bounds.length;
  if (n === 0) return NaN;
  const total = cumulative[n - 1]!;
  if (!(total > 0)) return NaN;
  const rank = q * total;
  let b = 0;
  while (b < n - 1 && cumulative[b]! < rank) b++;
  if (bounds[b] === Infinity) return n >= 2 ? bounds[n - 2]! : NaN;
  const lower = b === 0 ? Math.min(0, bounds[0]!) : bounds[b - 1]!;
  const below = b === 0 ? 0 : cumulative[b - 1]!;
  const inBucket = cumulative[b]! - below;
  if (inBucket <= 0) return bounds[b]!;
  return lower + (bounds[b]! - lower) * ((rank - below) / inBucket);
}

const groupLabels = (labels: Readonly<Record<string, string>>, groupBy: readonly string[] | null): Record<string, string> => {
  if (groupBy === null) return { ...labels };
  const out: Record<string, string> = {};
  for (const l of groupBy) if (labels[l] !== undefined && labels[l] !== '') out[l] = labels[l]!;
  return out;
};

/** Series of a metric still exported at its last collection and matching the selector. */
function selected<T extends ScalarSeries | HistogramSeries>(m: MetricSamples, matchers: Readonly<Record<string, string | LabelMatcher>>): T[] {
  const match = compileMatchers(matchers);
  const out: T[] = [];
  for (const s of m.series.values()) if (s.seenAt === m.lastCollect && match(s.labels)) out.push(s as T);
  return out;
}

/** Per group: summed rate (per second) or increase of the matching counter series. */
function counterGroups(m: MetricSamples, matchers: Readonly<Record<string, string | LabelMatcher>>, aggregation: Aggregation, from: number, groupBy: readonly string[] | null): Map<string, GroupValue> {
  const groups = new Map<string, GroupValue>();
  for (const s of selected<ScalarSeries>(m, matchers)) {
    const start = baseline(s.t, from);
    const end = s.t.length - 1;
    if (end <= start) continue;
    const increase = counterIncrease(s.v, start, end);
    const value = aggregation === 'rate' ? increase / ((s.t[end]! - s.t[start]!) / 1000) : increase;
    const labels = groupLabels(s.labels, groupBy);
    const key = seriesKey(labels);
    const prev = groups.get(key);
    groups.set(key, { labels, value: (prev?.value ?? 0) + value });
  }
  return groups;
}

/** Per group: the quantile of the observations made in the window (bucket increases summed over series). */
function histogramGroups(m: MetricSamples, matchers: Readonly<Record<string, string | LabelMatcher>>, q: number, from: number, groupBy: readonly string[] | null): Map<string, GroupValue> {
  const sums = new Map<string, { labels: Record<string, string>; bounds: readonly number[]; counts: Float64Array }>();
  for (const s of selected<HistogramSeries>(m, matchers)) {
    const start = baseline(s.t, from);
    const end = s.t.length - 1;
    if (end <= start) continue;
    const a = s.counts[start]!;
    const b = s.counts[end]!;
    // Counts that went down mean the process restarted: everything counted since belongs to the window.
    const reset = b.some((c, i) => c < a[i]!);
    const labels = groupLabels(s.labels, groupBy);
    const key = seriesKey(labels);
    let g = sums.get(key);
    if (!g) sums.set(key, (g = { labels, bounds: s.bounds, counts: new Float64Array(s.bounds.length) }));
    if (g.bounds.join() !== s.bounds.join()) continue;
    for (let i = 0; i < b.length; i++) g.counts[i]! += reset ? b[i]! : b[i]! - a[i]!;
  }
  const out = new Map<string, GroupValue>();
  for (const [key, g] of sums) {
    const value = histogramQuantile(q, g.bounds, g.counts);
    if (!Number.isNaN(value)) out.set(key, { labels: g.labels, value });
  }
  return out;
}

/** Per group: last, avg, min or max of the gauge samples in the window (series combined alike; `last` sums). */
function gaugeGroups(m: MetricSamples, matchers: Readonly<Record<string, string | LabelMatcher>>, aggregation: Aggregation, from: number, groupBy: readonly string[] | null): Map<string, GroupValue> {
  const acc = new Map<string, { labels: Record<string, string>; values: number[] }>();
  for (const s of selected<ScalarSeries>(m, matchers)) {
    const inWindow: number[] = [];
    for (let i = 0; i < s.t.length; i++) if (s.t[i]! >= from && !Number.isNaN(s.v[i]!)) inWindow.push(s.v[i]!);
    if (inWindow.length === 0) continue;
    let value: number;
    if (aggregation === 'last') value = inWindow[inWindow.length - 1]!;
    else if (aggregation === 'avg') value = inWindow.reduce((a, b) => a + b, 0) / inWindow.length;
    else if (aggregation === 'min') value = Math.min(...inWindow);
    else value = Math.max(...inWindow);
    const labels = groupLabels(s.labels, groupBy);
    const key = seriesKey(labels);
    let g = acc.get(key);
    if (!g) acc.set(key, (g = { labels, values: [] }));
    g.values.push(value);
  }
  const out = new Map<string, GroupValue>();
  for (const [key, g] of acc) {
    let value: number;
    if (aggregation === 'last') value = g.values.reduce((a, b) => a + b, 0);
    else if (aggregation === 'avg') value = g.values.reduce((a, b) => a + b, 0) / g.values.length;
    else if (aggregation === 'min') value = Math.min(...g.values);
    else value = Math.max(...g.values);
    out.set(key, { labels: g.labels, value });
  }
  return out;
}

/**
 * One value per series (or per group of `group_by`) for a rule at time `now`, from the kept
 * samples of its metric (and of its denominator's). A ratio without group_by sums everything
 * into one value; a group the numerator has no series for counts as 0 (no errors is a 0% error rate).
 */
export function ruleValues(
  rule: Pick<AlertRule, 'metric' | 'labels' | 'aggregation' | 'denominator' | 'group_by'>, windowMs: number, now: number,
  numerator: MetricSamples | undefined, denominator?: MetricSamples,
): RuleValues {
  const from = now - windowMs;
  if (!numerator || numerator.lastCollect === null) return { values: [], problem: `${rule.metric} has not been sampled yet.` };
  if (numerator.problem) return { values: [], problem: numerator.problem };
  const wanted = aggregationKind(rule.aggregation);
  if (numerator.kind !== wanted && !(wanted === 'gauge' && numerator.kind === 'counter')) {
    return { values: [], problem: `${rule.metric} is a ${numerator.kind}; aggregation ${rule.aggregation} reads a ${wanted}.` };
  }
  if (wanted === 'histogram') return { values: [...histogramGroups(numerator, rule.labels, quantileOf(rule.aggregation)!, from, rule.group_by).values()], problem: null };
  if (wanted === 'gauge') return { values: [...gaugeGroups(numerator, rule.labels, rule.aggregation, from, rule.group_by).values()], problem: null };
  if (!rule.denominator) return { values: [...counterGroups(numerator, rule.labels, rule.aggregation, from, rule.group_by).values()], problem: null };

  if (!denominator || denominator.lastCollect === null) return { values: [], problem: `${rule.denominator.metric} has not been sampled yet.` };
  if (denominator.problem) return { values: [], problem: denominator.problem };
  if (denominator.kind !== 'counter') return { values: [], problem: `denominator ${rule.denominator.metric} is a ${denominator.kind}, not a counter.` };
  const groupBy = rule.group_by ?? [];
  const top = counterGroups(numerator, rule.labels, rule.aggregation, from, groupBy);
  const bottom = counterGroups(denominator, rule.denominator.labels, rule.aggregation, from, groupBy);
  const values: GroupValue[] = [];
  for (const [key, d] of bottom) {
    if (!(d.value > 0)) continue;
    values.push({ labels: d.labels, value: (top.get(key)?.value ?? 0) / d.value });
  }
  return { values, problem: null };
}
