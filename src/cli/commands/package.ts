import type { Command } from 'commander';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import {
  formatFromFileName, numericColumns, packageBundle, TASKS,
  type ColumnSpec, type ModelFormat, type ModelSignature, type ModelTask, type PackagedBundle, type TensorSpec,
} from '../../bundles/index.js';
import { FittedPipeline, pipelineFromFeaturesSpec, type FittedPipelineJSON } from '../../preprocessing/index.js';
import { action, clientFor, globals, keyValues, printObject, UsageError } from '../output.js';

interface PackageOptions {
  out: string;
  format?: string;
  task?: string;
  signature?: string;
  features?: string;
  preprocessing?: string;
  inputExample?: string;
  dataset?: string;
  metric?: string[];
  logTo?: string;
  register?: string;
}

function readJson(path: string, option: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new UsageError(`${option} ${path}: ${(err as Error).message}`);
  }
}

/** Signature columns of a pipeline's raw inputs: strings where a step matches string categories. */
export function pipelineColumns(pipeline: FittedPipeline): ColumnSpec[] {
  const json = pipeline.toJSON() as FittedPipelineJSON;
  const text = new Set<string>();
  for (const step of json.steps) {
    const categories = (step as { categories?: readonly unknown[] }).categories;
    const column = (step as { column?: string }).column;
    if (column && categories?.some((c) => typeof c === 'string')) text.add(column);
  }
  return pipeline.inputColumns.map((name) => ({ name, type: text.has(name) ? 'string' : 'double' }));
}

/** What the model file itself says: its width, names and task (XGBoost), or its matrix input (ONNX). */
async function inspectModel(format: ModelFormat, bytes: Buffer, file: string) {
  if (format === 'xgboost') {
    const { loadXgboostModel } = await import('../../runtimes/xgboost/index.js');
    const m = loadXgboostModel(bytes, file);
    const task: ModelTask = m.numClass > 1 ? 'multiclass_classification' : /^(binary|reg:logistic)/.test(m.objective) ? 'binary_classification' : 'regression';
    const names = m.featureNames ?? Array.from({ length: m.numFeatures }, (_, i) => `f${i}`);
    const outputs: TensorSpec[] = [{ name: 'predictions', dtype: 'float32', shape: m.numClass > 1 && m.objective !== 'multi:softmax' ? [null, m.numClass] : [null] }];
    return { task, names, outputs, inputTensor: undefined as TensorSpec | undefined };
  }
  const { loadOnnxModel, matrixInput } = await import('../../runtimes/onnx/index.js');
  const m = await loadOnnxModel(bytes, { name: file });
  try {
    const input = matrixInput(m);
    if (!input || input.nCols === null) throw new UsageError('the ONNX model does not take one float32 [N, F] matrix with a fixed F; give --signature');
    const outputs: TensorSpec[] = m.outputs.map((o) => ({ name: o.name, dtype: o.type ?? 'float32', shape: o.shape.map((d) => (typeof d === 'number' ? d : null)) }));
    const task: ModelTask = m.outputs.some((o) => /prob/i.test(o.name)) ? 'binary_classification' : 'regression';
    const names = Array.from({ length: input.nCols }, (_, i) => `f${i}`);
    return { task, names, outputs, inputTensor: { name: input.name, dtype: 'float32', shape: [null, input.nCols] } as TensorSpec };
  } finally {
    await m.close();
  }
}

/** `puente models package MODEL_FILE`: builds a verified bundle, and can log and register it. */
export function registerPackageCommand(models: Command): void {
  models
    .command('package <model-file>')
    .description('build a bundle (model file + puente.json with signature, preprocessing and hashes); optionally log it to a run and register it')
    .option('--out <dir>', 'directory to write the bundle to', 'bundle')
    .option('--format <format>', 'onnx or xgboost (default: from the file extension)')
    .option('--task <task>', `${TASKS.join(', ')} (default: from the model)`)
    .option('--signature <file>', 'JSON: {"inputs": [{"name", "type"}...], "outputs": [...]} or a list of input columns')
    .option('--features <file>', 'a *.features.json encoding: becomes the preprocessing and the raw-column signature')
    .option('--preprocessing <file>', 'a fitted preprocessing pipeline (JSON)')
    .option('--input-example <file>', 'JSON list of example input records')
    .option('--dataset <name@version>', 'the training dataset version (lineage)')
    .option('--metric <key=value...>', 'metrics to record in the manifest')
    .option('--log-to <run-id>', 'upload the bundle to this run under model/')
    .option('--register <name>', 'with --log-to: register the bundle as a new version of this model')
    .action(
      action(async (modelFile: string, opts: PackageOptions, command: Command) => {
        const format = (opts.format ?? formatFromFileName(modelFile)) as ModelFormat | null;
        if (format !== 'onnx' && format !== 'xgboost') throw new UsageError('give --format onnx or xgboost (the file extension does not say)');
        if (opts.task && !TASKS.includes(opts.task as ModelTask)) throw new UsageError(`--task must be one of ${TASKS.join(', ')}`);
        if (opts.register && !opts.logTo) throw new UsageError('--register needs --log-to RUN_ID (a version is registered from a run)');
        const bytes = readFileSync(modelFile);
        const inspected = await inspectModel(format, bytes, basename(modelFile));

        let preprocessing: FittedPipeline | null = null;
        if (opts.features) preprocessing = pipelineFromFeaturesSpec(readJson(opts.features, '--features'));
        if (opts.preprocessing) preprocessing = FittedPipeline.fromJSON(readJson(opts.preprocessing, '--preprocessing'));

        let signature: ModelSignature;
        if (opts.signature) {
          const given = readJson(opts.signature, '--signature') as ModelSignature | ColumnSpec[];
          signature = Array.isArray(given) ? { inputs: given, outputs: inspected.outputs } : given;
        } else if (preprocessing) {
          signature = { inputs: pipelineColumns(preprocessing), outputs: inspected.outputs };
        } else {
          signature = { inputs: numericColumns(inspected.names), ...(inspected.inputTensor ? { input_tensor: inspected.inputTensor } : {}), outputs: inspected.outputs };
        }
        const dataset = opts.dataset?.split('@');
        const metrics = Object.fromEntries(keyValues(opts.metric, '--metric').map(({ key, value }) => {
          const n = Number(value);
          if (!Number.isFinite(n)) throw new UsageError(`--metric ${key}: "${value}" is not a number`);
          return [key, n];
        }));
        const modelName = format === 'onnx' ? 'model.onnx' : modelFile.endsWith('.ubj') ? 'model.ubj' : 'model.json';
        const packaged = packageBundle({
          modelBytes: bytes,
          modelFile: modelName,
          format,
          task: (opts.task as ModelTask | undefined) ?? inspected.task,
          signature,
          preprocessing: preprocessing?.toJSON() ?? null,
          inputExample: opts.inputExample ? (readJson(opts.inputExample, '--input-example') as Record<string, unknown>[]) : undefined,
          trainingDataset: dataset && dataset.length === 2 ? { name: dataset[0]!, version: dataset[1]! } : null,
          metrics: Object.keys(metrics).length > 0 ? metrics : undefined,
        });
        const registered = await publishBundle(command, packaged, opts);
        const summary = { out: opts.out, format, task: packaged.manifest.task, inputs: signature.inputs.length, files: Object.keys(packaged.manifest.files), registered };
        if (globals(command).json) printObject(command, summary);
        else {
          process.stdout.write(`Bundle written to ${opts.out} (${format}, ${packaged.manifest.task}, ${signature.inputs.length} input columns).\n`);
          if (registered) process.stdout.write(`Registered ${opts.register} version ${(registered as { version: number }).version}.\n`);
        }
      }),
    );
}

/** Writes a packaged bundle to `out`; with `logTo`, uploads it to that run's `model/` and, with `register`, registers it. */
export async function publishBundle(
  command: Command,
  packaged: PackagedBundle,
  opts: { out: string; logTo?: string; register?: string },
): Promise<{ version: number } | null> {
  for (const [path, content] of packaged.files) {
    mkdirSync(dirname(join(opts.out, path)), { recursive: true });
    writeFileSync(join(opts.out, path), content);
  }
  if (!opts.logTo) return null;
  const client = clientFor(command);
  for (const [path, content] of packaged.files) await client.artifacts.upload(opts.logTo, `model/${path}`, new Blob([content]));
  if (!opts.register) return null;
  await client.models.create(opts.register).catch(() => undefined);
  return client.models.createVersion(opts.register, { source: `runs:/${opts.logTo}/model`, run_id: opts.logTo });
}
