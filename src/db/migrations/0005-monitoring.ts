import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../capabilities.js';
import { serialKey } from './serial-key.js';

/** Monitoring: reference profiles per model version, closed windows per deployment and version, and per-deployment drift settings. */
export function monitoringMigration(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<any>) {
      // One reference per model version; profiles are JSON (bins, counts, a bounded sample per numeric column).
      await db.schema
        .createTable('monitoring_references')
        .addColumn('model', 'varchar(256)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('rows', 'integer', (c) => c.notNull())
        .addColumn('profile', 'text', (c) => c.notNull())
        .addColumn('predictions', 'text')
        .addColumn('performance', 'text')
        .addColumn('skipped', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'varchar(256)')
        .addPrimaryKeyConstraint('monitoring_references_pk', ['model', 'version'])
        .execute();

      // One row per closed window of a deployment's version (per serving process): drift, quality and the window's bin counts.
      const windows = db.schema.createTable('monitoring_windows');
      await serialKey(dialect, windows, 'window_id')
        .addColumn('deployment', 'varchar(256)', (c) => c.notNull())
        .addColumn('model', 'varchar(256)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('window_start', 'bigint', (c) => c.notNull())
        .addColumn('window_end', 'bigint', (c) => c.notNull())
        .addColumn('rows', 'integer', (c) => c.notNull())
        .addColumn('drift_share', 'double precision')
        .addColumn('dataset_drifted', 'integer', (c) => c.notNull())
        .addColumn('report', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('monitoring_windows_deployment').on('monitoring_windows').columns(['deployment', 'window_start']).execute();

      await db.schema
        .createTable('monitoring_settings')
        .addColumn('deployment', 'varchar(256)', (c) => c.primaryKey())
        .addColumn('settings', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_by', 'varchar(256)')
        .execute();
    },
    async down(db: Kysely<any>) {
      for (const t of ['monitoring_settings', 'monitoring_windows', 'monitoring_references']) await db.schema.dropTable(t).execute();
    },
  };
}
