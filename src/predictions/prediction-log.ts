import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import { Counter, type Registry } from 'prom-client';
import type { Database, PuenteDb } from '../db/index.js';
import { InvalidParameterError } from '../errors/index.js';
import { checkLabel, type LabelRule } from './labels.js';

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
  /** Per row, its explanation when one was computed (deployments that store explanations). */
  readonly explanations?: readonly (StoredExplanation | null)[];
}

/** An explanation kept with a logged row: each input column's contribution and the base value. */
export interface StoredExplanation {
  readonly method: string;
  /** `margin` (Tree SHAP's raw score), `prediction` or `log_odds`. */
  readonly output: string;
  /** One value, or one per class. */
  readonly base_value: number | readonly number[];
  readonly contributions: Readonly<Record<string, number | readonly number[]>>;
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

/** Which prediction a label is about, to decide what labels its model accepts. */
export interface LabelTarget {
  readonly deployment: string | null;
  readonly model: string;
  readonly version: number;
}

/** Labels that arrived, one entry per recorded label (listeners recompute live performance). */
export interface LabelledEvent extends LabelTarget {
  /** When the labelled prediction was made. */
  readonly at: number;
}

/** One logged row as exported: the request's inputs, the row's prediction, and its label once known. */
export interface LoggedRow {
  readonly prediction_id: string;
  readonly row: number;
  readonly deployment: string | null;
  readonly model: string;
  readonly version: number;
  readonly role: string | null;
  readonly at: number;
  readonly latency_ms: number;
  readonly inputs: Record<string, unknown>;
  readonly output: unknown;
  readonly label: unknown;
  readonly label_at: number | null;
  readonly explanation: StoredExplanation | null;
}

/** Which logged rows to read: one deployment's, or one model's (optionally one version), in a time range. */
export interface LogFilter {
  readonly deployment?: string;
  readonly model?: string;
  readonly version?: number;
  /** Inclusive lower bound on the prediction time (ms). */
  readonly since?: number;
  /** Exclusive upper bound on the prediction time (ms). */
  readonly until?: number;
  /** Only rows with (true) or without (false) a label. */
  readonly labelled?: boolean;
}

export interface PredictionLogOptions {
  /** Share of requests logged (0–1). Default 1. */
  readonly sampleRate?: number;
  /** Rows older than this are deleted by the pruning timer (ms); null: kept forever. Default null. */
  readonly retentionMs?: number | null;
  /** How often the pruning timer runs (ms). Default one hour. */
  readonly pruneEveryMs?: number;
  /**
   * What labels a prediction accepts (from its model's task and classes); null: any number,
   * string or boolean. Labels of the wrong type are refused (400) before anything is written.
   */
  readonly labelRule?: (target: LabelTarget) => Promise<LabelRule | null>;
  /** Registry for `puente_predictions_logged_total` and `puente_feedback_labels_total`. */
  readonly metrics?: Registry;
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
  readonly #o: { sampleRate: number; flushMs: number; maxQueued: number; retentionMs: number | null; pruneEveryMs: number } & Pick<PredictionLogOptions, 'onError' | 'labelRule'>;
  readonly #now: () => number;
  #queue: PredictionEntry[] = [];
  #timer: NodeJS.Timeout | null = null;
  #pruner: NodeJS.Timeout | null = null;
  #writing: Promise<void> = Promise.resolve();
  #dropped = 0;
  readonly #labelListeners = new Set<(labels: readonly LabelledEvent[]) => void>();
  readonly #logged: Counter<'deployment' | 'model' | 'version'> | undefined;
  readonly #labels: Counter<'deployment' | 'model' | 'version'> | undefined;

  constructor(db: PuenteDb, options: PredictionLogOptions = {}) {
    this.#k = db.kysely;
    this.#maxParams = db.capabilities.maxParameters;
    const sampleRate = options.sampleRate ?? 1;
    if (!(sampleRate >= 0 && sampleRate <= 1)) throw new InvalidParameterError('The prediction log sample rate must be between 0 and 1.', 'sample_rate');
    const retentionMs = options.retentionMs ?? null;
    if (retentionMs !== null && !(retentionMs > 0)) throw new InvalidParameterError('The prediction retention must be a positive duration.', 'retention');
    this.#o = {
      sampleRate, flushMs: options.flushMs ?? 250, maxQueued: options.maxQueued ?? 50_000, retentionMs, pruneEveryMs: options.pruneEveryMs ?? 3_600_000,
      onError: options.onError, labelRule: options.labelRule,
    };
    this.#now = options.now ?? Date.now;
    if (options.metrics) {
      const registers = [options.metrics];
      const labelNames = ['deployment', 'model', 'version'] as const;
      this.#logged = new Counter({ name: 'puente_predictions_logged_total', help: 'Predicted rows written to the prediction log (deployment empty for model routes).', labelNames, registers });
      this.#labels = new Counter({ name: 'puente_feedback_labels_total', help: 'Ground-truth labels recorded for logged predictions.', labelNames, registers });
    }
  }

  /** How long logged rows are kept (ms), or null for ever. */
  get retentionMs(): number | null {
    return this.#o.retentionMs;
  }

  /** Calls `listener` after labels were recorded (live performance recomputes then); returns the function that removes it. */
  onLabels(listener: (labels: readonly LabelledEvent[]) => void): () => void {
    this.#labelListeners.add(listener);
    return () => this.#labelListeners.delete(listener);
  }

  /** Starts deleting rows older than the retention, now and then every `pruneEveryMs`; a no-op without retention. */
  startPruning(): void {
    if (this.#o.retentionMs === null || this.#pruner) return;
    const run = () => {
      this.prune(this.#now() - this.#o.retentionMs!).catch((err) => this.#o.onError?.(err));
    };
    run();
    this.#pruner = setInterval(run, this.#o.pruneEveryMs);
    this.#pruner.unref();
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
        explanation: e.explanations?.[i] ? JSON.stringify(e.explanations[i]) : null,
      })),
    );
    const chunk = Math.max(1, Math.floor(this.#maxParams / 14));
    await this.#k.transaction().execute(async (trx) => {
      for (let i = 0; i < rows.length; i += chunk) await trx.insertInto('predictions').values(rows.slice(i, i + chunk)).execute();
    });
    if (this.#logged) for (const e of batch) this.#logged.inc({ deployment: e.deployment ?? '', model: e.model, version: String(e.version) }, e.inputs.length);
  }

  /**
   * Records ground-truth labels. Idempotent (the same label again changes nothing); unknown ids
   * are reported per item, never dropped silently. Labels must be numbers, strings or booleans,
   * and of the kind the prediction's model takes (a class of a classifier, a number for a
   * regressor): otherwise nothing is written and the error names the first wrong item.
   */
  async feedback(items: readonly FeedbackItem[], scope: { deployment?: string; model?: string } = {}): Promise<FeedbackResult[]> {
    items.forEach((item, i) => {
      if (typeof item.prediction_id !== 'string' || item.prediction_id === '') throw new InvalidParameterError(`Item ${i}: prediction_id must be a non-empty string.`, `labels[${i}].prediction_id`);
      if (item.row !== undefined && !(Number.isInteger(item.row) && item.row >= 0)) throw new InvalidParameterError(`Item ${i}: row must be a whole number ≥ 0.`, `labels[${i}].row`);
      const ok = (typeof item.label === 'number' && Number.isFinite(item.label)) || typeof item.label === 'string' || typeof item.label === 'boolean';
      if (!ok) throw new InvalidParameterError(`Item ${i}: label must be a number, a string or a boolean, got ${JSON.stringify(item.label) ?? 'nothing'}.`, `labels[${i}].label`);
    });
    // Labels may follow their prediction within milliseconds: write what is queued first.
    await this.flush();
    const now = this.#now();
    // The rows the items name, read first: their model decides which labels are valid. (Outside
    // the transaction: deciding may read the store, and SQLite has one connection.)
    const found = new Map<string, LabelledEvent>();
    const ids = [...new Set(items.map((i) => i.prediction_id))];
    const chunk = Math.max(1, this.#maxParams - 10);
    for (let i = 0; i < ids.length; i += chunk) {
      let q = this.#k.selectFrom('predictions').select(['prediction_id', 'row_index', 'deployment', 'model', 'version', 'at']).where('prediction_id', 'in', ids.slice(i, i + chunk));
      if (scope.deployment !== undefined) q = q.where('deployment', '=', scope.deployment);
      if (scope.model !== undefined) q = q.where('model', '=', scope.model);
      for (const r of await q.execute()) found.set(`${r.prediction_id}\u0000${r.row_index}`, { deployment: r.deployment, model: r.model, version: r.version, at: r.at });
    }
    if (this.#o.labelRule) await this.#checkLabels(items, found);
    const recorded: LabelledEvent[] = [];
    const results = await this.#k.transaction().execute(async (trx) => {
      const out: FeedbackResult[] = [];
      for (const item of items) {
        const row = item.row ?? 0;
        const target = found.get(`${item.prediction_id}\u0000${row}`);
        const r = target
          ? await trx.updateTable('predictions').set({ label: JSON.stringify(item.label), label_at: now })
            .where('prediction_id', '=', item.prediction_id).where('row_index', '=', row).executeTakeFirst()
          : null;
        if (!target || !r || Number(r.numUpdatedRows) === 0) {
          out.push({ prediction_id: item.prediction_id, row, status: 'not_found' });
          continue;
        }
        recorded.push(target);
        out.push({ prediction_id: item.prediction_id, row, status: 'recorded' });
      }
      return out;
    });
    for (const r of recorded) this.#labels?.inc({ deployment: r.deployment ?? '', model: r.model, version: String(r.version) });
    if (recorded.length > 0) {
      for (const listener of this.#labelListeners) {
        try {
          listener(recorded);
        } catch (err) {
          this.#o.onError?.(err);
        }
      }
    }
    return results;
  }

  /** Refuses the first label its prediction's model cannot take. */
  async #checkLabels(items: readonly FeedbackItem[], found: ReadonlyMap<string, LabelTarget>): Promise<void> {
    const rules = new Map<string, Promise<LabelRule | null>>();
    for (const [i, item] of items.entries()) {
      const target = found.get(`${item.prediction_id}\u0000${item.row ?? 0}`);
      if (!target) continue;
      const key = `${target.deployment ?? ''}\u0000${target.model}\u0000${target.version}`;
      let rule = rules.get(key);
      if (!rule) {
        rule = this.#o.labelRule!(target);
        rules.set(key, rule);
      }
      const problem = checkLabel(await rule, item.label);
      if (problem) throw new InvalidParameterError(`Item ${i}: ${target.model} version ${target.version} ${problem}`, `labels[${i}].label`);
    }
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

  /**
   * Logged rows in prediction-time order, read page by page (constant memory whatever the
   * range). Queued entries are written first, so a caller sees what it was just answered.
   */
  async *rows(filter: LogFilter, pageSize = 2000): AsyncGenerator<LoggedRow> {
    await this.flush();
    let after: { at: number; id: string; row: number } | null = null;
    for (;;) {
      let q = this.#k.selectFrom('predictions').selectAll();
      if (filter.deployment !== undefined) q = q.where('deployment', '=', filter.deployment);
      if (filter.model !== undefined) q = q.where('model', '=', filter.model);
      if (filter.version !== undefined) q = q.where('version', '=', filter.version);
      if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
      if (filter.until !== undefined) q = q.where('at', '<', filter.until);
      if (filter.labelled !== undefined) q = q.where('label', filter.labelled ? 'is not' : 'is', null);
      if (after) {
        const a = after;
        q = q.where((eb) => eb.or([
          eb('at', '>', a.at),
          eb.and([eb('at', '=', a.at), eb('prediction_id', '>', a.id)]),
          eb.and([eb('at', '=', a.at), eb('prediction_id', '=', a.id), eb('row_index', '>', a.row)]),
        ]));
      }
      const page = await q.orderBy('at').orderBy('prediction_id').orderBy('row_index').limit(pageSize).execute();
      for (const r of page) {
        yield {
          prediction_id: r.prediction_id, row: r.row_index, deployment: r.deployment, model: r.model, version: r.version, role: r.role, at: r.at,
          latency_ms: r.latency_ms, inputs: JSON.parse(r.inputs) as Record<string, unknown>, output: JSON.parse(r.output) as unknown,
          label: r.label === null ? null : (JSON.parse(r.label) as unknown), label_at: r.label_at,
          explanation: r.explanation === null ? null : (JSON.parse(r.explanation) as StoredExplanation),
        };
      }
      if (page.length < pageSize) return;
      const last = page[page.length - 1]!;
      after = { at: last.at, id: last.prediction_id, row: last.row_index };
    }
  }

  /** Writes what is queued and stops the timers. */
  async close(): Promise<void> {
    if (this.#pruner) clearInterval(this.#pruner);
    this.#pruner = null;
    await this.flush();
  }
}
