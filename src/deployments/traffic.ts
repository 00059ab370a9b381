import type { TrafficPeriod } from './deployment-repo.js';
import type { VersionSlot } from './types.js';

/*
 * Per-version traffic summaries kept in memory on the serving path and written to the store in
 * periods, so canary analysis and shadow agreement see every replica's traffic. Recording is
 * O(1) per request (a few counters and two sparse histograms); memory does not grow with
 * traffic, only with the number of distinct bins (bounded by the bin functions below).
 */

const LATENCY_BASE_MS = 0.01;
const LATENCY_GROWTH = Math.log(1.1);

/** Latency bucket index: bucket i holds (0.01·1.1^(i−1), 0.01·1.1^i] ms, a 10% resolution. */
export function latencyBucket(ms: number): number {
  return ms <= LATENCY_BASE_MS ? 0 : Math.ceil(Math.log(ms / LATENCY_BASE_MS) / LATENCY_GROWTH);
}

/** The upper bound (ms) of the bucket holding quantile q of a latency histogram; null if empty. */
export function latencyQuantile(buckets: Readonly<Record<string, number>>, q: number): number | null {
  const entries = Object.entries(buckets).map(([k, v]) => [Number(k), v] as const).sort((a, b) => a[0] - b[0]);
  const total = entries.reduce((s, [, v]) => s + v, 0);
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (const [i, count] of entries) {
    seen += count;
    if (seen >= rank) return LATENCY_BASE_MS * Math.exp(i * LATENCY_GROWTH);
  }
  return LATENCY_BASE_MS * Math.exp(entries[entries.length - 1]![0] * LATENCY_GROWTH);
}

/** The value a prediction is judged by: a class label, a score, or a number. */
function scalarOf(p: unknown): number | string | null {
  if (typeof p === 'number') return p;
  if (typeof p === 'string' || typeof p === 'boolean') return String(p);
  if (Array.isArray(p)) {
    if (p.length === 2 && typeof p[1] === 'number') return p[1]; // binary class scores: the positive class
    if (p.length > 0 && p.every((x) => typeof x === 'number')) return `class:${argmax(p as number[])}`;
    return null;
  }
  if (p && typeof p === 'object') {
    const o = p as Record<string, unknown>;
    for (const k of ['label', 'prediction', 'predicted_label', 'probability']) if (k in o) return scalarOf(o[k]);
  }
  return null;
}

function argmax(xs: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
}

/**
 * The histogram bin of one prediction: scores in [0, 1] in 10 equal bins, other numbers in
 * 5%-wide logarithmic bins by sign, labels by value (at most a few hundred bins in practice).
 */
export function predictionBin(p: unknown): string {
  const v = scalarOf(p);
  if (v === null) return 'other';
  if (typeof v === 'string') return `c:${v.slice(0, 64)}`;
  if (!Number.isFinite(v)) return 'nan';
  if (v >= 0 && v <= 1) return `p:${Math.min(9, Math.floor(v * 10))}`;
  return `v:${v < 0 ? '-' : '+'}${Math.floor(Math.log1p(Math.abs(v)) / Math.log(1.05))}`;
}

/** The class a prediction stands for, to compare with a label: scores at 0.5, class-score arrays by argmax. */
export function predictedLabel(p: unknown): string | null {
  const v = scalarOf(p);
  if (v === null) return null;
  if (typeof v === 'string') return v.startsWith('class:') ? v.slice(6) : v;
  return v >= 0 && v <= 1 && !Number.isInteger(v) ? (v >= 0.5 ? '1' : '0') : String(v);
}

/** Whether two versions' answers for one row agree: the same label, or numbers within 1% of each other. */
export function predictionsAgree(a: unknown, b: unknown): boolean {
  const x = scalarOf(a);
  const y = scalarOf(b);
  if (typeof x === 'number' && typeof y === 'number') {
    if (x >= 0 && x <= 1 && y >= 0 && y <= 1) return (x >= 0.5) === (y >= 0.5);
    return Math.abs(x - y) <= 0.01 * Math.max(Math.abs(x), Math.abs(y), 1e-12);
  }
  return x !== null && x === y;
}

interface Accumulator {
  deployment: string;
  model: string;
  version: number;
  role: string;
  requests: number;
  errors: number;
  latency: Map<number, number>;
  predictions: Map<string, number>;
  shadow_compared: number;
  shadow_agreed: number;
}

const bump = <K>(m: Map<K, number>, k: K, by = 1) => m.set(k, (m.get(k) ?? 0) + by);

/** Accumulates traffic per (deployment, version, role) until the next flush. */
export class TrafficRecorder {
  #current = new Map<string, Accumulator>();
  #periodStart: number;
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
    this.#periodStart = now();
  }

  #acc(deployment: string, slot: VersionSlot, role: string): Accumulator {
    const key = `${deployment}\u0000${slot.model}\u0000${slot.version}\u0000${role}`;
    let a = this.#current.get(key);
    if (!a) {
      a = { deployment, model: slot.model, version: slot.version, role, requests: 0, errors: 0, latency: new Map(), predictions: new Map(), shadow_compared: 0, shadow_agreed: 0 };
      this.#current.set(key, a);
    }
    return a;
  }

  /** One answered (or failed) request of a live version. */
  request(deployment: string, slot: VersionSlot, latencyMs: number, predictions: readonly unknown[] | null): void {
    const a = this.#acc(deployment, slot, slot.role);
    a.requests++;
    bump(a.latency, latencyBucket(latencyMs));
    if (predictions === null) a.errors++;
    else for (const p of predictions) bump(a.predictions, predictionBin(p));
  }

  /** One mirrored request: the shadow's latency, outcome, and how many of its rows agreed with the primary. */
  shadow(deployment: string, slot: VersionSlot, latencyMs: number, predictions: readonly unknown[] | null, agreed: number, compared: number): void {
    this.request(deployment, slot, latencyMs, predictions);
    const a = this.#acc(deployment, slot, slot.role);
    a.shadow_agreed += agreed;
    a.shadow_compared += compared;
  }

  /** Takes what accumulated since the last drain, as periods ending now. */
  drain(): TrafficPeriod[] {
    const end = this.#now();
    const start = this.#periodStart;
    const out: TrafficPeriod[] = [];
    for (const a of this.#current.values()) {
      out.push({
        deployment: a.deployment, model: a.model, version: a.version, role: a.role, period_start: start, period_end: end,
        requests: a.requests, errors: a.errors, latency: Object.fromEntries(a.latency), predictions: Object.fromEntries(a.predictions),
        shadow_compared: a.shadow_compared, shadow_agreed: a.shadow_agreed,
      });
    }
    this.#current = new Map();
    this.#periodStart = end;
    return out;
  }
}

/** Totals of one version over several periods (whatever role it had, across processes). */
export type VersionTraffic = Omit<TrafficPeriod, 'deployment' | 'role' | 'period_start' | 'period_end'>;

/** Sums periods per version (whatever role it had, and across processes). */
export function sumTraffic(periods: readonly TrafficPeriod[]): Map<string, VersionTraffic> {
  const out = new Map<string, { -readonly [K in keyof VersionTraffic]: VersionTraffic[K] }>();
  for (const p of periods) {
    const key = `${p.model}@${p.version}`;
    let t = out.get(key);
    if (!t) out.set(key, (t = { model: p.model, version: p.version, requests: 0, errors: 0, latency: {}, predictions: {}, shadow_compared: 0, shadow_agreed: 0 }));
    t.requests += p.requests;
    t.errors += p.errors;
    t.shadow_compared += p.shadow_compared;
    t.shadow_agreed += p.shadow_agreed;
    for (const [k, v] of Object.entries(p.latency)) t.latency[k] = (t.latency[k] ?? 0) + v;
    for (const [k, v] of Object.entries(p.predictions)) t.predictions[k] = (t.predictions[k] ?? 0) + v;
  }
  return out;
}
