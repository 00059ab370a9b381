import { Counter, Gauge, type Registry } from 'prom-client';
import type { ServedPrediction } from '../../deployments/index.js';
import type { EventBus } from '../../events/index.js';
import type { LabelTask } from '../../predictions/index.js';
import { monitoredColumns, PREDICTION_COLUMN, type ModelReference, type MonitoredColumn } from './reference.js';
import type { MonitoringRepo } from './repo.js';
import type { DriftSettings } from './settings.js';
import { LiveWindow, type WindowReport } from './window.js';

/*
 * Monitoring on the serving path. The gateway hands every served prediction to `observe`, which
 * only queues it (O(1), the caller's answer is not held up); the queue is drained right after,
 * each row going into the window of its deployment version. Windows are aligned to multiples of
 * the window length, so every process agrees on their bounds. A window closes when a prediction
 * of a later window arrives or when the clock passes its end; closed windows are reported (drift,
 * data quality), written to the store in batches, exported as Prometheus gauges and announced on
 * the event bus (`monitoring.window_closed`, and `monitoring.drift_detected` when the dataset or
 * the predictions drifted).
 */

export interface LiveMonitorOptions {
  readonly repo: MonitoringRepo;
  /** The reference of a model version (null: none; the window then counts missing values only). */
  readonly reference: (model: string, version: number) => Promise<ModelReference | null>;
  /** Drift settings of a deployment. */
  readonly settings: (deployment: string) => Promise<DriftSettings>;
  readonly events?: EventBus;
  readonly metrics?: Registry;
  /** Window length (ms), default 5 minutes. */
  readonly windowMs?: number;
  /** Reservoir size per numeric input and window, default 5000 (normed Wasserstein on 1000 values strays past 0.1 on undrifted data). */
  readonly sampleSize?: number;
  /** Served predictions waiting to be counted beyond this are dropped (and counted). Default 100,000. */
  readonly maxQueued?: number;
  /** Requests kept while a version's reference loads, default 10,000. */
  readonly maxPending?: number;
  readonly now?: () => number;
  readonly onError?: (err: unknown, context: string) => void;
}

interface VersionState {
  readonly deployment: string;
  readonly model: string;
  readonly version: number;
  readonly task: LabelTask;
  readonly classes: readonly (string | number)[] | undefined;
  readonly columns: MonitoredColumn[];
  reference: ModelReference | null;
  settings: DriftSettings;
  ready: boolean;
  pending: ServedPrediction[];
  window: LiveWindow | null;
}

const keyOf = (deployment: string, model: string, version: number) => `${deployment}\u0000${model}\u0000${version}`;

type DriftLabels = 'deployment' | 'model' | 'version' | 'feature' | 'test';

/** Keeps one series per (deployment, version, input) and removes the one it replaces (the chosen test may change). */
class SeriesTracker {
  readonly #last = new Map<string, Record<string, string>>();

  set(gauge: Gauge<string>, key: string, labels: Record<string, string>, value: number): void {
    const before = this.#last.get(key);
    if (before && JSON.stringify(before) !== JSON.stringify(labels)) gauge.remove(before);
    this.#last.set(key, labels);
    gauge.set(labels, value);
  }
}

export class LiveMonitor {
  readonly #o: LiveMonitorOptions;
  readonly #windowMs: number;
  readonly #now: () => number;
  readonly #states = new Map<string, VersionState>();
  #queue: ServedPrediction[] = [];
  #scheduled = false;
  #closed: WindowReport[] = [];
  #writing: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | null = null;
  #dropped = 0;
  readonly #gauges: {
    score: Gauge<DriftLabels>; drifted: Gauge<DriftLabels>; share: Gauge<'deployment' | 'model' | 'version'>;
    quality: Gauge<'deployment' | 'model' | 'version' | 'feature' | 'kind'>; rows: Gauge<'deployment' | 'model' | 'version'>;
    dropped: Counter<string>; windows: Counter<'deployment' | 'model' | 'version'>;
  } | null = null;
  readonly #scoreSeries = new SeriesTracker();
  readonly #driftedSeries = new SeriesTracker();
  readonly #loading = new WeakMap<VersionState, Promise<void>>();

  constructor(options: LiveMonitorOptions) {
    this.#o = options;
    this.#windowMs = options.windowMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
    if (options.metrics) {
      const registers = [options.metrics];
      const version = ['deployment', 'model', 'version'] as const;
      const drift = [...version, 'feature', 'test'] as const;
      this.#gauges = {
        score: new Gauge({ name: 'puente_drift_score', help: 'Drift score of an input (feature="__prediction__": the predictions) in the last closed window: the p-value of p-value tests, else the distance.', labelNames: drift, registers }),
        drifted: new Gauge({ name: 'puente_feature_drifted', help: '1 when the input drifted in the last closed window, else 0.', labelNames: drift, registers }),
        share: new Gauge({ name: 'puente_dataset_drift_share', help: 'Share of drifted inputs in the last closed window.', labelNames: version, registers }),
        quality: new Gauge({
          name: 'puente_data_quality_issues', help: 'Rows with a data-quality issue in the last closed window, by kind (constant: 1 when the input did not vary).',
          labelNames: [...version, 'feature', 'kind'], registers,
        }),
        rows: new Gauge({ name: 'puente_monitoring_window_rows', help: 'Rows in the last closed monitoring window.', labelNames: version, registers }),
        dropped: new Counter({ name: 'puente_monitoring_dropped_total', help: 'Served predictions not monitored because the monitoring queue was full.', registers }),
        windows: new Counter({ name: 'puente_monitoring_windows_total', help: 'Monitoring windows closed.', labelNames: version, registers }),
      };
    }
  }

  get windowMs(): number {
    return this.#windowMs;
  }

  /** Served predictions not monitored because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** The observer to hand to `DeploymentGateway.observe`: queues and returns. */
  readonly observe = (served: ServedPrediction): void => {
    if (this.#queue.length >= (this.#o.maxQueued ?? 100_000)) {
      this.#dropped++;
      this.#gauges?.dropped.inc();
      return;
    }
    this.#queue.push(served);
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#drain);
    }
  };

  /** Closes windows on time even without traffic. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.tick().catch((err) => this.#o.onError?.(err, 'monitoring tick failed')), Math.min(1000, Math.max(50, this.#windowMs / 10)));
    this.#timer.unref();
  }

  /** Counts what is queued, closes the windows whose end has passed and writes them. */
  async tick(now = this.#now()): Promise<void> {
    this.#drain();
    for (const s of this.#states.values()) {
      if (s.window && s.window.end <= now) this.#close(s);
    }
    await this.#write();
  }

  /** Closes every open window now (at shutdown, or when a caller wants its report stored) and writes them. */
  async flush(): Promise<void> {
    this.#drain();
    await Promise.all([...this.#states.values()].filter((s) => !s.ready).map((s) => this.#whenReady(s)));
    this.#drain();
    for (const s of this.#states.values()) if (s.window) this.#close(s);
    await this.#write();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.flush();
  }

  /** A version's reference changed: its open windows are closed (on the old one) and the next ones use the new one. */
  async invalidateReference(model: string, version: number): Promise<void> {
    await this.#restart((s) => s.model === model && s.version === version);
  }

  /** A deployment's settings changed: its open windows are closed and the next ones read them again. */
  async invalidateSettings(deployment: string): Promise<void> {
    await this.#restart((s) => s.deployment === deployment);
  }

  async #restart(which: (s: VersionState) => boolean): Promise<void> {
    this.#drain();
    for (const [key, s] of this.#states) {
      if (!which(s)) continue;
      if (s.ready) this.#close(s);
      this.#states.delete(key);
    }
    await this.#write();
  }

  /** Reports of a deployment's open windows, computed now (with `settings` laid over the stored ones when given). */
  async openWindows(deployment: string, override?: (base: DriftSettings) => DriftSettings): Promise<WindowReport[]> {
    this.#drain();
    // Rows that wait for their version's reference to load are counted first.
    await Promise.all([...this.#states.values()].filter((s) => s.deployment === deployment && !s.ready).map((s) => this.#whenReady(s)));
    const out: WindowReport[] = [];
    for (const s of this.#states.values()) {
      if (s.deployment !== deployment || !s.window) continue;
      out.push(s.window.report(override ? override(s.settings) : s.settings, true));
    }
    return out;
  }

  readonly #drain = (): void => {
    this.#scheduled = false;
    const queue = this.#queue;
    if (queue.length === 0) return;
    this.#queue = [];
    for (const served of queue) {
      try {
        this.#count(served);
      } catch (err) {
        this.#o.onError?.(err, 'a served prediction could not be monitored');
      }
    }
  };

  #count(served: ServedPrediction): void {
    const key = keyOf(served.deployment, served.model, served.version);
    let s = this.#states.get(key);
    if (!s) {
      s = {
        deployment: served.deployment, model: served.model, version: served.version, task: served.manifest.task, classes: served.manifest.classes,
        columns: monitoredColumns(served.manifest.signature), reference: null, settings: {}, ready: false, pending: [], window: null,
      };
      this.#states.set(key, s);
      void this.#whenReady(s);
    }
    if (!s.ready) {
      if (s.pending.length < (this.#o.maxPending ?? 10_000)) s.pending.push(served);
      else {
        this.#dropped++;
        this.#gauges?.dropped.inc();
      }
      return;
    }
    this.#add(s, served);
  }

  /** Loads a version's reference and its deployment's settings once, then counts what waited. */
  #whenReady(s: VersionState): Promise<void> {
    let p = this.#loading.get(s);
    if (!p) {
      p = (async () => {
        try {
          s.reference = await this.#o.reference(s.model, s.version);
        } catch (err) {
          this.#o.onError?.(err, `the reference of ${s.model} version ${s.version} could not be read; its windows count missing values only`);
        }
        try {
          s.settings = await this.#o.settings(s.deployment);
        } catch (err) {
          this.#o.onError?.(err, `the drift settings of deployment '${s.deployment}' could not be read; defaults apply`);
        }
        s.ready = true;
        const pending = s.pending;
        s.pending = [];
        // A state replaced meanwhile (reference changed) hands its rows to the new one.
        const current = this.#states.get(keyOf(s.deployment, s.model, s.version));
        for (const served of pending) {
          if (current === s) this.#add(s, served);
          else this.#count(served);
        }
      })();
      this.#loading.set(s, p);
    }
    return p;
  }

  #add(s: VersionState, served: ServedPrediction): void {
    const start = Math.floor(served.at / this.#windowMs) * this.#windowMs;
    if (s.window && start >= s.window.end) this.#close(s);
    if (!s.window) {
      s.window = new LiveWindow({
        deployment: s.deployment, model: s.model, version: s.version, start, end: start + this.#windowMs, task: s.task, classes: s.classes,
        columns: s.columns, reference: s.reference, sampleSize: this.#o.sampleSize ?? 5000,
      });
    }
    // A late prediction (queued across a window boundary) counts in the open window.
    const w = s.window;
    const inputs = served.inputs;
    for (let i = 0; i < inputs.length; i++) w.add(inputs[i]!, served.predictions[i]);
  }

  #close(s: VersionState): void {
    const w = s.window;
    s.window = null;
    if (!w || w.rows === 0) return;
    try {
      this.#closed.push(w.report(s.settings, false));
    } catch (err) {
      this.#o.onError?.(err, `the window of ${s.deployment} (${s.model}@${s.version}) could not be reported`);
    }
  }

  /** Writes closed windows in one batch, then publishes their gauges and events. */
  #write(): Promise<void> {
    const batch = this.#closed;
    if (batch.length === 0) return this.#writing;
    this.#closed = [];
    this.#writing = this.#writing
      .then(async () => {
        await this.#o.repo.insertWindows(batch, this.#now());
        for (const r of batch) this.#publish(r);
      })
      .catch((err) => this.#o.onError?.(err, 'closed monitoring windows could not be written'));
    return this.#writing;
  }

  #publish(r: WindowReport): void {
    const base = { deployment: r.deployment, model: r.model, version: String(r.version) };
    const g = this.#gauges;
    if (g) {
      g.rows.set(base, r.rows);
      g.windows.inc(base);
      if (r.drift) g.share.set(base, r.drift.drift_share);
      for (const d of [...(r.drift?.columns ?? []), ...(r.prediction_drift ? [r.prediction_drift] : [])]) {
        const key = `${r.deployment}\u0000${r.model}\u0000${r.version}\u0000${d.column}`;
        const labels = { ...base, feature: d.column, test: d.test };
        this.#scoreSeries.set(g.score as Gauge<string>, key, labels, d.p_value ?? d.statistic);
        this.#driftedSeries.set(g.drifted as Gauge<string>, key, labels, d.drifted ? 1 : 0);
      }
      for (const q of r.quality.columns) {
        const labels = { ...base, feature: q.column };
        g.quality.set({ ...labels, kind: 'missing' }, q.missing);
        g.quality.set({ ...labels, kind: 'out_of_range' }, q.out_of_range);
        g.quality.set({ ...labels, kind: 'unseen_category' }, q.unseen_categories);
        g.quality.set({ ...labels, kind: 'type_error' }, q.type_errors);
        g.quality.set({ ...labels, kind: 'constant' }, q.constant ? 1 : 0);
      }
    }
    const events = this.#o.events;
    if (!events) return;
    const summary = {
      ...base, version: r.version, window_start: r.window_start, window_end: r.window_end, rows: r.rows,
      drift_share: r.drift?.drift_share ?? null, dataset_drifted: r.drift?.dataset_drifted ?? false,
      drifted_features: (r.drift?.columns ?? []).filter((c) => c.drifted).map((c) => c.column),
      prediction_drifted: r.prediction_drift?.drifted ?? false,
      quality_issues: r.quality.columns.flatMap((c) => c.issues.map((kind) => ({ feature: c.column, kind }))),
    };
    events.publish({ type: 'monitoring.window_closed', subject: r.deployment, data: summary });
    if (summary.dataset_drifted || summary.prediction_drifted) {
      events.publish({
        type: 'monitoring.drift_detected', subject: r.deployment,
        data: { ...summary, kind: summary.dataset_drifted ? 'data' : 'prediction', features: [...summary.drifted_features, ...(summary.prediction_drifted ? [PREDICTION_COLUMN] : [])] },
      });
    }
  }
}

