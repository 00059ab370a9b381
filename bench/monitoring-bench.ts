/*
 * What live monitoring costs on the serving path, and whether its memory stays flat with traffic.
 *
 *   node --expose-gc --import tsx bench/monitoring-bench.ts [--requests 6000] [--rounds 15] [--predictions 1000000]
 *
 * Throughput: two servers in one process (SQLite, prediction log on in both), each with a
 * deployment of the reference credit model (XGBoost, 100 trees of depth 6, one-hot and ordinal
 * preprocessing of 9 inputs) — one composed with monitoring on (reference profile from
 * credit_train, 5-minute windows: every row updates 9 input sketches and the prediction sketch),
 * one with monitoring off. Single-row MLflow scoring requests, 4 keep-alive clients from a worker
 * thread. Each round runs both servers back to back (in alternating order), so a change in the
 * machine's load hits both sides of a round alike; the cost is read from the median of the
 * per-round ratios, the rates are medians too. Goal (issue 7): monitoring costs ≤ 10% of the
 * single-row rate.
 *
 * Memory (measured first, in a fresh process): a server with monitoring on, the prediction log off (so only monitoring keeps
 * state) and 2-second windows (so windows keep closing and being written). Single-row
 * predictions go through the deployment gateway in-process (credit_test and credit_drifted rows
 * in turn); RSS and heap are read after a full collection at 100,000 and at 1,000,000
 * predictions. Goal: the two RSS figures within 10%.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb } from '../src/db/index.js';
import { LocalArtifactStore } from '../src/artifacts/index.js';
import { composeServices, type ComposeOptions } from '../src/main.js';
import { buildApp, type AppServices } from '../src/http/index.js';
import { median, runLoad } from './lib/http-load.js';
import { creditRows, FIXTURES, inputsOf, registerCreditModel } from '../test/monitoring/live/credit.js';
import { benchArgs } from './lib/args.js';

const args = benchArgs();
const REQUESTS = Number(args.get('requests') ?? 6_000);
const ROUNDS = Number(args.get('rounds') ?? 15);
const PREDICTIONS = Number(args.get('predictions') ?? 1_000_000);
const CLIENTS = 4;

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) console.log('(run with node --expose-gc for memory figures after a full collection)\n');

const dir = mkdtempSync(join(tmpdir(), 'puente-monitoring-bench-'));

/** A server with a `loans` deployment of the credit model (reference from credit_train when monitoring is on). */
async function server(name: string, options: ComposeOptions) {
  const db = await createDb({ kind: 'sqlite', path: join(dir, `${name}.db`) });
  await db.migrate();
  const services: AppServices = composeServices(db, new LocalArtifactStore(join(dir, `${name}-artifacts`)), { audit: false, ...options });
  const app = await buildApp(services, { bodyLimitBytes: 8 << 20, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  services.trafficFlusher.start();
  services.monitoring.start();
  await registerCreditModel(services, 'credit');
  if (options.monitoring !== false) {
    const res = await app.inject({ method: 'PUT', url: '/api/v1/models/credit/versions/1/reference', headers: { 'content-type': 'text/csv' }, payload: readFileSync(`${FIXTURES}/credit_train.csv`) });
    if (res.statusCode !== 200) throw new Error(`reference: ${res.body}`);
  }
  await services.deployments.create('loans', { model: 'credit', ref: '1' }, { by: 'bench' });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  return {
    services, base,
    async close() {
      await services.monitoring.stop();
      await app.close();
      await db.close();
    },
  };
}

const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;

try {
  const rows = [...creditRows('credit_test.csv'), ...creditRows('credit_drifted.csv')].map(inputsOf);
  const bodies = Array.from({ length: REQUESTS }, (_, i) => JSON.stringify({ dataframe_records: [rows[i % rows.length]] }));

  // Memory: monitoring alone keeps state; windows of 2 s keep closing.
  const mem = await server('memory', { monitoring: true, predictionSampleRate: 0, monitoringWindowMs: 2_000 });
  const gateway = mem.services.gateway;
  const measure = async () => {
    await mem.services.monitoring.monitor.tick();
    gc?.();
    gc?.();
    const m = process.memoryUsage();
    return { rss: m.rss, heap: m.heapUsed };
  };
  const marks: { at: number; rss: number; heap: number }[] = [];
  const started = performance.now();
  for (let i = 0; i < PREDICTIONS; ) {
    const routed = await gateway.route('loans');
    const end = Math.min(PREDICTIONS, i + 1000);
    // Concurrent single-row requests, as a server sees them (the micro-batcher gathers them).
    const batch: Promise<unknown>[] = [];
    for (; i < end; i++) batch.push(gateway.predict(routed, [rows[i % rows.length]!]));
    await Promise.all(batch);
    // Let the monitor drain its queue as the serving loop would between requests.
    await new Promise((r) => setImmediate(r));
    if (i === 100_000 || i === PREDICTIONS) marks.push({ at: i, ...(await measure()) });
  }
  const seconds = (performance.now() - started) / 1000;
  const stored = await mem.services.monitoring.windows('loans', { limit: 1000, includeOpen: false });
  console.log(`\nMemory of a monitored deployment (prediction log off, 2 s windows; ${PREDICTIONS.toLocaleString('en-US')} single-row predictions in ${seconds.toFixed(0)} s, ${stored.windows.length} windows closed and stored; dropped by a full queue: ${mem.services.monitoring.monitor.dropped}):\n`);
  console.log('| predictions | RSS | heap used |');
  console.log('|---:|---:|---:|');
  for (const m of marks) console.log(`| ${m.at.toLocaleString('en-US')} | ${mb(m.rss)} | ${mb(m.heap)} |`);
  if (marks.length === 2) console.log(`\nRSS at ${marks[1]!.at.toLocaleString('en-US')} / at ${marks[0]!.at.toLocaleString('en-US')}: ${(marks[1]!.rss / marks[0]!.rss).toFixed(3)} (goal ≤ 1.10)`);
  await mem.close();

  const on = await server('on', { monitoring: true });
  const off = await server('off', { monitoring: false });
  const rates = { on: [] as number[], off: [] as number[] };
  for (const s of [on, off]) await runLoad({ url: `${s.base}/deployments/loans/invocations`, bodies: bodies.slice(0, 3000), clients: CLIENTS });
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 === 0 ? (['on', 'off'] as const) : (['off', 'on'] as const)) {
      const s = mode === 'on' ? on : off;
      const seconds = await runLoad({ url: `${s.base}/deployments/loans/invocations`, bodies, clients: CLIENTS });
      rates[mode].push(REQUESTS / seconds);
    }
  }
  // The monitor's own work per served single-row request, without the network and the model:
  // the same observer the gateway calls, with the queue drained as the event loop does.
  const routed = await on.services.gateway.route('loans');
  const manifest = routed.hosted.manifest;
  const monitor = on.services.monitoring.monitor;
  const n = 200_000;
  const served = rows.slice(0, 1000).map((r, i) => ({
    prediction_id: `b${i}`, deployment: 'loans', model: 'credit', version: 1, role: 'stable', at: Date.now(), latency_ms: 1, inputs: [r], predictions: [0.2], manifest,
  }));
  const t0 = performance.now();
  for (let i = 0; i < n; i += 1000) {
    for (let k = 0; k < 1000; k++) monitor.observe({ ...served[k]!, at: Date.now() });
    await new Promise((r) => setImmediate(r));
  }
  const perRequestUs = ((performance.now() - t0) * 1000) / n;

  const rOn = median(rates.on);
  const rOff = median(rates.off);
  const ratio = median(rates.on.map((r, i) => r / rates.off[i]!));
  const open = await on.services.monitoring.windows('loans', { limit: 1 });
  const monitoredRows = open.windows.reduce((n, w) => n + (w.open ? w.rows : 0), 0);
  await on.close();
  await off.close();
  console.log(`\nSingle-row requests per second through a deployment of the credit model (${REQUESTS.toLocaleString('en-US')} requests × ${ROUNDS} rounds, ${CLIENTS} clients):\n`);
  console.log('| monitoring | req/s (median) | on ÷ off (median of rounds) | cost |');
  console.log('|---|---:|---:|---:|');
  console.log(`| off | ${Math.round(rOff).toLocaleString('en-US')} | — | — |`);
  console.log(`| on | ${Math.round(rOn).toLocaleString('en-US')} | ${ratio.toFixed(3)} | ${((1 - ratio) * 100).toFixed(1)}% |`);
  console.log(`\nThe monitor's own work per single-row request (observer, queue, 9 input sketches and the prediction sketch; in-process, ${n.toLocaleString('en-US')} requests): ${perRequestUs.toFixed(2)} µs, ${((perRequestUs / (1e6 / rOff)) * 100).toFixed(2)}% of the ${(1e6 / rOff).toFixed(0)} µs a request takes at the measured rate without monitoring.`);
  console.log(`\nper-round on ÷ off: ${rates.on.map((r, i) => (r / rates.off[i]!).toFixed(3)).join(', ')}; rows monitored in the open window at the end: ${monitoredRows.toLocaleString('en-US')}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
