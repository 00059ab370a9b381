import type { Registry } from 'prom-client';

/*
 * Samples of the metrics alert rules read, taken from the process's own prom-client registry at
 * each evaluation, like a scrape. Only metrics some enabled rule names are kept, each for as long
 * as its longest window needs (plus one older sample, the baseline of a counter's increase), and
 * both the number of series per metric and of samples per series are capped: memory stays
 * bounded whatever the label cardinality or the evaluation rate.
 */

export type SeriesKind = 'counter' | 'gauge' | 'histogram';

/** Timestamps (ms) and values of one counter or gauge series, oldest first. */
export interface ScalarSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly t: number[];
  readonly v: number[];
  /** Time of the last collection that saw this series. */
  seenAt: number;
}

/** Cumulative bucket counts of one histogram series (bounds ascending, the last one +Inf). */
export interface HistogramSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly bounds: readonly number[];
  readonly t: number[];
  readonly counts: Float64Array[];
  seenAt: number;
}

/** What is kept of one metric. */
export interface MetricSamples {
  readonly name: string;
  kind: SeriesKind | null;
  readonly series: Map<string, ScalarSeries | HistogramSeries>;
  /** Time of the last collection; series not seen then are gone from /metrics. */
  lastCollect: number | null;
  /** Why the metric could not be read at the last collection (absent, a summary, …). */
  problem: string | null;
  /** Series refused because the metric had too many. */
  droppedSeries: number;
}

export interface SamplerLimits {
  /** Series kept per metric (default 10,000); more are ignored and counted. */
  readonly maxSeriesPerMetric?: number;
  /** Samples kept per series (default 4,096); the oldest go first. */
  readonly maxSamplesPerSeries?: number;
}

interface PromValue {
  value: number;
  labels: Record<string, string | number>;
  metricName?: string;
}

const HISTOGRAM_PARTS = ['_bucket', '_count', '_sum'] as const;

/** Stable key of a label set (sorted by name). */
export function seriesKey(labels: Readonly<Record<string, string>>): string {
  return JSON.stringify(Object.keys(labels).sort().map((k) => [k, labels[k]]));
}

const stringLabels = (labels: Record<string, string | number>, drop?: string): Record<string, string> => {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels)) if (k !== drop) out[k] = String(v);
  return out;
};

const parseBound = (le: string | number | undefined): number => (le === '+Inf' || le === undefined ? Infinity : Number(le));

export class MetricSampler {
  readonly #registry: Registry;
  readonly #maxSeries: number;
  readonly #maxSamples: number;
  readonly #metrics = new Map<string, MetricSamples>();

  constructor(registry: Registry, limits: SamplerLimits = {}) {
    this.#registry = registry;
    this.#maxSeries = limits.maxSeriesPerMetric ?? 10_000;
    this.#maxSamples = limits.maxSamplesPerSeries ?? 4_096;
  }

  /** What is kept of a metric, if some rule asked for it. */
  get(name: string): MetricSamples | undefined {
    return this.#metrics.get(name);
  }

  /** Number of samples held in all, for tests and diagnostics. */
  get sampleCount(): number {
    let n = 0;
    for (const m of this.#metrics.values()) for (const s of m.series.values()) n += s.t.length;
    return n;
  }

  /**
   * Takes one sample of every metric asked for; `retention` maps a metric to how far back its
   * samples are needed (ms). Metrics no longer asked for are forgotten.
   */
  async collect(retention: ReadonlyMap<string, number>, now: number): Promise<void> {
    for (const name of this.#metrics.keys()) if (!retention.has(name)) this.#metrics.delete(name);
    for (const [name, keepMs] of retention) {
      let m = this.#metrics.get(name);
      if (!m) {
        m = { name, kind: null, series: new Map(), lastCollect: null, problem: null, droppedSeries: 0 };
        this.#metrics.set(name, m);
      }
      await this.#collectOne(m, now);
      this.#prune(m, now - keepMs);
    }
  }

  async #collectOne(m: MetricSamples, now: number): Promise<void> {
    const read = await this.#read(m.name);
    const previous = m.lastCollect;
    m.lastCollect = now;
    if ('problem' in read) {
      m.problem = read.problem;
      return;
    }
    m.problem = null;
    if (m.kind !== read.kind) {
      m.series.clear();
      m.kind = read.kind;
    }
    if (read.kind === 'histogram') {
      for (const h of read.histograms) {
        const key = seriesKey(h.labels);
        let s = m.series.get(key) as HistogramSeries | undefined;
        if (s && s.bounds.join() !== h.bounds.join()) {
          m.series.delete(key);
          s = undefined;
        }
        if (!s) {
          if (m.series.size >= this.#maxSeries) {
            m.droppedSeries++;
            continue;
          }
          s = { labels: h.labels, bounds: h.bounds, t: [], counts: [], seenAt: now };
          m.series.set(key, s);
          // A series absent at the previous collection counted nothing until then.
          if (previous !== null) {
            s.t.push(previous);
            s.counts.push(new Float64Array(h.bounds.length));
          }
        }
        s.t.push(now);
        s.counts.push(h.counts);
        s.seenAt = now;
      }
      return;
    }
    for (const { labels, value } of read.values) {
      const key = seriesKey(labels);
      let s = m.series.get(key) as ScalarSeries | undefined;
      if (!s) {
        if (m.series.size >= this.#maxSeries) {
          m.droppedSeries++;
          continue;
        }
        s = { labels, t: [], v: [], seenAt: now };
        m.series.set(key, s);
        if (read.kind === 'counter' && previous !== null) {
          s.t.push(previous);
          s.v.push(0);
        }
      }
      s.t.push(now);
      s.v.push(value);
      s.seenAt = now;
    }
  }

  /** Drops samples older than needed (keeping one before `from`, the baseline) and series gone for longer than that. */
  #prune(m: MetricSamples, from: number): void {
    for (const [key, s] of m.series) {
      if (s.seenAt < from) {
        m.series.delete(key);
        continue;
      }
      let drop = 0;
      while (drop + 1 < s.t.length && s.t[drop + 1]! <= from) drop++;
      drop = Math.max(drop, s.t.length - this.#maxSamples);
      if (drop > 0) {
        s.t.splice(0, drop);
        if ('v' in s) s.v.splice(0, drop);
        else s.counts.splice(0, drop);
      }
    }
  }

  /** The current values of a metric from the registry, by kind. */
  async #read(name: string): Promise<
    | { kind: 'counter' | 'gauge'; values: { labels: Record<string, string>; value: number }[] }
    | { kind: 'histogram'; histograms: { labels: Record<string, string>; bounds: number[]; counts: Float64Array }[] }
    | { problem: string }
  > {
    const direct = this.#registry.getSingleMetric(name);
    if (direct) {
      const data = await direct.get();
      const type = String(data.type);
      const values = data.values as PromValue[];
      if (type === 'counter' || type === 'gauge') return { kind: type, values: values.map((v) => ({ labels: stringLabels(v.labels), value: v.value })) };
      if (type === 'histogram') return { kind: 'histogram', histograms: histograms(name, values) };
      return { problem: `${name} is a ${type}; rules read counters, gauges and histograms.` };
    }
    // A histogram's _count, _sum and _bucket series read as counters of their own.
    const part = HISTOGRAM_PARTS.find((p) => name.endsWith(p));
    const base = part ? this.#registry.getSingleMetric(name.slice(0, -part.length)) : undefined;
    if (part && base) {
      const data = await base.get();
      if (String(data.type) === 'histogram') {
        const values = (data.values as PromValue[]).filter((v) => v.metricName === name);
        return { kind: 'counter', values: values.map((v) => ({ labels: stringLabels(v.labels), value: v.value })) };
      }
    }
    return { problem: `${name} is not exported (yet) at /metrics.` };
  }
}

/** Groups a histogram's `_bucket` values into one cumulative vector per label set. */
function histograms(name: string, values: PromValue[]): { labels: Record<string, string>; bounds: number[]; counts: Float64Array }[] {
  const byKey = new Map<string, { labels: Record<string, string>; buckets: [number, number][] }>();
  for (const v of values) {
    if (v.metricName !== `${name}_bucket`) continue;
    const labels = stringLabels(v.labels, 'le');
    const key = seriesKey(labels);
    let entry = byKey.get(key);
    if (!entry) byKey.set(key, (entry = { labels, buckets: [] }));
    entry.buckets.push([parseBound(v.labels.le), v.value]);
  }
  return [...byKey.values()].map(({ labels, buckets }) => {
    buckets.sort((a, b) => a[0] - b[0]);
    return { labels, bounds: buckets.map((b) => b[0]), counts: Float64Array.from(buckets, (b) => b[1]) };
  });
}
