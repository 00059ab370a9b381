import type { PuenteDb } from '../db/index.js';
import type { TrackingService } from '../tracking/index.js';

/** Collaborators of the registry service. */
export interface RegistryServiceDeps {
  readonly db: PuenteDb;
  readonly tracking: TrackingService;
}

/** Registered models, versions, aliases, tags, stages and lineage. */
export class RegistryService {
  readonly #deps: RegistryServiceDeps;

  constructor(deps: RegistryServiceDeps) {
    this.#deps = deps;
  }
}
