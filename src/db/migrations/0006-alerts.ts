import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../capabilities.js';
import { serialKey } from './serial-key.js';

/** Alert rules, the alerts pending or firing now, and every state change of an alert. */
export function alertsMigration(dialect: DialectName): Migration {
  const serial = (table: ReturnType<Kysely<any>['schema']['createTable']>, column: string) => serialKey(dialect, table, column);
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('alert_rules')
        .addColumn('name', 'varchar(128)', (c) => c.primaryKey())
        // JSON of the validated rule (without name and secret).
        .addColumn('spec', 'text', (c) => c.notNull())
        // The key webhook bodies are signed with; never returned by the API.
        .addColumn('webhook_secret', 'text')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .addColumn('created_by', 'varchar(256)')
        .execute();

      // One row per alert that is pending or firing; a resolved alert leaves (its story stays in the history).
      await db.schema
        .createTable('alert_instances')
        .addColumn('rule', 'varchar(128)', (c) => c.notNull())
        .addColumn('fingerprint', 'varchar(64)', (c) => c.notNull())
        .addColumn('labels', 'text', (c) => c.notNull())
        .addColumn('state', 'varchar(16)', (c) => c.notNull())
        .addColumn('value', 'double precision')
        .addColumn('active_since', 'bigint', (c) => c.notNull())
        .addColumn('fired_at', 'bigint')
        .addColumn('evaluated_at', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('alert_instances_pk', ['rule', 'fingerprint'])
        .execute();

      await serial(db.schema.createTable('alert_history'), 'event_id')
        .addColumn('rule', 'varchar(128)', (c) => c.notNull())
        .addColumn('fingerprint', 'varchar(64)', (c) => c.notNull())
        .addColumn('labels', 'text', (c) => c.notNull())
        .addColumn('state', 'varchar(16)', (c) => c.notNull())
        .addColumn('severity', 'varchar(16)', (c) => c.notNull())
        .addColumn('value', 'double precision')
        .addColumn('threshold', 'double precision')
        .addColumn('at', 'bigint', (c) => c.notNull())
        // JSON list of webhook deliveries ({url, delivered, attempts, status?, error?}), filled in once they finish.
        .addColumn('notifications', 'text')
        .execute();
      await db.schema.createIndex('alert_history_at').on('alert_history').columns(['at']).execute();
      await db.schema.createIndex('alert_history_rule_at').on('alert_history').columns(['rule', 'at']).execute();
    },
    async down(db: Kysely<any>) {
      for (const t of ['alert_history', 'alert_instances', 'alert_rules']) await db.schema.dropTable(t).execute();
    },
  };
}
