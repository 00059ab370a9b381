/** Model bundles: the `puente.json` manifest, verification by sha256, and MLflow MLmodel directories read as bundles. */
export {
  MANIFEST_FILE, MODEL_FORMATS, TASKS, COLUMN_TYPES, parseManifest, parseSignature,
  type BundleManifest, type ColumnSpec, type ColumnType, type ModelFormat, type ModelSignature, type ModelTask, type TensorSpec, type DatasetRef,
} from './manifest.js';
export { MLMODEL_FILE, readMlmodel, type MlmodelInfo } from './mlmodel.js';
export { artifactBundleSource, directoryBundleSource, type BundleSource } from './bundle-source.js';
export { readBundle, sha256Hex, type LoadedBundle } from './bundle.js';
export { packageBundle, formatFromFileName, numericColumns, type PackageInput, type PackagedBundle } from './package-bundle.js';
