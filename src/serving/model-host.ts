import { Counter, Histogram, type Registry } from 'prom-client';
import type { BundleManifest, ModelFormat } from '../bundles/index.js';
import { InvalidParameterError, PuenteError } from '../errors/index.js';
import type { ModelCatalog } from './catalog.js';
import { MicroBatcher } from './micro-batcher.js';
import { rowChecker, type CheckOptions, type Row } from './rows.js';
import { concatRows, slicePrediction, type Prediction, type Predictor, type PredictorFactory } from './predictor.js';

export interface ModelHostOptions {
  /** Where versions and their bundles come from (this store, or a remote server). */
  readonly catalog: ModelCatalog;
  /** One runtime per bundle format. */
  readonly runtimes: Partial<Record<ModelFormat, PredictorFactory>>;
  readonly metrics?: Registry;
  /** Loaded versions kept in memory at most (least recently used unloaded first). Default 16. */
  readonly maxLoaded?: number;
  /** Rows per micro-batch and how long an idle model waits for company (ms). */
  readonly maxBatchRows?: number;
  readonly maxBatchWaitMs?: number;
  /**
   * How long which version an alias names is remembered. A moved alias reaches this process
   * within this time (default 1 s).
   */
  readonly resolveCacheMs?: number;
  readonly check?: CheckOptions;
  readonly onError?: (err: unknown, context: string) => void;
}

/** A served version: its manifest and predictor behind a micro-batcher. */
export interface HostedModel {
  readonly name: string;
  readonly version: number;
  readonly manifest: BundleManifest;
  readonly predictor: Predictor;
  readonly batcher: MicroBatcher<Row[], Prediction>;
  /** Checks request records against the signature (lookups built once, at load). */
  readonly check: (records: readonly Record<string, unknown>[]) => Row[];
  lastUsed: number;
}

/** The result of one prediction request. */
export interface HostedPrediction {
  readonly name: string;
  readonly version: number;
  readonly prediction: Prediction;
}

/**
 * Serves registered model versions: resolves a version number or alias (default: `champion`,
 * else the latest version), loads and verifies its bundle on first use (once, however many
 * requests wait for it), warms it up, and runs requests through a micro-batcher. When an alias
 * moves to a version that cannot be loaded, the version it named before keeps serving.
 */
export class ModelHost {
  readonly #o: ModelHostOptions;
  readonly #loaded = new Map<string, Promise<HostedModel>>();
  readonly #resolved = new Map<string, { version: number; until: number }>();
  /** The version that last served each (model, reference), for falling back. */
  readonly #lastGood = new Map<string, number>();
  readonly #requests: Counter<'model' | 'version' | 'status'> | undefined;
  readonly #latency: Histogram<'model' | 'version'> | undefined;
  readonly #batchRows: Histogram<'model' | 'version'> | undefined;

  constructor(options: ModelHostOptions) {
    this.#o = options;
    if (options.metrics) {
      const registers = [options.metrics];
      this.#requests = new Counter({ name: 'puente_model_requests_total', help: 'Prediction requests by model, version and outcome.', labelNames: ['model', 'version', 'status'], registers });
      this.#latency = new Histogram({
        name: 'puente_model_request_duration_seconds', help: 'Time to answer a prediction request (validation, batching, model).',
        labelNames: ['model', 'version'], buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1], registers,
      });
      this.#batchRows = new Histogram({
        name: 'puente_model_batch_rows', help: 'Rows per evaluated micro-batch.', labelNames: ['model', 'version'],
        buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024], registers,
      });
    }
  }

  /** The version a reference names: a number, an alias, or (none) `champion` else the latest. */
  async resolve(name: string, ref?: string): Promise<number> {
    const key = `${name}\u0000${ref ?? ''}`;
    const hit = this.#resolved.get(key);
    const now = Date.now();
    if (hit && hit.until > now) return hit.version;
    const version = await this.#o.catalog.resolve(name, ref);
    this.#resolved.set(key, { version, until: now + (this.#o.resolveCacheMs ?? 1_000) });
    return version;
  }

  /** The hosted model for a reference, loading it if needed (with fallback to the last good version). */
  async get(name: string, ref?: string): Promise<HostedModel> {
    const key = `${name}\u0000${ref ?? ''}`;
    const version = await this.resolve(name, ref);
    try {
      const hosted = await this.#load(name, version);
      this.#lastGood.set(key, version);
      return hosted;
    } catch (err) {
      const previous = this.#lastGood.get(key);
      if (previous === undefined || previous === version) throw err;
      this.#o.onError?.(err, `version ${version} of model '${name}' could not be loaded; version ${previous} keeps serving`);
      return this.#load(name, previous);
    }
  }

  /**
   * Validates records against the signature of a version obtained from `get` and predicts them
   * (micro-batched). Taking the hosted model, not a reference, means the request is checked and
   * answered by one version even if an alias moves meanwhile, and is resolved once.
   */
  async predict(hosted: HostedModel, records: Record<string, unknown>[]): Promise<HostedPrediction> {
    const started = process.hrtime.bigint();
    const labels = { model: hosted.name, version: String(hosted.version) };
    try {
      if (records.length === 0) throw new InvalidParameterError('The request holds no rows to predict.', 'inputs');
      const prediction = await hosted.batcher.submit(hosted.check(records));
      this.#requests?.inc({ ...labels, status: 'ok' });
      return { name: hosted.name, version: hosted.version, prediction };
    } catch (err) {
      this.#requests?.inc({ ...labels, status: err instanceof PuenteError && err.status < 500 ? 'invalid' : 'error' });
      throw err;
    } finally {
      this.#latency?.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** Loaded (or loading) versions, for readiness answers. */
  isLoaded(name: string, version: number): boolean {
    return this.#loaded.has(`${name}\u0000${version}`);
  }

  /** Unloads every model. */
  async close(): Promise<void> {
    const all = [...this.#loaded.values()];
    this.#loaded.clear();
    for (const p of all) await p.then((h) => h.predictor.close(), () => undefined);
  }

  #load(name: string, version: number): Promise<HostedModel> {
    const key = `${name}\u0000${version}`;
    let pending = this.#loaded.get(key);
    if (!pending) {
      pending = this.#open(name, version);
      this.#loaded.set(key, pending);
      // A failed load is forgotten, so a fixed bundle or a transient store error can be retried.
      pending.catch(() => this.#loaded.delete(key));
      void this.#evict();
    }
    return pending.then((h) => {
      h.lastUsed = Date.now();
      return h;
    });
  }

  async #open(name: string, version: number): Promise<HostedModel> {
    const bundle = await this.#o.catalog.openBundle(name, version);
    const factory = this.#o.runtimes[bundle.manifest.format];
    if (!factory) throw new PuenteError('NOT_IMPLEMENTED', `No runtime for ${bundle.manifest.format} models is available in this server.`);
    const predictor = await factory(bundle);
    // Warm up: the first real request should not pay for lazy initialisation.
    const warm = warmupRow(bundle.manifest);
    if (warm) await predictor.predict([warm]);
    const labels = { model: name, version: String(version) };
    const batcher = new MicroBatcher<Row[], Prediction>({
      run: async (parts) => {
        const { rows, offsets } = concatRows(parts);
        const whole = await predictor.predict(rows);
        return parts.map((part, i) => slicePrediction(whole, offsets[i]!, part.length));
      },
      sizeOf: (rows) => rows.length,
      maxBatchRows: this.#o.maxBatchRows ?? 256,
      maxWaitMs: this.#o.maxBatchWaitMs ?? 0,
      onBatch: (rows) => this.#batchRows?.observe(labels, rows),
    });
    return { name, version, manifest: bundle.manifest, predictor, batcher, check: rowChecker(bundle.manifest.signature, this.#o.check), lastUsed: Date.now() };
  }

  async #evict(): Promise<void> {
    const max = this.#o.maxLoaded ?? 16;
    if (this.#loaded.size <= max) return;
    const settled: HostedModel[] = [];
    for (const p of this.#loaded.values()) {
      const h = await Promise.race([p, Promise.resolve(null)]).catch(() => null);
      if (h && h.batcher.queued === 0) settled.push(h);
    }
    settled.sort((a, b) => a.lastUsed - b.lastUsed);
    for (const h of settled.slice(0, this.#loaded.size - max)) {
      this.#loaded.delete(`${h.name}\u0000${h.version}`);
      await h.predictor.close();
    }
  }
}

/** A row to warm a model up with: its input example, else a typical value per column. */
function warmupRow(manifest: BundleManifest): Row | null {
  const example = manifest.input_example?.[0];
  if (example) return example as Row;
  if (manifest.signature.inputs.length === 0) return null;
  const row: Row = {};
  for (const c of manifest.signature.inputs) {
    row[c.name] = c.type === 'string' ? (c.categories?.[0] ?? '') : c.type === 'boolean' ? false : (c.range?.[0] ?? 0);
  }
  return row;
}
