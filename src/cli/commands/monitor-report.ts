import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import type { Command } from 'commander';
import { PuenteApiError, PuenteUnreachableError } from '../../client/index.js';
import { downloadVersion, parseDatasetRef } from '../../datasets/index.js';
import {
  buildDriftReport, concatTables, formatOfFile, parseStattestOverrides, readTable, renderReportHtml, type DriftReport, type StatTestName, type Table,
} from '../../monitoring/index.js';
import { clientFor, globals, UsageError } from '../output.js';

/** Exit codes: 0 no dataset drift (or not asked to fail), 1 drift with --fail-on-drift, 2 the report could not be made. */
const EXIT_DRIFT = 1;
const EXIT_UNUSABLE = 2;

interface ReportOptions {
  reference: string;
  current: string;
  stattest?: string[];
  target?: string[];
  html?: string;
  jsonOut?: string;
  failOnDrift?: boolean;
  driftShare?: string;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** A dataset reference (NAME@VERSION, NAME@latest): a name, an @, no path separator, no file extension. */
const DATASET_REF = /^[A-Za-z0-9][A-Za-z0-9._-]*@[^@/\\\s]+$/;

/** A file path, read offline; or a dataset version, downloaded from the server (hash-checked) and read as its files. */
async function loadSide(spec: string, option: string, command: Command): Promise<Table> {
  if (existsSync(spec)) return readTable(spec);
  if (!DATASET_REF.test(spec) || formatOfFile(spec) !== null) throw new UsageError(`${option} ${spec}: no such file (and not a dataset version NAME@VERSION)`);
  const { name, ref } = parseDatasetRef(spec);
  const dir = mkdtempSync(join(tmpdir(), 'puente-report-'));
  try {
    const { version, files } = await downloadVersion(clientFor(command), name, ref, `${dir}/`);
    const source = `${name}@${version.version}`;
    const tables: Table[] = [];
    for (const [i, path] of files.entries()) {
      const file = version.files[i]!;
      const format = file.format ?? formatOfFile(path);
      if (format === null) continue;
      const delimiter = typeof file.options?.delimiter === 'string' ? file.options.delimiter : undefined;
      tables.push(await readTable(path, { format, source: `${source}/${relative(dir, path)}`, ...(delimiter !== undefined ? { delimiter } : {}) }));
    }
    if (tables.length === 0) throw new UsageError(`${option} ${spec}: version ${version.version} holds no CSV, JSON Lines or Parquet file`);
    return concatTables(source, tables);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (v: number | null) => (v === null ? '-' : Math.abs(v) !== 0 && (Math.abs(v) < 1e-4 || Math.abs(v) >= 1e6) ? v.toExponential(3) : String(Number(v.toFixed(4))));

function summary(report: DriftReport): string {
  const header = ['column', 'type', 'test', 'statistic', 'p_value', 'threshold', 'drifted', 'quality'];
  const rows = report.columns.map((c) => [
    c.role === 'target' ? `${c.column} (target)` : c.column, c.type, c.test, fmt(c.statistic), fmt(c.p_value), fmt(c.threshold), c.drifted ? 'DRIFT' : 'no',
    report.data_quality.find((q) => q.column === c.column)?.issues.join(',') || '-',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(header), ...rows.map(line)];
  for (const s of report.skipped) out.push(`(${s.column}: ${s.reason})`);
  out.push(
    `${report.dataset_drifted ? 'Dataset drift' : 'No dataset drift'}: ${report.drifted_columns} of ${report.evaluated_columns} feature columns drifted ` +
      `(share ${fmt(report.drift_share)}, threshold ${report.drift_share_threshold}); ${report.quality_issues} with data-quality issues.`,
  );
  return `${out.join('\n')}\n`;
}

/**
 * Adds `report` to the `monitor` command (created here when absent, so the other `monitor`
 * subcommands may be registered before or after on the same command).
 */
export function registerMonitorReportCommand(program: Command): void {
  const monitor = program.commands.find((c) => c.name() === 'monitor') ?? program.command('monitor').description('watch models in production: drift, data quality, performance');
  monitor
    .command('report')
    .description('drift report of current data against a reference (CSV, JSON Lines or Parquet files, or dataset versions); offline for files, for CI too')
    .requiredOption('--reference <source>', 'the reference: a file, or a dataset version NAME@VERSION read through the server')
    .requiredOption('--current <source>', 'the data to check: a file or a dataset version NAME@VERSION')
    .option('--stattest <test>', 'force a test for every column (ks, psi, chisquare, jensenshannon, wasserstein, hellinger, z), or COLUMN=TEST for one (repeatable)', collect)
    .option('--target <columns...>', 'target or prediction columns: reported, not counted in the dataset drift share')
    .option('--drift-share <share>', 'the dataset drifts when at least this share of feature columns drift (default 0.5)')
    .option('--html <file>', 'write the HTML report (histograms of reference and current per column, drift scores, data quality)')
    .option('--json-out <file>', 'write the JSON report')
    .option('--fail-on-drift', 'exit with status 1 when the dataset drifted')
    .action(async (opts: ReportOptions, command: Command) => {
      let report: DriftReport;
      try {
        const overrides = parseStattestOverrides(opts.stattest ?? []);
        const driftShare = opts.driftShare === undefined ? undefined : Number(opts.driftShare);
        if (driftShare !== undefined && !(driftShare > 0 && driftShare <= 1)) throw new UsageError(`--drift-share expects a number in (0, 1], got "${opts.driftShare}"`);
        const [reference, current] = [await loadSide(opts.reference, '--reference', command), await loadSide(opts.current, '--current', command)];
        const result = buildDriftReport(reference, current, {
          stattest: overrides.stattest as StatTestName | undefined, perColumnStattest: overrides.perColumnStattest, targets: opts.target, driftShare,
        });
        report = result.report;
        if (opts.html) writeFileSync(opts.html, renderReportHtml(report, result.histograms));
        if (opts.jsonOut) writeFileSync(opts.jsonOut, `${JSON.stringify(report, null, 2)}\n`);
        process.stdout.write(globals(command).json ? `${JSON.stringify(report, null, 2)}\n` : summary(report));
      } catch (err) {
        const message = err instanceof PuenteApiError ? `${err.code}: ${err.message}` : err instanceof PuenteUnreachableError || err instanceof UsageError ? err.message : (err as Error).message;
        console.error(`puente monitor report: ${message}`);
        process.exitCode = EXIT_UNUSABLE;
        return;
      }
      if (opts.failOnDrift && report.dataset_drifted) process.exitCode = EXIT_DRIFT;
    });
}
