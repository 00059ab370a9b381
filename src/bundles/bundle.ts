import { createHash } from 'node:crypto';
import { InvalidParameterError, NotFoundError, PuenteError } from '../errors/index.js';
import { MANIFEST_FILE, parseManifest, type BundleManifest, type ModelTask } from './manifest.js';
import { MLMODEL_FILE, readMlmodel } from './mlmodel.js';
import type { BundleSource } from './bundle-source.js';

/** A bundle ready to load: its manifest and the verified bytes of its model file. */
export interface LoadedBundle {
  readonly manifest: BundleManifest;
  readonly modelBytes: Buffer;
  /** Where it came from: a Puente bundle, or an MLflow MLmodel directory read as one. */
  readonly origin: 'puente' | 'mlflow';
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Reads and verifies a bundle. A Puente bundle's every listed file must be present with its
 * sha256; a mismatch is refused naming the file (nothing half-verified is ever served). An MLflow
 * `MLmodel` directory is read as a bundle (its files carry no hashes; they are hashed as found).
 */
export async function readBundle(source: BundleSource): Promise<LoadedBundle> {
  const manifestBytes = await source.read(MANIFEST_FILE);
  if (manifestBytes !== null) {
    let json: unknown;
    try {
      json = JSON.parse(manifestBytes.toString('utf8'));
    } catch (err) {
      throw new InvalidParameterError(`${MANIFEST_FILE} in ${source.description} is not valid JSON: ${(err as Error).message}`, MANIFEST_FILE);
    }
    const manifest = parseManifest(json, `${MANIFEST_FILE} in ${source.description}`);
    let modelBytes: Buffer | null = null;
    for (const [path, expected] of Object.entries(manifest.files)) {
      const bytes = await source.read(path);
      if (bytes === null) throw new PuenteError('INVALID_PARAMETER_VALUE', `Bundle ${source.description} is incomplete: '${path}' is listed in ${MANIFEST_FILE} but missing.`);
      const actual = sha256Hex(bytes);
      if (actual !== expected) {
        throw new PuenteError('INVALID_PARAMETER_VALUE', `Bundle ${source.description} failed verification: '${path}' has sha256 ${actual}, the manifest says ${expected}. The bundle was changed or corrupted after it was built.`);
      }
      if (path === manifest.model_file) modelBytes = bytes;
    }
    return { manifest, modelBytes: modelBytes!, origin: 'puente' };
  }

  const mlmodel = await source.read(MLMODEL_FILE);
  if (mlmodel === null) {
    throw new NotFoundError(`No model bundle at ${source.description}: neither ${MANIFEST_FILE} nor an MLflow ${MLMODEL_FILE} file is there.`, 'bundle');
  }
  const info = readMlmodel(mlmodel.toString('utf8'));
  const modelBytes = await source.read(info.model_file);
  if (modelBytes === null) throw new PuenteError('INVALID_PARAMETER_VALUE', `MLmodel in ${source.description} names '${info.model_file}', which is missing.`);
  const files: Record<string, string> = {};
  for (const path of await source.list()) {
    const bytes = path === info.model_file ? modelBytes : await source.read(path);
    if (bytes !== null) files[path] = sha256Hex(bytes);
  }
  const manifest: BundleManifest = {
    format_version: 1,
    format: info.format,
    task: taskOf(info.model_class),
    model_file: info.model_file,
    signature: info.signature ?? { inputs: [], outputs: [] },
    preprocessing: null,
    files,
  };
  return { manifest, modelBytes, origin: 'mlflow' };
}

/**
 * MLflow records the estimator class, which names the task for scikit-learn-style wrappers; for
 * a bare Booster or an ONNX graph this is a first guess that the runtime refines from the model
 * itself (the XGBoost objective, the ONNX outputs) when it loads.
 */
function taskOf(modelClass: string | null): ModelTask {
  return modelClass !== null && /Regressor/.test(modelClass) ? 'regression' : 'binary_classification';
}
