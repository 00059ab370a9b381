import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { createDb, type CreateDbOptions, type PuenteDb } from '../../src/db/index.js';
import { LocalArtifactStore, S3ArtifactStore, type ArtifactStore } from '../../src/artifacts/index.js';

/** A metadata store to run a suite against; every call to `open` gives a fresh, migrated, empty store. */
export interface DialectUnderTest {
  readonly name: 'sqlite' | 'postgres';
  open(options?: Pick<CreateDbOptions, 'onQuery'>): Promise<{ db: PuenteDb; cleanup(): Promise<void> }>;
}

const pgUrl = process.env.PUENTE_TEST_DATABASE_URL;

/** SQLite always; PostgreSQL when PUENTE_TEST_DATABASE_URL is set. Suites loop over these. */
export const DIALECTS: DialectUnderTest[] = [
  {
    name: 'sqlite',
    async open(options = {}) {
      const dir = mkdtempSync(join(tmpdir(), 'puente-db-'));
      const db = await createDb({ kind: 'sqlite', path: join(dir, 'puente.db') }, options);
      await db.migrate();
      return {
        db,
        async cleanup() {
          await db.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
  ...(pgUrl
    ? [
        {
          name: 'postgres' as const,
          async open(options: Pick<CreateDbOptions, 'onQuery'> = {}) {
            const schema = `t_${randomBytes(6).toString('hex')}`;
            const db = await createDb({ kind: 'postgres', url: pgUrl }, { ...options, pgSchema: schema, pgPoolSize: 4 });
            await db.migrate();
            return {
              db,
              async cleanup() {
                const { sql } = await import('kysely');
                await sql.raw(`DROP SCHEMA ${schema} CASCADE`).execute(db.kysely);
                await db.close();
              },
            };
          },
        },
      ]
    : []),
];

/** An artifact store to run a suite against; every call to `open` gives a fresh, empty area. */
export interface ArtifactBackendUnderTest {
  readonly name: 'local' | 's3';
  open(): Promise<{ store: ArtifactStore; cleanup(): Promise<void> }>;
}

/** Local disk always; S3 against the test server started by global setup (or PUENTE_TEST_S3_ENDPOINT). */
export const ARTIFACT_BACKENDS: ArtifactBackendUnderTest[] = [
  {
    name: 'local',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'puente-art-'));
      return { store: new LocalArtifactStore(dir), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  {
    name: 's3',
    async open() {
      const store = new S3ArtifactStore({
        bucket: process.env.PUENTE_TEST_S3_BUCKET ?? 'puente-test',
        prefix: `t-${randomBytes(6).toString('hex')}`,
        region: 'us-east-1',
        endpoint: process.env.PUENTE_TEST_S3_ENDPOINT,
        forcePathStyle: true,
        credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
      });
      return { store, cleanup: async () => store.close() };
    },
  },
];
