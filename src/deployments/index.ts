/** Deployments: named endpoints whose traffic policy (single, blue-green, canary, shadow, A/B) spreads requests over model versions. */
export * from './types.js';
export { DeploymentRepo, type TrafficPeriod } from './deployment-repo.js';
export { DeploymentService, type DeploymentServiceDeps, type ChangeContext, type VersionRef } from './deployment-service.js';
export { DeploymentGateway, type DeploymentSource, type GatewayOptions, type Routed, type RoutedPrediction, type ServedPrediction, type PredictionObserver, type PredictionSink, type ValidationCounts } from './gateway.js';
export { RemoteTelemetry, type Telemetry } from './remote-telemetry.js';
export { CanaryController, TrafficFlusher } from './canary-controller.js';
export { DeploymentStatusReader, type DeploymentStatus, type ShadowStatus, type VersionTrafficStatus } from './status.js';
export { TrafficRecorder, latencyQuantile, predictionBin, predictedLabel, predictionsAgree } from './traffic.js';
export { stableHash, bucketOf } from './routing.js';
export { histogramJsDistance, analyseStep } from './analysis.js';
export { signatureDifferences, validateSpec, validateCanaryPlan, type CanaryPlan, type Target } from './spec.js';
export { abReport, armOutcomes, type AbReport, type ArmOutcomes } from './ab-test.js';
