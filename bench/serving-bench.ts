/*
 * Serving speed, side by side in one run (issue goals in brackets):
 *   1. `puente serve --workers 2` against the FastAPI+uvicorn peer serving the same XGBoost model
 *      with 2 workers (what `mlflow models serve` does), single-row requests at concurrency 32
 *      [≥ 10× requests/s, ≤ 1/5 p99] and 100-row requests [≥ 3× rows/s];
 *   2. the same single-row load against a Fastify server (2 workers) answering a constant JSON
 *      body, the ceiling of any Node server here [Puente ≥ 50% of it];
 *   3. native XGBoost evaluation against XGBoost's C++ predict, one thread, 1,000-row calls
 *      [≥ 0.5×].
 * Needs wrk and, for the peer and XGBoost C++, Debian's python3-xgboost, python3-pandas,
 * python3-fastapi, python3-uvicorn and the peer scripts in ../shared/bench/peers (skipped with a
 * notice when absent). Run `npm run build` first: Puente is started from dist/.
 *
 *   npx tsx bench/serving-bench.ts [--seconds 10]
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb } from '../src/db/index.js';
import { LocalArtifactStore, joinKeys } from '../src/artifacts/index.js';
import { composeServices } from '../src/main.js';
import { packageBundle } from '../src/bundles/index.js';
import { pipelineFromFeaturesSpec } from '../src/preprocessing/index.js';
import { loadXgboostModel } from '../src/runtimes/xgboost/index.js';
import { benchArgs } from './lib/args.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = benchArgs();
const SECONDS = Number(args.get('seconds') ?? 10);
const PEERS = join(root, '..', 'shared', 'bench', 'peers');
const XGB = join(root, 'test', 'fixtures', 'xgboost');
const work = mkdtempSync(join(tmpdir(), 'puente-servebench-'));
const children: ChildProcess[] = [];

function have(cmd: string, args: string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function waitFor(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    if (await fetch(url).then((r) => r.ok, () => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

function start(cmd: string, argv: string[], options: { cwd?: string; env?: Record<string, string> } = {}): ChildProcess {
  const child = spawn(cmd, argv, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: 'ignore', detached: true });
  children.push(child);
  return child;
}

function stopAll(): void {
  for (const c of children.splice(0)) {
    try {
      process.kill(-c.pid!, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
}

interface WrkResult { rps: number; p50_ms: number; p99_ms: number; errors: number; non2xx: number }

function wrk(url: string, body: string, connections: number, seconds = SECONDS): WrkResult {
  const threads = connections === 1 ? 1 : 2;
  // Warm up, then measure.
  execFileSync('wrk', [`-t${threads}`, `-c${connections}`, '-d3s', '-s', join(root, 'bench', 'lib', 'post.lua'), url], { env: { ...process.env, WRK_BODY: body } });
  const out = execFileSync('wrk', [`-t${threads}`, `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', join(root, 'bench', 'lib', 'post.lua'), url], {
    env: { ...process.env, WRK_BODY: body },
  }).toString();
  const line = out.split('\n').find((l) => l.startsWith('SUMMARY '));
  if (!line) throw new Error(`wrk printed no summary:\n${out}`);
  return JSON.parse(line.slice('SUMMARY '.length)) as WrkResult;
}

/** A store holding credit_xgb packaged with its encoding, registered as credit version 1. */
async function prepareStore(dir: string): Promise<void> {
  const db = await createDb({ kind: 'sqlite', path: join(dir, 'puente.db') });
  await db.migrate();
  const artifacts = new LocalArtifactStore(join(dir, 'artifacts'));
  const services = composeServices(db, artifacts, { audit: false });
  const pipeline = pipelineFromFeaturesSpec(JSON.parse(readFileSync(join(XGB, 'credit_xgb.features.json'), 'utf8')));
  const text = new Set(['home_ownership', 'purpose', 'state']);
  const bundle = packageBundle({
    modelBytes: readFileSync(join(XGB, 'credit_xgb.json')),
    modelFile: 'model.json',
    format: 'xgboost',
    task: 'binary_classification',
    signature: { inputs: pipeline.inputColumns.map((name) => ({ name, type: text.has(name) ? 'string' : 'double' })), outputs: [{ name: 'predictions', dtype: 'float32', shape: [null] }] },
    preprocessing: pipeline.toJSON(),
  });
  const run = await services.tracking.createRun({});
  const key = run.info.artifact_uri.replace('mlflow-artifacts:/', '');
  for (const [path, content] of bundle.files) await artifacts.put(joinKeys(key, 'model', path), Buffer.from(content));
  await services.registry.createRegisteredModel('credit');
  await services.registry.createModelVersion('credit', { source: `runs:/${run.info.run_id}/model`, run_id: run.info.run_id });
  await db.close();
}

/** dataframe_split bodies of 1 and 100 raw credit rows (the columns the peer's encoding reads). */
function bodies(): { one: string; hundred: string } {
  const lines = readFileSync(join(root, 'test', 'fixtures', 'preprocessing', 'credit_test.csv'), 'utf8').trim().split('\n');
  const header = lines[0]!.split(',');
  const keep = ['age', 'income', 'loan_amount', 'credit_score', 'debt_to_income', 'months_employed', 'home_ownership', 'purpose', 'state'];
  const idx = keep.map((c) => header.indexOf(c));
  const row = (i: number) => {
    const cells = lines[i + 1]!.split(',');
    return idx.map((j) => (cells[j] === '' ? null : Number.isNaN(Number(cells[j])) ? cells[j] : Number(cells[j])));
  };
  const write = (n: number) => {
    const path = join(work, `split_${n}.json`);
    writeFileSync(path, JSON.stringify({ dataframe_split: { columns: keep, data: Array.from({ length: n }, (_, i) => row(i)) } }));
    return path;
  };
  return { one: write(1), hundred: write(100) };
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<void> {
  if (!have('sh', ['-c', 'command -v wrk'])) {
    console.log('wrk is not installed (apt-get install wrk); nothing measured.');
    return;
  }
  if (!existsSync(join(root, 'dist', 'puente.mjs'))) throw new Error('run `npm run build` first');
  const store = join(work, 'store');
  await prepareStore(store);
  const { one, hundred } = bodies();
  const report: string[] = [];

  // Puente, 2 workers.
  start(process.execPath, [join(root, 'dist', 'puente.mjs'), 'serve', 'credit@1', '--store', '--data-dir', store, '--port', '5181', '--workers', '2'], { env: { PUENTE_LOG_LEVEL: 'warn' } });
  await waitFor('http://127.0.0.1:5181/ping');
  const p1 = wrk('http://127.0.0.1:5181/invocations', one, 32);
  const p100 = wrk('http://127.0.0.1:5181/invocations', hundred, 32);
  stopAll();

  // Fastify answering a constant body, 2 workers: the ceiling for a Node server here.
  const ceilingScript = join(work, 'ceiling.mjs');
  writeFileSync(ceilingScript, `import cluster from 'node:cluster';
import Fastify from '${join(root, 'node_modules', 'fastify', 'fastify.js').replace(/\\/g, '/')}';
if (cluster.isPrimary) { cluster.fork(); cluster.fork(); } else {
  const app = Fastify();
  app.post('/invocations', async () => ({ predictions: [0.1234] }));
  app.get('/ping', async () => 'ok');
  await app.listen({ host: '127.0.0.1', port: 5182 });
}`);
  start(process.execPath, [ceilingScript]);
  await waitFor('http://127.0.0.1:5182/ping');
  const ceiling = wrk('http://127.0.0.1:5182/invocations', one, 32);
  stopAll();

  report.push(`puente serve --workers 2, 1 row, c=32: ${fmt(p1.rps)} req/s, p50 ${p1.p50_ms} ms, p99 ${p1.p99_ms} ms, errors ${p1.errors + p1.non2xx}`);
  report.push(`puente serve --workers 2, 100 rows, c=32: ${fmt(p100.rps * 100)} rows/s, p99 ${p100.p99_ms} ms, errors ${p100.errors + p100.non2xx}`);
  report.push(`Fastify constant JSON, 2 workers, c=32: ${fmt(ceiling.rps)} req/s, p99 ${ceiling.p99_ms} ms → Puente/ceiling ${(p1.rps / ceiling.rps).toFixed(2)} (goal ≥ 0.5)`);

  const peerDeps = have('/usr/bin/python3', ['-c', 'import xgboost, pandas, fastapi, uvicorn']) && existsSync(join(PEERS, 'fastapi_serve.py'));
  if (peerDeps) {
    start('/usr/bin/python3', ['fastapi_serve.py', '--host', '127.0.0.1', '--port', '5183', '--workers', '2'], {
      cwd: PEERS,
      env: { PEER_NTHREAD: '1', PEER_MODEL: join(XGB, 'credit_xgb.json'), PEER_FEATURES: join(XGB, 'credit_xgb.features.json') },
    });
    await waitFor('http://127.0.0.1:5183/ping');
    const f1 = wrk('http://127.0.0.1:5183/invocations', one, 32);
    const f100 = wrk('http://127.0.0.1:5183/invocations', hundred, 32);
    stopAll();
    report.push(`FastAPI+uvicorn peer, 2 workers, 1 row, c=32: ${fmt(f1.rps)} req/s, p99 ${f1.p99_ms} ms → Puente ${(p1.rps / f1.rps).toFixed(1)}× req/s (goal ≥ 10×), p99 ratio ${(p1.p99_ms / f1.p99_ms).toFixed(2)} (goal ≤ 0.2)`);
    report.push(`FastAPI+uvicorn peer, 100 rows, c=32: ${fmt(f100.rps * 100)} rows/s → Puente ${((p100.rps * 100) / (f100.rps * 100)).toFixed(1)}× rows/s (goal ≥ 3×)`);

    // Native evaluation against XGBoost's C++, one thread, 1,000-row calls, same rows.
    const X = readFileSync(join(XGB, 'credit_test_X.csv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map((c) => (c === '' ? NaN : Number(c))));
    const flat = new Float32Array(1000 * 16);
    X.slice(0, 1000).forEach((r, i) => r.forEach((v, j) => (flat[i * 16 + j] = v)));
    const model = loadXgboostModel(readFileSync(join(XGB, 'credit_xgb.json')));
    let calls = 0;
    const t0 = process.hrtime.bigint();
    while (Number(process.hrtime.bigint() - t0) < 3e9) {
      model.predict(flat);
      calls++;
    }
    const ours = (calls * 1000) / (Number(process.hrtime.bigint() - t0) / 1e9);
    const py = `import time, numpy as np, xgboost as xgb
X = np.genfromtxt('${join(XGB, 'credit_test_X.csv')}', delimiter=',', skip_header=1, dtype=np.float32)[:1000]
b = xgb.Booster(model_file='${join(XGB, 'credit_xgb.json')}'); b.set_param({'nthread': 1})
n = 0; t = time.perf_counter()
while time.perf_counter() - t < 3: b.inplace_predict(X); n += 1
print(n * 1000 / (time.perf_counter() - t))`;
    const theirs = Number(execFileSync('/usr/bin/python3', ['-c', py]).toString().trim());
    report.push(`XGBoost evaluation, credit (100 trees, depth 6), 1,000-row calls, one thread: Puente ${fmt(ours)} rows/s (${model.engine}), XGBoost C++ ${fmt(theirs)} rows/s → ${(ours / theirs).toFixed(2)}× (goal ≥ 0.5×)`);
  } else {
    report.push('FastAPI peer and XGBoost C++ not measured: needs python3-xgboost, python3-pandas, python3-fastapi, python3-uvicorn and ../shared/bench/peers.');
  }
  console.log(report.join('\n'));
}

process.on('exit', stopAll);
try {
  await main();
} finally {
  stopAll();
  rmSync(work, { recursive: true, force: true });
}
