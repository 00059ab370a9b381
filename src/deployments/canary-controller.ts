import { labelText, type PredictionLog, type LabelledRow } from '../predictions/index.js';
import type { DeploymentRepo } from './deployment-repo.js';
import type { DeploymentService } from './deployment-service.js';
import { analyseStep, type LabelledOutcomes } from './analysis.js';
import { predictedLabel, sumTraffic, type TrafficRecorder } from './traffic.js';
import type { Deployment } from './types.js';

/** Writes a process's traffic summaries to the store every period (every serving process runs one). */
export class TrafficFlusher {
  readonly #recorder: TrafficRecorder;
  readonly #repo: Pick<DeploymentRepo, 'insertTraffic'>;
  readonly #periodMs: number;
  readonly #onError: (err: unknown) => void;
  #timer: NodeJS.Timeout | null = null;
  #writing: Promise<void> = Promise.resolve();

  constructor(options: { recorder: TrafficRecorder; repo: Pick<DeploymentRepo, 'insertTraffic'>; periodMs?: number; onError?: (err: unknown) => void }) {
    this.#recorder = options.recorder;
    this.#repo = options.repo;
    this.#periodMs = options.periodMs ?? 1_000;
    this.#onError = options.onError ?? (() => undefined);
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.flush(), this.#periodMs);
    this.#timer.unref();
  }

  /** Writes what accumulated since the last flush (flushes run one after another). */
  flush(): Promise<void> {
    const periods = this.#recorder.drain().filter((p) => p.requests > 0);
    this.#writing = this.#writing.then(() => this.#repo.insertTraffic(periods)).catch(this.#onError);
    return this.#writing;
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.flush();
  }
}

/** Whether a logged prediction matched its label (a class, or a 0/1 outcome). */
export function isCorrect(row: LabelledRow): boolean {
  return predictedLabel(row.output) === labelText(row.label);
}

function outcomesOf(rows: readonly LabelledRow[], model: string, version: number): LabelledOutcomes {
  let n = 0;
  let correct = 0;
  for (const r of rows) {
    if (r.model !== model || r.version !== version) continue;
    n++;
    if (isCorrect(r)) correct++;
  }
  return { n, correct };
}

/**
 * Drives canaries: at the end of each step's interval it analyses the step's traffic (and the
 * labels that arrived since the canary started) and promotes, holds or rolls back. Decisions are
 * revisions written only if nobody changed the deployment meanwhile, so two controllers, or a
 * person pausing at the same moment, never both apply.
 */
export class CanaryController {
  readonly #o: {
    service: DeploymentService;
    repo: DeploymentRepo;
    flusher?: TrafficFlusher;
    log?: PredictionLog | null;
    tickMs: number;
    now: () => number;
    onError: (err: unknown, context: string) => void;
  };
  #timer: NodeJS.Timeout | null = null;
  #running: Promise<void> | null = null;

  constructor(options: {
    service: DeploymentService; repo: DeploymentRepo; flusher?: TrafficFlusher; log?: PredictionLog | null;
    tickMs?: number; now?: () => number; onError?: (err: unknown, context: string) => void;
  }) {
    this.#o = { ...options, tickMs: options.tickMs ?? 1_000, now: options.now ?? Date.now, onError: options.onError ?? (() => undefined) };
  }

  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.tick(), this.#o.tickMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#running;
  }

  /** One pass over every progressing canary whose interval has ended. */
  tick(): Promise<void> {
    if (!this.#running) {
      this.#running = this.#tick().finally(() => {
        this.#running = null;
      });
    }
    return this.#running;
  }

  async #tick(): Promise<void> {
    try {
      await this.#o.flusher?.flush();
      const now = this.#o.now();
      const due = (await this.#o.repo.list(null)).filter(
        (d) => d.spec.policy === 'canary' && d.spec.canary?.state === 'progressing' && now >= d.spec.canary.step_started_at + d.spec.canary.interval_ms,
      );
      for (const d of due) await this.#analyse(d, now).catch((err) => this.#o.onError(err, `canary analysis of '${d.name}' failed`));
    } catch (err) {
      this.#o.onError(err, 'canary controller pass failed');
    }
  }

  async #analyse(d: Deployment, now: number): Promise<void> {
    const c = d.spec.canary!;
    const canarySlot = d.spec.versions.find((s) => s.role === 'canary')!;
    const stableSlot = d.spec.versions.find((s) => s.role === 'stable')!;
    const traffic = sumTraffic(await this.#o.repo.traffic(d.name, c.step_started_at, now));
    let labelled = null;
    if (c.guardrails.min_accuracy_delta !== undefined && this.#o.log) {
      await this.#o.log.flush();
      const rows = await this.#o.log.labelled({ deployment: d.name, since: c.started_at });
      labelled = { canary: outcomesOf(rows, canarySlot.model, canarySlot.version), stable: outcomesOf(rows, stableSlot.model, stableSlot.version) };
    }
    const analysis = analyseStep(
      c,
      { start: c.step_started_at, end: now },
      { canary: traffic.get(`${canarySlot.model}@${canarySlot.version}`), stable: traffic.get(`${stableSlot.model}@${stableSlot.version}`) },
      labelled,
    );
    await this.#o.service.applyAnalysis(d, analysis, now);
  }
}
