/** Experiment tracking: experiments, runs, params, metrics, tags, dataset inputs, logged models. */
export { TrackingService, type TrackingServiceDeps } from './tracking-service.js';
export type * from './types.js';
