/**
 * Datasets: content-addressed versions with schema and profile, CSV / JSON Lines / Parquet read
 * as streams, expectation suites and validation reports, diffs, lineage, and the exchange of
 * versions between servers.
 */
export type * from './types.js';
export { COLUMN_TYPES } from './types.js';
export { DataFormatError, type DataLocation } from './errors.js';
export {
  DatasetService,
  parseDatasetRef,
  manifestDigest,
  versionDigest,
  type DatasetServiceDeps,
  type FileUploadOptions,
  type CommitResult,
  type VersionImport,
} from './dataset-service.js';
export type { VersionSummary } from './dataset-repo.js';
export type { IngestedFile } from './ingest.js';
export { profileOfSketch, mergeSketches, schemaOfSketch, type DatasetSketch } from './profile/profile.js';
export type { ColumnSketch } from './profile/column-accumulator.js';
export { readRecords, formatOfPath, type CellValue, type RecordBatch, type RecordSource } from './formats/records.js';
export { writeParquet, openParquet } from './formats/parquet.js';
export type { CsvOptions, CsvDialect } from './formats/csv.js';
export { compareColumns, PSI_DRIFT, KS_ALPHA, type ColumnComparison } from './drift.js';
export { diffVersions, keyedRowDiff } from './diff.js';
export type * from './expectations/types.js';
export { ROW_EXPECTATIONS } from './expectations/types.js';
export { parseSuite, checkSuite, suiteToYaml } from './expectations/suite.js';
export { SuiteRun, RecordChecker, validateRecords, validateBatches, conformsTo, type ValidateOptions } from './expectations/validate.js';
export { renderValidationHtml, describeExpectation } from './expectations/report.js';
export { suggestSuite } from './expectations/suggest.js';
export { LineageService, renderLineage, datasetInputFor, DATASET_SOURCE, type LineageGraph, type LineageNode, type LineageEdge, type LineageDeps } from './lineage.js';
export { addLocalData, downloadVersion, copyVersions, type AddOptions, type CopyOptions, type DatasetFileOptions, type Progress } from './transfer.js';
