import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../capabilities.js';
import { serialKey } from './serial-key.js';

/** Deployments with their revision history, per-interval traffic statistics, and the prediction log with feedback labels. */
export function deploymentsMigration(dialect: DialectName): Migration {
  const serial = (table: ReturnType<Kysely<any>['schema']['createTable']>, column: string) => serialKey(dialect, table, column);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('deployments')
        .addColumn('name', 'varchar(256)', (c) => c.primaryKey())
        .addColumn('description', 'text', (c) => c.notNull())
        // The current revision; a change is written only if this still holds the revision it started from.
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'varchar(256)')
        .execute();

      await db.schema
        .createTable('deployment_revisions')
        .addColumn('name', 'varchar(256)', (c) => c.notNull().references('deployments.name').onDelete('cascade'))
        .addColumn('revision', 'integer', (c) => c.notNull())
        .addColumn('spec', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'varchar(256)')
        .addColumn('reason', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('deployment_revisions_pk', ['name', 'revision'])
        .execute();

      // One row per serving process, version and flush period: counts and sparse histograms (JSON).
      await serial(db.schema.createTable('deployment_stats'), 'stat_id')
        .addColumn('deployment', 'varchar(256)', (c) => c.notNull())
        .addColumn('model', 'varchar(256)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('role', 'varchar(16)', (c) => c.notNull())
        .addColumn('period_start', 'bigint', (c) => c.notNull())
        .addColumn('period_end', 'bigint', (c) => c.notNull())
        .addColumn('requests', 'integer', (c) => c.notNull())
        .addColumn('errors', 'integer', (c) => c.notNull())
        .addColumn('latency', 'text', (c) => c.notNull())
        .addColumn('predictions', 'text', (c) => c.notNull())
        .addColumn('shadow_compared', 'integer', (c) => c.notNull())
        .addColumn('shadow_agreed', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('deployment_stats_window').on('deployment_stats').columns(['deployment', 'period_end']).execute();

      // The prediction log: one row per predicted row; feedback fills label.
      await db.schema
        .createTable('predictions')
        .addColumn('prediction_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('row_index', 'integer', (c) => c.notNull())
        .addColumn('deployment', 'varchar(256)')
        .addColumn('model', 'varchar(256)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('role', 'varchar(16)')
        .addColumn('at', 'bigint', (c) => c.notNull())
        .addColumn('latency_ms', 'double precision', (c) => c.notNull())
        .addColumn('inputs', 'text', (c) => c.notNull())
        .addColumn('output', 'text', (c) => c.notNull())
        .addColumn('label', 'text')
        .addColumn('label_at', 'bigint')
        .addPrimaryKeyConstraint('predictions_pk', ['prediction_id', 'row_index'])
        .execute();
      await db.schema.createIndex('predictions_deployment_at').on('predictions').columns(['deployment', 'at']).execute();
      await db.schema.createIndex('predictions_model_at').on('predictions').columns(['model', 'version', 'at']).execute();
    },
    async down(db: Kysely<any>) {
      for (const t of ['predictions', 'deployment_stats', 'deployment_revisions', 'deployments']) await db.schema.dropTable(t).execute();
    },
  };
}
