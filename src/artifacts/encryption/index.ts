/** Encryption at rest for artifacts: master keys, the envelope format, the encrypting store, key rotation. */
export { type MasterKey, parseMasterKey, generateMasterKeyText, masterKeyFromBytes } from './master-key.js';
export {
  SEGMENT_SIZE,
  HEADER_SIZE,
  TAG_LENGTH,
  generateDataKey,
  wrapDataKey,
  unwrapDataKey,
  UnwrapError,
  encryptedSize,
  plaintextSize,
  encryptBuffer,
  createEncryptStream,
  createDecryptStream,
  EncryptStream,
  DecryptStream,
} from './envelope.js';
export { EncryptedArtifactStore, type EncryptedArtifactStoreOptions } from './encrypted-artifact-store.js';
export { rotateMasterKey, ROTATE_BATCH_SIZE, type RotateResult } from './rotate.js';
