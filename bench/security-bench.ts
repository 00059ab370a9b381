/*
 * What authentication, authorization and the audit log cost, on against off, in the same run.
 *
 *   npx tsx bench/security-bench.ts [--points 200000] [--small 20000] [--rounds 3]
 *   PUENTE_BENCH_DATABASE_URL=postgres://... npx tsx bench/security-bench.ts   # also on PostgreSQL
 *
 * off: a server with no users (open) and the audit log turned off.
 * auth: as on, with the audit log turned off (to tell the two costs apart).
 * on:  users exist; every request carries a bearer token of a user whose only right is an editor
 *      grant on the one experiment (so each request resolves its run's experiment and checks the
 *      grant), and every mutating request appends an audit record.
 * Workloads, each with 4 concurrent keep-alive clients on loopback:
 *   log-batch  1,000 metric points per request (ingestion; audited when on)
 *   runs/get   one small read per request (the per-request cost of a single-row call; not audited)
 *   log-metric one point per request (the worst case for the audit log: a record per point)
 *   invocations one-row prediction of an ONNX model (single-row inference; reads are not audited)
 * Rounds alternate off and on; each figure is the median of the rounds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { createDb, type PuenteDb } from '../src/db/index.js';
import { LocalArtifactStore } from '../src/artifacts/index.js';
import { composeServices } from '../src/main.js';
import { buildApp } from '../src/http/index.js';
import { median, runLoad } from './lib/http-load.js';
import { registerCreditOnnx, creditRow } from '../test/serving/onnx-bundle.js';
import { creditMatrix } from '../test/runtimes/onnx/fixtures.js';
import { benchArgs } from './lib/args.js';

const args = benchArgs();
const POINTS = Number(args.get('points') ?? 200_000);
const SMALL = Number(args.get('small') ?? 20_000);
const ROUNDS = Number(args.get('rounds') ?? 3);
const CLIENTS = 4;
const PG_URL = process.env.PUENTE_BENCH_DATABASE_URL;

type Mode = 'off' | 'auth' | 'on';
type Rates = Record<'batch' | 'get' | 'metric' | 'infer', number>;

async function openDb(backend: 'sqlite' | 'postgres', dir: string): Promise<PuenteDb> {
  if (backend === 'sqlite') return createDb({ kind: 'sqlite', path: join(dir, `${randomBytes(4).toString('hex')}.db`) });
  return createDb({ kind: 'postgres', url: PG_URL! }, { pgSchema: `bench_${randomBytes(5).toString('hex')}` });
}

async function measure(backend: 'sqlite' | 'postgres', mode: Mode, dir: string): Promise<Rates> {
  const db = await openDb(backend, dir);
  await db.migrate();
  const services = composeServices(db, new LocalArtifactStore(join(dir, 'artifacts')), { audit: mode === 'on' });
  const app = await buildApp(services, { bodyLimitBytes: 16 * 1024 * 1024, logger: false });
  const base = `http://127.0.0.1:${(await app.listen({ host: '127.0.0.1', port: 0 }), (app.server.address() as { port: number }).port)}`;
  try {
    const exp = await services.tracking.createExperiment({ name: 'bench' });
    const runs = await Promise.all(Array.from({ length: CLIENTS }, () => services.tracking.createRun({ experiment_id: exp.experiment_id })));
    let headers: Record<string, string> = {};
    if (mode !== 'off') {
      await services.auth.bootstrap({ username: 'admin' });
      await services.auth.createUser({ username: 'bench' }, 'admin');
      await services.auth.grant({ username: 'bench', role: 'editor', resource_type: 'experiment', resource_id: exp.experiment_id }, 'admin');
      headers = { authorization: `Bearer ${(await services.auth.createToken('bench', { name: 'bench' })).token}` };
    }
    const requests = Math.ceil(POINTS / 1000);
    const batchBodies = Array.from({ length: requests }, (_, r) =>
      JSON.stringify({
        run_id: runs[r % CLIENTS]!.info.run_id,
        metrics: Array.from({ length: 1000 }, (_, i) => ({ key: `m${i % 10}`, value: Math.random(), timestamp: 1_700_000_000_000 + r, step: r * 100 + Math.floor(i / 10) })),
      }),
    );
    const batchSeconds = await runLoad({ url: `${base}/api/2.0/mlflow/runs/log-batch`, bodies: batchBodies, clients: CLIENTS, headers });
    const getSeconds = await runLoad({ url: `${base}/api/2.0/mlflow/runs/get?run_id=${runs[0]!.info.run_id}`, method: 'GET', requests: SMALL, clients: CLIENTS, headers });
    const metricBodies = Array.from({ length: SMALL }, (_, i) => JSON.stringify({ run_id: runs[i % CLIENTS]!.info.run_id, key: 'single', value: i, timestamp: 1, step: i }));
    const metricSeconds = await runLoad({ url: `${base}/api/2.0/mlflow/runs/log-metric`, bodies: metricBodies, clients: CLIENTS, headers });
    // Single-row predictions of the credit logistic regression (ONNX), MLflow scoring protocol.
    await registerCreditOnnx(services, 'credit');
    if (mode !== 'off') await services.auth.grant({ username: 'bench', role: 'viewer', resource_type: 'registered_model', resource_id: 'credit' }, 'admin');
    const columns = creditMatrix().header;
    const inferBodies = Array.from({ length: SMALL }, (_, i) => JSON.stringify({ dataframe_split: { columns, data: [creditRow(i % 1000)] } }));
    const inferSeconds = await runLoad({ url: `${base}/serve/credit/1/invocations`, bodies: inferBodies, clients: CLIENTS, headers });
    await services.audit?.flush();
    if (mode === 'on') {
      const audited = await sql<{ n: number }>`select count(*) as n from audit_log`.execute(db.kysely);
      const expected = requests + SMALL;
      if (Number(audited.rows[0]!.n) < expected) throw new Error(`audit log holds ${audited.rows[0]!.n} records, expected at least ${expected}`);
      if (!(await services.audit!.verify()).ok) throw new Error('audit chain broken');
    }
    return { batch: (requests * 1000) / batchSeconds, get: SMALL / getSeconds, metric: SMALL / metricSeconds, infer: SMALL / inferSeconds };
  } finally {
    await app.close();
    if (backend === 'postgres') {
      const schema = (await sql<{ s: string }>`select current_schema() as s`.execute(db.kysely)).rows[0]!.s;
      await sql.raw(`DROP SCHEMA ${schema} CASCADE`).execute(db.kysely);
    }
    await db.close();
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

for (const backend of PG_URL ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const)) {
  const dir = mkdtempSync(join(tmpdir(), 'puente-secbench-'));
  try {
    const results: Record<Mode, Rates[]> = { off: [], auth: [], on: [] };
    for (let round = 0; round < ROUNDS; round++) {
      const order: Mode[] = round % 2 === 0 ? ['off', 'auth', 'on'] : ['on', 'auth', 'off'];
      for (const mode of order) results[mode].push(await measure(backend, mode, dir));
    }
    console.log(`${backend}: ${ROUNDS} rounds, ${CLIENTS} clients, medians`);
    for (const [key, label, unit] of [
      ['batch', `log-batch (${POINTS.toLocaleString('en-US')} points, 1,000/request)`, 'points/s'],
      ['get', `runs/get (${SMALL.toLocaleString('en-US')} requests)`, 'requests/s'],
      ['metric', `log-metric (${SMALL.toLocaleString('en-US')} requests)`, 'requests/s'],
      ['infer', `invocations, 1 row, ONNX (${SMALL.toLocaleString('en-US')} requests)`, 'requests/s'],
    ] as const) {
      const off = median(results.off.map((r) => r[key]));
      const auth = median(results.auth.map((r) => r[key]));
      const on = median(results.on.map((r) => r[key]));
      console.log(
        `  ${label}: off ${fmt(off)}, auth only ${fmt(auth)} (${(auth / off).toFixed(3)}), auth+audit ${fmt(on)} ${unit} (on/off ${(on / off).toFixed(3)}, cost ${((1 - on / off) * 100).toFixed(1)}%)`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
