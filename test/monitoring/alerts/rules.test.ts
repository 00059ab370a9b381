import { describe, expect, it } from 'vitest';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { PuenteError } from '../../../src/errors/index.js';
import {
  MetricSampler, counterIncrease, formatDuration, histogramQuantile, parseDuration, parseRule, quantileOf,
} from '../../../src/monitoring/alerts/index.js';
import { ruleValues } from '../../../src/monitoring/alerts/evaluate.js';

const valid = { name: 'errors', metric: 'puente_deployment_requests_total', aggregation: 'rate', comparison: '>', threshold: 0.1 };

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(PuenteError);
    expect((err as PuenteError).code).toBe('INVALID_PARAMETER_VALUE');
    return (err as PuenteError).details?.field as string | undefined;
  }
  throw new Error('expected a 400');
}

describe('alert rule parsing', () => {
  it('fills defaults and normalizes durations', () => {
    const def = parseRule({ ...valid, window: '90s', for: 120, labels: { deployment: 'credit', status: { op: '!=', value: 'ok' } } });
    expect(def.name).toBe('errors');
    expect(def.spec).toMatchObject({
      window: '1m30s', for: '2m', severity: 'warning', enabled: true, webhooks: [], group_by: null, denominator: null, description: '',
      labels: { deployment: 'credit', status: { op: '!=', value: 'ok' } },
    });
    expect(def.webhook_secret).toBeUndefined();
    expect(parseRule(valid).spec.window).toBe('5m');
  });

  it.each([
    [{ ...valid, name: undefined }, 'name'],
    [{ ...valid, name: 'bad name!' }, 'name'],
    [{ ...valid, metric: undefined }, 'metric'],
    [{ ...valid, metric: '9lives' }, 'metric'],
    [{ ...valid, aggregation: 'median' }, 'aggregation'],
    [{ ...valid, aggregation: 'p100' }, 'aggregation'],
    [{ ...valid, comparison: '==' }, 'comparison'],
    [{ ...valid, threshold: 'high' }, 'threshold'],
    [{ ...valid, threshold: Infinity }, 'threshold'],
    [{ ...valid, window: '5 minutes' }, 'window'],
    [{ ...valid, window: '100ms' }, 'window'],
    [{ ...valid, for: '-1m' }, 'for'],
    [{ ...valid, severity: 'urgent' }, 'severity'],
    [{ ...valid, labels: ['deployment=credit'] }, 'labels'],
    [{ ...valid, labels: { '1st': 'x' } }, 'labels.1st'],
    [{ ...valid, labels: { status: { op: '~', value: 'x' } } }, 'labels.status.op'],
    [{ ...valid, labels: { status: { op: '=~', value: '(' } } }, 'labels.status.value'],
    [{ ...valid, group_by: 'deployment' }, 'group_by'],
    [{ ...valid, group_by: ['deployment', 'le'] }, 'group_by[1]'],
    [{ ...valid, denominator: { metrics: 'x' } }, 'denominator.metrics'],
    [{ ...valid, aggregation: 'p99', denominator: {} }, 'denominator'],
    [{ ...valid, webhooks: ['ftp://example.com/'] }, 'webhooks[0]'],
    [{ ...valid, webhooks: 'http://example.com/' }, 'webhooks'],
    [{ ...valid, webhook_secret: 'short' }, 'webhook_secret'],
    [{ ...valid, enabled: 'yes' }, 'enabled'],
    [{ ...valid, threshhold: 1 }, 'threshhold'],
  ])('rejects %j naming %s', (input, field) => {
    expect(fieldOf(() => parseRule(input as never))).toBe(field);
  });

  it('refuses a body name that differs from the path', () => {
    expect(fieldOf(() => parseRule(valid, { name: 'other' }))).toBe('name');
  });

  it('reads durations as Prometheus writes them', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('2d')).toBe(172_800_000);
    expect(parseDuration(45)).toBe(45_000);
    expect(parseDuration('45')).toBe(45_000);
    expect(parseDuration('5m30')).toBeNull();
    expect(parseDuration('')).toBeNull();
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0s');
    expect(quantileOf('p99')).toBe(0.99);
    expect(quantileOf('p99.9')).toBeCloseTo(0.999, 12);
    expect(quantileOf('p0')).toBeNull();
  });
});

describe('window arithmetic', () => {
  it('interpolates histogram quantiles as Prometheus does', () => {
    const bounds = [0.1, 0.5, 1, Infinity];
    expect(histogramQuantile(0.5, bounds, [10, 20, 30, 30])).toBeCloseTo(0.3, 12);
    expect(histogramQuantile(0.99, bounds, [10, 20, 30, 30])).toBeCloseTo(0.985, 12);
    // The first bucket starts at 0.
    expect(histogramQuantile(0.05, bounds, [10, 20, 30, 30])).toBeCloseTo(0.015, 12);
    // The rank falls in +Inf: the highest finite bound.
    expect(histogramQuantile(0.9, bounds, [10, 10, 10, 20])).toBe(1);
    expect(histogramQuantile(0.5, bounds, [0, 0, 0, 0])).toBeNaN();
  });

  it('counts a counter through a restart', () => {
    expect(counterIncrease([5, 8, 2, 4], 0)).toBe(3 + 2 + 2);
    expect(counterIncrease([5, 8, 2, 4], 1)).toBe(4);
  });

  it('turns samples into rates, ratios, quantiles and gauge summaries per group', async () => {
    const registry = new Registry();
    const requests = new Counter({ name: 'req_total', help: 'h', labelNames: ['deployment', 'status'], registers: [registry] });
    const latency = new Histogram({ name: 'lat_seconds', help: 'h', labelNames: ['deployment'], buckets: [0.1, 0.5, 1], registers: [registry] });
    const accuracy = new Gauge({ name: 'acc', help: 'h', labelNames: ['deployment'], registers: [registry] });
    const sampler = new MetricSampler(registry);
    const keep = new Map([['req_total', 120_000], ['lat_seconds', 120_000], ['acc', 120_000]]);
    const t0 = 1_000_000;
    requests.inc({ deployment: 'a', status: 'ok' }, 0);
    await sampler.collect(keep, t0);
    requests.inc({ deployment: 'a', status: 'ok' }, 90);
    requests.inc({ deployment: 'a', status: 'error' }, 10);
    requests.inc({ deployment: 'b', status: 'ok' }, 50);
    for (let i = 0; i < 80; i++) latency.observe({ deployment: 'a' }, 0.05);
    for (let i = 0; i < 20; i++) latency.observe({ deployment: 'a' }, 0.7);
    accuracy.set({ deployment: 'a' }, 0.9);
    await sampler.collect(keep, t0 + 10_000);
    accuracy.set({ deployment: 'a' }, 0.7);
    await sampler.collect(keep, t0 + 20_000);
    const now = t0 + 20_000;
    const base = { labels: {}, denominator: null, group_by: null } as const;

    const rate = ruleValues({ ...base, metric: 'req_total', aggregation: 'rate', group_by: ['deployment'] }, 60_000, now, sampler.get('req_total'));
    const byDep = Object.fromEntries(rate.values.map((v) => [v.labels.deployment, v.value]));
    // a: 100 requests over the 20 s since the first sample; b appeared at 10 s, counted from 0 at the previous collection.
    expect(byDep.a).toBeCloseTo(100 / 20, 12);
    expect(byDep.b).toBeCloseTo(50 / 20, 12);

    const ratio = ruleValues({
      ...base, metric: 'req_total', labels: { status: 'error' }, aggregation: 'increase', denominator: { metric: 'req_total', labels: {} }, group_by: ['deployment'],
    }, 60_000, now, sampler.get('req_total'), sampler.get('req_total'));
    expect(Object.fromEntries(ratio.values.map((v) => [v.labels.deployment, v.value]))).toEqual({ a: 0.1, b: 0 });

    const p90 = ruleValues({ ...base, metric: 'lat_seconds', aggregation: 'p90' }, 60_000, now, sampler.get('lat_seconds'));
    expect(p90.values).toHaveLength(1);
    expect(p90.values[0]!.value).toBeCloseTo(0.5 + 0.5 * (10 / 20), 12);

    const avg = ruleValues({ ...base, metric: 'acc', aggregation: 'avg' }, 60_000, now, sampler.get('acc'));
    expect(avg.values[0]!.value).toBeCloseTo(0.8, 12);
    const last = ruleValues({ ...base, metric: 'acc', aggregation: 'last' }, 60_000, now, sampler.get('acc'));
    expect(last.values[0]!.value).toBe(0.7);
    // Only the samples inside the window count.
    const recent = ruleValues({ ...base, metric: 'acc', aggregation: 'max' }, 5_000, now, sampler.get('acc'));
    expect(recent.values[0]!.value).toBe(0.7);

    const wrongKind = ruleValues({ ...base, metric: 'lat_seconds', aggregation: 'rate' }, 60_000, now, sampler.get('lat_seconds'));
    expect(wrongKind.problem).toMatch(/histogram/);
    const countRate = await (async () => {
      const s = new MetricSampler(registry);
      await s.collect(new Map([['lat_seconds_count', 60_000]]), now);
      return s.get('lat_seconds_count')!.kind;
    })();
    expect(countRate).toBe('counter');
  });

  it('keeps memory bounded: samples age out, series and samples are capped', async () => {
    const registry = new Registry();
    const g = new Gauge({ name: 'g', help: 'h', labelNames: ['k'], registers: [registry] });
    for (let i = 0; i < 50; i++) g.set({ k: String(i) }, i);
    const sampler = new MetricSampler(registry, { maxSeriesPerMetric: 10, maxSamplesPerSeries: 5 });
    for (let t = 0; t < 100; t++) await sampler.collect(new Map([['g', 1_000_000]]), t * 1000);
    expect(sampler.get('g')!.series.size).toBe(10);
    expect(sampler.get('g')!.droppedSeries).toBeGreaterThan(0);
    expect(sampler.sampleCount).toBe(10 * 5);

    const short = new MetricSampler(registry, { maxSeriesPerMetric: 100 });
    for (let t = 0; t < 100; t++) await short.collect(new Map([['g', 10_000]]), t * 1000);
    // Samples of the last 10 s at 1 s intervals, the one at the window's start being the baseline.
    expect(short.sampleCount).toBe(50 * 11);
    await short.collect(new Map(), 101_000);
    expect(short.get('g')).toBeUndefined();
  });
});
