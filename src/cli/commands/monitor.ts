import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import type {
  DriftSettings, DriftWindow, MonitoringQuery, PerformanceQueryParams, QualityWindow, SampleFormat, VersionPerformance,
} from '../../monitoring/index.js';
import { action, clientFor, globals, parseModelRef, printObject, printRows, UsageError } from '../output.js';

/*
 * `puente monitor`: drift, data quality and live performance of a deployment, references of
 * model versions and drift settings. The offline `monitor report` joins the same command from
 * its own file.
 */

interface WindowFlags {
  windows?: number;
  model?: string;
  since?: string;
  until?: string;
  stattest?: string[];
  stored?: boolean;
}

const int = (option: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${option} must be a whole number ≥ 1, got '${value}'.`);
  return n;
};
const num = (option: string) => (value: string) => {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`${option} must be a number ≥ 0, got '${value}'.`);
  return n;
};
const collect = (value: string, previous: string[] = []) => [...previous, value];

const withWindows = (c: Command) =>
  c
    .option('--windows <n>', 'stored windows to show, newest first (default 1; open windows always come first)', int('--windows'))
    .option('--model <name[@version]>', 'only this model, or this version of it (of a deployment serving several)')
    .option('--since <time>', 'windows from this time: ISO 8601, epoch ms, or a duration back from now (24h)')
    .option('--until <time>', 'windows before this time')
    .option('--stored', 'closed windows only (leave out the one still filling)');

/** `--model NAME` or `--model NAME@VERSION` (a version number: windows are per version). */
function modelFilter(text: string | undefined): { model?: string; version?: number } {
  if (text === undefined) return {};
  const { model, ref: version } = parseModelRef(text, '--model');
  if (version !== undefined && !/^\d+$/.test(version)) throw new UsageError(`--model takes NAME or NAME@VERSION with a version number, got '${text}'.`);
  return { model, ...(version !== undefined ? { version: Number(version) } : {}) };
}

function queryOf(f: WindowFlags): MonitoringQuery {
  return {
    ...modelFilter(f.model),
    ...(f.since !== undefined ? { since: f.since } : {}),
    ...(f.until !== undefined ? { until: f.until } : {}),
    limit: f.windows ?? 1,
    ...(f.stored ? { include_open: false } : {}),
    ...(f.stattest && f.stattest.length > 0 ? { stattest: f.stattest } : {}),
  };
}

const time = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
const fixed = (v: number | null | undefined) => (v === null || v === undefined ? '-' : Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2));
const heading = (w: { model: string; version: number; window_start: number; window_end: number; open: boolean; rows: number }) =>
  `${w.model}@${w.version}  ${time(w.window_start)} – ${time(w.window_end)}${w.open ? ' (open)' : ''}  ${w.rows} rows`;

function printDrift(command: Command, windows: DriftWindow[]): void {
  if (windows.length === 0) {
    process.stdout.write('No monitored windows yet.\n');
    return;
  }
  for (const w of windows) {
    process.stdout.write(`${heading(w)}\n`);
    if (!w.drift) {
      process.stdout.write(`  no reference profile for ${w.model}@${w.version}: set one with \`puente monitor reference set ${w.model}@${w.version} --file FILE\`\n\n`);
      continue;
    }
    const rows = [...w.drift.columns, ...(w.prediction_drift ? [w.prediction_drift] : [])];
    printRows(command, rows, [
      ['COLUMN', (r) => r.column], ['TYPE', (r) => r.type], ['TEST', (r) => r.test], ['STATISTIC', (r) => fixed(r.statistic)],
      ['P_VALUE', (r) => fixed(r.p_value)], ['THRESHOLD', (r) => r.threshold], ['DRIFTED', (r) => (r.drifted ? 'yes' : 'no')],
    ]);
    process.stdout.write(`dataset drift share ${w.drift.drift_share.toFixed(3)}${w.drift.dataset_drifted ? ' — dataset drifted' : ''}\n\n`);
  }
}

function printQuality(command: Command, windows: QualityWindow[]): void {
  if (windows.length === 0) {
    process.stdout.write('No monitored windows yet.\n');
    return;
  }
  for (const w of windows) {
    process.stdout.write(`${heading(w)}  ${w.issues} issue(s)\n`);
    printRows(command, w.columns, [
      ['COLUMN', (c) => c.column], ['MISSING', (c) => `${(c.missing_share * 100).toFixed(1)}%`],
      ['REF_MISSING', (c) => (c.reference_missing_share === null ? '-' : `${(c.reference_missing_share * 100).toFixed(1)}%`)],
      ['OUT_OF_RANGE', (c) => c.out_of_range], ['UNSEEN', (c) => (c.unseen_categories ? `${c.unseen_categories} (${c.unseen_values.join(', ')})` : 0)],
      ['TYPE_ERRORS', (c) => c.type_errors], ['CONSTANT', (c) => (c.constant ? 'yes' : 'no')], ['ISSUES', (c) => c.issues.join(', ') || '-'],
    ]);
    process.stdout.write('\n');
  }
}

function printPerformance(command: Command, versions: VersionPerformance[]): void {
  if (versions.length === 0) {
    process.stdout.write('No labelled predictions in this range; send labels with POST /api/v1/deployments/NAME/feedback.\n');
    return;
  }
  for (const v of versions) {
    process.stdout.write(`${v.model}@${v.version}  ${v.task ?? 'unknown task'}  ${v.n} labelled rows\n`);
    const names = v.task === 'regression' ? ['rmse', 'mae', 'mape', 'r2'] : ['accuracy', 'precision', 'recall', 'f1', 'roc_auc', 'log_loss', 'calibration_error'];
    printRows(command, v.windows, [
      ['WINDOW', (w) => time(w.window_start)], ['N', (w) => w.n],
      ...names.map((m): [string, (w: (typeof v.windows)[number]) => unknown] => [m.toUpperCase(), (w) => fixed(w.metrics[m as keyof typeof w.metrics])]),
    ]);
    const c = v.concept_drift;
    if (c) {
      const current = c.current ? `${fixed(c.current.value)} now, drop ${fixed(c.drop)} (most ${c.max_drop})` : 'no later labelled window yet';
      process.stdout.write(`concept drift on ${c.metric}: baseline ${fixed(c.baseline.value)} (${c.baseline.source.replace('_', ' ')}), ${current}${c.drifted ? ' — DRIFTED' : ''}\n`);
    }
    process.stdout.write('\n');
  }
}

const FORMATS: Record<string, SampleFormat> = { csv: 'csv', jsonl: 'jsonl', ndjson: 'jsonl', parquet: 'parquet' };

/** Adds the live monitoring subcommands to `puente monitor` (created when absent). */
export function registerMonitorCommands(program: Command): Command {
  const monitor = program.commands.find((c) => c.name() === 'monitor') ?? program.command('monitor').description('watch models in production: drift, data quality, performance');

  withWindows(monitor.command('drift <deployment>').description('drift per input and for predictions, and the dataset drift share, per window'))
    .option('--stattest <name>', 'test for every input (ks, psi, chisquare, jensenshannon, wasserstein, hellinger, z) or COLUMN=NAME; repeatable; open windows only', collect)
    .action(action(async (deployment: string, flags: WindowFlags, command: Command) => {
      const answer = await clientFor(command).monitoring.drift(deployment, queryOf(flags));
      if (globals(command).json) printObject(command, answer);
      else printDrift(command, answer.windows);
    }));

  withWindows(monitor.command('quality <deployment>').description('data quality per input and window: missing, out of range, unseen categories, type errors, constant'))
    .action(action(async (deployment: string, flags: WindowFlags, command: Command) => {
      const answer = await clientFor(command).monitoring.quality(deployment, queryOf(flags));
      if (globals(command).json) printObject(command, answer);
      else printQuality(command, answer.windows);
    }));

  monitor
    .command('performance <deployment>')
    .description('live performance from feedback labels per version and window, with concept drift')
    .option('--window <duration>', 'window length, e.g. 5m, 1h (default: the server\'s monitoring window)')
    .option('--since <time>', 'predictions from this time (default: 7 days back)')
    .option('--until <time>', 'predictions before this time')
    .option('--model <name[@version]>', 'only this model, or this version of it')
    .option('--min-labels <n>', 'fewest labels a window needs for concept drift (default 30)', int('--min-labels'))
    .option('--max-drop <x>', 'most tolerated drop of the primary metric (regression: relative RMSE rise)', num('--max-drop'))
    .action(action(async (deployment: string, flags: { window?: string; since?: string; until?: string; model?: string; minLabels?: number; maxDrop?: number }, command: Command) => {
      const query: PerformanceQueryParams = {
        ...(flags.window !== undefined ? { window: flags.window } : {}), ...(flags.since !== undefined ? { since: flags.since } : {}),
        ...(flags.until !== undefined ? { until: flags.until } : {}), ...modelFilter(flags.model), ...(flags.minLabels !== undefined ? { min_labels: flags.minLabels } : {}),
        ...(flags.maxDrop !== undefined ? { max_drop: flags.maxDrop } : {}),
      };
      const report = await clientFor(command).monitoring.performance(deployment, query);
      if (globals(command).json) printObject(command, report);
      else printPerformance(command, report.versions);
    }));

  monitor
    .command('settings <deployment>')
    .description('show, or with options set, the drift tests and thresholds of a deployment')
    .option('--stattest <name>', 'test for every input, or COLUMN=NAME (repeatable)', collect)
    .option('--threshold <x>', 'threshold for every input', num('--threshold'))
    .option('--drift-share <x>', 'dataset drift when at least this share of inputs drifted (default 0.5)', num('--drift-share'))
    .option('--prediction-stattest <name>', 'test for the predictions')
    .option('--prediction-threshold <x>', 'threshold for the predictions', num('--prediction-threshold'))
    .action(action(async (deployment: string, flags: { stattest?: string[]; threshold?: number; driftShare?: number; predictionStattest?: string; predictionThreshold?: number }, command: Command) => {
      const client = clientFor(command);
      const given = flags.stattest !== undefined || flags.threshold !== undefined || flags.driftShare !== undefined || flags.predictionStattest !== undefined || flags.predictionThreshold !== undefined;
      if (!given) {
        printObject(command, await client.monitoring.settings(deployment));
        return;
      }
      const settings: Record<string, unknown> = {};
      const perColumn: Record<string, string> = {};
      for (const spec of flags.stattest ?? []) {
        const eq = spec.lastIndexOf('=');
        if (eq < 0) settings.stattest = spec;
        else perColumn[spec.slice(0, eq)] = spec.slice(eq + 1);
      }
      if (Object.keys(perColumn).length > 0) settings.per_column_stattest = perColumn;
      if (flags.threshold !== undefined) settings.threshold = flags.threshold;
      if (flags.driftShare !== undefined) settings.drift_share = flags.driftShare;
      if (flags.predictionStattest !== undefined) settings.prediction_stattest = flags.predictionStattest;
      if (flags.predictionThreshold !== undefined) settings.prediction_threshold = flags.predictionThreshold;
      printObject(command, await client.monitoring.setSettings(deployment, settings as DriftSettings));
    }));

  const reference = monitor.command('reference').description('the reference profile a model version is compared with');
  const versionOf = (ref: string) => {
    const { model, ref: version } = parseModelRef(ref, 'MODEL@VERSION');
    if (version === undefined) throw new UsageError(`name the version: ${model}@1 (or an alias, ${model}@champion).`);
    return { model, version };
  };
  reference
    .command('set <model@version>')
    .description('set it from a sample file (CSV, JSON Lines, Parquet) or a dataset version')
    .option('--file <path>', 'sample file')
    .option('--dataset <name@version>', 'dataset version')
    .option('--format <format>', 'csv, jsonl or parquet (default: from the file name)')
    .option('--target <column>', 'column of true labels: the model is scored on the sample (baseline for concept drift)')
    .action(action(async (ref: string, flags: { file?: string; dataset?: string; format?: string; target?: string }, command: Command) => {
      const { model, version } = versionOf(ref);
      if (!flags.file === !flags.dataset) throw new UsageError('give either --file FILE or --dataset NAME@VERSION.');
      const client = clientFor(command);
      let summary;
      if (flags.dataset) summary = await client.monitoring.setReference(model, version, { dataset: flags.dataset, ...(flags.target ? { target: flags.target } : {}) });
      else {
        const ext = (flags.format ?? flags.file!.split('.').pop() ?? '').toLowerCase();
        const format = FORMATS[ext];
        if (!format) throw new UsageError(`cannot tell the format of ${flags.file}; give --format csv, jsonl or parquet.`);
        let bytes: Buffer;
        try {
          bytes = readFileSync(flags.file!);
        } catch (err) {
          throw new UsageError(`--file ${flags.file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
        }
        summary = await client.monitoring.setReference(model, version, { file: bytes, format, name: basename(flags.file!), ...(flags.target ? { target: flags.target } : {}) });
      }
      if (globals(command).json) printObject(command, summary);
      else process.stdout.write(`Reference of ${model}@${summary.version} set: ${summary.source}, ${summary.columns.length} inputs profiled${summary.skipped.length ? `, left out ${summary.skipped.map((s) => s.column).join(', ')}` : ''}.\n`);
    }));
  reference
    .command('show <model@version>')
    .description('show it (inputs with bins and categories, predictions, quality on the sample)')
    .action(action(async (ref: string, _flags: unknown, command: Command) => {
      const { model, version } = versionOf(ref);
      const summary = await clientFor(command).monitoring.reference(model, version);
      if (globals(command).json) printObject(command, summary);
      else {
        process.stdout.write(`${summary.model}@${summary.version}: ${summary.source}, ${summary.rows} rows\n`);
        printRows(command, summary.columns as { column: string; type: string; count: number; missing: number; min?: number; max?: number; categories?: unknown[] }[], [
          ['COLUMN', (c) => c.column], ['TYPE', (c) => c.type], ['COUNT', (c) => c.count], ['MISSING', (c) => c.missing],
          ['MIN', (c) => c.min], ['MAX', (c) => c.max], ['CATEGORIES', (c) => c.categories?.length],
        ]);
      }
    }));
  reference
    .command('delete <model@version>')
    .description('remove the stored reference')
    .action(action(async (ref: string, _flags: unknown, command: Command) => {
      const { model, version } = versionOf(ref);
      await clientFor(command).monitoring.deleteReference(model, version);
      if (!globals(command).json) process.stdout.write(`Reference of ${model}@${version} removed.\n`);
    }));
  return monitor;
}
