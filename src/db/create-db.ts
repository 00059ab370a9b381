import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import type pg from 'pg';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql, type KyselyConfig, type MigrationProvider } from 'kysely';
import type { DatabaseConfig } from '../config/index.js';
import { capabilitiesFor, type DbCapabilities, type DialectName } from './capabilities.js';
import { initialMigration } from './migrations/0001-initial.js';
import { securityMigration } from './migrations/0002-security.js';
import { deploymentsMigration } from './migrations/0003-deployments.js';
import { datasetsMigration } from './migrations/0004-datasets.js';
import { monitoringMigration } from './migrations/0005-monitoring.js';
import { alertsMigration } from './migrations/0006-alerts.js';
import { predictionExplanationsMigration } from './migrations/0007-prediction-explanations.js';
import type { Database } from './schema.js';

/** An open metadata store: the typed query builder plus what differs between engines. */
export interface PuenteDb {
  readonly kysely: Kysely<Database>;
  readonly capabilities: DbCapabilities;
  /** Applies every pending migration; safe to call on every start. */
  migrate(): Promise<void>;
  /** Throws when the store cannot answer a trivial query. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** Options used by tests and tools; a server takes the defaults. */
export interface CreateDbOptions {
  /** PostgreSQL schema to work in (created if missing), so test suites can be isolated. */
  readonly pgSchema?: string;
  readonly pgPoolSize?: number;
  /** Sees every statement with its bound parameters (tests check that values never reach the SQL text). */
  readonly onQuery?: (sql: string, parameters: readonly unknown[]) => void;
}

const INT8_OID = 20;
const NUMERIC_OID = 1700;

/**
 * Opens the metadata store chosen by configuration.
 *
 * @example
 * const db = await createDb({ kind: 'sqlite', path: './puente-data/puente.db' });
 * await db.migrate();
 */
export async function createDb(config: DatabaseConfig, options: CreateDbOptions = {}): Promise<PuenteDb> {
  if (config.kind === 'sqlite') return openSqlite(config.path, options);
  return openPostgres(config.url, options);
}

/** Kysely's log hook, when a caller wants to see statements. */
function queryLog(options: CreateDbOptions): KyselyConfig['log'] {
  const onQuery = options.onQuery;
  if (!onQuery) return undefined;
  return (event) => onQuery(event.query.sql, event.query.parameters);
}

function openSqlite(path: string, options: CreateDbOptions): PuenteDb {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new SqliteDatabase(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('busy_timeout = 5000');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  // LIKE must be case-sensitive, as in PostgreSQL and MLflow's search grammar.
  sqlite.pragma('case_sensitive_like = ON');
  const kysely = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }), log: queryLog(options) });
  return wrap(kysely, 'sqlite');
}

/** How many prepared statements an SQLite connection keeps; the query shapes are few. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * Kysely prepares every query afresh; preparing a 6,000-parameter batch insert costs as much as
 * a fifth of running it. Statements are reused by SQL text (safe: Kysely runs one query at a time
 * per connection), least recently used evicted first.
 */
function withStatementCache(sqlite: SqliteDatabase.Database): { prepare(sql: string): SqliteDatabase.Statement; close(): void } {
  const cache = new Map<string, SqliteDatabase.Statement>();
  return {
    prepare(text: string) {
      const hit = cache.get(text);
      if (hit) {
        cache.delete(text);
        cache.set(text, hit);
        return hit;
      }
      const statement = sqlite.prepare(text);
      cache.set(text, statement);
      if (cache.size > STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      return statement;
    },
    close() {
      cache.clear();
      sqlite.close();
    },
  };
}

async function openPostgres(url: string, options: CreateDbOptions): Promise<PuenteDb> {
  // Loaded only for PostgreSQL, so the embedded default starts without it.
  const { default: pg } = await import('pg');
  const schema = options.pgSchema;
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  if (schema !== undefined) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } finally {
      await client.end();
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max: options.pgPoolSize ?? 10,
    ...(schema !== undefined ? { options: `-c search_path=${schema}` } : {}),
    // Millisecond timestamps and counts fit in a double; read bigints as numbers.
    types: {
      getTypeParser: ((oid: number, format?: string) =>
        oid === INT8_OID || oid === NUMERIC_OID ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
    },
  });
  const kysely = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), log: queryLog(options) });
  return wrap(kysely, 'postgres', schema);
}

function wrap(kysely: Kysely<Database>, dialect: DialectName, schema?: string): PuenteDb {
  const provider: MigrationProvider = {
    getMigrations: async () => ({ '0001-initial': initialMigration(dialect), '0002-security': securityMigration(dialect), '0003-deployments': deploymentsMigration(dialect), '0004-datasets': datasetsMigration(dialect), '0005-monitoring': monitoringMigration(dialect), '0006-alerts': alertsMigration(dialect), '0007-prediction-explanations': predictionExplanationsMigration() }),
  };
  return {
    kysely,
    capabilities: capabilitiesFor(dialect),
    async migrate() {
      // Name the schema: the migrator's table check otherwise sees other schemas' tables.
      const migrator = new Migrator({ db: kysely, provider, ...(schema !== undefined ? { migrationTableSchema: schema } : {}) });
      const { error, results } = await migrator.migrateToLatest();
      if (error) {
        const failed = results?.find((r) => r.status === 'Error')?.migrationName;
        throw new Error(`database migration ${failed ?? ''} failed: ${(error as Error).message ?? error}`);
      }
    },
    async ping() {
      await sql`select 1`.execute(kysely);
    },
    async close() {
      await kysely.destroy();
    },
  };
}
