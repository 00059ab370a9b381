/** Typed configuration, read from the environment and flags, validated once and frozen. */
export {
  loadConfig,
  redact,
  ConfigError,
  isLoopbackHost,
  parseDuration,
  type PuenteConfig,
  type DatabaseConfig,
  type ArtifactsConfig,
  type ConfigOverrides,
} from './config.js';
