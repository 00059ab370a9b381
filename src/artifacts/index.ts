/** Artifact storage: one interface, a local-disk and an S3 implementation, and safe path handling. */
export type { ArtifactStore, ArtifactEntry } from './artifact-store.js';
export { LocalArtifactStore } from './local-artifact-store.js';
export { S3ArtifactStore, type S3ArtifactStoreOptions } from './s3-artifact-store.js';
export { createArtifactStore } from './create-artifact-store.js';
export { normalizeArtifactPath, joinKeys } from './artifact-path.js';
export { artifactKeyFromUri, guessContentType, PROXY_SCHEME } from './artifact-uri.js';
export * from './encryption/index.js';
