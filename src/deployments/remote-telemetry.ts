import type { PredictionEntry } from '../predictions/index.js';
import type { TrafficPeriod } from './deployment-repo.js';
import type { PredictionSink } from './gateway.js';

/** What a replica reports to its server: traffic periods (for canary analysis) and logged predictions. */
export interface Telemetry {
  readonly periods: TrafficPeriod[];
  readonly predictions: PredictionEntry[];
}

/**
 * The telemetry of a `puente serve --deployment --server` replica: traffic periods and prediction
 * log entries are queued and sent to the server in one request per period, so the server's
 * canary analysis and prediction log see every replica. A failed send keeps the data for the next
 * attempt, up to a bound (oldest dropped first), so a server restart loses nothing short.
 */
export class RemoteTelemetry implements PredictionSink {
  readonly #send: (telemetry: Telemetry) => Promise<void>;
  readonly #sampleRate: number;
  readonly #maxQueued: number;
  readonly #onError: (err: unknown) => void;
  #predictions: PredictionEntry[] = [];
  #periods: TrafficPeriod[] = [];
  #sending: Promise<void> = Promise.resolve();

  constructor(options: { send: (telemetry: Telemetry) => Promise<void>; sampleRate?: number; maxQueued?: number; onError?: (err: unknown) => void }) {
    this.#send = options.send;
    this.#sampleRate = options.sampleRate ?? 1;
    this.#maxQueued = options.maxQueued ?? 20_000;
    this.#onError = options.onError ?? (() => undefined);
  }

  sampled(): boolean {
    return this.#sampleRate >= 1 || Math.random() < this.#sampleRate;
  }

  record(entry: PredictionEntry): void {
    if (this.#predictions.length >= this.#maxQueued) this.#predictions.shift();
    this.#predictions.push(entry);
  }

  /** The flusher's sink: traffic periods join the queued predictions and go out together. */
  async insertTraffic(periods: readonly TrafficPeriod[]): Promise<void> {
    this.#periods.push(...periods);
    if (this.#periods.length > this.#maxQueued) this.#periods.splice(0, this.#periods.length - this.#maxQueued);
    await this.flush();
  }

  flush(): Promise<void> {
    this.#sending = this.#sending.then(async () => {
      if (this.#periods.length === 0 && this.#predictions.length === 0) return;
      const batch: Telemetry = { periods: this.#periods, predictions: this.#predictions.splice(0, 5_000) };
      this.#periods = [];
      try {
        await this.#send(batch);
      } catch (err) {
        // Put the batch back in front of what arrived meanwhile; the next period retries it.
        this.#periods = [...batch.periods, ...this.#periods].slice(-this.#maxQueued);
        this.#predictions = [...batch.predictions, ...this.#predictions].slice(-this.#maxQueued);
        this.#onError(err);
      }
    });
    return this.#sending;
  }
}
