import { readFileSync } from 'node:fs';
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
  /** Write the hash-chained audit log (PUENTE_AUDIT, default on). */
  readonly auditLog: boolean;
  /**
   * Master key text for artifact encryption at rest (PUENTE_MASTER_KEY, or the contents of
   * PUENTE_MASTER_KEY_FILE), and where it came from; null: artifacts are stored as given.
   */
  readonly masterKey: { readonly text: string; readonly source: string } | null;
  /** Certificate and key files (PEM) to serve HTTPS; null: plain HTTP. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | null;
  /** Browser origins allowed to call the API (PUENTE_CORS_ORIGINS); empty: CORS off. */
  readonly corsOrigins: readonly string[];
  /** Requests per minute per token (or per address when anonymous); null: unlimited unless a token sets its own. */
  readonly rateLimitPerMinute: number | null;
  /** Hosts webhooks may be sent to (PUENTE_WEBHOOK_ALLOWED_HOSTS); empty: none. */
  readonly webhookAllowedHosts: readonly string[];
  /** Share of served predictions written to the prediction log (PUENTE_PREDICTION_LOG_SAMPLE_RATE, 0–1, default 1). */
  readonly predictionSampleRate: number;
  /** Days logged predictions are kept (PUENTE_PREDICTION_RETENTION_DAYS, default 30); null: kept forever (0). */
  readonly predictionRetentionDays: number | null;
  /** Watch served predictions for drift and data quality (PUENTE_MONITORING, default on). */
  readonly monitoring: boolean;
  /** Length of a monitoring window in ms (PUENTE_MONITORING_WINDOW, e.g. 5m, 1h; default 5 minutes). */
  readonly monitoringWindowMs: number;
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
    auditLog: parseSwitch(env.PUENTE_AUDIT, 'PUENTE_AUDIT', true),
    masterKey: parseMasterKeySource(env),
    tls: parseTls(env),
    corsOrigins: Object.freeze(parseList(env.PUENTE_CORS_ORIGINS).map(checkOrigin)),
    rateLimitPerMinute: parsePositiveInt(env.PUENTE_RATE_LIMIT_PER_MINUTE, 'PUENTE_RATE_LIMIT_PER_MINUTE'),
    webhookAllowedHosts: Object.freeze(parseList(env.PUENTE_WEBHOOK_ALLOWED_HOSTS).map((h) => h.toLowerCase())),
    predictionSampleRate: parseShare(env.PUENTE_PREDICTION_LOG_SAMPLE_RATE, 'PUENTE_PREDICTION_LOG_SAMPLE_RATE', 1),
    predictionRetentionDays: parseRetentionDays(env.PUENTE_PREDICTION_RETENTION_DAYS),
    monitoring: parseSwitch(env.PUENTE_MONITORING, 'PUENTE_MONITORING', true),
    monitoringWindowMs: parseWindow(env.PUENTE_MONITORING_WINDOW),
  });
}

function parseShare(raw: string | undefined, setting: string, fallback: number): number {
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!(n >= 0 && n <= 1) || raw.trim() === '') throw new ConfigError(setting, `"${raw}" must be a number between 0 and 1`);
  return n;
}

function parseRetentionDays(raw: string | undefined): number | null {
  if (raw === undefined || raw === '') return 30;
  const n = Number(raw);
  if (!(n >= 0) || !Number.isFinite(n) || raw.trim() === '') throw new ConfigError('PUENTE_PREDICTION_RETENTION_DAYS', `"${raw}" must be a number of days (0 keeps predictions forever)`);
  return n === 0 ? null : n;
}

function parseWindow(raw: string | undefined): number {
  if (raw === undefined || raw === '') return 5 * 60_000;
  const ms = parseDuration(raw);
  if (ms === null || ms < 1000) throw new ConfigError('PUENTE_MONITORING_WINDOW', `"${raw}" must be a duration of at least 1s, like 30s, 5m or 1h`);
  return ms;
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as `500ms`, `30s`, `5m`, `1h`, `7d` (a bare number means seconds) in ms, or null when it is not one. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?\s*$/.exec(text);
  if (!m) return null;
  const ms = Number(m[1]) * DURATION_UNITS[m[2] ?? 's']!;
  return Number.isFinite(ms) && ms > 0 ? Math.round(ms) : null;
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

function parseSwitch(raw: string | undefined, setting: string, fallback: boolean): boolean {
  if (raw === undefined || raw === '') return fallback;
  if (['on', 'true', '1'].includes(raw)) return true;
  if (['off', 'false', '0'].includes(raw)) return false;
  throw new ConfigError(setting, `"${raw}" must be on or off`);
}

function parseList(raw: string | undefined): string[] {
  return (raw ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function parsePositiveInt(raw: string | undefined, setting: string): number | null {
  if (raw === undefined || raw === '') return null;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new ConfigError(setting, `"${raw}" is not a positive whole number`);
  return n;
}

function checkOrigin(origin: string): string {
  if (origin === '*') throw new ConfigError('PUENTE_CORS_ORIGINS', 'a wildcard would let any web page use a signed-in browser; list the origins');
  try {
    const url = new URL(origin);
    if (url.origin !== origin.replace(/\/$/, '')) throw new Error('not an origin');
    return url.origin;
  } catch {
    throw new ConfigError('PUENTE_CORS_ORIGINS', `"${origin}" is not an origin like https://app.example.com`);
  }
}

function parseMasterKeySource(env: NodeJS.ProcessEnv): PuenteConfig['masterKey'] {
  const inline = env.PUENTE_MASTER_KEY;
  const file = env.PUENTE_MASTER_KEY_FILE;
  if (inline && file) throw new ConfigError('PUENTE_MASTER_KEY', 'set either PUENTE_MASTER_KEY or PUENTE_MASTER_KEY_FILE, not both');
  if (inline) return { text: inline, source: 'PUENTE_MASTER_KEY' };
  if (!file) return null;
  try {
    return { text: readFileSync(file, 'utf8'), source: `PUENTE_MASTER_KEY_FILE (${file})` };
  } catch (err) {
    throw new ConfigError('PUENTE_MASTER_KEY_FILE', `cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function parseTls(env: NodeJS.ProcessEnv): PuenteConfig['tls'] {
  const cert = env.PUENTE_TLS_CERT;
  const key = env.PUENTE_TLS_KEY;
  if (!cert && !key) return null;
  if (!cert || !key) throw new ConfigError(cert ? 'PUENTE_TLS_KEY' : 'PUENTE_TLS_CERT', 'HTTPS needs both PUENTE_TLS_CERT and PUENTE_TLS_KEY (PEM files)');
  return { certFile: resolve(cert), keyFile: resolve(key) };
}

/** True for addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Hides the password of a connection URL before it reaches a message or a log. */
export function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):([^@]*)@/, '//$1:***@');
}
