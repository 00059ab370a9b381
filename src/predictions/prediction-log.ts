import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, PuenteDb } from '../db/index.js';
import { InvalidParameterError } from '../errors/index.js';

/** One answered prediction request, as the serving path hands it over (never awaited there). */
export interface PredictionEntry {
  readonly id: string;
  readonly deployment: string | null;
  readonly model: string;
  readonly version: number;
  readonly role: string | null;
  readonly at: number;
  readonly latency_ms: number;
  readonly inputs: readonly Record<string, unknown>[];
  readonly predictions: readonly unknown[];
}

/** A ground-truth label for one row of a logged prediction (row 0 when the request had one row). */
export interface FeedbackItem {
  readonly prediction_id: string;
  readonly row?: number;
  readonly label: unknown;
}

export type FeedbackOutcome = 'recorded' | 'not_found';

export interface FeedbackResult {
  readonly prediction_id: string;
  readonly row: number;
  readonly status: FeedbackOutcome;
}

/** A logged row with its label, for live performance and A/B outcomes. */
export interface LabelledRow {
  readonly model: string;
  readonly version: number;
  readonly role: string | null;
  readonly output: unknown;
  readonly label: string | number | boolean;
}

export interface PredictionLogOptions {
  /** Share of requests logged (0–1). Default 1. */
  readonly sampleRate?: number;
  /** Longest a queued entry waits before its batch is written (ms). Default 250. */
  readonly flushMs?: number;
  /** Entries waiting beyond this are dropped (and counted) rather than growing memory. Default 50,000. */
  readonly maxQueued?: number;
  readonly onError?: (err: unknown) => void;
  readonly now?: () => number;
}

/** A fresh prediction id (returned to the caller, quoted back with feedback). */
export const newPredictionId = (): string => randomUUID();

/**
 * The prediction log: requests are queued on the serving path and written in batches off it,
 * so a prediction never waits on the database. Feedback labels join rows by prediction id.
 */
export class PredictionLog {
  readonly #k: Kysely<Database>;
  readonly #maxParams: number;
  readonly #o: Required<Omit<PredictionLogOptions, 'onError' | 'now'>> & Pick<PredictionLogOptions, 'onError'>;
  readonly #now: () => number;
  #queue: PredictionEntry[] = [];
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> = Promise.resolve();
  #dropped = 0;

  constructor(db: PuenteDb, options: PredictionLogOptions = {}) {
    this.#k = db.kysely;
    this.#maxParams = db.capabilities.maxParameters;
    const sampleRate = options.sampleRate ?? 1;
    if (!(sampleRate >= 0 && sampleRate <= 1)) throw new InvalidParameterError('The prediction log sample rate must be between 0 and 1.', 'sample_rate');
    this.#o = { sampleRate, flushMs: options.flushMs ?? 250, maxQueued: options.maxQueued ?? 50_000, onError: options.onError };
    this.#now = options.now ?? Date.now;
  }

  get sampleRate(): number {
    return this.#o.sampleRate;
  }

  /** Entries dropped because the queue was full. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Whether the next request should be logged (decided before the work of building an entry). */
  sampled(): boolean {
    return this.#o.sampleRate >= 1 || Math.random() < this.#o.sampleRate;
  }

  /** Queues an entry; returns at once. */
  record(entry: PredictionEntry): void {
    if (this.#queue.length >= this.#o.maxQueued) {
      this.#dropped++;
      return;
    }
    this.#queue.push(entry);
    if (this.#timer === null) {
      this.#timer = setTimeout(() => void this.flush(), this.#o.flushMs);
      this.#timer.unref();
    }
  }

  /** Writes everything queued so far. */
  flush(): Promise<void> {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const batch = this.#queue;
    this.#queue = [];
    this.#writing = this.#writing.then(() => this.#write(batch)).catch((err) => this.#o.onError?.(err));
    return this.#writing;
  }

  async #write(batch: PredictionEntry[]): Promise<void> {
    if (batch.length === 0) return;
    const rows = batch.flatMap((e) =>
      e.inputs.map((input, i) => ({
        prediction_id: e.id, row_index: i, deployment: e.deployment, model: e.model, version: e.version, role: e.role, at: e.at,
        latency_ms: e.latency_ms, inputs: JSON.stringify(input), output: JSON.stringify(e.predictions[i] ?? null), label: null, label_at: null,
      })),
    );
    const chunk = Math.max(1, Math.floor(this.#maxParams / 13));
    await this.#k.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += chunk) await trx.insertInto('predictions').values(rows.slice(i, i + chunk)).execute();
    });
  }

  /**
   * Records ground-truth labels. Idempotent (the same label again changes nothing); unknown ids
   * are reported per item, never dropped silently. Labels must be numbers, strings or booleans.
   */
  async feedback(items: readonly FeedbackItem[], scope: { deployment?: string } = {}): Promise<FeedbackResult[]> {
    items.forEach((item, i) => {
      if (typeof item.prediction_id !== 'string' || item.prediction_id === '') throw new InvalidParameterError(`Item ${i}: prediction_id must be a non-empty string.`, `labels[${i}].prediction_id`);
      if (item.row !== undefined && !(Number.isInteger(item.row) && item.row >= 0)) throw new InvalidParameterError(`Item ${i}: row must be a whole number ≥ 0.`, `labels[${i}].row`);
      const ok = (typeof item.label === 'number' && Number.isFinite(item.label)) || typeof item.label === 'string' || typeof item.label === 'boolean';
      if (!ok) throw new InvalidParameterError(`Item ${i}: label must be a number, a string or a boolean, got ${JSON.stringify(item.label) ?? 'nothing'}.`, `labels[${i}].label`);
    });
    // Labels may follow their prediction within milliseconds: write what is queued first.
    await this.flush();
    const now = this.#now();
    return this.#k.transaction().execute(async (trx) => {
      const out: FeedbackResult[] = [];
      for (const item of items) {
        const row = item.row ?? 0;
        let q = trx
          .updateTable('predictions')
          .set({ label: JSON.stringify(item.label), label_at: now })
          .where('prediction_id', '=', item.prediction_id)
          .where('row_index', '=', row);
        if (scope.deployment !== undefined) q = q.where('deployment', '=', scope.deployment);
        const r = await q.executeTakeFirst();
        out.push({ prediction_id: item.prediction_id, row, status: Number(r.numUpdatedRows) > 0 ? 'recorded' : 'not_found' });
      }
      return out;
    });
  }

  /** Labelled rows of a deployment (or of a model when deployment is null) predicted since `since`. */
  async labelled(filter: { deployment?: string; model?: string; version?: number; since?: number; limit?: number }): Promise<LabelledRow[]> {
    let q = this.#k.selectFrom('predictions').select(['model', 'version', 'role', 'output', 'label']).where('label', 'is not', null);
    if (filter.deployment !== undefined) q = q.where('deployment', '=', filter.deployment);
    if (filter.model !== undefined) q = q.where('model', '=', filter.model);
    if (filter.version !== undefined) q = q.where('version', '=', filter.version);
    if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
    const rows = await q.limit(filter.limit ?? 200_000).execute();
    return rows.map((r) => ({ model: r.model, version: r.version, role: r.role, output: JSON.parse(r.output) as unknown, label: JSON.parse(r.label!) as string | number | boolean }));
  }

  /** Drops logged rows older than `before` (retention). */
  async prune(before: number): Promise<number> {
    const r = await this.#k.deleteFrom('predictions').where('at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** Writes what is queued and stops the timer. */
  async close(): Promise<void> {
    await this.flush();
  }
}
