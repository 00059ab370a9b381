/** The model registry: registered models, versions, aliases, tags, stages, lineage. */
export { RegistryService, type RegistryServiceDeps } from './registry-service.js';
