import type { ModelHost } from '../../serving/index.js';
import { InvalidParameterError, NotFoundError } from '../../errors/index.js';
import type { ColumnProfile, ReferenceProfile } from '../sketches/index.js';
import type { LivePerformance, PerformanceQuery, PerformanceReport } from './live-performance.js';
import type { LiveMonitor } from './monitor.js';
import { buildModelReference, collectRecords, type ModelReference } from './reference.js';
import { readSample, type SampleFormat } from './records.js';
import type { MonitoringRepo } from './repo.js';
import { parseDriftSettings, withOverrides, type DriftSettings } from './settings.js';
import type { QualityColumn, WindowReport } from './window.js';

/*
 * What the monitoring API offers: references of model versions (set from a sample or a dataset
 * version, or built on first use from the training dataset a bundle names), drift and data
 * quality per window of a deployment (stored windows, and the open ones computed on request),
 * live performance, and drift settings.
 */

/** Rows of a dataset version, a batch at a time. */
export type DatasetRowsSource = (name: string, version: string) => Promise<{ readonly batches: AsyncIterable<readonly Record<string, unknown>[]>; readonly source: string }>;

export interface MonitoringServiceDeps {
  readonly repo: MonitoringRepo;
  readonly monitor: LiveMonitor;
  readonly performance: LivePerformance;
  readonly host: Pick<ModelHost, 'get' | 'predict' | 'resolve'>;
  /** Says whether a deployment exists (throws NotFoundError when not). */
  readonly deploymentExists: (name: string) => Promise<void>;
  /** Reads dataset versions; absent: references come from uploaded samples only. */
  readonly datasetRows?: DatasetRowsSource;
  readonly onError?: (err: unknown, context: string) => void;
  readonly now?: () => number;
  /** Stored windows older than this are deleted hourly once started (ms); null: kept. */
  readonly retentionMs?: number | null;
}

/** A reference without its samples: what a client is shown. */
export type ReferenceSummary = Pick<ModelReference, 'model' | 'version' | 'source' | 'rows' | 'created_at' | 'created_by' | 'performance' | 'skipped'> & {
  readonly columns: unknown[];
  readonly predictions: unknown | null;
};

export interface WindowsQuery {
  readonly model?: string;
  readonly version?: number;
  readonly since?: number;
  readonly until?: number;
  /** Most stored windows returned (newest first), default 20. */
  readonly limit?: number;
  /** Also report the windows still open (default true). */
  readonly includeOpen?: boolean;
  /** `NAME` or `COLUMN=NAME`, laid over the deployment's settings for the open windows. */
  readonly stattest?: readonly string[];
}

export interface WindowsAnswer<T> {
  readonly deployment: string;
  readonly window_ms: number;
  readonly windows: T[];
}

export type QualityWindow = Pick<WindowReport, 'deployment' | 'model' | 'version' | 'window_start' | 'window_end' | 'open' | 'rows' | 'reference'> & {
  readonly columns: QualityColumn[];
  readonly issues: number;
};

function summarizeColumn(c: ColumnProfile): unknown {
  if (c.type === 'categorical') {
    return { column: c.column, type: c.type, count: c.count, missing: c.missing, categories: c.categories.map((value, i) => ({ value, count: c.counts[i] })) };
  }
  return {
    column: c.column, type: c.type, count: c.count, missing: c.missing, min: c.min, max: c.max, mean: c.mean, std: c.std,
    cut_points: c.cutPoints, bin_counts: c.binCounts, sample_size: c.sample.length,
  };
}

const summarizeProfile = (p: ReferenceProfile) => p.columns.map(summarizeColumn);

/** `name@version` of a dataset version. */
export function parseDatasetRef(text: string): { name: string; version: string } {
  const at = text.lastIndexOf('@');
  if (at <= 0 || at === text.length - 1) throw new InvalidParameterError(`'${text}' is not a dataset version; write NAME@VERSION, e.g. credit@1.`, 'dataset');
  return { name: text.slice(0, at), version: text.slice(at + 1) };
}

export class MonitoringService {
  readonly #d: MonitoringServiceDeps;
  readonly #cache = new Map<string, Promise<ModelReference | null>>();

  #pruner: NodeJS.Timeout | null = null;

  constructor(deps: MonitoringServiceDeps) {
    this.#d = deps;
  }

  /** Starts closing windows on time, recomputing live metrics when labels arrive, and pruning old windows. */
  start(): void {
    this.#d.monitor.start();
    this.#d.performance.start();
    const retention = this.#d.retentionMs ?? null;
    if (retention !== null && !this.#pruner) {
      const prune = () => {
        this.#d.repo.pruneWindows((this.#d.now ?? Date.now)() - retention).catch((err) => this.#d.onError?.(err, 'old monitoring windows could not be pruned'));
      };
      prune();
      this.#pruner = setInterval(prune, 3_600_000);
      this.#pruner.unref();
    }
  }

  /** Stops the timers and writes the open windows. */
  async stop(): Promise<void> {
    if (this.#pruner) clearInterval(this.#pruner);
    this.#pruner = null;
    await this.#d.performance.stop();
    await this.#d.monitor.stop();
  }

  /** The live monitor (the gateway's observer). */
  get monitor(): LiveMonitor {
    return this.#d.monitor;
  }

  /** Live performance (its gauges follow labels once started). */
  get livePerformance(): LivePerformance {
    return this.#d.performance;
  }

  /**
   * The reference of a model version: the stored one, else — once — one built from the training
   * dataset version its bundle names (when dataset versions can be read). Cached.
   */
  reference(model: string, version: number): Promise<ModelReference | null> {
    const key = `${model}\u0000${version}`;
    let hit = this.#cache.get(key);
    if (!hit) {
      hit = this.#load(model, version);
      // A failed read is not remembered.
      hit.catch(() => this.#cache.delete(key));
      if (this.#cache.size >= 64) this.#cache.delete(this.#cache.keys().next().value as string);
      this.#cache.set(key, hit);
    }
    return hit;
  }

  async #load(model: string, version: number): Promise<ModelReference | null> {
    const stored = await this.#d.repo.getReference(model, version);
    if (stored || !this.#d.datasetRows) return stored;
    const hosted = await this.#d.host.get(model, String(version));
    const training = hosted.manifest.training_dataset;
    if (!training) return null;
    try {
      return await this.#fromDataset(model, version, `${training.name}@${training.version}`, { by: null, training: true });
    } catch (err) {
      this.#d.onError?.(err, `no reference for ${model} version ${version}: its training dataset ${training.name}@${training.version} could not be profiled`);
      return null;
    }
  }

  async #version(model: string, ref: string): Promise<number> {
    return this.#d.host.resolve(model, ref);
  }

  /** Stores a reference; a replaced one (`restart`) closes the windows counted against the old one. */
  async #store(ref: ModelReference, restart: boolean): Promise<ModelReference> {
    await this.#d.repo.putReference(ref);
    this.#cache.set(`${ref.model}\u0000${ref.version}`, Promise.resolve(ref));
    if (restart) await this.#d.monitor.invalidateReference(ref.model, ref.version);
    return ref;
  }

  async #build(model: string, version: number, records: Record<string, unknown>[], source: string, target: string | undefined, by: string | null): Promise<ModelReference> {
    const hosted = await this.#d.host.get(model, String(version));
    const m = hosted.manifest;
    return buildModelReference({
      model, version, signature: m.signature, task: m.task, classes: m.classes, records, source, createdBy: by, ...(target !== undefined ? { target } : {}),
      predict: async (rows) => (await this.#d.host.predict(hosted, rows)).prediction.predictions,
      now: (this.#d.now ?? Date.now)(),
    });
  }

  async #fromDataset(model: string, version: number, dataset: string, o: { target?: string; by: string | null; training?: boolean }): Promise<ModelReference> {
    if (!this.#d.datasetRows) throw new InvalidParameterError('Dataset versions cannot be read by this server; upload the reference sample as a file instead.', 'dataset');
    const { name, version: dv } = parseDatasetRef(dataset);
    const { batches, source } = await this.#d.datasetRows(name, dv);
    const { records, seen } = await collectRecords(batches);
    const label = `dataset ${source}${o.training ? ' (training dataset)' : ''}${seen > records.length ? `, ${records.length} of ${seen} rows sampled` : ''}`;
    // Built on first use (training), the monitor is waiting for it: nothing to restart.
    return this.#store(await this.#build(model, version, records, label, o.target, o.by), !o.training);
  }

  /** Sets a version's reference from an uploaded sample (CSV, JSON Lines or Parquet). */
  async setReferenceFromSample(model: string, ref: string, bytes: Uint8Array, format: SampleFormat, o: { target?: string; by: string | null; name?: string }): Promise<ReferenceSummary> {
    const version = await this.#version(model, ref);
    const records = await readSample(bytes, format);
    const reference = await this.#build(model, version, records, `upload${o.name ? ` ${o.name}` : ''} (${format}, ${records.length} rows)`, o.target, o.by);
    return summarize(await this.#store(reference, true));
  }

  /** Sets a version's reference from a dataset version (NAME@VERSION). */
  async setReferenceFromDataset(model: string, ref: string, dataset: string, o: { target?: string; by: string | null }): Promise<ReferenceSummary> {
    const version = await this.#version(model, ref);
    return summarize(await this.#fromDataset(model, version, dataset, o));
  }

  async getReference(model: string, ref: string): Promise<ReferenceSummary> {
    const version = await this.#version(model, ref);
    const reference = await this.reference(model, version);
    if (!reference) {
      throw new NotFoundError(`Model '${model}' version ${version} has no reference profile; set one with PUT /api/v1/models/${model}/versions/${version}/reference (a sample file or a dataset version).`, 'reference');
    }
    return summarize(reference);
  }

  async deleteReference(model: string, ref: string): Promise<void> {
    const version = await this.#version(model, ref);
    if (!(await this.#d.repo.deleteReference(model, version))) throw new NotFoundError(`Model '${model}' version ${version} has no stored reference profile.`, 'reference');
    this.#cache.delete(`${model}\u0000${version}`);
    await this.#d.monitor.invalidateReference(model, version);
  }

  async settings(deployment: string): Promise<DriftSettings> {
    return (await this.#d.repo.getSettings(deployment)) ?? {};
  }

  async putSettings(deployment: string, value: unknown, by: string | null): Promise<DriftSettings> {
    await this.#d.deploymentExists(deployment);
    const settings = parseDriftSettings(value);
    await this.#d.repo.putSettings(deployment, settings, by, (this.#d.now ?? Date.now)());
    await this.#d.monitor.invalidateSettings(deployment);
    return settings;
  }

  /** Windows of a deployment, newest first: the open ones (computed now) then the stored ones. */
  async windows(deployment: string, q: WindowsQuery = {}): Promise<WindowsAnswer<WindowReport>> {
    await this.#d.deploymentExists(deployment);
    const specs = q.stattest ?? [];
    const override = specs.length > 0 ? (base: DriftSettings) => withOverrides(base, specs) : undefined;
    if (override) override({}); // refuses unknown test names before anything is read
    const open = q.includeOpen === false ? [] : (await this.#d.monitor.openWindows(deployment, override)).filter((w) =>
      (q.model === undefined || w.model === q.model) && (q.version === undefined || w.version === q.version)
      && (q.since === undefined || w.window_start >= q.since) && (q.until === undefined || w.window_start < q.until));
    const stored = await this.#d.repo.listWindows({ deployment, ...q, limit: q.limit ?? 20 });
    const windows = [...open.sort((a, b) => b.window_start - a.window_start), ...stored];
    return { deployment, window_ms: this.#d.monitor.windowMs, windows };
  }

  /** Data quality per window. */
  async quality(deployment: string, q: WindowsQuery = {}): Promise<WindowsAnswer<QualityWindow>> {
    const answer = await this.windows(deployment, q);
    return {
      ...answer,
      windows: answer.windows.map((w) => ({
        deployment: w.deployment, model: w.model, version: w.version, window_start: w.window_start, window_end: w.window_end, open: w.open, rows: w.rows,
        reference: w.reference, columns: w.quality.columns, issues: w.quality.issues,
      })),
    };
  }

  async performance(deployment: string, q: PerformanceQuery = {}): Promise<PerformanceReport> {
    await this.#d.deploymentExists(deployment);
    return this.#d.performance.report(deployment, q);
  }
}

function summarize(r: ModelReference): ReferenceSummary {
  return {
    model: r.model, version: r.version, source: r.source, rows: r.rows, created_at: r.created_at, created_by: r.created_by,
    columns: summarizeProfile(r.profile), predictions: r.predictions ? summarizeColumn(r.predictions.columns[0]!) : null,
    performance: r.performance, skipped: r.skipped,
  };
}

/* Query and answer shapes of the HTTP API, shared by the SDK and the CLI. */

/** Which monitoring windows to read. */
export interface MonitoringQuery {
  readonly model?: string;
  readonly version?: number;
  /** ISO time, epoch ms, or a duration back from now (24h). */
  readonly since?: string;
  readonly until?: string;
  readonly limit?: number;
  readonly include_open?: boolean;
  /** NAME or COLUMN=NAME, for the open windows. */
  readonly stattest?: readonly string[];
}

export interface PerformanceQueryParams {
  readonly window?: string;
  readonly model?: string;
  readonly version?: number;
  readonly since?: string;
  readonly until?: string;
  readonly min_labels?: number;
  readonly max_drop?: number;
}

/** A window as the drift answer gives it. */
export type DriftWindow = Pick<WindowReport, 'deployment' | 'model' | 'version' | 'window_start' | 'window_end' | 'open' | 'rows' | 'reference' | 'drift' | 'prediction_drift'>;

/** Where a reference comes from: a dataset version, or sample file bytes. */
export type ReferenceSource =
  | { readonly dataset: string; readonly target?: string }
  | { readonly file: Uint8Array | Blob; readonly format: SampleFormat; readonly name?: string; readonly target?: string };
