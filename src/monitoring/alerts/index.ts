/** Alerts: rules on metrics exported at /metrics, evaluated in process, notified to webhooks and the event bus. */
export {
  AlertService, alertFingerprint, type AlertServiceOptions, type AlertRuleWithStatus, type RuleEvaluation, type AlertNotice,
} from './alert-service.js';
export type { Alert, AlertState, AlertTransition, AlertHistoryEvent, NotificationResult } from './alert-repo.js';
export {
  parseRule, parseDuration, formatDuration, quantileOf, type AlertRule, type AlertRuleInput, type Aggregation, type Comparison, type Severity,
  type LabelMatcher, type MatchOp,
} from './rule.js';
export { histogramQuantile, counterIncrease } from './evaluate.js';
export { MetricSampler, type SamplerLimits } from './sampler.js';
