/** The prediction log: every served prediction, off the response path, joined later by feedback labels. */
export {
  PredictionLog, newPredictionId,
  type PredictionEntry, type PredictionLogOptions, type FeedbackItem, type FeedbackResult, type FeedbackOutcome, type LabelledRow,
  type LabelTarget, type LabelledEvent, type LoggedRow, type LogFilter, type StoredExplanation,
} from './prediction-log.js';
export { checkLabel, labelRuleFor, labelText, type LabelRule, type LabelTask } from './labels.js';
export { exportPredictions, EXPORT_FORMATS, type ExportFormat, type ExportSummary } from './export.js';
