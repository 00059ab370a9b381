import type { PuenteDb } from '../db/index.js';
import type { ArtifactStore } from '../artifacts/index.js';

/** Collaborators of the tracking service. */
export interface TrackingServiceDeps {
  readonly db: PuenteDb;
  readonly artifacts: ArtifactStore;
}

/** Experiments, runs, params, metrics, tags, inputs, outputs and logged models. */
export class TrackingService {
  readonly #deps: TrackingServiceDeps;

  constructor(deps: TrackingServiceDeps) {
    this.#deps = deps;
  }
}
