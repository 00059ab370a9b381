import type { Command } from 'commander';
import type { Run } from '../../tracking/index.js';
import { action, clientFor, keyValues, printObject, printRows, UsageError } from '../output.js';

const FIELDS: [string, (r: Run) => unknown][] = [
  ['run_id', (r) => r.info.run_id],
  ['name', (r) => r.info.run_name],
  ['experiment', (r) => r.info.experiment_id],
  ['status', (r) => r.info.status],
  ['started', (r) => r.info.start_time],
  ['metrics', (r) => r.data.metrics.map((m) => `${m.key}=${m.value}`)],
  ['params', (r) => r.data.params.map((p) => `${p.key}=${p.value}`)],
];

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `puente runs ...` */
export function registerRunsCommands(program: Command): void {
  const cmd = program.command('runs').description('create, log to, search and manage runs');

  const search = (name: string, description: string) =>
    cmd
      .command(name)
      .description(description)
      .requiredOption('-e, --experiment <ids...>', 'experiment ids to search')
      .option('--filter <filter>', "MLflow filter, e.g. \"metrics.auc > 0.8 and params.model = 'gbdt'\"")
      .option('--order-by <terms...>', 'e.g. "metrics.auc DESC"')
      .option('--max-results <n>', 'most runs to show', '100')
      .action(
        action(async (opts: { experiment: string[]; filter?: string; orderBy?: string[]; maxResults: string }, command: Command) => {
          const max = Number(opts.maxResults);
          if (!Number.isInteger(max) || max < 1) throw new UsageError(`--max-results must be a positive integer, got "${opts.maxResults}"`);
          const page = await clientFor(command).runs.search({ experiment_ids: opts.experiment, filter: opts.filter, order_by: opts.orderBy, max_results: max });
          printRows(command, page.items, FIELDS);
        }),
      );
  search('list', 'list the runs of experiments');
  search('search', 'search runs with a filter and an order');

  cmd
    .command('get <run-id>')
    .description('show a run')
    .action(
      action(async (runId: string, _opts: unknown, command: Command) => {
        printObject(command, await clientFor(command).runs.get(runId), FIELDS);
      }),
    );

  cmd
    .command('create')
    .description('start a run')
    .option('-e, --experiment <id>', 'experiment id', '0')
    .option('-n, --name <name>', 'run name')
    .option('--parent <run-id>', 'parent run, for a nested run')
    .option('--tag <key=value>', 'a tag (repeatable)', collect)
    .action(
      action(async (opts: { experiment: string; name?: string; parent?: string; tag?: string[] }, command: Command) => {
        const run = await clientFor(command).runs.create({
          experiment_id: opts.experiment,
          run_name: opts.name,
          parent_run_id: opts.parent,
          tags: keyValues(opts.tag, '--tag'),
        });
        printObject(command, run, FIELDS);
      }),
    );

  cmd
    .command('log <run-id>')
    .description('log params, metrics and tags to a run')
    .option('-p, --param <key=value>', 'a param (repeatable)', collect)
    .option('-m, --metric <key=value[@step]>', 'a metric point (repeatable)', collect)
    .option('-t, --tag <key=value>', 'a tag (repeatable)', collect)
    .option('--end [status]', 'end the run afterwards (FINISHED unless a status is given)')
    .action(
      action(async (runId: string, opts: { param?: string[]; metric?: string[]; tag?: string[]; end?: string | boolean }, command: Command) => {
        const client = clientFor(command);
        const now = Date.now();
        const metrics = keyValues(opts.metric, '--metric').map(({ key, value }) => {
          const [raw, step = '0'] = value.split('@');
          const number = Number(raw);
          if (raw.trim() === '' || (Number.isNaN(number) && raw !== 'NaN')) throw new UsageError(`--metric ${key} needs a number, got "${raw}"`);
          if (!/^-?\d+$/.test(step)) throw new UsageError(`--metric ${key}: the step after @ must be an integer, got "${step}"`);
          return { key, value: number, timestamp: now, step: Number(step) };
        });
        await client.runs.logBatch(runId, { params: keyValues(opts.param, '--param'), metrics, tags: keyValues(opts.tag, '--tag') });
        if (opts.end) await client.runs.end(runId, typeof opts.end === 'string' ? (opts.end.toUpperCase() as Run['info']['status']) : 'FINISHED');
        printObject(command, await client.runs.get(runId), FIELDS);
      }),
    );

  for (const [verb, description] of [
    ['delete', 'delete a run; restorable'],
    ['restore', 'restore a deleted run'],
  ] as const) {
    cmd
      .command(`${verb} <run-id>`)
      .description(description)
      .action(
        action(async (runId: string, _opts: unknown, command: Command) => {
          const client = clientFor(command);
          await client.runs[verb](runId);
          printObject(command, await client.runs.get(runId), FIELDS);
        }),
      );
  }
}
