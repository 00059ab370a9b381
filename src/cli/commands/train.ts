import type { Command } from 'commander';
import { readFileSync } from 'node:fs';
import { packageBundle } from '../../bundles/index.js';
import { FittedPipeline, fitPipeline, pipelineFromFeaturesSpec, type FittedPipelineJSON, type PipelineSpec, type Row } from '../../preprocessing/index.js';
import { parseCsv } from '../../serving/index.js';
import { logisticAsXgboost, rocAuc, logLoss, rmse, r2, stringifyXgboostModel, trainGbdt, trainLogistic, type GbdtObjective } from '../../training/index.js';
import { action, clientFor, globals, printObject, UsageError } from '../output.js';
import { pipelineColumns, publishBundle } from './package.js';

interface TrainOptions {
  data: string;
  target: string;
  test?: string;
  features?: string;
  preprocessing?: string;
  kind: string;
  objective: string;
  l2: string;
  nEstimators: string;
  maxDepth: string;
  learningRate: string;
  subsample: string;
  colsample: string;
  seed: string;
  out: string;
  logTo?: string;
  register?: string;
}

function readRows(path: string, option: string): Record<string, unknown>[] {
  try {
    return parseCsv(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`${option} ${path}: ${(err as Error).message}`);
  }
}

function labels(rows: Record<string, unknown>[], target: string, file: string): Float32Array {
  return Float32Array.from(rows, (r, i) => {
    const v = r[target];
    if (typeof v !== 'number') throw new UsageError(`${file} row ${i + 1}: target '${target}' is ${v === undefined ? 'missing' : JSON.stringify(v)}, not a number`);
    return v;
  });
}

/** `puente train`: histogram gradient-boosted trees on a CSV, saved as a bundle (XGBoost JSON + its preprocessing). */
export function registerTrainCommand(program: Command): void {
  program
    .command('train')
    .description('train gradient-boosted trees or logistic regression on a CSV without Python; writes a bundle (XGBoost JSON + preprocessing), can log and register it')
    .requiredOption('--data <csv>', 'training data (header row)')
    .requiredOption('--target <column>', 'the label column')
    .option('--test <csv>', 'held-out data to report metrics on')
    .option('--features <file>', 'a *.features.json encoding of the raw columns')
    .option('--preprocessing <file>', 'a preprocessing spec (steps) to fit on the training data')
    .option('--kind <kind>', 'gbdt (histogram gradient-boosted trees) or logreg (L2 logistic regression)', 'gbdt')
    .option('--objective <name>', 'gbdt: binary:logistic or reg:squarederror', 'binary:logistic')
    .option('--l2 <x>', 'logreg: L2 penalty', '1')
    .option('--n-estimators <n>', 'trees', '100')
    .option('--max-depth <n>', 'tree depth', '6')
    .option('--learning-rate <x>', 'eta', '0.1')
    .option('--subsample <x>', 'row sampling per tree', '1')
    .option('--colsample <x>', 'feature sampling per tree', '1')
    .option('--seed <n>', 'random seed (same data, options and seed give the same model bytes)', '0')
    .option('--out <dir>', 'bundle directory', 'bundle')
    .option('--log-to <run-id>', 'log params, metrics and the bundle to this run')
    .option('--register <name>', 'with --log-to: register the bundle as a new version of this model')
    .action(
      action(async (opts: TrainOptions, command: Command) => {
        if (opts.register && !opts.logTo) throw new UsageError('--register needs --log-to RUN_ID');
        if (opts.kind !== 'gbdt' && opts.kind !== 'logreg') throw new UsageError('--kind must be gbdt or logreg');
        const objective = (opts.kind === 'logreg' ? 'binary:logistic' : opts.objective) as GbdtObjective;
        if (objective !== 'binary:logistic' && objective !== 'reg:squarederror') throw new UsageError('--objective must be binary:logistic or reg:squarederror');
        const train = readRows(opts.data, '--data');
        if (train.length === 0) throw new UsageError(`--data ${opts.data} has no rows`);
        const y = labels(train, opts.target, opts.data);
        const raw = train.map(({ [opts.target]: _label, ...rest }) => rest as Row);
        let pipeline: FittedPipeline;
        if (opts.features) pipeline = pipelineFromFeaturesSpec(JSON.parse(readFileSync(opts.features, 'utf8')));
        else if (opts.preprocessing) pipeline = fitPipeline(JSON.parse(readFileSync(opts.preprocessing, 'utf8')) as PipelineSpec, raw);
        else pipeline = fitPipeline({ steps: [{ passthrough: Object.keys(raw[0]!) }] }, raw);
        const { matrix, featureNames } = pipeline.transform(raw);
        const options = {
          objective,
          nEstimators: Number(opts.nEstimators),
          maxDepth: Number(opts.maxDepth),
          learningRate: Number(opts.learningRate),
          subsample: Number(opts.subsample),
          colsampleBytree: Number(opts.colsample),
          seed: Number(opts.seed),
          featureNames: [...featureNames],
        };
        const started = Date.now();
        let modelBytes: Buffer;
        if (opts.kind === 'logreg') {
          // Served as an XGBoost gblinear model behind a centering step appended to the preprocessing.
          const logistic = trainLogistic(matrix, y, featureNames.length, { l2: Number(opts.l2), featureNames: [...featureNames] });
          const { modelJson, centering } = logisticAsXgboost(logistic.modelJson);
          const json = pipeline.toJSON() as FittedPipelineJSON;
          pipeline = FittedPipeline.fromJSON({ ...json, steps: [...json.steps, centering] });
          modelBytes = Buffer.from(JSON.stringify(modelJson));
        } else {
          modelBytes = Buffer.from(stringifyXgboostModel(trainGbdt(matrix, y, featureNames.length, options).modelJson));
        }
        const seconds = (Date.now() - started) / 1000;

        const metrics: Record<string, number> = {};
        const score = async (rows: Record<string, unknown>[], labelsOf: Float32Array, prefix: string) => {
          const { loadXgboostModel } = await import('../../runtimes/xgboost/index.js');
          const model = loadXgboostModel(modelBytes);
          const X = pipeline.transform(rows.map(({ [opts.target]: _label, ...rest }) => rest as Row)).matrix;
          const p = model.predict(X).predictions;
          if (objective === 'binary:logistic') {
            metrics[`${prefix}_auc`] = rocAuc(labelsOf, p);
            metrics[`${prefix}_log_loss`] = logLoss(labelsOf, p);
          } else {
            metrics[`${prefix}_rmse`] = rmse(labelsOf, p);
            metrics[`${prefix}_r2`] = r2(labelsOf, p);
          }
        };
        await score(train, y, 'train');
        if (opts.test) {
          const test = readRows(opts.test, '--test');
          await score(test, labels(test, opts.target, opts.test), 'test');
        }
        const packaged = packageBundle({
          modelBytes,
          modelFile: 'model.json',
          format: 'xgboost',
          task: objective === 'binary:logistic' ? 'binary_classification' : 'regression',
          signature: { inputs: pipelineColumns(pipeline), outputs: [{ name: 'predictions', dtype: 'float32', shape: [null] }] },
          preprocessing: pipeline.toJSON(),
          metrics,
        });
        if (opts.logTo) {
          const params = Object.entries(opts.kind === 'logreg' ? { kind: 'logreg', l2: opts.l2 } : { ...options, featureNames: undefined, kind: 'gbdt' })
            .filter(([, v]) => v !== undefined)
            .map(([key, value]) => ({ key, value: String(value) }));
          await clientFor(command).runs.logBatch(opts.logTo, {
            params,
            metrics: Object.entries(metrics).map(([key, value]) => ({ key, value, timestamp: Date.now(), step: 0 })),
          });
        }
        const registered = await publishBundle(command, packaged, opts);
        const summary = { out: opts.out, seconds, metrics, registered };
        if (globals(command).json) printObject(command, summary);
        else {
          process.stdout.write(`Trained ${opts.kind === 'logreg' ? 'logistic regression' : `${options.nEstimators} trees`} in ${seconds.toFixed(1)} s; ${Object.entries(metrics).map(([k, v]) => `${k} ${v.toFixed(4)}`).join(', ')}\n`);
          process.stdout.write(`Bundle written to ${opts.out}${registered ? `; registered ${opts.register} version ${registered.version}` : ''}.\n`);
        }
      }),
    );
}
