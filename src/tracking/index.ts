/** Experiment tracking: experiments, runs, params, metrics, tags, dataset inputs, logged models. */
export { TrackingService, PARENT_RUN_TAG, type TrackingServiceDeps } from './tracking-service.js';
export { LIMITS, MAX_DOUBLE, RUN_STATUSES, VIEW_TYPES } from './limits.js';
export { MODEL_VERSIONS_TAG } from './row-mappers.js';
export { RUN_NAME_TAG } from './tracking-repo.js';
export type * from './types.js';
