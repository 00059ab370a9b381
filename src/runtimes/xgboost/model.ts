import { InvalidParameterError } from '../../errors/index.js';
import { JsForestEngine, LinearEngine, type ForestEngine } from './engine.js';
import { compileForest, type XgboostForest } from './forest.js';
import { readModelDocument, type ModelDocument } from './model-document.js';
import { applyTransform, argmaxRow, baseScoreToMargin, predictionWidth, type OutputTransform } from './objectives.js';
import { countRows, type XgboostRows } from './rows.js';
import { decodeUbjson, type UbjsonValue } from './ubjson.js';
import { WasmForestEngine } from './wasm-engine.js';

export type XgboostModelFormat = 'json' | 'ubjson';

export interface XgboostModelOptions {
  /**
   * Prediction kernel: 'auto' (default) uses WebAssembly when available and falls back to
   * JavaScript; 'wasm' requires WebAssembly; 'js' forces the JavaScript kernel. Both give the
   * same bits.
   */
  engine?: 'auto' | 'wasm' | 'js';
}

export interface XgboostPredictOptions {
  /** Return raw margins as predictions (XGBoost's output_margin=True): no sigmoid, softmax or argmax. */
  outputMargin?: boolean;
}

export interface XgboostPrediction {
  /** Sum of base margin and leaf values: N values, or N × numOutputs row after row. */
  margins: Float32Array;
  /**
   * What XGBoost's predict() returns: P(class 1) for binary:logistic, N × K probabilities for
   * multi:softprob, the class index for multi:softmax, the value for regression. Equal to the
   * margins with outputMargin.
   */
  predictions: Float32Array;
  /** Multiclass models: index of the most likely class of each row. */
  classes?: Int32Array;
}

/** A loaded XGBoost tree model, compiled for prediction. */
export interface XgboostModel {
  /** The name given to loadXgboostModel, for messages. */
  readonly name: string | undefined;
  readonly format: XgboostModelFormat;
  /** XGBoost version that saved the model ([major, minor, patch]) when the file records it. */
  readonly xgboostVersion: readonly number[] | undefined;
  readonly objective: string;
  readonly booster: 'gbtree' | 'dart' | 'gblinear';
  /** learner.feature_names when the model was trained with named columns. */
  readonly featureNames: readonly string[] | undefined;
  /** learner.feature_types ('float', 'int', 'q', 'c' …) when present. */
  readonly featureTypes: readonly string[] | undefined;
  readonly numFeatures: number;
  /** num_class of a multiclass model; 0 for other models. */
  readonly numClass: number;
  /** Margins per row: classes of a multiclass model, targets of a multi-target one, else 1. */
  readonly numOutputs: number;
  readonly numTrees: number;
  /** base_score as stored in the model (output space), one per output. */
  readonly baseScore: readonly number[];
  /** The starting margin of each output (base_score through the objective's link), float32. */
  readonly baseMargins: readonly number[];
  /** How predictions follow from margins. */
  readonly transform: OutputTransform;
  /** The compiled trees (flat arrays; treat as read-only). */
  readonly forest: XgboostForest;
  /** Kernel in use. */
  readonly engine: 'wasm' | 'js';
  /** Predicts rows given as a row-major N × numFeatures Float32Array or as arrays of numbers (NaN/null = missing). */
  predict(rows: XgboostRows, options?: XgboostPredictOptions): XgboostPrediction;
}

const LEGACY_BINARY =
  "XGBoost's legacy binary format is not supported; re-save the model with booster.save_model('model.json') or 'model.ubj'.";

/**
 * Loads a model saved by XGBoost's `save_model` as JSON (`.json`) or UBJSON (`.ubj`, MLflow's
 * default), from its bytes or its JSON text, and compiles its trees. Anything else, in particular
 * the legacy binary format, is refused with an InvalidParameterError that says how to re-save.
 */
export function loadXgboostModel(bytes: Uint8Array | string, name?: string, options: XgboostModelOptions = {}): XgboostModel {
  const label = name ? `Model '${name}'` : 'The model';
  const engineChoice = options.engine ?? 'auto';
  if (!['auto', 'wasm', 'js'].includes(engineChoice)) {
    throw new InvalidParameterError(`engine must be 'auto', 'wasm' or 'js', got '${String(engineChoice)}'.`, 'engine');
  }
  const { format, document } = decodeModel(bytes, label);
  const doc = readModelDocument(document, label);
  const forest = compileForest(doc.trees, doc.numFeatures, doc.numGroups, label);
  const baseMargins = doc.baseScore.map((s, k) => {
    const m = baseScoreToMargin(doc.objective.link, s);
    if (!Number.isFinite(m)) {
      const domain = doc.objective.link === 'logit' ? 'between 0 and 1' : 'positive';
      throw new InvalidParameterError(`${label}: base_score ${s} (output ${k}) must be ${domain} for ${doc.objective.name}.`, 'model');
    }
    return m;
  });
  if (doc.linearWeights) {
    const linear = new LinearEngine(doc.linearWeights, doc.numFeatures, doc.numGroups);
    return new CompiledXgboostModel(name, label, format, doc, forest, baseMargins, linear);
  }
  let engine: ForestEngine | null = engineChoice === 'js' ? null : WasmForestEngine.create(forest);
  if (!engine && engineChoice === 'wasm') {
    throw new InvalidParameterError(`${label}: the WebAssembly kernel is unavailable here or the model does not fit in its memory.`, 'engine');
  }
  engine ??= new JsForestEngine(forest);
  return new CompiledXgboostModel(name, label, format, doc, forest, baseMargins, engine);
}

/** Which encoding `bytes` holds, judged from the first bytes. */
export function detectModelFormat(bytes: Uint8Array): XgboostModelFormat | 'unknown' {
  let i = 0;
  let text = false;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    i = 3; // UTF-8 byte order mark: text
    text = true;
  }
  while (i < bytes.length && (bytes[i] === 0x20 || bytes[i] === 0x09 || bytes[i] === 0x0a || bytes[i] === 0x0d)) {
    i++;
    text = true;
  }
  if (bytes[i] === 0x7b /* { */) {
    if (text) return 'json';
    // JSON continues with whitespace, '"' or '}'; UBJSON with the integer marker of the first
    // key's length (i U I l L), an optimized-container header ($ #) or a no-op (N).
    const next = bytes[i + 1];
    return next !== undefined && 'iUIlL$#N'.includes(String.fromCharCode(next)) ? 'ubjson' : 'json';
  }
  // UBJSON may open with no-op markers.
  if (!text) {
    while (bytes[i] === 0x4e) i++;
    if (i > 0 && bytes[i] === 0x7b) return 'ubjson';
  }
  return 'unknown';
}

function decodeModel(bytes: Uint8Array | string, label: string): { format: XgboostModelFormat; document: UbjsonValue } {
  if (typeof bytes === 'string') return { format: 'json', document: parseJson(bytes, label) };
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidParameterError(`${label}: XGBoost model bytes must be a Uint8Array, a Buffer or JSON text.`, 'model');
  }
  if (bytes.length === 0) throw new InvalidParameterError(`${label} is not a valid XGBoost model: the file is empty.`, 'model');
  const format = detectModelFormat(bytes);
  if (format === 'unknown') {
    const legacy = bytes.length >= 4 && bytes[0] === 0x62 && bytes[1] === 0x69 && bytes[2] === 0x6e && bytes[3] === 0x66; // "binf"
    const what = legacy ? "is in XGBoost's legacy binary format" : 'is neither XGBoost JSON nor UBJSON';
    throw new InvalidParameterError(`${label} ${what}. ${LEGACY_BINARY}`, 'model');
  }
  if (format === 'ubjson') return { format, document: decodeUbjson(bytes) };
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new InvalidParameterError(`${label} is not a valid XGBoost JSON model: the text is not UTF-8.`, 'model');
  }
  return { format, document: parseJson(text, label) };
}

function parseJson(text: string, label: string): UbjsonValue {
  try {
    return JSON.parse(text) as UbjsonValue;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new InvalidParameterError(`${label} is not a valid XGBoost JSON model: ${reason}`, 'model');
  }
}

class CompiledXgboostModel implements XgboostModel {
  readonly name: string | undefined;
  readonly format: XgboostModelFormat;
  readonly xgboostVersion: readonly number[] | undefined;
  readonly objective: string;
  readonly booster: 'gbtree' | 'dart' | 'gblinear';
  readonly featureNames: readonly string[] | undefined;
  readonly featureTypes: readonly string[] | undefined;
  readonly numFeatures: number;
  readonly numClass: number;
  readonly numOutputs: number;
  readonly numTrees: number;
  readonly baseScore: readonly number[];
  readonly baseMargins: readonly number[];
  readonly transform: OutputTransform;
  readonly forest: XgboostForest;
  readonly #label: string;
  readonly #engine: ForestEngine;
  readonly #multiclass: boolean;
  readonly #base: Float32Array;

  constructor(
    name: string | undefined,
    label: string,
    format: XgboostModelFormat,
    doc: ModelDocument,
    forest: XgboostForest,
    baseMargins: number[],
    engine: ForestEngine,
  ) {
    this.name = name;
    this.format = format;
    this.xgboostVersion = doc.version;
    this.objective = doc.objective.name;
    this.booster = doc.booster;
    this.featureNames = doc.featureNames;
    this.featureTypes = doc.featureTypes;
    this.numFeatures = doc.numFeatures;
    this.numClass = doc.objective.multiclass ? doc.numClass : 0;
    this.numOutputs = doc.numGroups;
    this.numTrees = forest.numTrees;
    this.baseScore = doc.baseScore;
    this.baseMargins = Object.freeze(baseMargins);
    this.transform = doc.objective.transform;
    this.forest = forest;
    this.#label = label;
    this.#engine = engine;
    this.#multiclass = doc.objective.multiclass;
    this.#base = Float32Array.from(baseMargins);
  }

  get engine(): 'wasm' | 'js' {
    return this.#engine.kind;
  }

  predict(rows: XgboostRows, options: XgboostPredictOptions = {}): XgboostPrediction {
    if (options === null || typeof options !== 'object') throw new InvalidParameterError('predict options must be an object.', 'options');
    if (options.outputMargin !== undefined && typeof options.outputMargin !== 'boolean') {
      throw new InvalidParameterError('outputMargin must be true or false.', 'outputMargin');
    }
    const n = countRows(rows, this.numFeatures, this.#label);
    const K = this.numOutputs;
    const margins = new Float32Array(n * K);
    if (K === 1) margins.fill(this.#base[0]);
    else for (let r = 0; r < n; r++) margins.set(this.#base, r * K);
    if (n > 0) this.#engine.accumulate(rows, n, margins);

    const transform: OutputTransform = options.outputMargin ? 'identity' : this.transform;
    const predictions = new Float32Array(n * predictionWidth(transform, K));
    applyTransform(transform, margins, n, K, predictions);
    if (!this.#multiclass) return { margins, predictions };
    // The class XGBoost's multi:softmax picks from the margins; with softprob, numpy's argmax of the
    // probabilities (the same except where rounding makes two probabilities tie).
    const scores = transform === 'softmax' ? predictions : margins;
    const classes = new Int32Array(n);
    for (let r = 0; r < n; r++) classes[r] = argmaxRow(scores, r * K, K);
    return { margins, predictions, classes };
  }
}
