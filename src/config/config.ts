import { resolve, join } from 'node:path';
import { PuenteError } from '../errors/index.js';

/** Where metadata lives: an embedded SQLite file or a PostgreSQL server. */
export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string };

/** Where artifacts live: a local directory or an S3-compatible bucket. */
export type ArtifactsConfig =
  | { readonly kind: 'local'; readonly root: string }
  | {
      readonly kind: 's3';
      readonly bucket: string;
      readonly prefix: string;
      readonly endpoint: string | undefined;
      readonly region: string;
      readonly forcePathStyle: boolean;
    };

/** The whole, validated, frozen configuration of one Puente process. */
export interface PuenteConfig {
  readonly host: string;
  readonly port: number;
  readonly dataDir: string;
  readonly database: DatabaseConfig;
  readonly artifacts: ArtifactsConfig;
  /** Largest JSON request body accepted, in bytes (artifact uploads are streamed, not limited by this). */
  readonly bodyLimitBytes: number;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

/** Settings given on the command line; they win over the environment. */
export interface ConfigOverrides {
  host?: string;
  port?: string | number;
  dataDir?: string;
}

/** Raised when a setting has a value Puente cannot use; the message names the setting. */
export class ConfigError extends PuenteError {
  constructor(readonly setting: string, message: string) {
    super('INVALID_PARAMETER_VALUE', `Invalid configuration ${setting}: ${message}`);
  }
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Reads and validates the configuration once, from the environment and command-line overrides.
 *
 * @example
 * const config = loadConfig(process.env, { port: 6000 });
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: ConfigOverrides = {}): PuenteConfig {
  const host = overrides.host ?? env.PUENTE_HOST ?? '127.0.0.1';
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) throw new ConfigError('PUENTE_HOST', `"${host}" is not a host name or address`);

  const port = parsePort(overrides.port ?? env.PUENTE_PORT ?? '5050');
  const dataDir = resolve(overrides.dataDir ?? env.PUENTE_DATA_DIR ?? './puente-data');

  return Object.freeze({
    host,
    port,
    dataDir,
    database: Object.freeze(parseDatabase(env.PUENTE_DATABASE_URL, dataDir)),
    artifacts: Object.freeze(parseArtifacts(env, dataDir)),
    bodyLimitBytes: parseBodyLimit(env.PUENTE_BODY_LIMIT_MB),
    logLevel: parseLogLevel(env.PUENTE_LOG_LEVEL),
  });
}

function parsePort(raw: string | number): number {
  const port = typeof raw === 'number' ? raw : Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535 || String(raw).trim() === '') {
    throw new ConfigError('PUENTE_PORT', `"${raw}" is not a port number (0-65535)`);
  }
  return port;
}

function parseDatabase(url: string | undefined, dataDir: string): DatabaseConfig {
  if (url === undefined || url === '') return { kind: 'sqlite', path: join(dataDir, 'puente.db') };
  if (/^postgres(ql)?:\/\//.test(url)) {
    try {
      new URL(url);
    } catch {
      throw new ConfigError('PUENTE_DATABASE_URL', 'not a valid postgres:// URL');
    }
    return { kind: 'postgres', url };
  }
  if (url.startsWith('sqlite:')) {
    const path = url.replace(/^sqlite:(\/\/)?/, '');
    if (path === '') throw new ConfigError('PUENTE_DATABASE_URL', 'sqlite: URL without a file path');
    return { kind: 'sqlite', path: resolve(path) };
  }
  throw new ConfigError('PUENTE_DATABASE_URL', `"${redact(url)}" must start with postgres://, postgresql:// or sqlite:`);
}

function parseArtifacts(env: NodeJS.ProcessEnv, dataDir: string): ArtifactsConfig {
  const raw = env.PUENTE_ARTIFACTS;
  if (raw === undefined || raw === '') return { kind: 'local', root: join(dataDir, 'artifacts') };
  if (raw.startsWith('s3://')) {
    const rest = raw.slice('s3://'.length);
    const [bucket = '', ...prefixParts] = rest.split('/');
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new ConfigError('PUENTE_ARTIFACTS', `"${bucket}" is not a valid S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)`);
    }
    const endpoint = env.PUENTE_S3_ENDPOINT || env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined;
    if (endpoint !== undefined) {
      try {
        new URL(endpoint);
      } catch {
        throw new ConfigError('PUENTE_S3_ENDPOINT', `"${endpoint}" is not a URL`);
      }
    }
    const pathStyle = env.PUENTE_S3_FORCE_PATH_STYLE;
    if (pathStyle !== undefined && pathStyle !== '' && !['true', 'false', '1', '0'].includes(pathStyle)) {
      throw new ConfigError('PUENTE_S3_FORCE_PATH_STYLE', `"${pathStyle}" must be true or false`);
    }
    return {
      kind: 's3',
      bucket,
      prefix: prefixParts.filter(Boolean).join('/'),
      endpoint,
      region: env.PUENTE_S3_REGION || env.AWS_REGION || 'us-east-1',
      // MinIO, s3rver and most self-hosted stores need path-style addressing.
      forcePathStyle: pathStyle === undefined || pathStyle === '' ? endpoint !== undefined : pathStyle === 'true' || pathStyle === '1',
    };
  }
  if (raw.startsWith('file://') || raw.startsWith('/') || raw.startsWith('.')) {
    return { kind: 'local', root: resolve(raw.replace(/^file:\/\//, '')) };
  }
  throw new ConfigError('PUENTE_ARTIFACTS', `"${raw}" must be s3://bucket[/prefix], file:///path or a directory path`);
}

function parseBodyLimit(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 32 * 1024 * 1024;
  const mb = Number(raw);
  if (!Number.isFinite(mb) || mb <= 0) throw new ConfigError('PUENTE_BODY_LIMIT_MB', `"${raw}" is not a positive number of megabytes`);
  return Math.round(mb * 1024 * 1024);
}

function parseLogLevel(raw: string | undefined): PuenteConfig['logLevel'] {
  if (raw === undefined || raw === '') return 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(raw)) {
    throw new ConfigError('PUENTE_LOG_LEVEL', `"${raw}" must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return raw as PuenteConfig['logLevel'];
}

/** Hides the password of a connection URL before it reaches a message or a log. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}
