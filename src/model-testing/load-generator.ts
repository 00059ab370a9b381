import http from 'node:http';
import https from 'node:https';
import { InvalidParameterError } from '../errors/index.js';

/*
 * A closed-loop HTTP load generator, as Locust or JMeter run it: `concurrency` virtual users
 * each send a request, wait for the answer, and send the next, for `duration`, over kept-alive
 * connections. Requests during the warm-up are sent but not counted. Latency is measured from
 * writing the request to reading the whole answer.
 */

export interface LoadOptions {
  readonly url: string;
  readonly method?: 'POST' | 'GET' | 'PUT';
  readonly headers?: Readonly<Record<string, string>>;
  /** Request bodies, sent in turn (each user starts at a different one). */
  readonly bodies: readonly Buffer[];
  readonly concurrency: number;
  readonly durationMs: number;
  readonly warmupMs?: number;
  /** A request still unanswered after this long counts as an error (default 30 s). */
  readonly timeoutMs?: number;
  /** Called about once a second with the requests done so far (progress display). */
  readonly onProgress?: (done: number, elapsedMs: number) => void;
}

export interface LatencySummary {
  readonly min: number;
  readonly mean: number;
  readonly p50: number;
  readonly p90: number;
  readonly p95: number;
  readonly p99: number;
  readonly max: number;
}

export interface LoadResult {
  readonly requests: number;
  /** Requests that failed: no answer, a timeout, or a status other than 2xx. */
  readonly errors: number;
  readonly errorRate: number;
  /** Answered requests per second over the measured duration. */
  readonly throughput: number;
  /** Milliseconds, over every measured request (failed ones included). */
  readonly latencyMs: LatencySummary;
  readonly statusCounts: Readonly<Record<string, number>>;
  readonly durationMs: number;
  readonly concurrency: number;
  /** The first failure, to say why requests failed. */
  readonly firstError?: string;
}

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((q / 100) * sorted.length);
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank - 1))];
}

export function summarizeLatencies(values: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(values).sort();
  const mean = sorted.length === 0 ? Number.NaN : sorted.reduce((a, b) => a + b, 0) / sorted.length;
  return {
    min: sorted.length ? sorted[0] : Number.NaN,
    mean,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.length ? sorted[sorted.length - 1] : Number.NaN,
  };
}

/** Runs the load and reports latency percentiles, throughput and errors. */
export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let url: URL;
  try {
    url = new URL(options.url);
  } catch {
    throw new InvalidParameterError(`'${options.url}' is not a URL to send load to.`, 'url');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidParameterError(`Load can only be sent over http or https, not ${url.protocol}`, 'url');
  if (!Number.isInteger(options.concurrency) || options.concurrency < 1) throw new InvalidParameterError('concurrency must be a positive integer.', 'concurrency');
  if (!(options.durationMs > 0)) throw new InvalidParameterError('The duration must be positive.', 'duration');
  if (options.bodies.length === 0 && options.method !== 'GET') throw new InvalidParameterError('There are no request bodies to send.', 'bodies');

  const transport = url.protocol === 'https:' ? https : http;
  const agent = new transport.Agent({ keepAlive: true, maxSockets: options.concurrency });
  const timeoutMs = options.timeoutMs ?? 30_000;
  const warmup = options.warmupMs ?? 0;
  const latencies: number[] = [];
  const statusCounts: Record<string, number> = {};
  let errors = 0;
  let firstError: string | undefined;

  const send = (body: Buffer | undefined): Promise<{ status: number | null; error?: string }> =>
    new Promise((resolve) => {
      const req = transport.request(url, {
        method: options.method ?? 'POST',
        agent,
        headers: { ...(body ? { 'content-type': 'application/json', 'content-length': String(body.length) } : {}), ...options.headers },
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
      req.on('response', (res) => {
        const status = res.statusCode ?? 0;
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          resolve(status >= 200 && status < 300 ? { status } : { status, error: `HTTP ${status}: ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}` });
        });
        res.on('error', (err) => resolve({ status, error: err.message }));
      });
      req.on('error', (err) => resolve({ status: null, error: err.message }));
      req.end(body);
    });

  const started = performance.now();
  const measureFrom = started + warmup;
  const end = measureFrom + options.durationMs;
  let lastProgress = started;
  const user = async (index: number) => {
    let next = index % Math.max(1, options.bodies.length);
    while (performance.now() < end) {
      const body = options.bodies.length ? options.bodies[next] : undefined;
      next = (next + 1) % Math.max(1, options.bodies.length);
      const t0 = performance.now();
      const { status, error } = await send(body);
      const t1 = performance.now();
      if (t0 < measureFrom || t1 > end) continue;
      latencies.push(t1 - t0);
      const key = status === null ? 'no answer' : String(status);
      statusCounts[key] = (statusCounts[key] ?? 0) + 1;
      if (error !== undefined) {
        errors++;
        firstError ??= error;
      }
      if (options.onProgress && t1 - lastProgress >= 1000) {
        lastProgress = t1;
        options.onProgress(latencies.length, t1 - measureFrom);
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, (_, i) => user(i)));
  } finally {
    agent.destroy();
  }
  const measured = Math.min(options.durationMs, Math.max(1, performance.now() - measureFrom));
  const requests = latencies.length;
  return {
    requests,
    errors,
    errorRate: requests === 0 ? 1 : errors / requests,
    throughput: ((requests - errors) / measured) * 1000,
    latencyMs: summarizeLatencies(latencies),
    statusCounts,
    durationMs: measured,
    concurrency: options.concurrency,
    ...(firstError !== undefined ? { firstError } : {}),
  };
}
