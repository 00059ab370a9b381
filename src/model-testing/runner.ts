import type { BundleManifest } from '../bundles/index.js';
import { InvalidParameterError } from '../errors/index.js';
import { runLoad, type LoadResult } from './load-generator.js';
import { computeMetric, defaultMetric, higherIsBetter, readLabels } from './metrics.js';
import { changeVariants, isNumeric, perturb } from './perturb.js';
import { SpecError, type Bound, type DirectionalCheck, type InvarianceCheck, type SliceCheck, type StressSpec, type TestSpec } from './spec.js';

/** The model under test: its manifest (task, signature, classes) and a way to predict records. */
export interface ModelUnderTest {
  readonly name: string;
  readonly version: number | string;
  readonly manifest: BundleManifest;
  /** n × K outputs as served: P(class 1), class probabilities, or the value. */
  predict(records: Record<string, unknown>[]): Promise<Float64Array>;
  /** Where the stress test sends prediction requests (an /invocations URL) and with which headers. */
  readonly endpoint?: { readonly url: string; readonly headers?: Readonly<Record<string, string>> };
}

export const SUITES = ['performance', 'robustness', 'invariance', 'directional', 'slices', 'stress'] as const;
export type Suite = (typeof SUITES)[number];

export interface CheckResult {
  readonly suite: Suite;
  readonly name: string;
  /** failed: measured outside the threshold; error: the check could not run (the message says why). */
  readonly status: 'passed' | 'failed' | 'error' | 'skipped';
  /** What was measured and what it was held to, for reports. */
  readonly measured: string;
  readonly threshold: string;
  readonly message: string;
  readonly details?: Readonly<Record<string, unknown>>;
  readonly seconds: number;
}

export interface TestRun {
  readonly model: string;
  readonly version: number | string;
  readonly rows: number;
  readonly startedAt: string;
  readonly seconds: number;
  readonly passed: boolean;
  readonly counts: { readonly passed: number; readonly failed: number; readonly errors: number; readonly skipped: number };
  readonly results: readonly CheckResult[];
}

export interface RunOptions {
  /** Suites not to run (reported as skipped). */
  readonly skip?: readonly Suite[];
  /** Rows per prediction call (default 2,000). */
  readonly batchRows?: number;
  readonly onResult?: (result: CheckResult) => void;
  readonly onStressProgress?: (done: number, elapsedMs: number) => void;
}

const fmt = (v: number) => (Number.isNaN(v) ? 'n/a' : Math.abs(v) >= 1000 ? v.toFixed(0) : Math.abs(v) >= 1 ? v.toFixed(3) : v.toPrecision(3));
const pct = (x: number) => `${(100 * x).toFixed(x !== 0 && x < 0.01 ? 2 : 1)}%`;
const within = (v: number, b: Bound) => (b.min === undefined || v >= b.min) && (b.max === undefined || v <= b.max);
const describeBound = (b: Bound) => [b.min !== undefined ? `≥ ${b.min}` : '', b.max !== undefined ? `≤ ${b.max}` : ''].filter(Boolean).join(' and ');

/**
 * Runs every check of the spec against the model on the data (records with the label column),
 * in order: performance, robustness, invariance, directional, slices, stress. A check that
 * cannot run (the model refuses perturbed rows, say) is an error result, not an exception; a
 * spec that does not fit the model (an unknown column) throws.
 */
export async function runModelTests(model: ModelUnderTest, data: readonly Record<string, unknown>[], spec: TestSpec, options: RunOptions = {}): Promise<TestRun> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  if (data.length === 0) throw new InvalidParameterError('The test data has no rows.', 'data');
  const { manifest } = model;
  const task = manifest.task;
  const columns = manifest.signature.inputs;
  const inputNames = new Set(columns.map((c) => c.name));
  const inputs = data.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => inputNames.has(k))));
  if (spec.target !== undefined && !data.some((r) => spec.target! in r)) {
    throw new SpecError(`The test data has no column '${spec.target}' (the spec's target).`, 'target');
  }
  const labels = spec.target === undefined ? undefined : readLabels(data, spec.target, manifest.classes);
  const batch = options.batchRows ?? 2_000;
  const predict = async (records: Record<string, unknown>[]): Promise<{ outputs: Float64Array; k: number }> => {
    const parts: Float64Array[] = [];
    for (let i = 0; i < records.length; i += batch) parts.push(await model.predict(records.slice(i, i + batch)));
    const outputs = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
    let at = 0;
    for (const p of parts) {
      outputs.set(p, at);
      at += p.length;
    }
    return { outputs, k: outputs.length / records.length };
  };
  const results: CheckResult[] = [];
  const skip = new Set(options.skip ?? []);
  const add = (r: CheckResult) => {
    results.push(r);
    options.onResult?.(r);
  };
  const timed = async (suite: Suite, name: string, threshold: string, fn: () => Promise<Omit<CheckResult, 'suite' | 'name' | 'seconds' | 'threshold'>>) => {
    const t0 = performance.now();
    if (skip.has(suite)) {
      add({ suite, name, status: 'skipped', measured: '', threshold, message: `${suite} checks were skipped`, seconds: 0 });
      return;
    }
    try {
      add({ suite, name, threshold, ...(await fn()), seconds: (performance.now() - t0) / 1000 });
    } catch (err) {
      if (err instanceof SpecError) throw err;
      add({ suite, name, status: 'error', measured: '', threshold, message: `The check could not run: ${(err as Error).message}`, seconds: (performance.now() - t0) / 1000 });
    }
  };
  const metricValue = (metric: string, outputs: Float64Array, k: number, ys = labels!) => computeMetric(metric, task, ys, outputs, k, { threshold: spec.threshold });

  // Predictions on the data as it is, shared by the checks.
  const baseline = await predict(inputs);
  const K = baseline.k;

  for (const { metric, bound } of spec.performance) {
    await timed('performance', `${metric} ${describeBound(bound)}`, describeBound(bound), async () => {
      const value = metricValue(metric, baseline.outputs, K);
      const ok = within(value, bound);
      return { status: ok ? 'passed' : 'failed', measured: fmt(value), message: `${metric} is ${fmt(value)}; it must be ${describeBound(bound)}.`, details: { metric, value } };
    });
  }

  for (const [i, check] of spec.robustness.entries()) {
    const metric = check.metric ?? defaultMetric(task);
    await timed('robustness', check.name, `${metric} loses ≤ ${check.maxDegradation}`, async () => {
      const changed = perturb(inputs, columns, check, spec.seed + i + 1);
      const after = await predict(changed);
      const before = metricValue(metric, baseline.outputs, K);
      const value = metricValue(metric, after.outputs, K);
      const degradation = higherIsBetter(metric) ? before - value : value - before;
      let shift = 0;
      for (let j = 0; j < after.outputs.length; j++) shift += Math.abs(after.outputs[j] - baseline.outputs[j]);
      const ok = degradation <= check.maxDegradation;
      return {
        status: ok ? 'passed' : 'failed',
        measured: `${metric} ${fmt(before)} → ${fmt(value)}`,
        message: `${metric} went from ${fmt(before)} to ${fmt(value)} under ${check.perturb} (a loss of ${fmt(degradation)}; tolerated ${check.maxDegradation}).`,
        details: { perturbation: check.perturb, metric, before, after: value, degradation, mean_abs_prediction_change: shift / after.outputs.length },
      };
    });
  }

  for (const check of spec.invariance) {
    await timed('invariance', check.name, `|Δ| ≤ ${check.maxChange} for ≥ ${pct(1 - check.maxFailureRate)} of rows`, () => invariance(check));
  }
  for (const check of spec.directional) {
    await timed('directional', check.name, `${check.expect} (± ${check.tolerance}) for ≥ ${pct(1 - check.maxFailureRate)} of rows`, () => directional(check));
  }
  for (const check of spec.slices) {
    const metric = check.metric ?? defaultMetric(task);
    const threshold = [describeBound(check.bound), check.maxGap !== undefined ? `gap ≤ ${check.maxGap}` : ''].filter(Boolean).join(', ');
    await timed('slices', `${metric} ${check.name}`, `${metric} ${threshold}`, () => slices(check, metric));
  }
  if (spec.stress) await stress(spec.stress);

  const counts = {
    passed: results.filter((r) => r.status === 'passed').length,
    failed: results.filter((r) => r.status === 'failed').length,
    errors: results.filter((r) => r.status === 'error').length,
    skipped: results.filter((r) => r.status === 'skipped').length,
  };
  return {
    model: model.name,
    version: model.version,
    rows: data.length,
    startedAt,
    seconds: (performance.now() - started) / 1000,
    passed: counts.failed === 0 && counts.errors === 0,
    counts,
    results,
  };

  async function invariance(check: InvarianceCheck) {
    let worst = { rate: -1, label: '', maxDelta: 0 };
    const perVariant: Record<string, unknown>[] = [];
    for (const v of changeVariants(check.change, columns, check.name)) {
      const after = await predict(v.apply(inputs));
      let failures = 0;
      let maxDelta = 0;
      for (let r = 0; r < inputs.length; r++) {
        let delta = 0;
        for (let k = 0; k < K; k++) delta = Math.max(delta, Math.abs(after.outputs[r * K + k] - baseline.outputs[r * K + k]));
        maxDelta = Math.max(maxDelta, delta);
        if (delta > check.maxChange + 1e-12) failures++;
      }
      const rate = failures / inputs.length;
      perVariant.push({ change: v.label, failure_rate: rate, max_change: maxDelta });
      if (rate > worst.rate) worst = { rate, label: v.label, maxDelta };
    }
    const ok = worst.rate <= check.maxFailureRate;
    return {
      status: ok ? 'passed' as const : 'failed' as const,
      measured: `${pct(worst.rate)} of rows beyond (${worst.label})`,
      message: `With ${worst.label}, ${pct(worst.rate)} of rows changed prediction by more than ${check.maxChange} (largest change ${fmt(worst.maxDelta)}); at most ${pct(check.maxFailureRate)} may.`,
      details: { variants: perVariant },
    };
  }

  async function directional(check: DirectionalCheck) {
    let output = 0;
    if (check.output !== undefined) {
      output = typeof check.output === 'number' ? check.output : (manifest.classes ?? []).findIndex((c) => String(c) === check.output);
      if (!(output >= 0 && output < K)) throw new SpecError(`Check '${check.name}': output ${JSON.stringify(check.output)} is not one of the model's ${K} outputs.`, 'output');
    }
    const tol = check.tolerance;
    const fails = (d: number) => {
      switch (check.expect) {
        case 'non_increasing': return d > tol;
        case 'non_decreasing': return d < -tol;
        case 'increasing': return !(d > tol);
        case 'decreasing': return !(d < -tol);
      }
    };
    let worst = { rate: -1, label: '', examples: [] as number[] };
    const perVariant: Record<string, unknown>[] = [];
    for (const v of changeVariants(check.change, columns, check.name)) {
      const after = await predict(v.apply(inputs));
      const examples: number[] = [];
      let failures = 0;
      for (let r = 0; r < inputs.length; r++) {
        const d = after.outputs[r * K + output] - baseline.outputs[r * K + output];
        if (fails(d)) {
          failures++;
          if (examples.length < 5) examples.push(r);
        }
      }
      const rate = failures / inputs.length;
      perVariant.push({ change: v.label, failure_rate: rate, failing_rows: examples });
      if (rate > worst.rate) worst = { rate, label: v.label, examples };
    }
    const ok = worst.rate <= check.maxFailureRate;
    return {
      status: ok ? 'passed' as const : 'failed' as const,
      measured: `${pct(worst.rate)} of rows against (${worst.label})`,
      message: ok
        ? `With ${worst.label}, ${pct(worst.rate)} of rows moved against ${check.expect}; at most ${pct(check.maxFailureRate)} may.`
        : `With ${worst.label}, ${pct(worst.rate)} of rows moved against ${check.expect} (e.g. data rows ${worst.examples.join(', ')}); at most ${pct(check.maxFailureRate)} may.`,
      details: { variants: perVariant },
    };
  }

  async function slices(check: SliceCheck, metric: string) {
    const col = columns.find((c) => c.name === check.column);
    if (!col && !data.some((r) => check.column in r)) throw new SpecError(`Slice '${check.name}': the data has no column '${check.column}'.`, 'column');
    // Slices in bin order (numeric bins) or by value; missing values last.
    const order = new Map<string, number>();
    const key = (v: unknown): string => {
      if (v === null || v === undefined || v === '') return '(missing)';
      if (!check.bins || typeof v !== 'number') return String(v);
      const b = check.bins;
      let i = 0;
      while (i < b.length && v >= b[i]) i++;
      const label = i === 0 ? `< ${b[0]}` : i === b.length ? `≥ ${b[b.length - 1]}` : `${b[i - 1]} – ${b[i]}`;
      order.set(label, i);
      return label;
    };
    const compare = (a: string, b: string) =>
      a === '(missing)' ? 1 : b === '(missing)' ? -1 : order.has(a) && order.has(b) ? order.get(a)! - order.get(b)! : a.localeCompare(b, 'en', { numeric: true });
    if (check.bins && col && !isNumeric(col)) throw new SpecError(`Slice '${check.name}': bins need a numeric column, and '${check.column}' is ${col.type}.`, 'bins');
    const groups = new Map<string, number[]>();
    data.forEach((r, i) => {
      const k = key(r[check.column]);
      const list = groups.get(k) ?? [];
      list.push(i);
      groups.set(k, list);
    });
    const rows = [...groups.entries()].sort(([a], [b]) => compare(a, b)).map(([slice, idx]) => {
      const outputs = new Float64Array(idx.length * K);
      idx.forEach((r, j) => outputs.set(baseline.outputs.subarray(r * K, (r + 1) * K), j * K));
      let value = Number.NaN;
      let note: string | undefined;
      try {
        value = metricValue(metric, outputs, K, Float64Array.from(idx, (r) => labels![r]));
      } catch (err) {
        note = (err as Error).message;
      }
      const judged = idx.length >= check.minRows && !Number.isNaN(value);
      return { slice, rows: idx.length, value, judged, ok: !judged || within(value, check.bound), ...(note ? { note } : {}) };
    });
    const judged = rows.filter((r) => r.judged);
    const values = judged.map((r) => r.value);
    const gap = values.length > 1 ? Math.max(...values) - Math.min(...values) : 0;
    const bad = judged.filter((r) => !r.ok);
    const gapOk = check.maxGap === undefined || gap <= check.maxGap;
    const ok = bad.length === 0 && gapOk;
    const worst = higherIsBetter(metric) ? judged.reduce((a, b) => (b.value < a.value ? b : a), judged[0]) : judged.reduce((a, b) => (b.value > a.value ? b : a), judged[0]);
    const problems = [
      ...bad.map((r) => `${check.column} ${r.slice}: ${metric} ${fmt(r.value)} (${r.rows} rows)`),
      ...(gapOk ? [] : [`the gap between slices is ${fmt(gap)} (tolerated ${check.maxGap})`]),
    ];
    return {
      status: ok ? 'passed' as const : 'failed' as const,
      measured: judged.length === 0 ? 'no slice large enough' : `worst ${worst.slice}: ${fmt(worst.value)}, gap ${fmt(gap)}`,
      message: ok
        ? `${judged.length} slice(s) of ${check.column} judged (${rows.length - judged.length} too small or not computable); all within bounds.`
        : `Unfair gap or weak slice: ${problems.join('; ')}.`,
      details: { metric, gap, slices: rows.map(({ ok: _ok, ...r }) => r) },
    };
  }

  async function stress(s: StressSpec) {
    const url = s.url ?? model.endpoint?.url;
    const checks: [string, string, (r: LoadResult) => [boolean, string]][] = [];
    if (s.maxP50Ms !== undefined) checks.push(['p50 latency', `≤ ${s.maxP50Ms} ms`, (r) => [r.latencyMs.p50 <= s.maxP50Ms!, `${fmt(r.latencyMs.p50)} ms`]]);
    if (s.maxP95Ms !== undefined) checks.push(['p95 latency', `≤ ${s.maxP95Ms} ms`, (r) => [r.latencyMs.p95 <= s.maxP95Ms!, `${fmt(r.latencyMs.p95)} ms`]]);
    if (s.maxP99Ms !== undefined) checks.push(['p99 latency', `≤ ${s.maxP99Ms} ms`, (r) => [r.latencyMs.p99 <= s.maxP99Ms!, `${fmt(r.latencyMs.p99)} ms`]]);
    checks.push(['error rate', `≤ ${s.maxErrorRate}`, (r) => [r.errorRate <= s.maxErrorRate, `${pct(r.errorRate)} (${r.errors} of ${r.requests})`]]);
    if (s.minThroughput !== undefined) checks.push(['throughput', `≥ ${s.minThroughput} requests/s`, (r) => [r.throughput >= s.minThroughput!, `${fmt(r.throughput)} requests/s`]]);
    const label = (name: string) => `${name} at ${s.concurrency} concurrent users`;
    if (skip.has('stress') || !url) {
      for (const [name, threshold] of checks) {
        add({ suite: 'stress', name: label(name), status: 'skipped', measured: '', threshold, seconds: 0, message: skip.has('stress') ? 'stress checks were skipped' : 'No endpoint to load: test a served model, or give stress.url.' });
      }
      return;
    }
    const bodies: Buffer[] = [];
    for (let i = 0; i < inputs.length && bodies.length < 1000; i += s.rowsPerRequest) {
      bodies.push(Buffer.from(JSON.stringify({ dataframe_records: inputs.slice(i, i + s.rowsPerRequest) })));
    }
    const t0 = performance.now();
    let result: LoadResult;
    try {
      result = await runLoad({ url, headers: model.endpoint?.headers, bodies, concurrency: s.concurrency, durationMs: s.durationMs, warmupMs: s.warmupMs, onProgress: options.onStressProgress });
    } catch (err) {
      for (const [name, threshold] of checks) add({ suite: 'stress', name: label(name), status: 'error', measured: '', threshold, seconds: 0, message: `The load could not run: ${(err as Error).message}` });
      return;
    }
    const seconds = (performance.now() - t0) / 1000;
    const details = {
      url, concurrency: s.concurrency, duration_s: result.durationMs / 1000, rows_per_request: s.rowsPerRequest, requests: result.requests, errors: result.errors,
      throughput: result.throughput, latency_ms: result.latencyMs, status_counts: result.statusCounts, ...(result.firstError ? { first_error: result.firstError } : {}),
    };
    for (const [name, threshold, judge] of checks) {
      const [ok, measured] = judge(result);
      add({
        suite: 'stress', name: label(name), status: ok ? 'passed' : 'failed', measured, threshold, seconds,
        message: `${name} ${measured} over ${result.requests} requests in ${fmt(result.durationMs / 1000)} s; it must be ${threshold}.${result.firstError && name === 'error rate' ? ` First error: ${result.firstError}` : ''}`,
        details,
      });
    }
  }
}
