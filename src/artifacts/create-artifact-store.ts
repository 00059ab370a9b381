import type { ArtifactsConfig } from '../config/index.js';
import type { ArtifactStore } from './artifact-store.js';
import { LocalArtifactStore } from './local-artifact-store.js';
import { S3ArtifactStore } from './s3-artifact-store.js';

/** The one place that picks an artifact store implementation, from configuration. */
export function createArtifactStore(config: ArtifactsConfig): ArtifactStore {
  if (config.kind === 'local') return new LocalArtifactStore(config.root);
  return new S3ArtifactStore({
    bucket: config.bucket,
    prefix: config.prefix,
    region: config.region,
    endpoint: config.endpoint,
    forcePathStyle: config.forcePathStyle,
  });
}
