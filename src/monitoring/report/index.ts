/** Offline drift reports: a reference table against a current one, as JSON and self-contained HTML. */
export {
  buildDriftReport, MISSING_SHARE_MARGIN as REPORT_MISSING_SHARE_MARGIN, OUTLIER_SHARE_TOLERANCE as REPORT_OUTLIER_SHARE_TOLERANCE,
  type DriftReport, type ReportColumn, type ReportQuality, type ReportHistogram, type ReportOptions, type ReportResult, type ColumnRole,
  type QualityKind as ReportQualityKind,
} from './report.js';
export { renderReportHtml } from './html.js';
export { readTable, concatTables, formatOfFile, type TableFormat } from './read-table.js';
export { readCsvTable, parseDecimal } from './read-csv.js';
export { ColumnBuilder, type Table, type TableColumn } from './table.js';
