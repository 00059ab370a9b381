import type { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { artifactKeyFromUri } from '../../artifacts/index.js';
import { directoryBundleSource, readBundle, type LoadedBundle } from '../../bundles/index.js';
import { PuenteApiError, PuenteUnreachableError, type PuenteClient } from '../../client/index.js';
import {
  junitXml, markdownReport, parseTestSpec, runModelTests, SUITES,
  type CheckResult, type ModelUnderTest, type Suite, type TestRun,
} from '../../model-testing/index.js';
import { checkRows, proxyBundleSource, RUNTIMES, type Prediction, type Row } from '../../serving/index.js';
import { clientFor, globals, UsageError, parseModelRef } from '../output.js';
import { readCsvFile } from './explain.js';

interface TestModelOptions {
  data: string;
  spec: string;
  junit?: string;
  markdown?: string;
  bundle?: string;
  skip?: string;
}

/** Exit codes: 0 every check passed, 1 a check failed or could not run, 2 the tests could not start. */
const EXIT_FAILED = 1;
const EXIT_UNUSABLE = 2;

function outputsOf(p: Prediction, n: number): Float64Array {
  const flat = p.predictions.flatMap((v) => (Array.isArray(v) ? v : [v]));
  if (flat.length % Math.max(n, 1) !== 0 || flat.some((v) => typeof v !== 'number')) {
    throw new Error('The model answered predictions that are not numbers; model tests need numeric outputs (probabilities or values).');
  }
  return Float64Array.from(flat as number[]);
}

/** A served version, resolved once so every check and the stress test hit the same version. */
async function servedModel(client: PuenteClient, model: string, ref: string | undefined): Promise<ModelUnderTest> {
  const get = (r: string) => client.models.getVersion(model, /^\d+$/.test(r) ? r : `@${r.replace(/^@/, '')}`);
  let mv;
  if (ref !== undefined) mv = await get(ref);
  else {
    try {
      mv = await get('champion');
    } catch (err) {
      if (!(err instanceof PuenteApiError && err.code === 'INVALID_PARAMETER_VALUE')) throw err;
      mv = await get('latest');
    }
  }
  const bundle: LoadedBundle = await readBundle(proxyBundleSource(client, artifactKeyFromUri(mv.storage_location)));
  const path = `/serve/${encodeURIComponent(model)}/${mv.version}/invocations`;
  return {
    name: model,
    version: mv.version,
    manifest: bundle.manifest,
    async predict(records) {
      const res = await client.transport.json<{ predictions: unknown[] }>('POST', path, { body: { dataframe_records: records } });
      return outputsOf({ predictions: res.predictions, outputs: [] }, records.length);
    },
    endpoint: { url: `${client.baseUrl}${path}`, headers: client.transport.headers() },
  };
}

/** A bundle directory evaluated in this process (no server; the stress test needs stress.url). */
async function localModel(dir: string): Promise<ModelUnderTest> {
  const bundle = await readBundle(directoryBundleSource(dir));
  const factory = RUNTIMES[bundle.manifest.format];
  if (!factory) throw new UsageError(`no runtime for ${bundle.manifest.format} bundles`);
  const predictor = await factory(bundle);
  return {
    name: bundle.manifest.model_file,
    version: dir,
    manifest: bundle.manifest,
    async predict(records) {
      const rows: Row[] = checkRows(records, bundle.manifest.signature, { extraColumns: 'drop' });
      return outputsOf(await predictor.predict(rows), rows.length);
    },
  };
}

const MARK: Record<CheckResult['status'], string> = { passed: 'PASS', failed: 'FAIL', error: 'ERROR', skipped: 'SKIP' };

/** `puente test model MODEL@REF --data holdout.csv --spec tests.yaml`: the spec's checks, JUnit XML and markdown, an exit code. */
export function registerTestCommand(program: Command): void {
  const test = program.command('test').description('test models before release (performance, robustness, invariance, directional, slices, stress)');
  test
    .command('model <model>')
    .description('run the checks of a YAML spec against a served model version (MODEL@VERSION or MODEL@ALIAS) on labelled data; exit code 0 when every check passes, 1 when one fails, 2 when the tests cannot run')
    .requiredOption('--data <csv>', 'labelled test data (header row)')
    .requiredOption('--spec <yaml>', 'the checks (see examples/model-tests/tests.yaml)')
    .option('--junit <file>', 'write a JUnit XML report')
    .option('--markdown <file>', 'write a markdown report')
    .option('--bundle <dir>', 'test a local bundle directory in this process instead of a served version')
    .option('--skip <suites>', `comma-separated suites not to run (${SUITES.join(', ')})`)
    .action(async (spec: string, opts: TestModelOptions, command: Command) => {
      let run: TestRun;
      try {
        const skip = (opts.skip ?? '').split(',').map((s) => s.trim()).filter(Boolean) as Suite[];
        const unknown = skip.filter((s) => !SUITES.includes(s));
        if (unknown.length > 0) throw new UsageError(`--skip: unknown suite(s) ${unknown.join(', ')}; suites: ${SUITES.join(', ')}`);
        let text: string;
        try {
          text = readFileSync(opts.spec, 'utf8');
        } catch (err) {
          throw new UsageError(`--spec ${opts.spec}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
        }
        const testSpec = parseTestSpec(text, opts.spec);
        const data = readCsvFile(opts.data, '--data');
        if (data.length === 0) throw new UsageError(`--data ${opts.data} has no rows`);
        const { model, ref } = parseModelRef(spec);
        const subject = opts.bundle ? await localModel(opts.bundle) : await servedModel(clientFor(command), model, ref);
        const json = globals(command).json;
        process.stderr.write(`Testing ${subject.name} version ${subject.version} on ${data.length} rows of ${opts.data}\n`);
        run = await runModelTests(subject, data, testSpec, {
          skip,
          onResult: (r) => process.stderr.write(`${MARK[r.status].padEnd(5)} ${r.suite}: ${r.name}${r.measured ? ` (${r.measured})` : ''}\n`),
          onStressProgress: (done, ms) => process.stderr.write(`      stress: ${done} requests in ${(ms / 1000).toFixed(0)} s\n`),
        });
        if (opts.junit) writeFileSync(opts.junit, junitXml(run));
        if (opts.markdown) writeFileSync(opts.markdown, markdownReport(run));
        process.stdout.write(json ? `${JSON.stringify(run, null, 2)}\n` : markdownReport(run));
      } catch (err) {
        const message = err instanceof PuenteApiError ? `${err.code}: ${err.message}` : err instanceof PuenteUnreachableError || err instanceof UsageError ? err.message : (err as Error).message;
        console.error(`puente test model: ${message}`);
        process.exitCode = EXIT_UNUSABLE;
        return;
      }
      process.exitCode = run.passed ? 0 : EXIT_FAILED;
    });
}
