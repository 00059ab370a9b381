/** The prediction log: every served prediction, off the response path, joined later by feedback labels. */
export {
  PredictionLog, newPredictionId,
  type PredictionEntry, type PredictionLogOptions, type FeedbackItem, type FeedbackResult, type FeedbackOutcome, type LabelledRow,
} from './prediction-log.js';
