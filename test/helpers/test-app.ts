import type { FastifyInstance } from 'fastify';
import { composeServices } from '../../src/main.js';
import { buildApp, type AppServices } from '../../src/http/index.js';
import type { ArtifactStore } from '../../src/artifacts/index.js';
import { ARTIFACT_BACKENDS, DIALECTS, type DialectUnderTest } from './backends.js';

/** An in-process app on a fresh store, for `app.inject()` tests. */
export interface TestApp {
  readonly app: FastifyInstance;
  readonly services: AppServices;
  close(): Promise<void>;
}

/** Builds the whole app on a fresh store of `dialect` and the given (or a fresh local) artifact store. */
export async function makeTestApp(dialect: DialectUnderTest, artifacts?: ArtifactStore): Promise<TestApp> {
  const { db, cleanup } = await dialect.open();
  const art = artifacts ? { store: artifacts, cleanup: async () => {} } : await ARTIFACT_BACKENDS[0].open();
  const services = composeServices(db, art.store);
  const app = await buildApp(services, { bodyLimitBytes: 4 * 1024 * 1024, logger: false });
  await app.ready();
  return {
    app,
    services,
    async close() {
      await app.close();
      await cleanup();
      await art.cleanup();
    },
  };
}

export { DIALECTS, ARTIFACT_BACKENDS };
