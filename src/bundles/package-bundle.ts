import { InvalidParameterError } from '../errors/index.js';
import { MANIFEST_FILE, parseManifest, type BundleManifest, type ColumnSpec, type DatasetRef, type ModelFormat, type ModelSignature, type ModelTask } from './manifest.js';
import { sha256Hex } from './bundle.js';

/** What a bundle is built from. */
export interface PackageInput {
  readonly modelBytes: Uint8Array;
  /** File name inside the bundle, e.g. `model.onnx`, `model.json`, `model.ubj`. */
  readonly modelFile: string;
  readonly format: ModelFormat;
  readonly task: ModelTask;
  readonly signature: ModelSignature;
  readonly preprocessing?: unknown;
  readonly classes?: readonly (string | number)[];
  readonly inputExample?: readonly Record<string, unknown>[];
  readonly trainingDataset?: DatasetRef | null;
  readonly metrics?: Readonly<Record<string, number>>;
  /** Further files to carry (notes, a features spec); path → bytes. */
  readonly extraFiles?: Readonly<Record<string, Uint8Array>>;
  readonly createdBy?: string;
}

/** A built bundle: every file to write, the manifest included, and the manifest itself. */
export interface PackagedBundle {
  readonly manifest: BundleManifest;
  readonly files: ReadonlyMap<string, Uint8Array>;
}

/** The model format a file name suggests, or null. */
export function formatFromFileName(name: string): ModelFormat | null {
  if (/\.onnx$/i.test(name)) return 'onnx';
  if (/\.(json|ubj)$/i.test(name)) return 'xgboost';
  return null;
}

/**
 * Builds a bundle: hashes every file, writes the manifest, and checks the result with the same
 * parser that reading uses, so a bundle that packages is a bundle that loads.
 */
export function packageBundle(input: PackageInput): PackagedBundle {
  if (!/^[A-Za-z0-9._-]+$/.test(input.modelFile) || input.modelFile === MANIFEST_FILE) {
    throw new InvalidParameterError(`'${input.modelFile}' is not a usable model file name.`, 'model_file');
  }
  const files = new Map<string, Uint8Array>([[input.modelFile, input.modelBytes]]);
  for (const [path, bytes] of Object.entries(input.extraFiles ?? {})) {
    if (path === MANIFEST_FILE || path === input.modelFile || path.split('/').includes('..') || path.startsWith('/')) {
      throw new InvalidParameterError(`Extra file '${path}' cannot be part of a bundle.`, 'extra_files');
    }
    files.set(path, bytes);
  }
  const hashes = Object.fromEntries([...files].map(([path, bytes]) => [path, sha256Hex(bytes)]));
  const manifest = parseManifest(
    {
      format_version: 1,
      format: input.format,
      task: input.task,
      model_file: input.modelFile,
      signature: input.signature,
      preprocessing: input.preprocessing ?? null,
      ...(input.classes ? { classes: input.classes } : {}),
      ...(input.inputExample ? { input_example: input.inputExample } : {}),
      training_dataset: input.trainingDataset ?? null,
      ...(input.metrics ? { metrics: input.metrics } : {}),
      files: hashes,
      created_at: Date.now(),
      ...(input.createdBy ? { created_by: input.createdBy } : {}),
    },
    'the packaged manifest',
  );
  files.set(MANIFEST_FILE, Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`));
  return { manifest, files };
}

/** Columns named f0…f(n-1), all numeric: the signature of a bare matrix model. */
export function numericColumns(names: readonly string[]): ColumnSpec[] {
  return names.map((name) => ({ name, type: 'double' }));
}
