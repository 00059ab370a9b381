import { type Kysely, type Migration, sql } from 'kysely';
import type { DialectName } from '../capabilities.js';

/** Tracking and registry tables. Ids that MLflow exposes as integers are bigints here. */
export function initialMigration(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<any>) {
      const experiments = db.schema.createTable('experiments');
      await (dialect === 'postgres'
        ? experiments.addColumn('experiment_id', 'bigserial', (c) => c.primaryKey())
        : experiments.addColumn('experiment_id', 'integer', (c) => c.primaryKey().autoIncrement())
      )
        .addColumn('name', 'varchar(500)', (c) => c.notNull().unique())
        .addColumn('artifact_location', 'text', (c) => c.notNull())
        .addColumn('lifecycle_stage', 'varchar(32)', (c) => c.notNull())
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('last_update_time', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('experiment_tags')
        .addColumn('experiment_id', 'bigint', (c) => c.notNull().references('experiments.experiment_id').onDelete('cascade'))
        .addColumn('key', 'varchar(250)', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('experiment_tags_pk', ['experiment_id', 'key'])
        .execute();

      await db.schema
        .createTable('runs')
        .addColumn('run_id', 'varchar(32)', (c) => c.primaryKey())
        .addColumn('experiment_id', 'bigint', (c) => c.notNull().references('experiments.experiment_id').onDelete('cascade'))
        .addColumn('run_name', 'varchar(250)', (c) => c.notNull())
        .addColumn('user_id', 'varchar(256)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('start_time', 'bigint', (c) => c.notNull())
        .addColumn('end_time', 'bigint')
        .addColumn('artifact_uri', 'text', (c) => c.notNull())
        .addColumn('lifecycle_stage', 'varchar(32)', (c) => c.notNull())
        .addColumn('deleted_time', 'bigint')
        .execute();
      await db.schema.createIndex('runs_experiment_start').on('runs').columns(['experiment_id', 'start_time']).execute();

      for (const table of ['params', 'tags'] as const) {
        await db.schema
          .createTable(table)
          .addColumn('run_id', 'varchar(32)', (c) => c.notNull().references('runs.run_id').onDelete('cascade'))
          .addColumn('key', 'varchar(250)', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, ['run_id', 'key'])
          .execute();
      }

      // Full history: no primary key, so appending points costs one index update.
      await db.schema
        .createTable('metrics')
        .addColumn('run_id', 'varchar(32)', (c) => c.notNull().references('runs.run_id').onDelete('cascade'))
        .addColumn('key', 'varchar(250)', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addColumn('is_nan', 'integer', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('metrics_run_key_step').on('metrics').columns(['run_id', 'key', 'step']).execute();

      // Latest value per (run, key), maintained on write, so search and run reads never scan history.
      await db.schema
        .createTable('latest_metrics')
        .addColumn('run_id', 'varchar(32)', (c) => c.notNull().references('runs.run_id').onDelete('cascade'))
        .addColumn('key', 'varchar(250)', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addColumn('is_nan', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('latest_metrics_pk', ['run_id', 'key'])
        .execute();
      await db.schema.createIndex('latest_metrics_key_value').on('latest_metrics').columns(['key', 'value']).execute();

      await db.schema
        .createTable('datasets')
        .addColumn('dataset_id', 'varchar(36)', (c) => c.primaryKey())
        .addColumn('experiment_id', 'bigint', (c) => c.notNull().references('experiments.experiment_id').onDelete('cascade'))
        .addColumn('name', 'varchar(500)', (c) => c.notNull())
        .addColumn('digest', 'varchar(36)', (c) => c.notNull())
        .addColumn('source_type', 'varchar(36)', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('schema', 'text')
        .addColumn('profile', 'text')
        .addUniqueConstraint('datasets_identity', ['experiment_id', 'name', 'digest'])
        .execute();

      await db.schema
        .createTable('run_inputs')
        .addColumn('run_id', 'varchar(32)', (c) => c.notNull().references('runs.run_id').onDelete('cascade'))
        .addColumn('dataset_id', 'varchar(36)', (c) => c.notNull().references('datasets.dataset_id').onDelete('cascade'))
        .addColumn('tags', 'text', (c) => c.notNull())
        // Value of the input tag mlflow.data.context ("training", "eval"…), searchable as datasets.context.
        .addColumn('context', 'varchar(500)')
        .addPrimaryKeyConstraint('run_inputs_pk', ['run_id', 'dataset_id'])
        .execute();

      // Logged models a run read (MLflow 3 model inputs).
      await db.schema
        .createTable('run_model_inputs')
        .addColumn('run_id', 'varchar(32)', (c) => c.notNull().references('runs.run_id').onDelete('cascade'))
        .addColumn('model_id', 'varchar(64)', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_model_inputs_pk', ['run_id', 'model_id'])
        .execute();

      await db.schema
        .createTable('logged_models')
        .addColumn('model_id', 'varchar(64)', (c) => c.primaryKey())
        .addColumn('experiment_id', 'bigint', (c) => c.notNull().references('experiments.experiment_id').onDelete('cascade'))
        .addColumn('name', 'varchar(500)', (c) => c.notNull())
        .addColumn('artifact_location', 'text', (c) => c.notNull())
        .addColumn('creation_timestamp_ms', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_timestamp_ms', 'bigint', (c) => c.notNull())
        .addColumn('status', 'varchar(32)', (c) => c.notNull())
        .addColumn('model_type', 'varchar(500)')
        .addColumn('source_run_id', 'varchar(32)')
        .addColumn('status_message', 'text')
        .addColumn('lifecycle_stage', 'varchar(32)', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('logged_models_experiment').on('logged_models').columns(['experiment_id', 'creation_timestamp_ms']).execute();

      for (const table of ['logged_model_tags', 'logged_model_params'] as const) {
        await db.schema
          .createTable(table)
          .addColumn('model_id', 'varchar(64)', (c) => c.notNull().references('logged_models.model_id').onDelete('cascade'))
          .addColumn('key', 'varchar(250)', (c) => c.notNull())
          .addColumn('value', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${table}_pk`, ['model_id', 'key'])
          .execute();
      }

      await db.schema
        .createTable('logged_model_metrics')
        .addColumn('model_id', 'varchar(64)', (c) => c.notNull().references('logged_models.model_id').onDelete('cascade'))
        .addColumn('run_id', 'varchar(32)', (c) => c.notNull())
        .addColumn('key', 'varchar(250)', (c) => c.notNull())
        .addColumn('value', 'double precision', (c) => c.notNull())
        .addColumn('timestamp', 'bigint', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addColumn('is_nan', 'integer', (c) => c.notNull())
        .addColumn('dataset_name', 'varchar(500)')
        .addColumn('dataset_digest', 'varchar(36)')
        .execute();
      await db.schema.createIndex('logged_model_metrics_model').on('logged_model_metrics').columns(['model_id', 'key']).execute();

      await db.schema
        .createTable('run_outputs')
        .addColumn('run_id', 'varchar(32)', (c) => c.notNull().references('runs.run_id').onDelete('cascade'))
        .addColumn('model_id', 'varchar(64)', (c) => c.notNull())
        .addColumn('step', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('run_outputs_pk', ['run_id', 'model_id'])
        .execute();

      await db.schema
        .createTable('registered_models')
        .addColumn('name', 'varchar(256)', (c) => c.primaryKey())
        .addColumn('creation_timestamp', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_timestamp', 'bigint', (c) => c.notNull())
        .addColumn('user_id', 'varchar(256)')
        .addColumn('description', 'text')
        // Version numbers are never reused, even after the latest version is deleted.
        .addColumn('last_version', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      await db.schema
        .createTable('registered_model_tags')
        .addColumn('name', 'varchar(256)', (c) =>
          c.notNull().references('registered_models.name').onDelete('cascade').onUpdate('cascade'),
        )
        .addColumn('key', 'varchar(250)', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('registered_model_tags_pk', ['name', 'key'])
        .execute();

      await db.schema
        .createTable('model_versions')
        .addColumn('name', 'varchar(256)', (c) =>
          c.notNull().references('registered_models.name').onDelete('cascade').onUpdate('cascade'),
        )
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('creation_timestamp', 'bigint', (c) => c.notNull())
        .addColumn('last_updated_timestamp', 'bigint', (c) => c.notNull())
        .addColumn('user_id', 'varchar(256)')
        .addColumn('current_stage', 'varchar(20)', (c) => c.notNull())
        .addColumn('description', 'text')
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('storage_location', 'text', (c) => c.notNull())
        .addColumn('run_id', 'varchar(32)')
        .addColumn('run_link', 'text')
        .addColumn('status', 'varchar(32)', (c) => c.notNull())
        .addColumn('status_message', 'text')
        .addColumn('model_id', 'varchar(64)')
        .addPrimaryKeyConstraint('model_versions_pk', ['name', 'version'])
        .execute();
      await db.schema.createIndex('model_versions_run').on('model_versions').column('run_id').execute();

      await db.schema
        .createTable('model_version_tags')
        .addColumn('name', 'varchar(256)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('key', 'varchar(250)', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('model_version_tags_pk', ['name', 'version', 'key'])
        .addForeignKeyConstraint('model_version_tags_version', ['name', 'version'], 'model_versions', ['name', 'version'], (fk) =>
          fk.onDelete('cascade').onUpdate('cascade'),
        )
        .execute();

      await db.schema
        .createTable('registered_model_aliases')
        .addColumn('name', 'varchar(256)', (c) => c.notNull())
        .addColumn('alias', 'varchar(255)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('registered_model_aliases_pk', ['name', 'alias'])
        .addForeignKeyConstraint('registered_model_aliases_version', ['name', 'version'], 'model_versions', ['name', 'version'], (fk) =>
          fk.onDelete('cascade').onUpdate('cascade'),
        )
        .execute();

      // MLflow clients expect experiment "0" ("Default") to exist.
      await sql`insert into experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time)
        values (0, 'Default', 'mlflow-artifacts:/0', 'active', ${Date.now()}, ${Date.now()})`.execute(db);
    },
  };
}
