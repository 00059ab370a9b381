import type { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { action, clientFor, globals, parseModelRef, printObject, UsageError } from '../output.js';

/** `puente predictions export`: the prediction log of a deployment or a model, as CSV or Parquet. */
export function registerPredictionsCommands(program: Command): void {
  const predictions = program.command('predictions').description('the prediction log: export it');
  predictions
    .command('export')
    .description('write logged predictions (inputs, outputs, labels) to a CSV or Parquet file')
    .option('--deployment <name>', 'predictions of this deployment')
    .option('--model <name[@version]>', 'predictions of this model, or of one version of it (its own routes and deployments)')
    .option('--format <format>', 'csv or parquet (default: from --out, else csv)')
    .option('--out <file>', 'file to write')
    .option('--since <time>', 'from this time: ISO 8601, epoch ms, or a duration back from now (24h)')
    .option('--until <time>', 'before this time')
    .action(action(async (flags: { deployment?: string; model?: string; format?: string; out?: string; since?: string; until?: string }, command: Command) => {
      if (!flags.deployment === !flags.model) throw new UsageError('give either --deployment NAME or --model NAME[@VERSION].');
      if (!flags.out) throw new UsageError('give --out FILE.');
      const ref = flags.model !== undefined ? parseModelRef(flags.model, '--model') : null;
      if (ref?.ref !== undefined && !/^\d+$/.test(ref.ref)) throw new UsageError(`--model takes NAME or NAME@VERSION with a version number, got '${flags.model}'.`);
      const format = (flags.format ?? (/\.parquet$/i.test(flags.out) ? 'parquet' : 'csv')).toLowerCase();
      if (format !== 'csv' && format !== 'parquet') throw new UsageError(`--format must be csv or parquet, got '${flags.format}'.`);
      const query = { format: format as 'csv' | 'parquet', ...(flags.since ? { since: flags.since } : {}), ...(flags.until ? { until: flags.until } : {}) };
      const target = flags.deployment ? { deployment: flags.deployment } : { model: ref!.model, ...(ref!.ref !== undefined ? { version: Number(ref!.ref) } : {}) };
      const res = await clientFor(command).predictions.export(target, query);
      await pipeline(Readable.fromWeb(res.body! as import('node:stream/web').ReadableStream), createWriteStream(flags.out));
      const rows = Number(res.headers.get('x-puente-rows') ?? NaN);
      if (globals(command).json) printObject(command, { out: flags.out, format, rows });
      else process.stdout.write(`Wrote ${rows} rows to ${flags.out} (${format}).\n`);
    }));
}
