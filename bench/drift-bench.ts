/*
 * Drift report speed: 20 numeric + 5 categorical columns, 1,000,000 reference rows against
 * 100,000 current rows, data in memory, against the SciPy peer (../shared/bench/peers/drift/).
 *
 *   npx tsx bench/drift-bench.ts [--data /tmp/drift-data] [--reps 3] [--peer-reps 3] [--skip-peer]
 *
 * The data are the peer's (seeded numpy generator), read from the CSV files the peer writes with
 * --csv-dir (created on the first run; ~170 MB, outside the repository). Measured, each the median
 * of --reps runs after a warm-up, one thread:
 *   - the reference profile, built once (every value kept, sorted; deciles; category counts);
 *   - the automatic report: the current data into a window, each column's test chosen as Evidently
 *     does (here normed Wasserstein and Jensen–Shannon), dataset drift share;
 *   - the peer's families on the same profile: KS (asymp and auto), Wasserstein, PSI, 20-bin
 *     Jensen–Shannon, chi-square — and their values checked against the peer's;
 *   - the streaming form: 100,000 rows through DatasetWindow.addRow (10,000-value reservoirs),
 *     then the automatic report from the sketches.
 * The peer runs first, in the same process tree, never at the same time as our timings.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  alignCounts,
  buildReferenceProfile,
  chiSquareContingency,
  countCategories,
  datasetDrift,
  DatasetWindow,
  finiteSorted,
  jensenShannonNumericSorted,
  ksTwoSampleSorted,
  psiNumericSorted,
  wassersteinSorted,
  windowFromColumns,
  type CategoricalColumnProfile,
  type ColumnData,
  type NumericColumnProfile,
  type ReferenceProfile,
} from '../src/monitoring/index.js';
import { benchArgs } from './lib/args.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const PEER = join(root, '..', 'shared', 'bench', 'peers', 'drift', 'drift_scipy.py');
const PYTHON = '/usr/bin/python3';

const args = benchArgs();
const DATA = args.get('data') ?? join(tmpdir(), 'drift-data');
const REPS = Number(args.get('reps') ?? 3);
const PEER_REPS = Number(args.get('peer-reps') ?? 3);
const SKIP_PEER = args.has('skip-peer');

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const seconds = (t0: number) => (performance.now() - t0) / 1000;
const gc = () => (globalThis as { gc?: () => void }).gc?.();

interface Table {
  numeric: Map<string, Float64Array>;
  categorical: Map<string, string[]>;
  rows: number;
}

/** The peer's CSV: header n00..n19,c0..c4; floats as shortest round-trip text; empty = missing. */
function readCsv(file: string): Table {
  const text = readFileSync(file, 'latin1');
  let pos = text.indexOf('\n');
  const header = text.slice(0, pos).trim().split(',');
  let rows = 0;
  for (let i = pos + 1; i < text.length; ) {
    const e = text.indexOf('\n', i);
    const end = e < 0 ? text.length : e;
    if (end > i) rows++;
    i = end + 1;
  }
  const numeric = new Map<string, Float64Array>();
  const categorical = new Map<string, string[]>();
  const isNumeric = header.map((h) => h.startsWith('n'));
  const num: Float64Array[] = [];
  const cat: string[][] = [];
  header.forEach((h, k) => {
    if (isNumeric[k]) num[k] = new Float64Array(rows);
    else cat[k] = new Array<string>(rows);
  });
  const intern = new Map<string, string>();
  let r = 0;
  pos++;
  while (pos < text.length && r < rows) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const cells = text.slice(pos, end).split(',');
    for (let k = 0; k < header.length; k++) {
      const c = cells[k]!;
      if (isNumeric[k]) num[k]![r] = c === '' ? Number.NaN : Number(c);
      else {
        let s = intern.get(c);
        if (s === undefined) intern.set(c, (s = c));
        cat[k]![r] = s;
      }
    }
    r++;
    pos = end + 1;
  }
  header.forEach((h, k) => (isNumeric[k] ? numeric.set(h, num[k]!) : categorical.set(h, cat[k]!)));
  return { numeric, categorical, rows };
}

function columnsOf(t: Table): ColumnData[] {
  return [
    ...[...t.numeric].map(([name, values]) => ({ name, type: 'numeric' as const, values })),
    ...[...t.categorical].map(([name, values]) => ({ name, type: 'categorical' as const, values })),
  ];
}

// ---------------------------------------------------------------- data
if (!existsSync(join(DATA, 'reference.csv')) || !existsSync(join(DATA, 'current.csv'))) {
  console.error(`writing the peer's data to ${DATA} (once) ...`);
  const r = spawnSync(PYTHON, [PEER, '--csv-dir', DATA], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('the peer could not write the CSV data');
}
let t0 = performance.now();
const ref = readCsv(join(DATA, 'reference.csv'));
const cur = readCsv(join(DATA, 'current.csv'));
const loadSeconds = seconds(t0);
console.error(`loaded ${ref.rows} + ${cur.rows} rows in ${loadSeconds.toFixed(2)} s`);
const refColumns = columnsOf(ref);
const curColumns = columnsOf(cur).map((c) => ({ name: c.name, values: c.values as ArrayLike<unknown> }));

// ---------------------------------------------------------------- SciPy peer (first, alone)
interface PeerOut {
  report_wall_s_median: number;
  report_wall_s: number[];
  family_s_median: Record<string, number>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  results: Record<string, any>;
  versions: Record<string, string>;
}
let peer: PeerOut | null = null;
if (!SKIP_PEER) {
  const out = join(mkdtempSync(join(tmpdir(), 'drift-peer-')), 'scipy.json');
  console.error(`running the SciPy peer (${PEER_REPS} timed reports + warm-up) ...`);
  const r = spawnSync(PYTHON, [PEER, '--reps', String(PEER_REPS), '--out', out], { stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) throw new Error('the SciPy peer failed');
  peer = JSON.parse(readFileSync(out, 'utf8')) as PeerOut;
}

// ---------------------------------------------------------------- Puente
gc();
t0 = performance.now();
const profile = buildReferenceProfile(refColumns, { sampleSize: 'all' });
const profileSeconds = seconds(t0);
t0 = performance.now();
const sketchProfile = buildReferenceProfile(refColumns, { sampleSize: 10_000 });
const sketchProfileSeconds = seconds(t0);

function autoReport(p: ReferenceProfile) {
  return datasetDrift(p, windowFromColumns(p, curColumns));
}

interface FamilyResults {
  numeric: Map<string, { ksAsymp: [number, number]; ksAuto: [number, number]; wasserstein: number; psi: number; js2: number }>;
  chi2: Map<string, { statistic: number; pValue: number; dof: number }>;
  seconds: Record<string, number>;
}

/** The peer's families, with the reference side taken from the profile (sorted once). */
function familiesReport(p: ReferenceProfile): FamilyResults {
  const s: Record<string, number> = { sort: 0, ks_asymp: 0, ks_auto: 0, wasserstein: 0, psi: 0, jensenshannon: 0, chi2: 0 };
  const numeric: FamilyResults['numeric'] = new Map();
  const chi2: FamilyResults['chi2'] = new Map();
  for (const col of p.columns) {
    if (col.type !== 'numeric') continue;
    const refSorted = (col as NumericColumnProfile).sample;
    let t = performance.now();
    const c = finiteSorted(cur.numeric.get(col.column)!);
    s.sort! += seconds(t);
    t = performance.now();
    const ka = ksTwoSampleSorted(refSorted, c, { method: 'asymp' });
    s.ks_asymp! += seconds(t);
    t = performance.now();
    const ku = ksTwoSampleSorted(refSorted, c, { method: 'auto' });
    s.ks_auto! += seconds(t);
    t = performance.now();
    const w = wassersteinSorted(refSorted, c);
    s.wasserstein! += seconds(t);
    t = performance.now();
    const psi = psiNumericSorted(refSorted, c).value;
    s.psi! += seconds(t);
    t = performance.now();
    const js2 = jensenShannonNumericSorted(refSorted, c, { bins: 20, base: 2 }).distance;
    s.jensenshannon! += seconds(t);
    numeric.set(col.column, { ksAsymp: [ka.statistic, ka.pValue], ksAuto: [ku.statistic, ku.pValue], wasserstein: w, psi, js2 });
  }
  for (const col of p.columns) {
    if (col.type !== 'categorical') continue;
    const t = performance.now();
    const pc = col as CategoricalColumnProfile;
    const refCounts = new Map(pc.categories.map((k, i) => [k, pc.counts[i]!]));
    const a = alignCounts(refCounts, countCategories(cur.categorical.get(col.column)!));
    const r = chiSquareContingency(a.ref, a.cur);
    s.chi2! += seconds(t);
    chi2.set(col.column, { statistic: r.statistic, pValue: r.pValue, dof: r.dof });
  }
  return { numeric, chi2, seconds: s };
}

function streamingReport(p: ReferenceProfile, rowObjects: readonly Record<string, unknown>[]): { ingest: number; report: number; result: ReturnType<typeof datasetDrift> } {
  let t = performance.now();
  const w = new DatasetWindow(p, { sampleSize: 10_000 });
  for (const row of rowObjects) w.addRow(row);
  const ingest = seconds(t);
  t = performance.now();
  const result = datasetDrift(p, w);
  return { ingest, report: seconds(t), result };
}

function timed<T>(run: () => T): { median: number; all: number[]; last: T } {
  run(); // warm-up
  const all: number[] = [];
  let last!: T;
  for (let i = 0; i < REPS; i++) {
    gc();
    const t = performance.now();
    last = run();
    all.push(seconds(t));
  }
  return { median: median(all), all, last };
}

// Cold first, while the heap holds only what a report process holds (the data and one profile).
const cold = timed(() => autoReport(buildReferenceProfile(refColumns, { sampleSize: 'all' }))).median;
const auto = timed(() => autoReport(profile));
const families = timed(() => familiesReport(profile));
const famSeconds: Record<string, number[]> = {};
for (let i = 0; i < REPS; i++) {
  const f = familiesReport(profile);
  for (const [k, v] of Object.entries(f.seconds)) (famSeconds[k] ??= []).push(v);
}
const rowObjects: Record<string, unknown>[] = Array.from({ length: cur.rows }, (_, i) => {
  const row: Record<string, unknown> = {};
  for (const [k, v] of cur.numeric) row[k] = v[i];
  for (const [k, v] of cur.categorical) row[k] = v[i];
  return row;
});
const streaming = timed(() => streamingReport(sketchProfile, rowObjects));
const streamIngest = median(Array.from({ length: REPS }, () => streamingReport(sketchProfile, rowObjects).ingest));

// ---------------------------------------------------------------- agreement with the peer
const worst = { ks_D: 0, ks_p_rel: 0, ks_p_log10: 0, wasserstein_rel: 0, psi_rel: 0, js_rel: 0, chi2_rel: 0, chi2_p_rel: 0 };
let checked = 0;
if (peer) {
  for (const [name, v] of families.last.numeric) {
    const R = peer.results[name];
    const [pd, pp] = R.ks_asymp as [number, number];
    worst.ks_D = Math.max(worst.ks_D, Math.abs(v.ksAsymp[0] - pd), Math.abs(v.ksAuto[0] - R.ks_auto[0]));
    if (pp > 1e-100) worst.ks_p_rel = Math.max(worst.ks_p_rel, Math.abs(v.ksAsymp[1] - pp) / pp);
    else if (pp > 0) worst.ks_p_log10 = Math.max(worst.ks_p_log10, Math.abs(Math.log10(v.ksAsymp[1]) - Math.log10(pp)));
    else if (v.ksAsymp[1] >= 1e-300) throw new Error(`${name}: KS p-value ${v.ksAsymp[1]} where SciPy has 0`);
    worst.wasserstein_rel = Math.max(worst.wasserstein_rel, Math.abs(v.wasserstein - R.wasserstein) / R.wasserstein);
    worst.psi_rel = Math.max(worst.psi_rel, Math.abs(v.psi - R.psi) / R.psi);
    worst.js_rel = Math.max(worst.js_rel, Math.abs(v.js2 - R.jensenshannon_base2) / R.jensenshannon_base2);
    checked++;
  }
  for (const [name, v] of families.last.chi2) {
    const R = peer.results[name].chi2;
    worst.chi2_rel = Math.max(worst.chi2_rel, Math.abs(v.statistic - R.statistic) / R.statistic);
    if (R.pvalue > 0) worst.chi2_p_rel = Math.max(worst.chi2_p_rel, Math.abs(v.pValue - R.pvalue) / R.pvalue);
    if (v.dof !== R.dof) throw new Error(`${name}: dof ${v.dof} vs ${R.dof}`);
    checked++;
  }
  const ok = worst.ks_D <= 1e-9 && worst.ks_p_rel <= 1e-6 && worst.ks_p_log10 <= 1e-3 && worst.wasserstein_rel <= 1e-9 && worst.psi_rel <= 1e-9 && worst.js_rel <= 1e-9 && worst.chi2_rel <= 1e-9;
  if (!ok) console.error('VALUES DIFFER FROM THE PEER BEYOND THE GOLDEN TOLERANCES', worst);
}

// ---------------------------------------------------------------- report
const f = (x: number, d = 3) => x.toFixed(d);
const ratio = (a: number, b: number) => `${(a / b).toFixed(1)}×`;
const drifted = auto.last.columns.filter((c) => c.drifted).map((c) => c.column);
const tests = new Map<string, number>();
for (const c of auto.last.columns) tests.set(c.test, (tests.get(c.test) ?? 0) + 1);
const lines: string[] = [];
lines.push(`Node ${process.version}, ${REPS} timed runs after a warm-up, medians; one thread; load average at the end ${loadavg().map((x) => x.toFixed(2)).join(' / ')}.`);
if (peer) lines.push(`Peer: ${Object.entries(peer.versions).map(([k, v]) => `${k} ${v}`).join(', ')}; ${PEER_REPS} timed reports (${peer.report_wall_s.map((x) => f(x, 2)).join(' / ')} s).`);
lines.push('');
lines.push('| measurement | SciPy peer s | Puente s | ratio | goal | met |');
lines.push('|---|---|---|---|---|---|');
const pw = peer?.report_wall_s_median;
lines.push(
  `| drift report, automatic tests (${[...tests].map(([k, v]) => `${v} ${k}`).join(', ')}), reference profile built once | ${pw ? f(pw, 2) : '—'} | ${f(auto.median)} | ${pw ? ratio(pw, auto.median) : '—'} | ≤ 2 s, ≥ 5× | ${auto.median <= 2 && (!pw || pw / auto.median >= 5) ? 'yes' : 'no'} |`,
);
lines.push(`| the peer's families (KS asymp + auto, Wasserstein, PSI, JS, chi-square) on the same profile | ${pw ? f(pw, 2) : '—'} | ${f(families.median)} | ${pw ? ratio(pw, families.median) : '—'} | | |`);
lines.push(`| streaming: 100,000 rows through \`DatasetWindow.addRow\` (10,000-value reservoirs) + automatic report | — | ${f(streaming.median)} | | | |`);
lines.push(`| same, ingest only: per row (25 columns) | — | ${f((streamIngest / cur.rows) * 1e6, 2)} µs | | | |`);
lines.push(`| reference profile, every value kept (sorted 1,000,000 × 20 + category counts), once | — | ${f(profileSeconds, 2)} | | | |`);
lines.push(`| reference profile with 10,000-value samples, once | — | ${f(sketchProfileSeconds, 2)} | | | |`);
lines.push(`| cold: building the profile, then the automatic report | ${pw ? f(pw, 2) : '—'} | ${f(cold, 2)} | ${pw ? ratio(pw, cold) : '—'} | | |`);
lines.push(`| reading both CSV files into arrays (TypeScript, for reference; pandas.read_csv: 2.42 s in the peer's notes) | — | ${f(loadSeconds, 2)} | | | |`);
lines.push('');
lines.push('Per family (s, all columns), Puente vs the peer:');
lines.push('');
lines.push('| family | SciPy | Puente |');
lines.push('|---|---|---|');
const peerFam: Record<string, string> = { sort: 'dropna', ks_asymp: 'ks_asymp', ks_auto: 'ks_auto', wasserstein: 'wasserstein', psi: 'psi', jensenshannon: 'jensenshannon', chi2: 'chi2' };
for (const [k, v] of Object.entries(famSeconds)) {
  const label = k === 'sort' ? 'drop missing (peer) / drop missing + sort current (Puente)' : k;
  lines.push(`| ${label} | ${peer ? f(peer.family_s_median[peerFam[k]!]!) : '—'} | ${f(median(v))} |`);
}
lines.push('');
lines.push(`Automatic report: drifted ${drifted.join(', ')} (${drifted.length} of ${auto.last.columns.length}, share ${f(auto.last.drift_share)}, dataset drift ${auto.last.dataset_drifted}); streaming report drifted ${streaming.last.result.columns.filter((c) => c.drifted).map((c) => c.column).join(', ')}.`);
if (peer) {
  lines.push(
    `Values against the peer's (${checked} columns): KS D max |diff| ${worst.ks_D.toExponential(1)}, KS p max rel ${worst.ks_p_rel.toExponential(1)} (log10 ${worst.ks_p_log10.toExponential(1)} for p < 1e-100), Wasserstein rel ${worst.wasserstein_rel.toExponential(1)}, PSI rel ${worst.psi_rel.toExponential(1)}, JS rel ${worst.js_rel.toExponential(1)}, chi-square rel ${worst.chi2_rel.toExponential(1)} (p rel ${worst.chi2_p_rel.toExponential(1)}).`,
  );
}
console.log(lines.join('\n'));
