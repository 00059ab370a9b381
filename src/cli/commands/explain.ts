import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { PuenteApiError, type PuenteClient } from '../../client/index.js';
import { EXPLAIN_METHODS, type ExplainMethod, type ExplainParams, type Explanation, type ImportanceResult, type PerOutput } from '../../explain/index.js';
import { parseCsv } from '../../serving/index.js';
import { action, clientFor, globals, UsageError, parseModelRef } from '../output.js';

interface ExplainCliOptions {
  data: string;
  rows: string;
  method?: string;
  background?: string;
  kmeans?: string;
  nsamples?: string;
  link?: string;
  seed?: string;
  target?: string;
  metric?: string;
  repeats?: string;
}

/** Background rows sent to the server at most (it samples or summarises them further). */
const MAX_BACKGROUND = 1000;

export function readCsvFile(path: string, option: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new UsageError(`${option} ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  try {
    return parseCsv(text);
  } catch (err) {
    throw new UsageError(`${option} ${path}: ${(err as Error).message}`);
  }
}

function positive(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${option} must be a positive integer, got "${value}"`);
  return n;
}

/** Every n-th row, so a large file is represented evenly. */
function spread<T>(rows: T[], max: number): T[] {
  if (rows.length <= max) return rows;
  const step = rows.length / max;
  return Array.from({ length: max }, (_, i) => rows[Math.floor(i * step)]);
}

/** A served reference: the one given, or (none) `champion`, else `latest` — as the server's /v2 picks. */
async function withRef<T>(model: string, ref: string | undefined, call: (ref: string) => Promise<T>): Promise<T> {
  if (ref !== undefined) return call(ref);
  try {
    return await call('champion');
  } catch (err) {
    if (err instanceof PuenteApiError && err.code === 'INVALID_PARAMETER_VALUE' && /alias/i.test(err.message)) return call('latest');
    throw err;
  }
}

const fmt = (v: number) => (Math.abs(v) >= 1e5 || (Math.abs(v) < 1e-3 && v !== 0) ? v.toExponential(3) : v.toFixed(4));
const at = (v: PerOutput, k: number) => (Array.isArray(v) ? v[k] : v);

function printExplanation(e: Explanation, rowsShown: number): void {
  const out = process.stdout;
  const what = e.output === 'margin' ? 'the margin (log-odds for a classifier)' : e.output === 'log_odds' ? 'the log-odds of the prediction' : 'the prediction';
  out.write(`${e.model} version ${e.version}: ${e.method} explains ${what}, per input column\n`);
  for (let k = 0; k < e.output_names.length; k++) {
    if (e.output_names.length > 1) out.write(`\noutput ${e.output_names[k]}\n`);
    out.write(`base value ${fmt(at(e.base_value, k))}\n`);
    const header = ['row', 'value', ...e.columns];
    const cells = e.rows.slice(0, rowsShown).map((r, i) => [String(i), fmt(at(r.value, k)), ...e.columns.map((c) => fmt(at(r.contributions[c], k)))]);
    const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
    const line = (values: string[]) => values.map((v, i) => (i < 2 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ');
    out.write(`${line(header)}\n${cells.map(line).join('\n')}\n`);
    const ranked = e.columns.map((c) => [c, at(e.global.mean_abs[c], k)] as const).sort((a, b) => b[1] - a[1]);
    out.write(`mean |contribution| over ${e.rows.length} rows: ${ranked.map(([c, v]) => `${c} ${fmt(v)}`).join(', ')}\n`);
  }
}

function printImportance(r: ImportanceResult): void {
  const out = process.stdout;
  out.write(`\npermutation importance (${r.metric} ${r.higher_is_better ? 'lost' : 'gained'} when a column is shuffled; ${r.rows} rows, ${r.repeats} repeats, ${r.metric} ${fmt(r.baseline)} unshuffled)\n`);
  const width = Math.max(6, ...r.importances.map((i) => i.column.length));
  for (const i of r.importances) out.write(`${i.column.padEnd(width)}  ${fmt(i.importance).padStart(10)}  ± ${fmt(i.std)}\n`);
}

/** `puente explain MODEL@REF --data FILE`: per-row contributions of every input column, through the server. */
export function registerExplainCommand(program: Command): void {
  program
    .command('explain <model>')
    .description('explain predictions of a served model version (MODEL@VERSION or MODEL@ALIAS): the contribution of every input column per row, and the base value')
    .requiredOption('--data <csv>', 'rows to explain (header row; columns the model does not take are ignored)')
    .option('--rows <n>', 'explain the first N rows', '10')
    .option('--method <method>', `${EXPLAIN_METHODS.join(', ')} (default: tree for tree models, else kernel)`)
    .option('--background <csv>', 'kernel/permutation: typical rows to compare with (default: the --data rows)')
    .option('--kmeans <k>', 'kernel/permutation: summarise the background into K weighted rows by k-means')
    .option('--nsamples <n>', "kernel: coalitions per row (default: auto, as the shap library)")
    .option('--link <link>', 'kernel/permutation: identity (explain the prediction) or logit (its log-odds)')
    .option('--seed <n>', 'random seed of the sampling methods')
    .option('--target <column>', 'also compute permutation importance on all --data rows, with this label column')
    .option('--metric <name>', 'with --target: the score (default: auc, accuracy or rmse by task)')
    .option('--repeats <n>', 'with --target: shuffles per column', '5')
    .action(
      action(async (spec: string, opts: ExplainCliOptions, command: Command) => {
        const { model, ref } = parseModelRef(spec);
        const method = opts.method as ExplainMethod | undefined;
        if (method !== undefined && !EXPLAIN_METHODS.includes(method)) throw new UsageError(`--method must be one of ${EXPLAIN_METHODS.join(', ')}`);
        if (opts.link !== undefined && opts.link !== 'identity' && opts.link !== 'logit') throw new UsageError('--link must be identity or logit');
        const n = positive(opts.rows, '--rows')!;
        const data = readCsvFile(opts.data, '--data');
        if (data.length === 0) throw new UsageError(`--data ${opts.data} has no rows to explain`);
        const records = data.slice(0, n).map((r) => withoutColumn(r, opts.target));
        const params: ExplainParams = {
          method,
          extra_columns: 'drop',
          ...(opts.kmeans ? { background_kmeans: positive(opts.kmeans, '--kmeans') } : {}),
          ...(opts.nsamples ? { nsamples: opts.nsamples === 'auto' ? 'auto' : positive(opts.nsamples, '--nsamples') } : {}),
          ...(opts.link ? { link: opts.link as 'identity' | 'logit' } : {}),
          ...(opts.seed !== undefined ? { seed: Number(opts.seed) } : {}),
        };
        // The sampling methods need a background; the server picks one of them by itself for a
        // model that is not trees, so send one unless Tree SHAP was asked for.
        if (method !== 'tree' || opts.background) {
          const background = opts.background ? readCsvFile(opts.background, '--background') : data;
          if (background.length === 0) throw new UsageError(`--background ${opts.background} has no rows`);
          Object.assign(params, { background: spread(background, MAX_BACKGROUND).map((r) => withoutColumn(r, opts.target)) });
        }
        const client: PuenteClient = clientFor(command);
        const explanation = await withRef(model, ref, (r) => client.explain.rows(model, r, records, params));
        const ignored = (explanation.ignored_columns ?? []).filter((c) => c !== opts.target);
        if (ignored.length > 0) process.stderr.write(`puente: ignoring column(s) ${ignored.join(', ')}: not inputs of ${model}\n`);
        let importance: ImportanceResult | undefined;
        if (opts.target) {
          importance = await client.explain.importance(model, explanation.version, data, {
            target: opts.target,
            extra_columns: 'drop',
            repeats: positive(opts.repeats, '--repeats'),
            ...(opts.metric ? { metric: opts.metric } : {}),
            ...(opts.seed !== undefined ? { seed: Number(opts.seed) } : {}),
          });
        }
        if (globals(command).json) {
          const { ignored_columns: _ignored, ...rest } = explanation;
          process.stdout.write(`${JSON.stringify(importance ? { ...rest, importance } : rest, null, 2)}\n`);
          return;
        }
        printExplanation(explanation, n);
        if (importance) printImportance(importance);
      }),
    );
}

function withoutColumn(record: Record<string, unknown>, column: string | undefined): Record<string, unknown> {
  if (column === undefined || !(column in record)) return record;
  const { [column]: _dropped, ...rest } = record;
  return rest;
}
