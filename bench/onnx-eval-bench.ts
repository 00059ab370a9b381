/*
 * Rows per second of the ONNX runtime on credit_trees.onnx (60 trees, depth 3, 16 features),
 * one thread per operator, for single-row calls and 1,000-row calls; the same calls straight on
 * onnxruntime-node's session show what feed checking and output mapping add.
 *
 *   npx tsx bench/onnx-eval-bench.ts [--single 20000] [--batches 200] [--rounds 5]
 *
 * --single: 1-row calls per round; --batches: 1,000-row calls per round. Rows cycle through the
 * 5,000 encoded test rows (NaN included). Rounds alternate wrapper and raw; figures are medians.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';
import { loadOnnxModel, predictMatrix } from '../src/runtimes/onnx/index.js';
import { benchArgs } from './lib/args.js';

const args = benchArgs();
const SINGLE = Number(args.get('single') ?? 20_000);
const BATCHES = Number(args.get('batches') ?? 200);
const ROUNDS = Number(args.get('rounds') ?? 5);
const BATCH = 1000;

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'onnx');
const bytes = readFileSync(join(fixtures, 'credit_trees.onnx'));
const lines = readFileSync(join(fixtures, 'credit_test_X.csv'), 'utf8').trimEnd().split('\n').slice(1);
const F = 16;
const N = lines.length;
const matrix = new Float32Array(N * F);
lines.forEach((line, r) => line.split(',').forEach((cell, c) => (matrix[r * F + c] = cell === '' ? NaN : Number(cell))));

const model = await loadOnnxModel(bytes, { intraOpThreads: 1, name: 'credit_trees' });
const raw = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'all', executionMode: 'sequential', intraOpNumThreads: 1 });

type Call = (rows: Float32Array, n: number) => Promise<unknown>;
const wrapped: Call = (rows, n) => predictMatrix(model, rows, n, F);
const direct: Call = (rows, n) => raw.run({ input: new ort.Tensor('float32', rows, [n, F]) });

/** Rows per second over `calls` calls of `n` rows each, and the per-call latencies in µs. */
async function measure(call: Call, n: number, calls: number): Promise<{ rowsPerS: number; latencies: number[] }> {
  const slots = Math.floor(N / n);
  const latencies: number[] = new Array(calls);
  const start = process.hrtime.bigint();
  for (let i = 0; i < calls; i++) {
    const s = (i % slots) * n;
    const t0 = process.hrtime.bigint();
    await call(matrix.subarray(s * F, (s + n) * F), n);
    latencies[i] = Number(process.hrtime.bigint() - t0) / 1e3;
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { rowsPerS: (calls * n) / seconds, latencies };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];

// Warm up both paths (first runs allocate arenas).
for (const call of [wrapped, direct]) {
  await measure(call, 1, 500);
  await measure(call, BATCH, 20);
}

const cases = [
  { label: '1-row calls', n: 1, calls: SINGLE },
  { label: `${BATCH}-row calls`, n: BATCH, calls: BATCHES },
] as const;
console.log(`onnxruntime-node ${ort.env.versions.node}, credit_trees.onnx, intraOpThreads 1, ${ROUNDS} rounds (median)`);
for (const c of cases) {
  const rates = { wrapped: [] as number[], direct: [] as number[] };
  let lat: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    const w = await measure(wrapped, c.n, c.calls);
    rates.wrapped.push(w.rowsPerS);
    lat = lat.concat(w.latencies);
    rates.direct.push((await measure(direct, c.n, c.calls)).rowsPerS);
  }
  const w = median(rates.wrapped);
  const d = median(rates.direct);
  console.log(
    `${c.label.padEnd(16)} ${Math.round(w).toLocaleString('en-US').padStart(12)} rows/s` +
      `  (call p50 ${median(lat).toFixed(1)} µs, p99 ${quantile(lat, 0.99).toFixed(1)} µs)` +
      `  raw session.run ${Math.round(d).toLocaleString('en-US')} rows/s, wrapper cost ${(((d - w) / d) * 100).toFixed(1)}%`,
  );
}

await model.close();
await raw.release();
