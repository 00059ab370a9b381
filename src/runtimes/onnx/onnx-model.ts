import type * as Ort from 'onnxruntime-node';
import { InvalidParameterError, PuenteError, isPuenteError } from '../../errors/index.js';
import { FeedChecker } from './feeds.js';
import type { OnnxDim, OnnxElementType, OnnxTensorInput, OnnxTensorOutput, OnnxValueInfo } from './tensor-types.js';

/** How a model is loaded. */
export interface OnnxModelOptions {
  /** Threads one operator may use (a large MatMul, a tree ensemble over many rows); 0 or absent lets onnxruntime use one per core. */
  intraOpThreads?: number;
  /** Threads for running independent graph nodes at once; onnxruntime uses them only in parallel execution mode, not in the sequential mode used here. */
  interOpThreads?: number;
  /** Shown in error messages, e.g. the registered model and version. */
  name?: string;
}

/** A loaded ONNX model: its declared inputs and outputs, and inference on CPU. */
export interface OnnxModel {
  readonly name: string | undefined;
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  /**
   * Runs the model. Feeds are checked against `inputs` first (names, element types, dims), so a
   * bad request fails with an InvalidParameterError that names the input. Returns the outputs in
   * `outputNames` (all outputs when absent).
   */
  run(feeds: Readonly<Record<string, OnnxTensorInput>>, outputNames?: readonly string[]): Promise<Record<string, OnnxTensorOutput>>;
  /** Releases the native session once the runs already started have finished. Safe to call twice. */
  close(): Promise<void>;
}

type OrtModule = typeof Ort;

const MAX_THREADS = 1024;

let runtime: Promise<OrtModule> | undefined;

/**
 * onnxruntime-node is imported on first use: its native library is large, and a server that
 * serves no ONNX model (or has not loaded one yet) should neither wait for it nor hold it.
 */
function onnxRuntime(): Promise<OrtModule> {
  runtime ??= import('onnxruntime-node').then(
    // The package is CommonJS: depending on the loader its exports arrive named or on default.
    (mod) => ((mod as Partial<OrtModule>).InferenceSession ? mod : (mod as unknown as { default: OrtModule }).default),
    (err: unknown) => {
      runtime = undefined;
      throw new PuenteError('INTERNAL_ERROR', `The ONNX runtime (onnxruntime-node) could not be loaded: ${reasonOf(err)}`);
    },
  );
  return runtime;
}

/** onnxruntime's message, on one line and of bounded length, for a user-facing error. */
function reasonOf(err: unknown): string {
  const text = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, ' ').trim();
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}

function checkThreads(field: 'intraOpThreads' | 'interOpThreads', value: number | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!Number.isInteger(value) || value < 0 || value > MAX_THREADS) {
    throw new InvalidParameterError(
      `${field} must be a whole number from 0 (onnxruntime decides) to ${MAX_THREADS}, got ${String(value)}.`,
      field,
    );
  }
  return value;
}

/**
 * Creates an inference session from the bytes of an .onnx file, with every graph optimisation
 * and sequential execution (one request's nodes run in order; parallelism comes from
 * intraOpThreads and from batching requests). Bytes that onnxruntime cannot load give a
 * PuenteError "… is not a valid ONNX model: …".
 */
export async function loadOnnxModel(bytes: Uint8Array, options: OnnxModelOptions = {}): Promise<OnnxModel> {
  const label = options.name ? `Model '${options.name}'` : 'The model';
  if (!(bytes instanceof Uint8Array)) {
    throw new InvalidParameterError(`${label}: ONNX model bytes must be a Uint8Array or Buffer.`, 'model');
  }
  const intraOpNumThreads = checkThreads('intraOpThreads', options.intraOpThreads);
  const interOpNumThreads = checkThreads('interOpThreads', options.interOpThreads);
  if (bytes.byteLength === 0) {
    throw new PuenteError('INVALID_PARAMETER_VALUE', `${label} is not a valid ONNX model: the file is empty.`);
  }
  const ort = await onnxRuntime();
  const sessionOptions: Ort.InferenceSession.SessionOptions = {
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
    ...(intraOpNumThreads !== undefined && { intraOpNumThreads }),
    ...(interOpNumThreads !== undefined && { interOpNumThreads }),
  };
  let session: Ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(bytes, sessionOptions);
  } catch (err) {
    throw new PuenteError('INVALID_PARAMETER_VALUE', `${label} is not a valid ONNX model: ${reasonOf(err)}`);
  }
  return new OrtModel(ort, session, options.name, label);
}

function valueInfo(meta: Ort.InferenceSession.ValueMetadata): OnnxValueInfo {
  if (!meta.isTensor) return Object.freeze({ name: meta.name, isTensor: false, type: null, shape: Object.freeze([]) });
  // onnxruntime reports an unnamed dynamic dimension as '' (older builds: -1).
  const shape = meta.shape.map((d): OnnxDim => (typeof d === 'number' ? (d >= 0 ? d : null) : d === '' ? null : d));
  return Object.freeze({ name: meta.name, isTensor: true, type: meta.type as OnnxElementType, shape: Object.freeze(shape) });
}

class OrtModel implements OnnxModel {
  readonly name: string | undefined;
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly #ort: OrtModule;
  readonly #session: Ort.InferenceSession;
  readonly #label: string;
  readonly #feeds: FeedChecker;
  readonly #allOutputs: readonly string[];
  readonly #outputNames: ReadonlySet<string>;
  // onnxruntime-node runs a session on the main thread from a setImmediate callback; releasing
  // the session before a queued run has executed would hand it a freed session.
  readonly #inflight = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;

  constructor(ort: OrtModule, session: Ort.InferenceSession, name: string | undefined, label: string) {
    this.#ort = ort;
    this.#session = session;
    this.name = name;
    this.#label = label;
    this.inputs = Object.freeze(session.inputMetadata.map(valueInfo));
    this.outputs = Object.freeze(session.outputMetadata.map(valueInfo));
    this.#feeds = new FeedChecker(this.inputs);
    this.#allOutputs = this.outputs.map((o) => o.name);
    this.#outputNames = new Set(this.#allOutputs);
  }

  async run(feeds: Readonly<Record<string, OnnxTensorInput>>, outputNames?: readonly string[]): Promise<Record<string, OnnxTensorOutput>> {
    if (this.#closing) throw new PuenteError('TEMPORARILY_UNAVAILABLE', `${this.#label} has been unloaded; retry the request.`);
    const prepared = this.#feeds.prepare(feeds);
    const fetches = this.#fetches(outputNames);

    const ortFeeds: Record<string, Ort.Tensor> = {};
    for (const feed of prepared) {
      // FeedChecker has matched the data to the element type; the constructor's overloads cannot see that.
      ortFeeds[feed.name] = new this.#ort.Tensor(feed.type as 'float32', feed.data as Float32Array, feed.dims);
    }
    // Without a fetch list onnxruntime returns every output, and skips building one (about 1 µs a call).
    const task = outputNames === undefined ? this.#session.run(ortFeeds) : this.#session.run(ortFeeds, fetches);
    this.#inflight.add(task);
    let results: Ort.InferenceSession.ReturnType;
    try {
      results = await task;
    } catch (err) {
      if (isPuenteError(err)) throw err;
      throw new PuenteError('INTERNAL_ERROR', `${this.#label} failed to run: ${reasonOf(err)}`);
    } finally {
      this.#inflight.delete(task);
    }

    const out: Record<string, OnnxTensorOutput> = {};
    for (const name of fetches) {
      const value = results[name] as Ort.Tensor | undefined;
      if (!value || !Array.isArray(value.dims) || !('data' in value)) {
        throw new PuenteError('NOT_IMPLEMENTED', `${this.#label}: output '${name}' is not a tensor; only tensor outputs are supported.`);
      }
      out[name] = { data: value.data as OnnxTensorOutput['data'], dims: [...value.dims], type: value.type as OnnxElementType };
    }
    return out;
  }

  #fetches(outputNames: readonly string[] | undefined): readonly string[] {
    if (outputNames === undefined) return this.#allOutputs;
    if (!Array.isArray(outputNames) || outputNames.length === 0) {
      throw new InvalidParameterError('outputNames must list at least one output, or be left out for all outputs.', 'outputs');
    }
    for (const name of outputNames) {
      if (!this.#outputNames.has(name)) {
        const known = this.outputs.map((o) => `'${o.name}'`).join(', ');
        throw new InvalidParameterError(`Unknown output '${name}': the model's outputs are ${known}.`, 'outputs');
      }
    }
    return [...new Set(outputNames)];
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.allSettled([...this.#inflight]);
      await this.#session.release();
    })();
    return this.#closing;
  }
}
