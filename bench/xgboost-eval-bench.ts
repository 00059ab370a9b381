/*
 * Throughput of the native XGBoost evaluator (src/runtimes/xgboost) on the golden fixtures.
 *
 *   npx tsx bench/xgboost-eval-bench.ts [--seconds 3] [--rounds 3] [--batch 1000]
 *
 * For each model (credit: binary:logistic, 100 trees of depth 6; multiclass: 300 trees; house:
 * regression, 100 trees) and each kernel (WebAssembly, JavaScript), predict() is called on
 * consecutive --batch-row slices of the fixture matrix (5,000 rows for credit, 2,000 for house),
 * repeated for --seconds; a round's figure is rows / elapsed time, the reported one the median of
 * --rounds rounds after a warm-up. Also: rows given as number[][], single-row calls, load time.
 * One thread. The target for credit with 1,000-row calls is 900,000 rows/s (half of XGBoost's C++
 * predictor on one thread).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadXgboostModel, type XgboostModel } from '../src/runtimes/xgboost/index.js';
import { benchArgs } from './lib/args.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'test', 'fixtures', 'xgboost');

const args = benchArgs();
const SECONDS = Number(args.get('seconds') ?? 3);
const ROUNDS = Number(args.get('rounds') ?? 3);
const BATCH = Number(args.get('batch') ?? 1000);

function readMatrix(file: string): { rows: Float32Array; nRows: number; nCols: number } {
  const lines = readFileSync(join(FIXTURES, file), 'utf8').trim().split('\n');
  const nCols = lines[0]!.split(',').length;
  const rows = new Float32Array((lines.length - 1) * nCols);
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(',');
    for (let j = 0; j < nCols; j++) rows[(i - 1) * nCols + j] = cells[j] === '' ? Number.NaN : Number(cells[j]);
  }
  return { rows, nRows: lines.length - 1, nCols };
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Rows per second of `call(first, count)` over consecutive slices, median of ROUNDS rounds. */
function throughput(nRows: number, batch: number, call: (first: number, count: number) => void): number {
  const round = (seconds: number) => {
    let rows = 0;
    const start = performance.now();
    const until = start + seconds * 1000;
    while (performance.now() < until) {
      for (let first = 0; first + batch <= nRows; first += batch) {
        call(first, batch);
        rows += batch;
      }
    }
    return (rows / (performance.now() - start)) * 1000;
  };
  round(Math.min(1, SECONDS)); // warm-up: let the JIT settle
  return median(Array.from({ length: ROUNDS }, () => round(SECONDS)));
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const cases = [
  { model: 'credit_xgb.json', matrix: 'credit_test_X.csv' },
  { model: 'multiclass_xgb.json', matrix: 'credit_test_X.csv' },
  { model: 'house_xgb.json', matrix: 'house_test_X.csv' },
];

console.log(`node ${process.version}, ${BATCH}-row calls, ${ROUNDS} rounds of ${SECONDS} s (median)\n`);
for (const { model: file, matrix: matrixFile } of cases) {
  const bytes = readFileSync(join(FIXTURES, file));
  const { rows, nRows, nCols } = readMatrix(matrixFile);
  const arrays = Array.from({ length: nRows }, (_, i) => Array.from(rows.subarray(i * nCols, (i + 1) * nCols)));
  for (const engine of ['wasm', 'js'] as const) {
    const loadStart = performance.now();
    const model: XgboostModel = loadXgboostModel(bytes, file, { engine });
    const loadMs = performance.now() - loadStart;
    const batch = Math.min(BATCH, nRows);
    const typed = throughput(nRows, batch, (first, count) => model.predict(rows.subarray(first * nCols, (first + count) * nCols)));
    const nested = throughput(nRows, batch, (first, count) => model.predict(arrays.slice(first, first + count)));
    const single = throughput(nRows, 1, (first) => model.predict(rows.subarray(first * nCols, (first + 1) * nCols)));
    console.log(
      `${file.padEnd(20)} ${engine.padEnd(4)} ${model.numTrees} trees  load ${loadMs.toFixed(0).padStart(4)} ms  ` +
        `Float32Array ${fmt(typed).padStart(10)} rows/s  number[][] ${fmt(nested).padStart(10)} rows/s  ` +
        `1-row calls ${fmt(single).padStart(9)} rows/s`,
    );
  }
}
