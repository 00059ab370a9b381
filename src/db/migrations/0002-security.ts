import { sql, type Kysely, type Migration } from 'kysely';
import type { DialectName } from '../capabilities.js';
import { serialKey } from './serial-key.js';

/** Users, API tokens, grants, the hash-chained audit log, and wrapped artifact data keys. */
export function securityMigration(dialect: DialectName): Migration {
  const serial = (table: ReturnType<Kysely<any>['schema']['createTable']>, column: string) => serialKey(dialect, table, column);
  return {
    async up(db: Kysely<any>) {
      await serial(db.schema.createTable('users'), 'user_id')
        .addColumn('username', 'varchar(256)', (c) => c.notNull().unique())
        .addColumn('password_hash', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      await serial(db.schema.createTable('api_tokens'), 'token_id')
        .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.user_id').onDelete('cascade'))
        .addColumn('name', 'varchar(256)', (c) => c.notNull())
        // SHA-256 of the secret, hex; the secret itself is shown once and never stored.
        .addColumn('token_hash', 'char(64)', (c) => c.notNull().unique())
        .addColumn('scope', 'varchar(32)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint')
        .addColumn('last_used_at', 'bigint')
        .addColumn('revoked_at', 'bigint')
        .addColumn('rate_limit_per_minute', 'integer')
        .execute();
      await db.schema.createIndex('api_tokens_user').on('api_tokens').column('user_id').execute();

      // resource_type 'global' with resource_id '' is a grant over everything.
      await serial(db.schema.createTable('grants'), 'grant_id')
        .addColumn('user_id', 'bigint', (c) => c.notNull().references('users.user_id').onDelete('cascade'))
        .addColumn('role', 'varchar(16)', (c) => c.notNull())
        .addColumn('resource_type', 'varchar(32)', (c) => c.notNull())
        .addColumn('resource_id', 'varchar(500)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'varchar(256)')
        .addUniqueConstraint('grants_user_resource', ['user_id', 'resource_type', 'resource_id'])
        .execute();
      await db.schema.createIndex('grants_resource').on('grants').columns(['resource_type', 'resource_id']).execute();

      // Append-only: seq is assigned by the writer (last + 1) inside the transaction that links the chain.
      await db.schema
        .createTable('audit_log')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('actor', 'varchar(256)', (c) => c.notNull())
        .addColumn('action', 'varchar(200)', (c) => c.notNull())
        .addColumn('resource_type', 'varchar(32)', (c) => c.notNull())
        .addColumn('resource_id', 'varchar(500)', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('source', 'varchar(100)', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('prev_hash', 'char(64)', (c) => c.notNull())
        .addColumn('hash', 'char(64)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('audit_log_actor').on('audit_log').columns(['actor', 'seq']).execute();
      await db.schema.createIndex('audit_log_resource').on('audit_log').columns(['resource_type', 'resource_id', 'seq']).execute();
      // One row (id 1): the newest record's seq and hash, so deleting the tail is detected too.
      await db.schema
        .createTable('audit_head')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('hash', 'char(64)', (c) => c.notNull())
        .execute();
      await db.insertInto('audit_head').values({ id: 1, seq: 0, hash: '0'.repeat(64) }).execute();
      // Append-only in the store itself: changing or removing a record needs DDL rights first
      // (and `puente audit verify` still catches it then).
      if (dialect === 'postgres') {
        await sql`CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$`.execute(db);
        await sql`CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
          FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`.execute(db);
      } else {
        for (const op of ['UPDATE', 'DELETE']) {
          await sql.raw(`CREATE TRIGGER audit_log_no_${op.toLowerCase()} BEFORE ${op} ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END`).execute(db);
        }
      }

      // Envelope encryption: one data key per artifact object, wrapped by the master key.
      await db.schema
        .createTable('artifact_data_keys')
        .addColumn('object_key', 'varchar(2000)', (c) => c.primaryKey())
        .addColumn('master_key_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('wrapped_key', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
