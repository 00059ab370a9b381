import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { basename, extname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PuenteClient } from '../../client/index.js';
import {
  addLocalData, copyVersions, describeExpectation, downloadVersion, parseDatasetRef, parseSuite, renderValidationHtml, suiteToYaml,
  type ColumnProfile, type DatasetDiff, type DatasetSchema, type DatasetVersion, type VersionSummary,
} from '../../datasets/index.js';
import { action, clientFor, globals, printObject, printRows, progressBar, UsageError } from '../output.js';

const kb = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : n >= 1e6 ? `${(n / 1e6).toFixed(1)} MB` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} kB` : `${n} B`);
const num = (v: number | undefined) => (v === undefined ? '' : Number.isInteger(v) ? v.toLocaleString('en-US') : Number(v.toPrecision(5)).toString());

/** `NAME[@VERSION]` from the command line. */
function ref(text: string): { name: string; ref: string } {
  try {
    return parseDatasetRef(text);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function printVersionSummary(command: Command, v: DatasetVersion & { created?: boolean }, verb: string): void {
  if (globals(command).json) {
    printObject(command, v);
    return;
  }
  const head = v.created === false ? `Unchanged: ${v.name}@${v.version} already holds this content` : `${verb} ${v.name}@${v.version}`;
  process.stdout.write(`${head} (sha256:${v.digest.slice(0, 12)}…, ${v.row_count.toLocaleString('en-US')} rows, ${v.schema.columns.length} columns, ${kb(v.size)}${v.parent !== null ? `, parent ${v.parent}` : ''})\n`);
}

function profileRows(command: Command, columns: ColumnProfile[]): void {
  printRows(command, columns, [
    ['column', (c) => c.name],
    ['type', (c) => c.type],
    ['missing', (c) => `${(c.missing_share * 100).toFixed(1)}%`],
    ['distinct', (c) => `${c.distinct_exact ? '' : '~'}${c.distinct_count}`],
    ['min', (c) => num(c.min)],
    ['p50', (c) => num(c.quantiles?.p50)],
    ['max', (c) => num(c.max)],
    ['mean', (c) => num(c.mean)],
    ['std', (c) => num(c.std)],
    ['top', (c) => (c.categories ? c.categories.values.slice(0, 3).map((x) => `${x.value} (${x.count})`).join(', ') : '')],
  ]);
}

function printDiff(command: Command, d: DatasetDiff): void {
  if (globals(command).json) {
    printObject(command, d);
    return;
  }
  const out = process.stdout;
  out.write(`${d.from.name}@${d.from.version} → ${d.to.name}@${d.to.version}: ${d.same_content ? 'same content' : 'content differs'}; rows ${d.from.row_count} → ${d.to.row_count} (${d.row_count_change >= 0 ? '+' : ''}${d.row_count_change})\n`);
  if (d.schema_changes.length === 0) out.write('schema: unchanged\n');
  for (const c of d.schema_changes) out.write(`schema: ${c.column} ${c.change}${c.from ? ` from ${c.from}` : ''}${c.to ? ` to ${c.to}` : ''}\n`);
  if (d.rows) {
    const r = d.rows;
    out.write(`rows by ${r.key}: ${r.added} added, ${r.removed} removed, ${r.changed} changed, ${r.unchanged} unchanged${r.duplicate_keys ? ` (${r.duplicate_keys} duplicate keys)` : ''}\n`);
  }
  out.write('\n');
  printRows(command, d.column_shift, [
    ['column', (c) => c.column],
    ['type', (c) => c.type],
    ['psi', (c) => c.psi.toFixed(4)],
    ['ks', (c) => (c.ks_statistic === undefined ? '' : c.ks_statistic.toFixed(4))],
    ['ks_p', (c) => (c.ks_p_value === undefined ? '' : c.ks_p_value.toExponential(2))],
    ['mean', (c) => (c.mean_from === undefined ? '' : `${num(c.mean_from)} → ${num(c.mean_to)}`)],
    ['missing', (c) => `${(c.missing_share_from * 100).toFixed(1)}% → ${(c.missing_share_to * 100).toFixed(1)}%`],
    ['drifted', (c) => (c.drifted ? 'yes' : 'no')],
  ]);
}

/** A client of another server (push and pull). */
function remote(url: string | undefined, token: string | undefined, option: string): PuenteClient {
  if (!url) throw new UsageError(`${option} URL is required`);
  return new PuenteClient({ baseUrl: url, token });
}

/** `puente data ...` */
export function registerDataCommands(program: Command): void {
  const cmd = program.command('data').description('versioned datasets: add, inspect, validate, diff, push and pull');

  cmd
    .command('add <path>')
    .description('add a file or directory as the next version of a dataset (stored by sha256, profiled on the way)')
    .option('-n, --name <name>', 'dataset name (default: the file or directory name)')
    .option('-m, --message <text>', 'what this version is', '')
    .option('--format <format>', 'csv, jsonl, parquet or none (default: from the file names)')
    .option('--delimiter <char>', 'CSV delimiter (default: detected)')
    .option('--quote <char>', 'CSV quote character (default ")')
    .option('--encoding <name>', 'text encoding, e.g. latin1 (default: UTF-8 or as a BOM says)')
    .option('--schema <file>', 'declared column types, JSON or YAML: {columns: [{name, type}]}; contradicting values are refused')
    .option('--parent <version>', 'the version this one follows (default: the latest)')
    .action(
      action(async (path: string, opts: { name?: string; message: string; format?: string; delimiter?: string; quote?: string; encoding?: string; schema?: string; parent?: string }, command: Command) => {
        const name = opts.name ?? basename(resolve(path), extname(path));
        if (opts.format !== undefined && !['csv', 'jsonl', 'parquet', 'none'].includes(opts.format)) throw new UsageError('--format must be csv, jsonl, parquet or none');
        let schema: DatasetSchema | undefined;
        if (opts.schema) schema = parseYaml(await readFile(opts.schema, 'utf8')) as DatasetSchema;
        const bar = progressBar(`add ${basename(path)}`);
        let v: DatasetVersion & { created: boolean };
        try {
          v = await addLocalData(clientFor(command), name, path, {
            message: opts.message,
            format: opts.format as 'csv' | undefined,
            delimiter: opts.delimiter,
            quote: opts.quote,
            encoding: opts.encoding,
            schema,
            parent: opts.parent === undefined ? undefined : Number(opts.parent),
            onProgress: bar.update,
          });
        } finally {
          bar.stop();
        }
        printVersionSummary(command, v, 'Added');
      }),
    );

  cmd
    .command('list')
    .description('list datasets')
    .option('--prefix <text>', 'names starting with this')
    .action(
      action(async (opts: { prefix?: string }, command: Command) => {
        const items = [];
        for await (const d of clientFor(command).datasets.listAll({ prefix: opts.prefix })) items.push(d);
        printRows(command, items, [
          ['name', (d) => d.name],
          ['latest', (d) => d.latest_version],
          ['description', (d) => d.description],
          ['creator', (d) => d.creator],
          ['updated', (d) => d.last_updated_timestamp],
        ]);
      }),
    );

  cmd
    .command('show <ref>')
    .description('show a version (NAME[@VERSION]): digest, files, schema and profile')
    .action(
      action(async (text: string, _opts: unknown, command: Command) => {
        const r = ref(text);
        const v = await clientFor(command).datasets.getVersion(r.name, r.ref);
        if (globals(command).json) {
          printObject(command, v);
          return;
        }
        process.stdout.write(
          `${v.name}@${v.version}  sha256:${v.digest}\n${v.row_count.toLocaleString('en-US')} rows, ${v.schema.columns.length} columns, ${kb(v.size)} in ${v.files.length} file${v.files.length === 1 ? '' : 's'}\n` +
            `parent ${v.parent ?? '-'}; by ${v.creator ?? '-'} at ${new Date(v.creation_timestamp).toISOString()}; from ${v.source}\n${v.message ? `message: ${v.message}\n` : ''}\n`,
        );
        profileRows(command, v.profile.columns);
      }),
    );

  cmd
    .command('log <name>')
    .description('versions of a dataset, newest first')
    .action(
      action(async (name: string, _opts: unknown, command: Command) => {
        printRows(command, await clientFor(command).datasets.versions(name), [
          ['version', (v: VersionSummary) => v.version],
          ['parent', (v) => v.parent],
          ['digest', (v) => v.digest.slice(0, 12)],
          ['rows', (v) => v.row_count],
          ['size', (v) => kb(v.size)],
          ['creator', (v) => v.creator],
          ['created', (v) => v.creation_timestamp],
          ['message', (v) => v.message],
        ]);
      }),
    );

  cmd
    .command('get <ref>')
    .description('download a version (NAME[@VERSION]); every file is checked against its sha256')
    .option('-o, --out <path>', 'file or directory to write (default: the current directory)')
    .option('--as <format>', 'parquet: the whole table as one Parquet file')
    .action(
      action(async (text: string, opts: { out?: string; as?: string }, command: Command) => {
        const r = ref(text);
        const client = clientFor(command);
        if (opts.as !== undefined) {
          if (opts.as !== 'parquet') throw new UsageError('--as takes parquet');
          const v = await client.datasets.getVersion(r.name, r.ref);
          const target = opts.out ?? `${v.name}-${v.version}.parquet`;
          const res = await client.datasets.exportParquet(v.name, v.version);
          await pipeline(Readable.fromWeb(res.body as never), createWriteStream(target));
          printObject(command, { saved: target, version: `${v.name}@${v.version}` }, [['saved', (x) => x.saved], ['version', (x) => x.version]]);
          return;
        }
        const bar = progressBar(`get ${text}`);
        let got: Awaited<ReturnType<typeof downloadVersion>>;
        try {
          got = await downloadVersion(client, r.name, r.ref, opts.out ?? process.cwd(), bar.update);
        } finally {
          bar.stop();
        }
        printObject(command, { version: `${got.version.name}@${got.version.version}`, digest: got.version.digest, files: got.files }, [
          ['version', (x) => x.version],
          ['sha256', (x) => x.digest],
          ['saved', (x) => x.files],
        ]);
      }),
    );

  cmd
    .command('diff <from> <to>')
    .description('what changed between two versions (NAME@VERSION each): schema, row counts, per-column shift')
    .option('-k, --key <column>', 'match rows by this column: rows added, removed and changed')
    .action(
      action(async (from: string, to: string, opts: { key?: string }, command: Command) => {
        ref(from);
        ref(to);
        printDiff(command, await clientFor(command).datasets.diff(from, to, opts.key));
      }),
    );

  cmd
    .command('validate <ref>')
    .description('check a version against an expectation suite; writes a JSON and an HTML report, exits 1 when it fails')
    .requiredOption('-s, --suite <file>', 'expectation suite, YAML or JSON')
    .option('--out <dir>', 'directory for the reports', '.')
    .option('--failing-rows <n>', 'failing rows to sample into the report', '50')
    .action(
      action(async (text: string, opts: { suite: string; out: string; failingRows: string }, command: Command) => {
        const r = ref(text);
        let suite;
        try {
          suite = parseSuite(await readFile(opts.suite, 'utf8'));
        } catch (err) {
          throw new UsageError(`${opts.suite}: ${(err as Error).message}`);
        }
        const result = await clientFor(command).datasets.validate(r.name, r.ref, suite, { failing_rows: Number(opts.failingRows) });
        const version = result.dataset?.version ?? r.ref;
        await mkdir(opts.out, { recursive: true });
        const base = join(opts.out, `validation-${r.name}-${version}`);
        await writeFile(`${base}.json`, `${JSON.stringify(result, null, 2)}\n`);
        await writeFile(`${base}.html`, renderValidationHtml(result));
        if (globals(command).json) printObject(command, { ...result, reports: { json: `${base}.json`, html: `${base}.html` } });
        else {
          const out = process.stdout;
          out.write(`${result.success ? 'PASSED' : 'FAILED'}: ${result.suite_name} on ${r.name}@${version}: ${result.statistics.successful} of ${result.statistics.evaluated} expectations met (${result.row_count} rows)\n`);
          result.results.forEach((x, i) => {
            if (x.success) return;
            const why = x.error ?? (x.unexpected_count !== undefined ? `${x.unexpected_count} of ${x.element_count} rows fail (${x.unexpected_percent}%)` : `observed ${x.observed}`);
            out.write(`  ✗ ${i + 1}. ${describeExpectation(x.expectation)}: ${why}\n`);
          });
          out.write(`reports: ${base}.json, ${base}.html (validation ${result.validation_id})\n`);
        }
        if (!result.success) process.exitCode = 1;
      }),
    );

  cmd
    .command('suggest <ref>')
    .description('draft an expectation suite from a version\'s profile (YAML)')
    .option('-o, --out <file>', 'write it to a file instead of printing it')
    .action(
      action(async (text: string, opts: { out?: string }, command: Command) => {
        const r = ref(text);
        const suite = await clientFor(command).datasets.suggestSuite(r.name, r.ref);
        const body = globals(command).json ? `${JSON.stringify(suite, null, 2)}\n` : suiteToYaml(suite);
        if (opts.out) {
          await writeFile(opts.out, body);
          process.stderr.write(`${suite.expectations.length} expectations written to ${opts.out}\n`);
        } else process.stdout.write(body);
      }),
    );

  const transfer = (direction: 'push' | 'pull') =>
    action(async (text: string, opts: { to?: string; from?: string; toToken?: string; fromToken?: string; partMb: string }, command: Command) => {
      const at = text.lastIndexOf('@');
      const r = at < 0 ? { name: ref(text).name, ref: undefined } : ref(text);
      const here = clientFor(command);
      const there = direction === 'push' ? remote(opts.to, opts.toToken ?? process.env.PUENTE_REMOTE_TOKEN, '--to') : remote(opts.from, opts.fromToken ?? process.env.PUENTE_REMOTE_TOKEN, '--from');
      const [from, to] = direction === 'push' ? [here, there] : [there, here];
      const bar = progressBar(`${direction} ${text}`);
      let copied;
      try {
        copied = await copyVersions(from, to, r.name, r.ref, { partSize: Number(opts.partMb) * 1024 * 1024, onProgress: bar.update });
      } finally {
        bar.stop();
      }
      printRows(command, copied, [
        ['version', (v) => `${v.name}@${v.version}`],
        ['digest', (v) => v.digest.slice(0, 12)],
        ['rows', (v) => v.row_count],
        ['result', (v) => (v.created ? 'copied' : 'already there')],
      ]);
    });

  cmd
    .command('push <ref>')
    .description('copy versions (NAME for all, or NAME@VERSION) to another Puente server; resumable, checked by sha256')
    .requiredOption('--to <url>', 'the other server')
    .option('--to-token <token>', 'API token there (env PUENTE_REMOTE_TOKEN)')
    .option('--part-mb <n>', 'MiB per request (a broken copy resumes at a part boundary)', '64')
    .action(transfer('push'));

  cmd
    .command('pull <ref>')
    .description('copy versions (NAME for all, or NAME@VERSION) from another Puente server to this one; resumable, checked by sha256')
    .requiredOption('--from <url>', 'the other server')
    .option('--from-token <token>', 'API token there (env PUENTE_REMOTE_TOKEN)')
    .option('--part-mb <n>', 'MiB per request (a broken copy resumes at a part boundary)', '64')
    .action(transfer('pull'));

  cmd
    .command('link <ref>')
    .description('record a version as an input of a run (as MLflow log_input does), for lineage')
    .requiredOption('-r, --run <run-id>', 'the run')
    .option('--context <context>', 'how the run used it', 'training')
    .action(
      action(async (text: string, opts: { run: string; context: string }, command: Command) => {
        const r = ref(text);
        const client = clientFor(command);
        const v = await client.datasets.getVersion(r.name, r.ref);
        await client.datasets.logToRun(opts.run, v, opts.context);
        printObject(command, { run_id: opts.run, dataset: `${v.name}@${v.version}`, context: opts.context }, [
          ['run', (x) => x.run_id],
          ['input', (x) => x.dataset],
          ['context', (x) => x.context],
        ]);
      }),
    );

  cmd
    .command('delete <ref>')
    .description('delete a version (NAME@VERSION) or a whole dataset (NAME)')
    .action(
      action(async (text: string, _opts: unknown, command: Command) => {
        const client = clientFor(command);
        if (text.includes('@')) {
          const r = ref(text);
          await client.datasets.deleteVersion(r.name, r.ref);
        } else await client.datasets.delete(ref(text).name);
        printObject(command, { deleted: text }, [['deleted', (x) => x.deleted]]);
      }),
    );
}
