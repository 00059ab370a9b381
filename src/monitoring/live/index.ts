/** Live monitoring of deployments: windows on the serving path, references, drift, data quality and live performance. */
export { LiveMonitor, type LiveMonitorOptions } from './monitor.js';
export { LiveWindow, QUALITY_KINDS, MISSING_SHARE_MARGIN, OUTLIER_SHARE_TOLERANCE, type QualityKind, type QualityColumn, type ColumnHistogram, type WindowReport, type LiveWindowInit } from './window.js';
export {
  buildModelReference, collectRecords, monitoredColumns, predictionValue, predictionType, PREDICTION_COLUMN, REFERENCE_SAMPLE_SIZE, PREDICTED_ROWS, MAX_REFERENCE_ROWS,
  type ModelReference, type MonitoredColumn, type MonitoredType, type BuildReferenceInput,
} from './reference.js';
export { MonitoringRepo, type WindowQuery } from './repo.js';
export { parseDriftSettings, withOverrides, type DriftSettings } from './settings.js';
export { readSample, sampleFormatOf, SAMPLE_FORMATS, type SampleFormat } from './records.js';
export {
  binaryMetrics, multiclassMetrics, regressionMetrics, rocAuc, performanceOf, CLASSIFICATION_METRICS, REGRESSION_METRICS, LOWER_IS_BETTER,
  type MetricName, type Metrics, type PerformanceResult, type LabelledOutput,
} from './performance.js';
export {
  LivePerformance, conceptDrift, DEFAULT_MAX_DROP, DEFAULT_MAX_RMSE_RISE, DEFAULT_MIN_LABELS,
  type LivePerformanceOptions, type PerformanceQuery, type PerformanceReport, type PerformanceWindow, type VersionPerformance, type ConceptDrift,
} from './live-performance.js';
export {
  MonitoringService, parseDatasetRef,
  type MonitoringServiceDeps, type DatasetRowsSource, type ReferenceSummary, type WindowsQuery, type WindowsAnswer, type QualityWindow,
  type MonitoringQuery, type PerformanceQueryParams, type DriftWindow, type ReferenceSource,
} from './service.js';
