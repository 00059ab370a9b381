import type { Command } from 'commander';
import type { Experiment } from '../../tracking/index.js';
import { action, clientFor, printObject, printRows } from '../output.js';

const FIELDS: [string, (e: Experiment) => unknown][] = [
  ['id', (e) => e.experiment_id],
  ['name', (e) => e.name],
  ['stage', (e) => e.lifecycle_stage],
  ['artifacts', (e) => e.artifact_location],
  ['created', (e) => e.creation_time],
];

/** `puente experiments ...` */
export function registerExperimentsCommands(program: Command): void {
  const cmd = program.command('experiments').description('create, list and manage experiments');

  cmd
    .command('list')
    .description('list experiments')
    .option('--filter <filter>', "MLflow filter, e.g. \"name LIKE 'credit%'\"")
    .option('--all', 'include deleted experiments')
    .action(
      action(async (opts: { filter?: string; all?: boolean }, command: Command) => {
        const items: Experiment[] = [];
        for await (const e of clientFor(command).experiments.listAll({ filter: opts.filter, view_type: opts.all ? 'ALL' : undefined })) items.push(e);
        printRows(command, items, FIELDS);
      }),
    );

  cmd
    .command('create <name>')
    .description('create an experiment')
    .option('--artifact-location <uri>', 'root URI of its artifacts')
    .action(
      action(async (name: string, opts: { artifactLocation?: string }, command: Command) => {
        printObject(command, await clientFor(command).experiments.create({ name, artifact_location: opts.artifactLocation }), FIELDS);
      }),
    );

  cmd
    .command('get <id-or-name>')
    .description('show an experiment by id or name')
    .action(
      action(async (ref: string, _opts: unknown, command: Command) => {
        const client = clientFor(command);
        const exp = /^\d+$/.test(ref) ? await client.experiments.get(ref) : await client.experiments.getByName(ref);
        printObject(command, exp, FIELDS);
      }),
    );

  cmd
    .command('rename <id> <new-name>')
    .description('rename an experiment')
    .action(
      action(async (id: string, name: string, _opts: unknown, command: Command) => {
        printObject(command, await clientFor(command).experiments.rename(id, name), FIELDS);
      }),
    );

  for (const [verb, description] of [
    ['delete', 'delete an experiment (and its runs); restorable'],
    ['restore', 'restore a deleted experiment'],
  ] as const) {
    cmd
      .command(`${verb} <id>`)
      .description(description)
      .action(
        action(async (id: string, _opts: unknown, command: Command) => {
          const client = clientFor(command);
          await client.experiments[verb](id);
          printObject(command, await client.experiments.get(id), FIELDS);
        }),
      );
  }
}
