/*
 * End-to-end `puente monitor report` from CSV files: 20 numeric + 5 categorical columns,
 * 1,000,000 reference rows against 100,000 current rows (the SciPy peer's data,
 * ../shared/bench/peers/drift/), against the peer loading the same CSV files with pandas and
 * running its drift report, in the same run.
 *
 *   npx tsx bench/drift-report-bench.ts [--data /tmp/drift-data] [--reps 3] [--skip-peer]
 *
 * Measured, medians of --reps runs:
 *   - the CLI as a user runs it (`node --import tsx src/cli/main.ts monitor report … --html … --json-out …`),
 *     process start to exit, with the child's peak RSS from /usr/bin/time;
 *   - the same work in process, by phase: read the reference CSV, read the current CSV, the report
 *     (types, profile, Evidently's test per column, drift share, data quality, histograms), HTML;
 *   - the peer: pandas.read_csv of both files (timed by the peer) plus one report of every test
 *     family (KS twice, Wasserstein, PSI, Jensen–Shannon, chi-square) after a warm-up.
 * The CSV files are written by the peer on the first run (~170 MB, outside the repository).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDriftReport, readTable, renderReportHtml } from '../src/monitoring/index.js';
import { benchArgs } from './lib/args.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PEER = join(root, '..', 'shared', 'bench', 'peers', 'drift', 'drift_scipy.py');
const PYTHON = '/usr/bin/python3';

const args = benchArgs();
const DATA = args.get('data') ?? join(tmpdir(), 'drift-data');
const REPS = Number(args.get('reps') ?? 3);
const SKIP_PEER = args.has('skip-peer');
const reference = join(DATA, 'reference.csv');
const current = join(DATA, 'current.csv');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const out = mkdtempSync(join(tmpdir(), 'puente-report-bench-'));

if (!existsSync(reference) || !existsSync(current)) {
  console.error(`writing the peer's data to ${DATA} …`);
  const r = spawnSync(PYTHON, [PEER, '--csv-dir', DATA], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('the peer could not write the data');
}
console.error(`data: ${reference} (${(statSync(reference).size / 1e6).toFixed(1)} MB), ${current} (${(statSync(current).size / 1e6).toFixed(1)} MB)`);

// The peer first, never at the same time as our timings.
let peer: { load: number; report: number } | null = null;
if (!SKIP_PEER) {
  const json = join(out, 'peer.json');
  const r = spawnSync(PYTHON, [PEER, '--from-csv', DATA, '--reps', '1', '--out', json], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('the peer failed');
  const p = JSON.parse(readFileSync(json, 'utf8')) as { load_csv_s: number; report_wall_s_median: number };
  peer = { load: p.load_csv_s, report: p.report_wall_s_median };
  console.error(`peer: load ${peer.load.toFixed(2)} s + report ${peer.report.toFixed(2)} s`);
}

// The CLI, end to end.
const cli: { wall: number; rss: number }[] = [];
for (let i = 0; i < REPS; i++) {
  const started = performance.now();
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, '--import', 'tsx', join(root, 'src/cli/main.ts'),
    'monitor', 'report', '--reference', reference, '--current', current, '--html', join(out, 'report.html'), '--json-out', join(out, 'report.json')], { cwd: root, encoding: 'utf8' });
  const wall = (performance.now() - started) / 1000;
  if (r.status !== 0) throw new Error(`puente monitor report failed: ${r.stderr}`);
  const rss = Number(r.stderr.trim().split('\n').pop()) / 1024;
  cli.push({ wall, rss });
  console.error(`cli run ${i}: ${wall.toFixed(2)} s, peak RSS ${rss.toFixed(0)} MB`);
}

// In process, by phase.
const phases = { readReference: [] as number[], readCurrent: [] as number[], report: [] as number[], html: [] as number[] };
let drifted: string[] = [];
let tests: Record<string, string> = {};
for (let i = 0; i < REPS; i++) {
  let t = performance.now();
  const ref = await readTable(reference);
  phases.readReference.push((performance.now() - t) / 1000);
  t = performance.now();
  const cur = await readTable(current);
  phases.readCurrent.push((performance.now() - t) / 1000);
  t = performance.now();
  const { report, histograms } = buildDriftReport(ref, cur);
  phases.report.push((performance.now() - t) / 1000);
  t = performance.now();
  renderReportHtml(report, histograms);
  phases.html.push((performance.now() - t) / 1000);
  drifted = report.columns.filter((c) => c.drifted).map((c) => c.column);
  tests = Object.fromEntries(report.columns.map((c) => [c.column, c.test]));
  console.error(`in process run ${i}: ${Object.entries(phases).map(([k, v]) => `${k} ${v[i]!.toFixed(2)} s`).join(', ')}`);
}
rmSync(out, { recursive: true, force: true });

const cliWall = median(cli.map((c) => c.wall));
const inProcess = median(phases.readReference) + median(phases.readCurrent) + median(phases.report) + median(phases.html);
const summary = {
  rows: { reference: 1_000_000, current: 100_000 },
  columns: { numeric: 20, categorical: 5 },
  reps: REPS,
  cli_wall_s: cliWall,
  cli_peak_rss_mb: median(cli.map((c) => c.rss)),
  in_process_s: inProcess,
  phases_s: Object.fromEntries(Object.entries(phases).map(([k, v]) => [k, median(v)])),
  peer: peer && { load_csv_s: peer.load, report_s: peer.report, total_s: peer.load + peer.report },
  ratio_peer_over_cli: peer && (peer.load + peer.report) / cliWall,
  drifted,
  tests,
};
console.log(JSON.stringify(summary, null, 2));
