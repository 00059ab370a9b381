/**
 * Adaptive micro-batching: requests that arrive while a batch is running, or within `maxWaitMs`
 * of the first one, are evaluated together (up to `maxBatchRows` rows). An idle model answers at
 * once — the wait only applies while work is queued behind a running batch or when asked for
 * explicitly — so batching trades no latency at low load for throughput at high load.
 */
export interface MicroBatcherOptions<I, O> {
  /** Evaluates many items at once; must return one output per input, in order. */
  readonly run: (items: I[]) => Promise<O[]> | O[];
  /** Rows per batch at most (an item counts as `sizeOf(item)` rows). Default 256. */
  readonly maxBatchRows?: number;
  /** How long the first queued item may wait for others when the model is idle. Default 0. */
  readonly maxWaitMs?: number;
  readonly sizeOf?: (item: I) => number;
  /** Called after each batch with its size, for metrics. */
  readonly onBatch?: (rows: number, items: number) => void;
}

interface Pending<I, O> {
  readonly item: I;
  readonly rows: number;
  resolve(value: O): void;
  reject(err: unknown): void;
}

export class MicroBatcher<I, O> {
  readonly #run: MicroBatcherOptions<I, O>['run'];
  readonly #maxRows: number;
  readonly #maxWaitMs: number;
  readonly #sizeOf: (item: I) => number;
  readonly #onBatch: MicroBatcherOptions<I, O>['onBatch'];
  #queue: Pending<I, O>[] = [];
  #running = false;
  #timer: NodeJS.Timeout | null = null;

  constructor(options: MicroBatcherOptions<I, O>) {
    this.#run = options.run;
    this.#maxRows = options.maxBatchRows ?? 256;
    this.#maxWaitMs = options.maxWaitMs ?? 0;
    this.#sizeOf = options.sizeOf ?? (() => 1);
    this.#onBatch = options.onBatch;
  }

  /** Queues one item; resolves with its output when its batch has run. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, rows: this.#sizeOf(item), resolve, reject });
      this.#schedule();
    });
  }

  /** Items waiting for a batch. */
  get queued(): number {
    return this.#queue.length;
  }

  #schedule(): void {
    if (this.#running) return; // the running batch picks the queue up when it ends
    const queuedRows = this.#queue.reduce((n, p) => n + p.rows, 0);
    if (this.#maxWaitMs > 0 && queuedRows < this.#maxRows) {
      this.#timer ??= setTimeout(() => {
        this.#timer = null;
        void this.#drain();
      }, this.#maxWaitMs);
      return;
    }
    void this.#drain();
  }

  async #drain(): Promise<void> {
    if (this.#timer !== null) {
      clearTimeout(this.#timer);
      this.#timer = null;
    }
    if (this.#running) return;
    this.#running = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#take();
        const rows = batch.reduce((n, p) => n + p.rows, 0);
        try {
          const outputs = await this.#run(batch.map((p) => p.item));
          if (outputs.length !== batch.length) throw new Error(`batch returned ${outputs.length} results for ${batch.length} requests`);
          batch.forEach((p, i) => p.resolve(outputs[i]!));
        } catch (err) {
          batch.forEach((p) => p.reject(err));
        }
        this.#onBatch?.(rows, batch.length);
      }
    } finally {
      this.#running = false;
    }
  }

  /** Takes queued items up to the row limit (always at least one, however large). */
  #take(): Pending<I, O>[] {
    let rows = 0;
    let count = 0;
    while (count < this.#queue.length) {
      const next = this.#queue[count]!.rows;
      if (count > 0 && rows + next > this.#maxRows) break;
      rows += next;
      count++;
    }
    return this.#queue.splice(0, count);
  }
}
