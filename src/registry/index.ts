/** The model registry: registered models, versions, aliases, tags, stages, lineage. */
export {
  RegistryService,
  type RegistryServiceDeps,
  type TrackingLookup,
  type CreateModelVersionInput,
  type SearchInput,
} from './registry-service.js';
export { STAGES, type Stage, type ModelVersion, type RegisteredModel, type Lineage } from './types.js';
