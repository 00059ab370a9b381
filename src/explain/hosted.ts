import type { BundleManifest, LoadedBundle } from '../bundles/index.js';
import { InvalidParameterError, PuenteError, isPuenteError } from '../errors/index.js';
import { loadXgboostModel } from '../runtimes/xgboost/index.js';
import { matrixEncoderFor, type HostedModel, type MatrixEncoder, type Prediction, type Row } from '../serving/index.js';
import { sampleRecords, summarizeRecords } from './background.js';
import { recordCoalitions, yieldToEventLoop } from './coalitions.js';
import { inputColumnsOf, type InputColumns } from './input-columns.js';
import { kernelShap, type Link, type RowAttribution } from './kernel-shap.js';
import { permutationShap } from './permutation.js';
import { meanAbsolute } from './summary.js';
import { TreeShapExplainer } from './tree-shap.js';

export const EXPLAIN_METHODS = ['tree', 'kernel', 'permutation'] as const;
export type ExplainMethod = (typeof EXPLAIN_METHODS)[number];

/** Rows one request may explain: Tree SHAP is cheap; the sampling methods cost thousands of model rows per row. */
export const MAX_EXPLAIN_ROWS: Readonly<Record<ExplainMethod, number>> = { tree: 10_000, kernel: 100, permutation: 100 };
/** Rows Tree SHAP explains between two yields to the event loop (about 50 ms on a 100-tree model). */
const TREE_SLICE_ROWS = 500;
/** Background rows kept for the sampling methods when the caller does not ask for a k-means summary. */
export const DEFAULT_BACKGROUND_ROWS = 100;

export interface ExplainOptions {
  /** Default: tree for tree models with node covers (exact), else kernel. */
  readonly method?: ExplainMethod;
  /** Records the sampling methods compare against (E[f]); default: the bundle's input example. */
  readonly background?: readonly Record<string, unknown>[];
  /** Summarise the background by k-means into this many weighted records. */
  readonly backgroundKmeans?: number;
  /** Without a summary, a larger background is sampled down to this many rows (default 100). */
  readonly backgroundRows?: number;
  /** Kernel SHAP coalitions: 'auto' (default) as the shap library picks them. */
  readonly nsamples?: number | 'auto';
  /** Permutation method: model evaluations per row (default 500). */
  readonly maxEvals?: number;
  /** Kernel and permutation: explain the prediction (identity, default) or its log-odds (logit). */
  readonly link?: Link;
  readonly seed?: number;
}

/** Where the bundle of a served version can be read (a serving ModelCatalog is one). */
export interface BundleOpener {
  openBundle(name: string, version: number): Promise<LoadedBundle>;
}

/** One value per output: a number for single-output models, a list (one per class) otherwise. */
export type PerOutput = number | number[];

export interface ExplainedRow {
  /** Contribution of every input column, by name. */
  readonly contributions: Record<string, PerOutput>;
  /** What the contributions start from (the expected output). */
  readonly base_value: PerOutput;
  /** base_value plus the contributions: the explained output for this row. */
  readonly value: PerOutput;
}

export interface Explanation {
  readonly model: string;
  readonly version: number;
  readonly method: ExplainMethod;
  /**
   * The quantity explained: `margin` (Tree SHAP: the raw score, log-odds for a binary
   * classifier), `prediction` (the served prediction, e.g. a probability), or `log_odds` (the
   * prediction through the logit link).
   */
  readonly output: 'margin' | 'prediction' | 'log_odds';
  /** Name of each output (one, or one per class). */
  readonly output_names: string[];
  /** Input columns, in signature order. */
  readonly columns: string[];
  readonly base_value: PerOutput;
  readonly rows: ExplainedRow[];
  /** Mean |contribution| per column over the explained rows. */
  readonly global: { readonly mean_abs: Record<string, PerOutput> };
  /** Background rows (weighted) behind the sampling methods; coalitions evaluated; additivity. */
  readonly details: {
    readonly background_rows?: number;
    readonly evaluations_per_row?: number;
    /** Largest |Σ contributions − (value − base_value)| over rows and outputs. */
    readonly max_additivity_error: number;
  };
}

interface TreeState {
  readonly explainer: TreeShapExplainer;
  readonly encode: MatrixEncoder;
  readonly columns: InputColumns;
}

/** Tree explainers of served versions, built once per loaded version. */
const treeStates = new WeakMap<HostedModel, Promise<TreeState>>();

/**
 * Explains records for a served model version (what the inference and deployment `explain`
 * endpoints call). Records are checked against the version's signature like a prediction
 * request; contributions are reported per input column.
 */
export async function explainHosted(
  hosted: HostedModel,
  records: readonly Record<string, unknown>[],
  options: ExplainOptions & { readonly bundles: BundleOpener },
): Promise<Explanation> {
  if (!Array.isArray(records) || records.length === 0) throw new InvalidParameterError('There are no rows to explain; send at least one input row.', 'inputs');
  let method = options.method;
  if (method === undefined) {
    // Exact when possible: trees with covers. Anything else (ONNX, a linear booster) is sampled.
    const exact = explainableByTrees(hosted.manifest) && (await treeState(hosted, options.bundles).then(() => true, (err: unknown) => {
      if (isPuenteError(err) && err.status < 500) return false;
      throw err;
    }));
    method = exact ? 'tree' : 'kernel';
  }
  if (!EXPLAIN_METHODS.includes(method)) throw new InvalidParameterError(`method must be one of ${EXPLAIN_METHODS.join(', ')}; got '${String(method)}'.`, 'method');
  const max = MAX_EXPLAIN_ROWS[method];
  if (records.length > max) {
    throw new InvalidParameterError(`Method ${method} explains at most ${max} rows per request; got ${records.length}. Send fewer rows (puente explain --rows N) or several requests.`, 'inputs');
  }
  const rows = hosted.check(records);
  return method === 'tree' ? explainByTrees(hosted, rows, options.bundles) : explainBySampling(hosted, rows, method, options);
}

/** Whether a bundle can be explained exactly by Tree SHAP (an XGBoost tree model). */
function explainableByTrees(manifest: BundleManifest): boolean {
  return manifest.format === 'xgboost';
}

function outputNames(manifest: BundleManifest, k: number): string[] {
  if (k === 1) return [manifest.task === 'regression' ? 'value' : String(manifest.classes?.[1] ?? 1)];
  return Array.from({ length: k }, (_, i) => String(manifest.classes?.[i] ?? i));
}

async function treeState(hosted: HostedModel, bundles: BundleOpener): Promise<TreeState> {
  let pending = treeStates.get(hosted);
  if (!pending) {
    pending = (async () => {
      const bundle = await bundles.openBundle(hosted.name, hosted.version);
      const model = loadXgboostModel(bundle.modelBytes, bundle.manifest.model_file, { engine: 'js' });
      if (model.booster === 'gblinear') {
        throw new InvalidParameterError(
          `Version ${hosted.version} of model '${hosted.name}' is a linear model (gblinear), not trees, so Tree SHAP does not apply; explain it with method kernel or permutation.`,
          'method',
        );
      }
      return { explainer: new TreeShapExplainer(model.forest, model.baseMargins), encode: matrixEncoderFor(bundle.manifest), columns: inputColumnsOf(bundle.manifest) };
    })();
    treeStates.set(hosted, pending);
    // A model that cannot be explained by trees stays so; a failed read may succeed next time.
    pending.catch((err: unknown) => {
      if (!(isPuenteError(err) && err.status < 500)) treeStates.delete(hosted);
    });
  }
  return pending;
}

async function explainByTrees(hosted: HostedModel, rows: Row[], bundles: BundleOpener): Promise<Explanation> {
  if (!explainableByTrees(hosted.manifest)) {
    throw new InvalidParameterError(
      `Method tree needs a tree model with node covers (XGBoost JSON or UBJSON, or a model trained by puente train); version ${hosted.version} of '${hosted.name}' is ${hosted.manifest.format}. ` +
        'Explain it with method kernel or permutation and a background sample of typical rows.',
      'method',
    );
  }
  const { explainer, encode, columns } = await treeState(hosted, bundles).catch((err: unknown) => {
    throw isPuenteError(err) && err.status < 500 ? new InvalidParameterError(err.message, 'method') : err;
  });
  const { matrix, nCols } = encode(rows);
  if (nCols !== explainer.numFeatures) throw new PuenteError('INVALID_PARAMETER_VALUE', `The bundle's preprocessing gives ${nCols} columns; the model takes ${explainer.numFeatures}.`);
  const n = rows.length;
  const G = explainer.numGroups;
  const F = explainer.numFeatures;
  // In slices, yielding in between, so a large request does not hold up predictions.
  const raw = new Float64Array(n * G * (F + 1));
  for (let first = 0; first < n; first += TREE_SLICE_ROWS) {
    if (first > 0) await yieldToEventLoop();
    const count = Math.min(TREE_SLICE_ROWS, n - first);
    raw.set(explainer.explain(matrix.subarray(first * F, (first + count) * F), count), first * G * (F + 1));
  }
  const M = columns.names.length;
  // Per row: values by input column (feature-major, like the sampling methods), base, output.
  const attributions: RowAttribution[] = [];
  for (let r = 0; r < n; r++) {
    const values = new Float64Array(M * G);
    const baseValues = new Float64Array(G);
    const outputs = new Float64Array(G);
    for (let g = 0; g < G; g++) {
      const at = (r * G + g) * (F + 1);
      let sum = raw[at + F];
      for (let c = 0; c < F; c++) {
        values[columns.ofMatrixColumn[c] * G + g] += raw[at + c];
        sum += raw[at + c];
      }
      baseValues[g] = raw[at + F];
      outputs[g] = sum;
    }
    attributions.push({ values, baseValues, outputs, evaluations: 0, additivityError: 0 });
  }
  return assemble(hosted, 'tree', 'margin', [...columns.names], outputNames(hosted.manifest, G), attributions, {});
}

async function explainBySampling(hosted: HostedModel, rows: Row[], method: 'kernel' | 'permutation', options: ExplainOptions): Promise<Explanation> {
  const link = options.link ?? 'identity';
  if (link !== 'identity' && link !== 'logit') throw new InvalidParameterError(`link must be identity or logit; got '${String(link)}'.`, 'link');
  const given = options.background ?? hosted.manifest.input_example;
  if (!given || given.length === 0) {
    throw new InvalidParameterError(
      `Method ${method} compares each row with background data, and version ${hosted.version} of '${hosted.name}' has no input example to use: send background rows (params.background, or puente explain --background FILE), e.g. 100 typical training rows.`,
      'background',
    );
  }
  let checked: Row[];
  try {
    checked = hosted.check(given as Record<string, unknown>[]);
  } catch (err) {
    if (isPuenteError(err) && err.status < 500) throw new InvalidParameterError(`The background does not match the model's inputs: ${err.message} Send background rows with the same columns as the rows to explain.`, 'background');
    throw err;
  }
  // A column no background row has is not a column of missing values but a background of
  // another table.
  const absent = hosted.manifest.signature.inputs.map((c) => c.name).filter((c) => !given.some((r) => r !== null && typeof r === 'object' && c in r));
  if (absent.length > 0) {
    throw new InvalidParameterError(
      `The background does not match the model's inputs: no background row has column(s) ${absent.join(', ')}. Send background rows with the same columns as the rows to explain.`,
      'background',
    );
  }
  const seed = options.seed ?? 0;
  const background = options.backgroundKmeans !== undefined
    ? summarizeRecords(checked, hosted.manifest.signature.inputs, options.backgroundKmeans, seed)
    : sampleRecords(checked, options.backgroundRows ?? DEFAULT_BACKGROUND_ROWS, seed);

  const predict = async (records: Record<string, unknown>[]) => outputsOf(await hosted.predictor.predict(records as Row[]), records.length);
  const K = (await predict([rows[0]])).length;
  const columns = hosted.manifest.signature.inputs.map((c) => c.name);
  const attributions: RowAttribution[] = [];
  for (const [i, row] of rows.entries()) {
    if (i > 0) await yieldToEventLoop();
    const model = recordCoalitions({ predict, row, background: background.records, backgroundWeights: background.weights, numOutputs: K, columns });
    attributions.push(method === 'kernel'
      ? await kernelShap(model, { nsamples: options.nsamples, link, seed })
      : await permutationShap(model, { maxEvals: options.maxEvals, link, seed }));
  }
  return assemble(hosted, method, link === 'logit' ? 'log_odds' : 'prediction', columns, outputNames(hosted.manifest, K), attributions, {
    background_rows: background.records.length,
    evaluations_per_row: attributions[0]?.evaluations,
  });
}

/** A prediction's per-row values as n × K numbers. */
function outputsOf(p: Prediction, n: number): Float64Array {
  const first = p.predictions[0];
  const K = Array.isArray(first) ? first.length : 1;
  const out = new Float64Array(n * K);
  for (let r = 0; r < n; r++) {
    const v = p.predictions[r];
    const items = Array.isArray(v) ? v : [v];
    if (items.length !== K) throw new PuenteError('INTERNAL_ERROR', 'The model returned rows of different widths.');
    for (let k = 0; k < K; k++) {
      const x = items[k];
      if (typeof x !== 'number') {
        throw new InvalidParameterError("This model's predictions are not numbers (labels as text?), which SHAP values cannot explain.", 'method');
      }
      out[r * K + k] = x;
    }
  }
  return out;
}

function assemble(
  hosted: HostedModel,
  method: ExplainMethod,
  output: Explanation['output'],
  columns: string[],
  names: string[],
  attributions: RowAttribution[],
  details: { background_rows?: number; evaluations_per_row?: number },
): Explanation {
  const K = names.length;
  const M = columns.length;
  const pick = (values: ArrayLike<number>, at: number): PerOutput => (K === 1 ? values[at] : Array.from({ length: K }, (_, k) => values[at + k]));
  const rows = attributions.map((a) => ({
    contributions: Object.fromEntries(columns.map((c, j) => [c, pick(a.values, j * K)])),
    base_value: pick(a.baseValues, 0),
    value: pick(a.outputs, 0),
  }));
  const mean = meanAbsolute(attributions.map((a) => a.values), M, K);
  let worst = 0;
  for (const a of attributions) {
    for (let k = 0; k < K; k++) {
      let sum = 0;
      for (let j = 0; j < M; j++) sum += a.values[j * K + k];
      worst = Math.max(worst, Math.abs(sum - (a.outputs[k] - a.baseValues[k])));
    }
  }
  return {
    model: hosted.name,
    version: hosted.version,
    method,
    output,
    output_names: names,
    columns,
    base_value: pick(attributions[0].baseValues, 0),
    rows,
    global: { mean_abs: Object.fromEntries(columns.map((c, j) => [c, pick(mean, j * K)])) },
    details: { ...details, max_additivity_error: worst },
  };
}
