/** Exports of a registered version: a container build context, an AWS Lambda function, or the ONNX file. */
export { exportVersion, EXPORT_TARGETS, type ExportTarget, type ExportOptions, type ExportResult } from './exporter.js';
export { locateVersion, remoteLocator, storeLocator, collectBundle, type VersionToExport, type VersionLocator, type CollectedBundle } from './version-source.js';
export { buildRuntime, runtimeEntry, NATIVE_EXTERNALS, type RuntimeKind } from './build-runtime.js';
export { buildSingleModelApp, singleBundleCatalog, allowedMethods, EXPORT_INFO_FILE, BUNDLE_DIR, type ExportInfo, type SingleModelApp, type SingleModelAppOptions } from './single-model-app.js';
export { lambdaHandler, type LambdaHttpEvent, type LambdaHttpResult } from './lambda-events.js';
export { CONTAINER_PORT } from './templates.js';
