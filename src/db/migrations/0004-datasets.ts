import type { Kysely, Migration } from 'kysely';
import type { DialectName } from '../capabilities.js';
import { serialKey } from './serial-key.js';

/**
 * Versioned datasets: names, versions with schema and profile, the files of each version, the
 * content-addressed blobs they point to, and validation results. (The MLflow run-input table
 * `datasets` is tracking's; these are separate.)
 */
export function datasetsMigration(dialect: DialectName): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('dataset_names')
        .addColumn('name', 'varchar(256)', (c) => c.primaryKey())
        .addColumn('description', 'text')
        .addColumn('creator', 'varchar(256)')
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('last_update_time', 'bigint', (c) => c.notNull())
        // Highest version number ever given; numbers are never reused.
        .addColumn('last_version', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();

      await db.schema
        .createTable('dataset_versions')
        .addColumn('name', 'varchar(256)', (c) => c.notNull().references('dataset_names.name').onDelete('cascade'))
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('digest', 'char(64)', (c) => c.notNull())
        .addColumn('row_count', 'bigint', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('parent', 'integer')
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('creator', 'varchar(256)')
        .addColumn('creation_time', 'bigint', (c) => c.notNull())
        .addColumn('schema_json', 'text', (c) => c.notNull())
        .addColumn('profile_json', 'text', (c) => c.notNull())
        // Store key of the mergeable statistics (samples, buckets, full category counts).
        .addColumn('sketch_key', 'varchar(500)')
        .addPrimaryKeyConstraint('dataset_versions_pk', ['name', 'version'])
        .execute();
      await db.schema.createIndex('dataset_versions_digest').on('dataset_versions').column('digest').execute();

      // One row per stored content: the bytes live in the artifact store as one or more parts.
      await db.schema
        .createTable('dataset_blobs')
        .addColumn('digest', 'char(64)', (c) => c.primaryKey())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('parts_json', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute();

      await db.schema
        .createTable('dataset_version_files')
        .addColumn('name', 'varchar(256)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('path', 'varchar(1000)', (c) => c.notNull())
        .addColumn('digest', 'char(64)', (c) => c.notNull().references('dataset_blobs.digest'))
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('format', 'varchar(16)')
        .addColumn('row_count', 'bigint')
        // CSV dialect and other reading options, JSON.
        .addColumn('options_json', 'text')
        .addPrimaryKeyConstraint('dataset_version_files_pk', ['name', 'version', 'path'])
        .addForeignKeyConstraint('dataset_version_files_version', ['name', 'version'], 'dataset_versions', ['name', 'version'], (c) => c.onDelete('cascade'))
        .execute();
      await db.schema.createIndex('dataset_version_files_digest').on('dataset_version_files').column('digest').execute();

      const validations = db.schema.createTable('dataset_validations');
      await serialKey(dialect, validations, 'validation_id')
        .addColumn('name', 'varchar(256)', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('suite_name', 'varchar(256)', (c) => c.notNull())
        .addColumn('success', 'integer', (c) => c.notNull())
        .addColumn('evaluated', 'integer', (c) => c.notNull())
        .addColumn('failed', 'integer', (c) => c.notNull())
        .addColumn('result_json', 'text', (c) => c.notNull())
        .addColumn('creator', 'varchar(256)')
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addForeignKeyConstraint('dataset_validations_version', ['name', 'version'], 'dataset_versions', ['name', 'version'], (c) => c.onDelete('cascade'))
        .execute();
      await db.schema.createIndex('dataset_validations_version').on('dataset_validations').columns(['name', 'version', 'created_at']).execute();
    },
  };
}
