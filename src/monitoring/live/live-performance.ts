import { Gauge, type Registry } from 'prom-client';
import type { EventBus } from '../../events/index.js';
import type { LabelTask, LabelledEvent, PredictionLog } from '../../predictions/index.js';
import { CLASSIFICATION_METRICS, LOWER_IS_BETTER, performanceOf, REGRESSION_METRICS, type MetricName, type Metrics, type LabelledOutput } from './performance.js';
import type { ModelReference } from './reference.js';

/*
 * Live performance from the prediction log: labelled predictions of a deployment, grouped by
 * version and by the window their prediction fell in (labels come late, so windows are formed by
 * prediction time when asked, not when the window closed). Concept drift is a drop of the
 * version's primary metric — ROC AUC for binary classifiers (accuracy when undefined), accuracy
 * for multiclass ones, RMSE for regressors (as a relative rise) — in its latest labelled window
 * against a baseline: its quality on the labelled reference rows when the reference has one,
 * else its first labelled window.
 */

/** Default most tolerated drop: 0.05 of ROC AUC or accuracy; for regressors, a 10% rise of RMSE. */
export const DEFAULT_MAX_DROP = 0.05;
export const DEFAULT_MAX_RMSE_RISE = 0.1;
/** Fewest labels a window needs to count for concept drift. */
export const DEFAULT_MIN_LABELS = 30;

export interface PerformanceWindow {
  readonly window_start: number;
  readonly window_end: number;
  readonly n: number;
  readonly skipped: number;
  readonly metrics: Metrics;
}

export interface ConceptDrift {
  readonly metric: MetricName;
  readonly baseline: { readonly source: 'reference' | 'first_window'; readonly window_start: number | null; readonly value: number };
  readonly current: { readonly window_start: number; readonly value: number } | null;
  /** How much worse the current window is: baseline − current (a relative rise for RMSE); null without a current window. */
  readonly drop: number | null;
  readonly max_drop: number;
  readonly drifted: boolean;
}

export interface VersionPerformance {
  readonly model: string;
  readonly version: number;
  readonly task: LabelTask | null;
  readonly n: number;
  readonly skipped: number;
  readonly metrics: Metrics;
  readonly windows: PerformanceWindow[];
  /** null when there are too few labelled windows (or no baseline). */
  readonly concept_drift: ConceptDrift | null;
}

export interface PerformanceReport {
  readonly deployment: string;
  readonly window_ms: number;
  readonly since: number;
  readonly until: number;
  readonly versions: VersionPerformance[];
}

export interface PerformanceQuery {
  readonly windowMs?: number;
  readonly since?: number;
  readonly until?: number;
  readonly model?: string;
  readonly version?: number;
  readonly minLabels?: number;
  /** Most tolerated drop of the primary metric (for regressors: relative rise of RMSE). */
  readonly maxDrop?: number;
}

export interface LivePerformanceOptions {
  readonly log: PredictionLog;
  /** Task and classes of a model version; null when it cannot be read. */
  readonly manifest: (model: string, version: number) => Promise<{ task: LabelTask; classes?: readonly (string | number)[] } | null>;
  readonly reference?: (model: string, version: number) => Promise<ModelReference | null>;
  readonly metrics?: Registry;
  readonly events?: EventBus;
  /** Length of a performance window (ms); default 5 minutes. */
  readonly windowMs?: number;
  /** Span the Prometheus gauges cover: predictions made within this much of now (ms, default 24 h). */
  readonly gaugeSpanMs?: number;
  /** How long after labels arrive the gauges are recomputed, at most (ms, default 2000). */
  readonly refreshMs?: number;
  readonly now?: () => number;
  readonly onError?: (err: unknown, context: string) => void;
}

/** The metric concept drift watches for a task, given what could be computed. */
function primaryMetric(task: LabelTask, metrics: Metrics): MetricName {
  if (task === 'regression') return 'rmse';
  if (task === 'binary_classification' && typeof metrics.roc_auc === 'number') return 'roc_auc';
  return 'accuracy';
}

/** How much worse `current` is than `baseline` for a metric. */
function degradation(metric: MetricName, baseline: number, current: number): number {
  if (metric === 'rmse') return baseline > 0 ? (current - baseline) / baseline : current > 0 ? Number.POSITIVE_INFINITY : 0;
  return LOWER_IS_BETTER.has(metric) ? current - baseline : baseline - current;
}

export class LivePerformance {
  readonly #o: LivePerformanceOptions;
  readonly #now: () => number;
  readonly #dirty = new Set<string>();
  #timer: NodeJS.Timeout | null = null;
  #unsubscribe: (() => void) | null = null;
  #running: Promise<void> = Promise.resolve();
  readonly #lastConcept = new Map<string, number>();
  readonly #gauges: {
    metric: Gauge<'deployment' | 'model' | 'version' | 'metric'>;
    drop: Gauge<'deployment' | 'model' | 'version' | 'metric'>;
    concept: Gauge<'deployment' | 'model' | 'version' | 'metric'>;
  } | null = null;

  constructor(options: LivePerformanceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    if (options.metrics) {
      const registers = [options.metrics];
      const labelNames = ['deployment', 'model', 'version', 'metric'] as const;
      this.#gauges = {
        metric: new Gauge({ name: 'puente_live_metric', help: 'Model quality on labelled predictions of the recent span (accuracy, f1, roc_auc, log_loss, rmse, …; labelled_rows: how many).', labelNames, registers }),
        drop: new Gauge({ name: 'puente_performance_drop', help: "Drop of the primary metric in the latest labelled window against the baseline (RMSE: relative rise).", labelNames, registers }),
        concept: new Gauge({ name: 'puente_concept_drift', help: '1 when the latest labelled window dropped more than tolerated against the baseline.', labelNames, registers }),
      };
    }
  }

  /** Recomputes the gauges of deployments whose predictions got labels (debounced). */
  start(): void {
    if (this.#unsubscribe) return;
    this.#unsubscribe = this.#o.log.onLabels((labels: readonly LabelledEvent[]) => {
      for (const l of labels) if (l.deployment !== null) this.#dirty.add(l.deployment);
    });
    this.#timer = setInterval(() => void this.refresh(), this.#o.refreshMs ?? 2000);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** Recomputes the gauges (and concept drift events) of deployments that got labels since the last time. */
  refresh(): Promise<void> {
    const names = [...this.#dirty];
    this.#dirty.clear();
    if (names.length === 0) return this.#running;
    this.#running = this.#running.then(async () => {
      for (const name of names) {
        try {
          await this.#publish(name);
        } catch (err) {
          this.#o.onError?.(err, `live performance of deployment '${name}' could not be computed`);
        }
      }
    });
    return this.#running;
  }

  /** Live performance of a deployment per version and window, with concept drift. */
  async report(deployment: string, q: PerformanceQuery = {}): Promise<PerformanceReport> {
    const windowMs = q.windowMs ?? this.#o.windowMs ?? 5 * 60_000;
    const until = q.until ?? this.#now();
    const since = q.since ?? until - 7 * 86_400_000;
    const groups = new Map<string, { model: string; version: number; rows: LabelledOutput[]; windows: Map<number, LabelledOutput[]> }>();
    for await (const r of this.#o.log.rows({ deployment, since, until, labelled: true, ...(q.model !== undefined ? { model: q.model } : {}), ...(q.version !== undefined ? { version: q.version } : {}) })) {
      const key = `${r.model}\u0000${r.version}`;
      let g = groups.get(key);
      if (!g) {
        g = { model: r.model, version: r.version, rows: [], windows: new Map() };
        groups.set(key, g);
      }
      const row = { output: r.output, label: r.label };
      g.rows.push(row);
      const start = Math.floor(r.at / windowMs) * windowMs;
      let w = g.windows.get(start);
      if (!w) {
        w = [];
        g.windows.set(start, w);
      }
      w.push(row);
    }
    const versions: VersionPerformance[] = [];
    for (const g of groups.values()) {
      const manifest = await this.#o.manifest(g.model, g.version).catch(() => null);
      if (!manifest) {
        versions.push({ model: g.model, version: g.version, task: null, n: 0, skipped: g.rows.length, metrics: {}, windows: [], concept_drift: null });
        continue;
      }
      const overall = performanceOf(manifest.task, manifest.classes, g.rows);
      const windows = [...g.windows.entries()].sort(([a], [b]) => a - b).map(([start, rows]): PerformanceWindow => {
        const p = performanceOf(manifest.task, manifest.classes, rows);
        return { window_start: start, window_end: start + windowMs, n: p.n, skipped: p.skipped, metrics: p.metrics };
      });
      const reference = (await this.#o.reference?.(g.model, g.version).catch(() => null)) ?? null;
      versions.push({
        model: g.model, version: g.version, task: manifest.task, n: overall.n, skipped: overall.skipped, metrics: overall.metrics, windows,
        concept_drift: conceptDrift(manifest.task, overall.metrics, windows, reference, q.minLabels ?? DEFAULT_MIN_LABELS, q.maxDrop),
      });
    }
    versions.sort((a, b) => (a.model < b.model ? -1 : a.model > b.model ? 1 : a.version - b.version));
    return { deployment, window_ms: windowMs, since, until, versions };
  }

  async #publish(deployment: string): Promise<void> {
    const now = this.#now();
    const report = await this.report(deployment, { since: now - (this.#o.gaugeSpanMs ?? 86_400_000), until: now + 1 });
    for (const v of report.versions) {
      if (!v.task) continue;
      const base = { deployment, model: v.model, version: String(v.version) };
      const g = this.#gauges;
      if (g) {
        for (const name of v.task === 'regression' ? REGRESSION_METRICS : CLASSIFICATION_METRICS) {
          const value = v.metrics[name];
          if (typeof value === 'number') g.metric.set({ ...base, metric: name }, value);
          else g.metric.remove({ ...base, metric: name });
        }
        g.metric.set({ ...base, metric: 'labelled_rows' }, v.n);
      }
      const c = v.concept_drift;
      if (!c || c.current === null || c.drop === null) continue;
      g?.drop.set({ ...base, metric: c.metric }, c.drop);
      g?.concept.set({ ...base, metric: c.metric }, c.drifted ? 1 : 0);
      const key = `${deployment}\u0000${v.model}\u0000${v.version}`;
      if (c.drifted && this.#lastConcept.get(key) !== c.current.window_start) {
        this.#lastConcept.set(key, c.current.window_start);
        this.#o.events?.publish({
          type: 'monitoring.drift_detected', subject: deployment,
          data: { kind: 'concept', deployment, model: v.model, version: v.version, metric: c.metric, baseline: c.baseline, current: c.current, drop: c.drop, max_drop: c.max_drop },
        });
      }
    }
  }
}

/** Concept drift of one version: its latest labelled window against the baseline. */
export function conceptDrift(
  task: LabelTask, overall: Metrics, windows: readonly PerformanceWindow[], reference: ModelReference | null, minLabels: number, maxDrop?: number,
): ConceptDrift | null {
  const refMetrics = reference?.performance?.metrics ?? null;
  const metric = primaryMetric(task, refMetrics ?? overall);
  const limit = maxDrop ?? (metric === 'rmse' ? DEFAULT_MAX_RMSE_RISE : DEFAULT_MAX_DROP);
  const full = windows.filter((w) => w.n >= minLabels && typeof w.metrics[metric] === 'number');
  let baseline: ConceptDrift['baseline'] | null = null;
  let candidates = full;
  const refValue = refMetrics?.[metric];
  if (typeof refValue === 'number') baseline = { source: 'reference', window_start: null, value: refValue };
  else if (full.length > 0) {
    baseline = { source: 'first_window', window_start: full[0]!.window_start, value: full[0]!.metrics[metric] as number };
    candidates = full.slice(1);
  }
  if (!baseline) return null;
  const last = candidates[candidates.length - 1];
  if (!last) return { metric, baseline, current: null, drop: null, max_drop: limit, drifted: false };
  const value = last.metrics[metric] as number;
  const drop = degradation(metric, baseline.value, value);
  return { metric, baseline, current: { window_start: last.window_start, value }, drop, max_drop: limit, drifted: drop > limit };
}
