/*
 * What a deployment's traffic policy costs on the serving path, against a single-version
 * deployment, in the same run.
 *
 *   npx tsx bench/deployment-bench.ts [--requests 20000] [--rounds 3]
 *
 * One server (SQLite, in-process) holds four deployments of the same small XGBoost model (two
 * versions trained with different seeds, 12 trees of depth 3 on 4 columns — a small model, so the
 * policy's share of the work is as large as it gets):
 *   single  one version
 *   canary  a canary at 50% with all four guardrails (analysis runs off the serving path)
 *   ab      an A/B test, 50/50, with a request key on every request (sticky hashing)
 *   shadow  one version, with 100% of requests mirrored to the other
 * and, for reference, the same model called on its model route (/serve/{model}/{version}).
 * Each workload sends single-row MLflow scoring requests with 4 keep-alive clients from a worker
 * thread. Rounds rotate the order of the deployments; each figure is the median of the rounds.
 * Goals (issue 5): canary and A/B cost ≤ 5% of the single-version rate; a 100% shadow costs the
 * primary ≤ 20% on 2 cores.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDb } from '../src/db/index.js';
import { LocalArtifactStore } from '../src/artifacts/index.js';
import { composeServices } from '../src/main.js';
import { buildApp } from '../src/http/index.js';
import { median, runLoad } from './lib/http-load.js';
import { registerSyntheticModel, syntheticRows } from '../test/deployments/models.js';
import { benchArgs } from './lib/args.js';

const args = benchArgs();
const REQUESTS = Number(args.get('requests') ?? 20_000);
const ROUNDS = Number(args.get('rounds') ?? 3);
const CLIENTS = 4;
const MODES = ['single', 'canary', 'ab', 'shadow'] as const;
type Mode = (typeof MODES)[number];

const dir = mkdtempSync(join(tmpdir(), 'puente-deploy-bench-'));
try {
  const db = await createDb({ kind: 'sqlite', path: join(dir, 'bench.db') });
  await db.migrate();
  const services = composeServices(db, new LocalArtifactStore(join(dir, 'artifacts')), { audit: false });
  const app = await buildApp(services, { bodyLimitBytes: 1 << 20, logger: false });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}`;
  services.trafficFlusher.start();
  await registerSyntheticModel(services, 'bench', { seed: 7 });
  await registerSyntheticModel(services, 'bench', { seed: 8 });
  const by = { by: 'bench' };
  for (const m of MODES) await services.deployments.create(m, { model: 'bench', ref: '1' }, by);
  await services.deployments.canary('canary', { model: 'bench', ref: '2' }, {
    steps: [50, 100], interval_ms: 3_600_000, min_requests: 20, failure_limit: 0,
    guardrails: { max_error_rate: 0.05, max_p99_ms: 100, max_prediction_shift: 0.3, min_accuracy_delta: -0.05 },
  }, by);
  await services.deployments.ab('ab', { model: 'bench', ref: '2' }, 50, 'accuracy', 0.05, by);
  await services.deployments.shadow('shadow', { model: 'bench', ref: '2' }, 100, by);

  const { rows } = syntheticRows(1000, 11);
  const bodies = Array.from({ length: REQUESTS }, (_, i) => JSON.stringify({ dataframe_records: [rows[i % rows.length]] }));
  const rates: Record<Mode, number[]> = { single: [], canary: [], ab: [], shadow: [] };
  // The model route without a deployment (no policy, no traffic summary, no prediction log), for reference.
  const plain: number[] = [];
  // Warm up every path once.
  for (const m of MODES) await runLoad({ url: `${base}/deployments/${m}/invocations`, bodies: bodies.slice(0, 2000), clients: CLIENTS });
  for (let round = 0; round < ROUNDS; round++) {
    const order = MODES.map((_, i) => MODES[(i + round) % MODES.length]!);
    for (const m of order) {
      const headers: Record<string, string> = m === 'ab' ? { 'x-puente-request-key': `visitor-${round}` } : {};
      const seconds = await runLoad({ url: `${base}/deployments/${m}/invocations`, bodies, clients: CLIENTS, headers });
      rates[m].push(REQUESTS / seconds);
    }
    plain.push(REQUESTS / (await runLoad({ url: `${base}/serve/bench/1/invocations`, bodies, clients: CLIENTS })));
  }
  const single = median(rates.single);
  const line = (m: Mode) => {
    const r = median(rates[m]);
    return `| ${m} | ${Math.round(r).toLocaleString('en-US')} | ${(r / single).toFixed(3)} | ${((1 - r / single) * 100).toFixed(1)}% |`;
  };
  console.log(`Single-row requests per second through a deployment (${REQUESTS.toLocaleString('en-US')} requests × ${ROUNDS} rounds, ${CLIENTS} clients, median):\n`);
  console.log('| policy | req/s | vs single | cost |');
  console.log('|---|---:|---:|---:|');
  for (const m of MODES) console.log(line(m));
  console.log(`\nThe model route without a deployment: ${Math.round(median(plain)).toLocaleString('en-US')} req/s (a single-version deployment adds routing, traffic summaries and the prediction log).`);
  const shadow = await services.deploymentStatus.status('shadow');
  console.log(`\nshadow: ${shadow.shadow?.requests} mirrored requests in the status window, ${shadow.shadow?.errors} errors, agreement ${shadow.shadow?.agreement_rate?.toFixed(3)}`);
  await app.close();
  await db.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
