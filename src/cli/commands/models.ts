import type { Command } from 'commander';
import type { ModelVersion, RegisteredModel, Stage } from '../../registry/index.js';
import { STAGES } from '../../registry/index.js';
import { action, clientFor, printObject, printRows, UsageError } from '../output.js';
import { registerPackageCommand } from './package.js';

const MODEL_FIELDS: [string, (m: RegisteredModel) => unknown][] = [
  ['name', (m) => m.name],
  ['description', (m) => m.description],
  ['latest', (m) => m.latest_versions.map((v) => `v${v.version}${v.current_stage === 'None' ? '' : ` (${v.current_stage})`}`)],
  ['aliases', (m) => m.aliases.map((a) => `${a.alias}→v${a.version}`)],
  ['updated', (m) => m.last_updated_timestamp],
];

const VERSION_FIELDS: [string, (v: ModelVersion) => unknown][] = [
  ['version', (v) => v.version],
  ['stage', (v) => v.current_stage],
  ['aliases', (v) => v.aliases],
  ['run_id', (v) => v.run_id],
  ['source', (v) => v.source],
  ['created', (v) => v.creation_timestamp],
];

/** `puente models ...` */
export function registerModelsCommands(program: Command): void {
  const cmd = program.command('models').description('the model registry: models, versions, aliases, stages, lineage');
  registerPackageCommand(cmd);

  cmd
    .command('list')
    .description('list registered models')
    .option('--filter <filter>', "MLflow filter, e.g. \"name LIKE 'credit%'\"")
    .action(
      action(async (opts: { filter?: string }, command: Command) => {
        const items: RegisteredModel[] = [];
        for await (const m of clientFor(command).models.listAll({ filter: opts.filter })) items.push(m);
        printRows(command, items, MODEL_FIELDS);
      }),
    );

  cmd
    .command('create <name>')
    .description('register a model name')
    .option('-d, --description <text>', 'description')
    .action(
      action(async (name: string, opts: { description?: string }, command: Command) => {
        printObject(command, await clientFor(command).models.create(name, { description: opts.description }), MODEL_FIELDS);
      }),
    );

  cmd
    .command('get <name>')
    .description('show a registered model')
    .action(
      action(async (name: string, _opts: unknown, command: Command) => {
        printObject(command, await clientFor(command).models.get(name), MODEL_FIELDS);
      }),
    );

  cmd
    .command('delete <name>')
    .description('delete a model and all its versions')
    .action(
      action(async (name: string, _opts: unknown, command: Command) => {
        await clientFor(command).models.delete(name);
        printObject(command, { deleted: name }, [['deleted', (v) => v.deleted]]);
      }),
    );

  cmd
    .command('versions <name>')
    .description('list the versions of a model')
    .action(
      action(async (name: string, _opts: unknown, command: Command) => {
        printRows(command, await clientFor(command).models.versions(name), VERSION_FIELDS);
      }),
    );

  cmd
    .command('create-version <name> <source>')
    .description('register a version from runs:/<run_id>/<path>, models:/<logged model id> or a URI')
    .option('--run-id <id>', 'the run that produced it')
    .option('-d, --description <text>', 'description')
    .action(
      action(async (name: string, source: string, opts: { runId?: string; description?: string }, command: Command) => {
        printObject(command, await clientFor(command).models.createVersion(name, { source, run_id: opts.runId, description: opts.description }), VERSION_FIELDS);
      }),
    );

  cmd
    .command('set-alias <name> <alias> <version>')
    .description('point an alias (e.g. champion) at a version')
    .action(
      action(async (name: string, alias: string, version: string, _opts: unknown, command: Command) => {
        if (!/^\d+$/.test(version)) throw new UsageError(`the version must be a number, got "${version}"`);
        printObject(command, await clientFor(command).models.setAlias(name, alias, Number(version)), VERSION_FIELDS);
      }),
    );

  cmd
    .command('delete-alias <name> <alias>')
    .description('remove an alias')
    .action(
      action(async (name: string, alias: string, _opts: unknown, command: Command) => {
        await clientFor(command).models.deleteAlias(name, alias);
        printObject(command, { deleted_alias: alias }, [['deleted alias', (v) => v.deleted_alias]]);
      }),
    );

  cmd
    .command('stage <name> <version> <stage>')
    .description(`move a version to a stage (${STAGES.join(', ')})`)
    .option('--archive-existing', 'archive the other versions in that stage')
    .action(
      action(async (name: string, version: string, stage: string, opts: { archiveExisting?: boolean }, command: Command) => {
        const found = STAGES.find((s) => s.toLowerCase() === stage.toLowerCase());
        if (!found) throw new UsageError(`stage must be one of ${STAGES.join(', ')}, got "${stage}"`);
        printObject(command, await clientFor(command).models.setStage(name, version, found as Stage, opts.archiveExisting ?? false), VERSION_FIELDS);
      }),
    );

  cmd
    .command('lineage <model-ref>')
    .description('dataset → run → version lineage of NAME@ALIAS or NAME/VERSION')
    .action(
      action(async (ref: string, _opts: unknown, command: Command) => {
        const match = /^([^@/]+)(?:@(.+)|\/(\d+))$/.exec(ref);
        if (!match) throw new UsageError(`expected NAME@ALIAS or NAME/VERSION, got "${ref}"`);
        const lineage = await clientFor(command).models.lineage(match[1], match[2] !== undefined ? `@${match[2]}` : match[3]);
        printObject(command, lineage, [
          ['model version', (l: typeof lineage) => `${l.model_version.name} v${l.model_version.version}`],
          ['aliases', (l: typeof lineage) => l.model_version.aliases],
          ['run', (l: typeof lineage) => (l.run ? `${l.run.info.run_id} (${l.run.info.run_name})` : null)],
          ['datasets', (l: typeof lineage) => l.datasets.map((d) => `${d.dataset.name}@${d.dataset.digest}`)],
        ]);
      }),
    );
}
