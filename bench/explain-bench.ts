/*
 * Explanation speed, side by side with XGBoost's own Tree SHAP in the same run.
 *
 *   npx tsx bench/explain-bench.ts [--reps 10] [--rounds 3] [--rows 1000] [--peer ../shared/bench/peers/shap/xgb_shap_peer.py]
 *
 * Tree SHAP: the credit model (binary:logistic, 100 trees of depth 6, 16 features) on the first
 * --rows rows of its encoded test matrix, one thread; explainer build time (once per loaded
 * model) reported apart. First checked against XGBoost's pred_contribs in the golden file (abs
 * 1e-5). The peer is XGBoost 1.7.4's predict(pred_contribs=True) with nthread=1 on the same rows
 * and model, run by /usr/bin/python3 (its script builds a DMatrix per call). --rounds rounds
 * alternate the peer (1 warm-up + --reps calls) and Puente (the same); each side's figure is the
 * median of its round medians. Also: the per-row formula without tables,
 * and the 300-tree multiclass model.
 * Kernel SHAP: one row at a time with nsamples='auto', against a 100-row k-means background —
 * over the 16 matrix columns (2,080 coalitions), and over the 9 input columns through the bundle's
 * preprocessing (every coalition: 510), as the served explain endpoint does. Median of 7 rows.
 * Goal: Tree SHAP at least as fast as XGBoost on one thread (never below 0.3×); Kernel SHAP ≤ 1 s per row.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  TreeShapExplainer, inputColumnsOf, kernelShap, kmeansSummary, matrixCoalitions, recordCoalitions, sampleRecords, type MatrixPredict,
} from '../src/explain/index.js';
import { loadXgboostModel } from '../src/runtimes/xgboost/index.js';
import { pipelineFromFeaturesSpec, type Row } from '../src/preprocessing/index.js';
import { parseCsv } from '../src/serving/index.js';
import type { BundleManifest } from '../src/bundles/index.js';
import { benchArgs } from './lib/args.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const FIXTURES = join(HERE, '..', 'test', 'fixtures', 'explain');
const args = benchArgs();
const REPS = Number(args.get('reps') ?? 10);
const ROUNDS = Number(args.get('rounds') ?? 3);
const ROWS = Number(args.get('rows') ?? 1000);
const PEER = args.get('peer') ?? join(HERE, '..', '..', 'shared', 'bench', 'peers', 'shap', 'xgb_shap_peer.py');

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const fixture = (name: string) => readFileSync(join(FIXTURES, name));

function readMatrix(file: string): { rows: Float32Array; nCols: number } {
  const lines = readFileSync(join(FIXTURES, file), 'utf8').trim().split('\n');
  const nCols = lines[0]!.split(',').length;
  const rows = new Float32Array((lines.length - 1) * nCols);
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i]!.split(',');
    for (let j = 0; j < nCols; j++) rows[(i - 1) * nCols + j] = cells[j] === '' ? Number.NaN : Number(cells[j]);
  }
  return { rows, nCols };
}

function timeIt(fn: () => void, reps: number): number[] {
  fn();
  return Array.from({ length: reps }, () => {
    const t0 = performance.now();
    fn();
    return performance.now() - t0;
  });
}

// --- Tree SHAP --------------------------------------------------------------------------------
const credit = loadXgboostModel(fixture('credit_xgb.json'));
const X = readMatrix('credit_test_X.csv');
const rows = X.rows.subarray(0, ROWS * X.nCols);
let t0 = performance.now();
const explainer = new TreeShapExplainer(credit.forest, credit.baseMargins);
const buildMs = performance.now() - t0;

const golden = JSON.parse(fixture('credit_xgb_golden.json').toString('utf8'));
const check = explainer.explain(rows, golden.shap.values.length);
let maxDiff = 0;
golden.shap.values.forEach((row: number[], r: number) => row.forEach((v, i) => (maxDiff = Math.max(maxDiff, Math.abs(check[r * 17 + i]! - v)))));
if (!(maxDiff < 1e-5)) throw new Error(`Tree SHAP differs from XGBoost by ${maxDiff}`);

// Rounds alternate the peer and Puente, so both see the same machine state; each reports the
// median of its calls in the round.
function runPeer(reps: number): { ms: number; note: string } | null {
  if (!existsSync(PEER) || !existsSync('/usr/bin/python3')) return null;
  const dir = mkdtempSync(join(tmpdir(), 'explain-bench-'));
  try {
    execFileSync('/usr/bin/python3', [PEER, '--rows', String(ROWS), '--reps', String(reps), '--out', join(dir, 'peer.json')], { stdio: ['ignore', 'ignore', 'pipe'] });
    const peer = JSON.parse(readFileSync(join(dir, 'peer.json'), 'utf8'));
    const row = peer.results.find((r: { nthread: number; case: string }) => r.nthread === 1 && r.case.startsWith('shap'));
    return { ms: row.median_ms, note: `xgboost ${peer.versions.xgboost}, max |diff| vs golden ${peer.check.max_abs_diff_vs_golden}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
const rounds: { peer: number | null; ours: number }[] = [];
let peerNote = `peer not run (${PEER} or /usr/bin/python3 missing)`;
const treeTimes: number[] = [];
for (let round = 0; round < ROUNDS; round++) {
  const peer = runPeer(REPS);
  if (peer) peerNote = peer.note;
  const times = timeIt(() => explainer.explain(rows, ROWS), REPS);
  treeTimes.push(...times);
  rounds.push({ peer: peer?.ms ?? null, ours: median(times) });
}
const peerMs = rounds[0].peer === null ? null : median(rounds.map((r) => r.peer!));
const formula = new TreeShapExplainer(credit.forest, credit.baseMargins, { maxTableEntries: 0 });
const formulaTimes = timeIt(() => formula.explain(rows, ROWS), Math.max(3, Math.floor(REPS / 3)));
const multi = loadXgboostModel(fixture('multiclass_xgb.json'));
t0 = performance.now();
const multiExplainer = new TreeShapExplainer(multi.forest, multi.baseMargins);
const multiBuildMs = performance.now() - t0;
const multiTimes = timeIt(() => multiExplainer.explain(rows, ROWS), Math.max(3, Math.floor(REPS / 2)));

// --- Kernel SHAP ------------------------------------------------------------------------------
const F = X.nCols;
const predict: MatrixPredict = (m, n) => Float64Array.from(credit.predict(m.subarray(0, n * F)).predictions);
const summary = kmeansSummary(X.rows.subarray(1000 * F, 3000 * F), 2000, F, 100, { seed: 1 });
const kernelMatrix: number[] = [];
let evaluations = 0;
for (let r = 0; r < 8; r++) {
  const model = matrixCoalitions({ predict, row: X.rows.slice(r * F, (r + 1) * F), background: summary.centers, backgroundWeights: summary.weights, numOutputs: 1 });
  const t = performance.now();
  const a = await kernelShap(model, { seed: r });
  if (r > 0) kernelMatrix.push(performance.now() - t); // the first row warms up
  evaluations = a.evaluations;
}

const pipeline = pipelineFromFeaturesSpec(JSON.parse(fixture('credit_xgb.features.json').toString('utf8')));
const raw = parseCsv(fixture('credit_test.csv').toString('utf8')).map(({ default: _d, risk_tier: _t, ...rest }) => rest);
const manifest = { signature: { inputs: pipeline.inputColumns.map((name) => ({ name, type: 'double' })), outputs: [] }, preprocessing: pipeline.toJSON() } as unknown as BundleManifest;
const columns = inputColumnsOf(manifest).names;
const recordPredict = (records: Record<string, unknown>[]) => Float64Array.from(credit.predict(pipeline.transform(records as Row[]).matrix).predictions);
const background = sampleRecords(raw.slice(1000), 100, 1);
const kernelRecords: number[] = [];
let recordEvaluations = 0;
for (let r = 0; r < 8; r++) {
  const model = recordCoalitions({ predict: recordPredict, row: raw[r]!, background: background.records, backgroundWeights: background.weights, numOutputs: 1, columns });
  const t = performance.now();
  const a = await kernelShap(model, { seed: r });
  if (r > 0) kernelRecords.push(performance.now() - t);
  recordEvaluations = a.evaluations;
}

// --- report -----------------------------------------------------------------------------------
const ours = median(rounds.map((r) => r.ours));
const fmt = (ms: number) => ms.toFixed(1);
console.log(`Tree SHAP, credit model (100 trees, depth 6), ${ROWS} rows, one thread; ${ROUNDS} rounds alternating peer and Puente, ${REPS} calls each after a warm-up; median of the round medians`);
console.log(`  peer: XGBoost predict(pred_contribs=True), nthread=1: ${peerMs === null ? 'n/a' : `${fmt(peerMs)} ms`} (${peerNote})`);
console.log(`  Puente, tables (${explainer.tableTrees} trees): ${fmt(ours)} ms [${fmt(Math.min(...treeTimes))}-${fmt(Math.max(...treeTimes))}]; build ${fmt(buildMs)} ms once per model; max |diff| vs XGBoost ${maxDiff.toExponential(2)}`);
if (peerMs !== null) {
  console.log(`  ratio (XGBoost time / Puente time): ${(peerMs / ours).toFixed(2)}×; per round: ${rounds.map((r) => `${(r.peer! / r.ours).toFixed(2)}× (${fmt(r.peer!)} / ${fmt(r.ours)} ms)`).join(', ')}`);
}
console.log(`  Puente, per-row formula (no tables): ${fmt(median(formulaTimes))} ms`);
console.log(`  multiclass model (300 trees): ${fmt(median(multiTimes))} ms; build ${fmt(multiBuildMs)} ms`);
console.log(`Kernel SHAP, one row, nsamples auto, 100-row background (median of 7 rows):`);
console.log(`  16 matrix columns, k-means background: ${fmt(median(kernelMatrix))} ms (${evaluations} coalitions × ${summary.k} background rows)`);
console.log(`  9 input columns through the preprocessing, sampled background: ${fmt(median(kernelRecords))} ms (${recordEvaluations} coalitions × ${background.records.length} background rows)`);
