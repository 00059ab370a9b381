/*
 * Tracking ingestion and search, on SQLite.
 *
 *   npx tsx bench/tracking-bench.ts [--points 400000] [--runs 100000]
 *
 * 1. log-batch over HTTP: 4 concurrent clients (in a worker thread, bodies serialized up front),
 *    1000 metric points per request, against the real server on loopback; compared with a raw
 *    better-sqlite3 insert of the same rows (prepared statement, one transaction per 1000 rows).
 * 2. search: `metrics.auc > 0.8 and params.model = 'gbdt'` ordered by `metrics.auc DESC`,
 *    100 results, over a corpus of N runs.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import SqliteDatabase from 'better-sqlite3';
import { createDb } from '../src/db/index.js';
import { LocalArtifactStore } from '../src/artifacts/index.js';
import { composeServices } from '../src/main.js';
import { buildApp } from '../src/http/index.js';
import { runLoad } from './lib/http-load.js';
import { benchArgs } from './lib/args.js';

const args = benchArgs();
const TOTAL_POINTS = Number(args.get('points') ?? 400_000);
const SEARCH_RUNS = Number(args.get('runs') ?? 100_000);
const CLIENTS = 4;
const PER_REQUEST = 1000;


async function ingestion(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'puente-bench-'));
  try {
    const db = await createDb({ kind: 'sqlite', path: join(dir, 'puente.db') });
    await db.migrate();
    const services = composeServices(db, new LocalArtifactStore(join(dir, 'artifacts')));
    const app = await buildApp(services, { bodyLimitBytes: 16 * 1024 * 1024, logger: false });
    await app.listen({ host: '127.0.0.1', port: 0 });
    const address = app.server.address() as { port: number };

    const runs = await Promise.all(Array.from({ length: CLIENTS }, () => services.tracking.createRun({})));
    const requests = Math.ceil(TOTAL_POINTS / PER_REQUEST);
    const bodies: string[] = [];
    for (let r = 0; r < requests; r++) {
      const runId = runs[r % CLIENTS].info.run_id;
      const metrics = Array.from({ length: PER_REQUEST }, (_, i) => ({
        key: `metric_${i % 10}`,
        value: Math.random(),
        timestamp: 1_700_000_000_000 + r,
        step: r * 100 + Math.floor(i / 10),
      }));
      bodies.push(JSON.stringify({ run_id: runId, metrics }));
    }
    const seconds = await runLoad({ url: `http://127.0.0.1:${address.port}/api/2.0/mlflow/runs/log-batch`, bodies, clients: CLIENTS });
    const points = requests * PER_REQUEST;
    const stored = await db.kysely.selectFrom('metrics').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    await app.close();
    await db.close();
    if (Number(stored.n) !== points) throw new Error(`stored ${stored.n} points, expected ${points}`);
    const httpRate = points / seconds;

    // The same rows through a prepared better-sqlite3 statement on a fresh migrated file.
    const rawPath = join(dir, 'raw.db');
    const rawDb = await createDb({ kind: 'sqlite', path: rawPath });
    await rawDb.migrate();
    await rawDb.close();
    const raw = new SqliteDatabase(rawPath);
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = NORMAL');
    raw.pragma('foreign_keys = OFF');
    const insert = raw.prepare('insert into metrics (run_id, key, value, timestamp, step, is_nan) values (?, ?, ?, ?, ?, 0)');
    const rows = bodies.map((b) => JSON.parse(b) as { run_id: string; metrics: { key: string; value: number; timestamp: number; step: number }[] });
    const insertBatch = raw.transaction((batch: (typeof rows)[number]) => {
      for (const m of batch.metrics) insert.run(batch.run_id, m.key, m.value, m.timestamp, m.step);
    });
    const rawStart = process.hrtime.bigint();
    for (const batch of rows) insertBatch(batch);
    const rawSeconds = Number(process.hrtime.bigint() - rawStart) / 1e9;
    raw.close();
    const rawRate = points / rawSeconds;

    console.log(`ingestion: ${points} points, ${requests} log-batch requests of ${PER_REQUEST}, ${CLIENTS} concurrent clients`);
    console.log(`  Puente HTTP log-batch : ${Math.round(httpRate).toLocaleString('en-US')} points/s (${seconds.toFixed(2)} s)`);
    console.log(`  raw better-sqlite3    : ${Math.round(rawRate).toLocaleString('en-US')} points/s (${rawSeconds.toFixed(2)} s)`);
    console.log(`  ratio                 : ${(httpRate / rawRate).toFixed(2)} of raw`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function search(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'puente-bench-'));
  try {
    const db = await createDb({ kind: 'sqlite', path: join(dir, 'puente.db') });
    await db.migrate();
    const services = composeServices(db, new LocalArtifactStore(join(dir, 'artifacts')));
    const exp = await services.tracking.createExperiment({ name: 'search-bench' });
    const expId = Number(exp.experiment_id);
    const models = ['gbdt', 'linear', 'forest', 'mlp'];
    const loadStart = Date.now();
    const CHUNK = 2000;
    for (let start = 0; start < SEARCH_RUNS; start += CHUNK) {
      const n = Math.min(CHUNK, SEARCH_RUNS - start);
      const ids = Array.from({ length: n }, () => randomBytes(16).toString('hex'));
      await db.kysely.transaction().execute(async (trx) => {
        await trx
          .insertInto('runs')
          .values(
            ids.map((run_id, i) => ({
              run_id,
              experiment_id: expId,
              run_name: `run-${start + i}`,
              user_id: 'bench',
              status: 'FINISHED',
              start_time: 1_700_000_000_000 + start + i,
              end_time: 1_700_000_000_500 + start + i,
              artifact_uri: `mlflow-artifacts:/${expId}/${run_id}/artifacts`,
              lifecycle_stage: 'active',
              deleted_time: null,
            })),
          )
          .execute();
        await trx.insertInto('params').values(ids.flatMap((run_id, i) => [
          { run_id, key: 'model', value: models[(start + i) % models.length] },
          { run_id, key: 'lr', value: String(((start + i) % 10) / 100) },
        ])).execute();
        await trx.insertInto('tags').values(ids.map((run_id) => ({ run_id, key: 'mlflow.user', value: 'bench' }))).execute();
        await trx.insertInto('latest_metrics').values(ids.flatMap((run_id) => [
          { run_id, key: 'auc', value: Math.random(), timestamp: 1, step: 10, is_nan: 0 },
          { run_id, key: 'loss', value: Math.random(), timestamp: 1, step: 10, is_nan: 0 },
        ])).execute();
      });
    }
    const loadSeconds = (Date.now() - loadStart) / 1000;
    const times: number[] = [];
    let count = 0;
    for (let i = 0; i < 15; i++) {
      const t0 = process.hrtime.bigint();
      const page = await services.tracking.searchRuns({
        experiment_ids: [exp.experiment_id],
        filter: "metrics.auc > 0.8 and params.model = 'gbdt'",
        order_by: ['metrics.auc DESC'],
        max_results: 100,
      });
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
      count = page.items.length;
    }
    times.sort((a, b) => a - b);
    const defaultTimes: number[] = [];
    for (let i = 0; i < 15; i++) {
      const t0 = process.hrtime.bigint();
      await services.tracking.searchRuns({ experiment_ids: [exp.experiment_id], max_results: 100 });
      defaultTimes.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    defaultTimes.sort((a, b) => a - b);
    await db.close();
    console.log(`search over ${SEARCH_RUNS.toLocaleString('en-US')} runs (loaded in ${loadSeconds.toFixed(1)} s), 15 repetitions`);
    console.log(`  metrics.auc > 0.8 and params.model = 'gbdt' ORDER BY metrics.auc DESC, 100 results: median ${times[7].toFixed(1)} ms, max ${times[14].toFixed(1)} ms (${count} runs returned)`);
    console.log(`  no filter, default order, 100 results: median ${defaultTimes[7].toFixed(1)} ms, max ${defaultTimes[14].toFixed(1)} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await ingestion();
await search();
