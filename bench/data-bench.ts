/*
 * Dataset versioning speed, side by side in one run (issue goals in brackets):
 *   1. `puente data add` of a 1 GB CSV through a running server (stored, hashed and profiled in
 *      one pass) against `sha256sum` of the same file from the page cache [≥ 0.5× its MB/s], with
 *      the peak RSS of the server and of the CLI [≤ 200 MB each]; Node's own streaming sha256 is
 *      shown for reference;
 *   2. the profile of 1,000,000 rows × 20 columns [≤ 5 s]: in one thread in process, and as a
 *      `puente data add` end to end.
 * Puente runs as it ships: the CLI and server bundled with esbuild as scripts/bundle.mjs does (into
 * .bench-tmp/, with the profiling thread beside it), from this checkout. Files go to a temporary
 * directory, removed at the end.
 *
 *   npx tsx bench/data-bench.ts [--gb 1] [--runs 3]
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { build } from 'esbuild';
import { CsvReader } from '../src/datasets/formats/csv.js';
import { TableProfiler } from '../src/datasets/profile/table-profiler.js';
import { profileOfSketch } from '../src/datasets/index.js';
import { benchArgs } from './lib/args.js';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = benchArgs();
const GB = Number(args.get('gb') ?? 1);
const RUNS = Number(args.get('runs') ?? 3);
const work = mkdtempSync(join(tmpdir(), 'puente-databench-'));
const children: ChildProcess[] = [];
const median = (xs: number[]) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (bytes: number, seconds: number) => bytes / 1e6 / seconds;

process.on('exit', () => {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(work, { recursive: true, force: true });
});

/** The CLI and server as one bundle, and the profiling thread where the bundle looks for it. */
async function bundle(): Promise<string> {
  const out = join(root, '.bench-tmp');
  const common = { bundle: true, platform: 'node' as const, format: 'esm' as const, target: 'node20', logLevel: 'warning' as const };
  await build({
    ...common,
    entryPoints: [join(root, 'src', 'cli', 'main.ts')],
    outfile: join(out, 'puente-data-bench.mjs'),
    external: ['better-sqlite3', '@node-rs/argon2', 'pg', '@aws-sdk/*', '@fastify/swagger-ui', 'pino', 'thread-stream', 'onnxruntime-node'],
    banner: { js: "import { createRequire as __puenteCreateRequire } from 'node:module'; const require = __puenteCreateRequire(import.meta.url);" },
  });
  await build({ ...common, entryPoints: [join(root, 'src', 'datasets', 'profile', 'csv-worker.ts')], outfile: join(out, 'datasets', 'profile', 'csv-worker.js') });
  return join(out, 'puente-data-bench.mjs');
}

/** header + the credit test rows repeated until the file reaches `bytes`. */
async function makeCsv(path: string, bytes: number): Promise<number> {
  const source = readFileSync(join(root, 'test', 'fixtures', 'datasets', 'credit_test.csv'));
  const header = source.subarray(0, source.indexOf('\n') + 1);
  const rows = source.subarray(header.length);
  const out = createWriteStream(path);
  out.write(header);
  let size = header.length;
  while (size < bytes) {
    if (!out.write(rows)) await once(out, 'drain');
    size += rows.length;
  }
  out.end();
  await once(out, 'finish');
  return size;
}

/** 1,000,000 rows × 20 columns: 12 numeric (integers, decimals, some missing), 8 text (few to many values). */
async function makeWide(path: string, rows: number): Promise<void> {
  let seed = 7;
  const random = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296);
  const words = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
  const out = createWriteStream(path);
  const names = [...Array.from({ length: 12 }, (_, i) => `n${i}`), ...Array.from({ length: 8 }, (_, i) => `s${i}`)];
  out.write(`${names.join(',')}\n`);
  let lines: string[] = [];
  for (let r = 0; r < rows; r++) {
    const cells: string[] = [];
    for (let i = 0; i < 12; i++) {
      if (i % 4 === 3 && random() < 0.02) cells.push('');
      else if (i % 3 === 0) cells.push(String(Math.floor(random() * 100_000)));
      else if (i % 3 === 1) cells.push((random() * 1000 - 500).toFixed(3));
      else cells.push(String(Math.floor(random() * 50)));
    }
    for (let i = 0; i < 8; i++) {
      if (i < 4) cells.push(words[Math.floor(random() * (2 + i * 2))]!);
      else cells.push(`id-${Math.floor(random() * 10 ** (i - 1))}`);
    }
    lines.push(cells.join(','));
    if (lines.length === 10_000) {
      if (!out.write(`${lines.join('\n')}\n`)) await once(out, 'drain');
      lines = [];
    }
  }
  out.end(lines.length ? `${lines.join('\n')}\n` : '');
  await once(out, 'finish');
}

/** Seconds a command takes (one run). */
function timed(cmd: string, argv: string[]): number {
  const t = process.hrtime.bigint();
  execFileSync(cmd, argv, { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t) / 1e9;
}

async function nodeHash(path: string): Promise<number> {
  const t = process.hrtime.bigint();
  const h = createHash('sha256');
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
  h.digest('hex');
  return Number(process.hrtime.bigint() - t) / 1e9;
}

/** Peak resident memory of a process so far, MB (Linux VmHWM). */
function peakRss(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** Runs the CLI to completion: seconds, peak RSS (sampled every 20 ms), output. */
async function cli(entry: string, argv: string[]): Promise<{ seconds: number; rss: number; stdout: string }> {
  const t = process.hrtime.bigint();
  const child = spawn(process.execPath, [entry, ...argv], { stdio: ['ignore', 'pipe', 'inherit'] });
  let stdout = '';
  child.stdout!.on('data', (d) => (stdout += d));
  let rss = 0;
  const poll = setInterval(() => (rss = Math.max(rss, peakRss(child.pid!) || 0)), 20);
  const [code] = (await once(child, 'exit')) as [number];
  clearInterval(poll);
  const seconds = Number(process.hrtime.bigint() - t) / 1e9;
  if (code !== 0) throw new Error(`puente ${argv.join(' ')} exited ${code}`);
  return { seconds, rss, stdout };
}

async function main(): Promise<void> {
  console.error('building the bundle…');
  const entry = await bundle();
  const big = join(work, 'credit_1gb.csv');
  console.error(`writing ${GB} GB of CSV to ${big}…`);
  const size = await makeCsv(big, GB * 1e9);
  const lines = Number(execFileSync('wc', ['-l', big]).toString().trim().split(/\s+/)[0]);

  // Page cache warm: the file is read once, untimed, by each tool first.
  timed('cat', [big]);
  timed('sha256sum', [big]);
  const shaRuns = Array.from({ length: RUNS }, () => timed('sha256sum', [big]));
  await nodeHash(big);
  const nodeRuns: number[] = [];
  for (let i = 0; i < RUNS; i++) nodeRuns.push(await nodeHash(big));

  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const dataDir = join(work, 'server');
  mkdirSync(dataDir);
  const server = spawn(process.execPath, [entry, 'server', '--port', String(port), '--data-dir', dataDir], { env: { ...process.env, PUENTE_LOG_LEVEL: 'warn' }, stdio: 'ignore' });
  children.push(server);
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    if (await fetch(`${url}/health/live`).then((r) => r.ok, () => false)) break;
    if (i > 300) throw new Error('the server did not start');
    await new Promise((r) => setTimeout(r, 100));
  }
  const idleRss = peakRss(server.pid!);

  // One untimed add (same bytes: each later run stores, hashes and profiles them again, then finds the content known).
  await cli(entry, ['--server', url, 'data', 'add', big, '--name', 'warmup']);
  const addRuns: { seconds: number; rss: number }[] = [];
  let version: { row_count: number; digest: string } | null = null;
  for (let i = 0; i < RUNS; i++) {
    const r = await cli(entry, ['--server', url, '--json', 'data', 'add', big, '--name', `bench-${i}`]);
    version = JSON.parse(r.stdout) as { row_count: number; digest: string };
    addRuns.push(r);
  }
  const serverPeak = peakRss(server.pid!);

  const wide = join(work, 'wide.csv');
  console.error('writing 1,000,000 × 20…');
  await makeWide(wide, 1_000_000);
  const wideSize = statSync(wide).size;
  await readFile(wide);
  const inProcess: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t = process.hrtime.bigint();
    const profiler = new TableProfiler('wide.csv');
    const reader = new CsvReader('wide.csv', profiler);
    for await (const c of createReadStream(wide, { highWaterMark: 1 << 16 })) reader.push(c as Buffer);
    reader.end();
    const p = profileOfSketch(profiler.sketch());
    if (p.row_count !== 1_000_000 || p.columns.length !== 20) throw new Error('wide profile is wrong');
    inProcess.push(Number(process.hrtime.bigint() - t) / 1e9);
  }
  const wideAdds: number[] = [];
  for (let i = 0; i < RUNS; i++) wideAdds.push((await cli(entry, ['--server', url, 'data', 'add', wide, '--name', `wide-${i}`])).seconds);
  server.kill('SIGTERM');

  const sha = median(shaRuns);
  const node = median(nodeRuns);
  const add = median(addRuns.map((r) => r.seconds));
  const cliPeak = Math.max(...addRuns.map((r) => r.rss));
  const ratio = mb(size, add) / mb(size, sha);
  const fmt = (x: number, d = 1) => x.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
  const cpu = cpus()[0]?.model ?? 'unknown';
  const out = [
    `Run: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, ${cpus().length} cores (${cpu}), Node ${process.version}; server, CLI and tools share the machine.`,
    '',
    '```',
    `npx tsx bench/data-bench.ts --gb ${GB} --runs ${RUNS}`,
    '```',
    '',
    `File: header + the rows of test/fixtures/datasets/credit_test.csv repeated: ${fmt(size / 1e6, 0)} MB, ${lines.toLocaleString('en-US')} lines, 11 columns; page cache warm. Medians of ${RUNS} timed runs after one untimed run.`,
    '',
    '| measurement | seconds (runs) | MB/s | ratio to sha256sum | goal | met |',
    '|---|---|---|---|---|---|',
    `| \`sha256sum FILE\` (the peer) | ${fmt(sha, 2)} (${shaRuns.map((x) => fmt(x, 2)).join(' / ')}) | ${fmt(mb(size, sha))} | 1 | | |`,
    `| Node \`createHash('sha256')\` over a read stream (reference) | ${fmt(node, 2)} (${nodeRuns.map((x) => fmt(x, 2)).join(' / ')}) | ${fmt(mb(size, node))} | ${fmt(mb(size, node) / mb(size, sha), 2)} | | |`,
    `| \`puente data add FILE\` end to end (CLI start, upload, store, hash, profile, register) | ${fmt(add, 2)} (${addRuns.map((r) => fmt(r.seconds, 2)).join(' / ')}) | ${fmt(mb(size, add))} | ${fmt(ratio, 2)} | ≥ 0.5 | ${ratio >= 0.5 ? 'yes' : 'no'} |`,
    '',
    '| memory | MB | goal | met |',
    '|---|---|---|---|',
    `| server peak RSS (VmHWM, over all adds; idle after start ${fmt(idleRss, 0)}) | ${fmt(serverPeak, 0)} | ≤ 200 | ${serverPeak <= 200 ? 'yes' : 'no'} |`,
    `| CLI peak RSS (highest of the runs) | ${fmt(cliPeak, 0)} | ≤ 200 | ${cliPeak <= 200 ? 'yes' : 'no'} |`,
    '',
    `Profile of 1,000,000 rows × 20 columns (12 numeric, 8 text; ${fmt(wideSize / 1e6, 0)} MB of CSV):`,
    '',
    '| measurement | seconds (runs) | goal | met |',
    '|---|---|---|---|',
    `| profile in process, one thread (CsvReader + TableProfiler, reading the file) | ${fmt(median(inProcess), 2)} (${inProcess.map((x) => fmt(x, 2)).join(' / ')}) | ≤ 5 | ${median(inProcess) <= 5 ? 'yes' : 'no'} |`,
    `| \`puente data add\` of that file end to end | ${fmt(median(wideAdds), 2)} (${wideAdds.map((x) => fmt(x, 2)).join(' / ')}) | | |`,
    '',
    `Version registered: ${version?.row_count.toLocaleString('en-US')} rows, sha256 ${version?.digest}.`,
  ];
  console.log(out.join('\n'));
}

await main();
process.exit(0);
