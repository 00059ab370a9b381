import type { Command } from 'commander';
import { loadConfig } from '../../config/index.js';
import { createDb } from '../../db/index.js';
import { EXPORT_TARGETS, exportVersion, locateVersion, remoteLocator, storeLocator, type ExportTarget } from '../../export/index.js';
import { composeServices, openArtifactStore } from '../../main.js';
import { PUENTE_VERSION } from '../../version.js';
import { action, clientFor, globals, printObject, UsageError, parseModelRef } from '../output.js';

interface ExportCommandOptions {
  target: string;
  out?: string;
  store?: boolean;
  dataDir?: string;
}

/** `puente models export NAME@REF --target docker|lambda|onnx --out DIR`, under the `models` command. */
export function registerExportCommand(program: Command): void {
  const models = program.commands.find((c) => c.name() === 'models');
  if (!models) throw new Error('register the models command before models export');
  models
    .command('export <model>')
    .description('export one version (MODEL@VERSION or MODEL@ALIAS): a container build context, an AWS Lambda function, or its ONNX file')
    .requiredOption('--target <target>', EXPORT_TARGETS.join(' | '))
    .option('--out <dir>', 'directory to write (new or empty)')
    .option('--store', 'read the model from the store (PUENTE_DATABASE_URL / --data-dir) instead of --server')
    .option('--data-dir <dir>', 'with --store: data directory of the embedded store')
    .action(
      action(async (spec: string, opts: ExportCommandOptions, command: Command) => {
        if (!EXPORT_TARGETS.includes(opts.target as ExportTarget)) throw new UsageError(`--target must be one of ${EXPORT_TARGETS.join(', ')}, got "${opts.target}"`);
        const target = opts.target as ExportTarget;
        const { model, ref } = parseModelRef(spec);
        const out = opts.out ?? `${model}-${target}`;
        let result;
        if (opts.store) {
          const config = loadConfig(process.env, { dataDir: opts.dataDir });
          const db = await createDb(config.database);
          try {
            await db.migrate();
            const services = composeServices(db, openArtifactStore(config, db), { audit: false });
            const version = await locateVersion(storeLocator(services.registry, services.artifacts), model, ref);
            result = await exportVersion(version, { target, outDir: out, puenteVersion: PUENTE_VERSION });
          } finally {
            await db.close();
          }
        } else {
          const version = await locateVersion(remoteLocator(clientFor(command)), model, ref);
          result = await exportVersion(version, { target, outDir: out, puenteVersion: PUENTE_VERSION });
        }
        if (globals(command).json) printObject(command, result);
        else {
          process.stdout.write(`Exported ${result.name} version ${result.version} (${result.format}) as ${target} into ${result.outDir}\n`);
          for (const f of result.files) process.stdout.write(`  ${f}\n`);
          for (const n of result.notes) process.stdout.write(`Note: ${n}\n`);
        }
      }),
    );
}
