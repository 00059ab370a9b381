import type { Kysely, Migration } from 'kysely';

/** Explanations stored with logged predictions (deployments that ask for them, on a share of requests). */
export function predictionExplanationsMigration(): Migration {
  return {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('predictions').addColumn('explanation', 'text').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('predictions').dropColumn('explanation').execute();
    },
  };
}
