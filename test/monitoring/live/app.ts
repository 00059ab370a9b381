import { composeServices, type ComposeOptions } from '../../../src/main.js';
import { buildApp } from '../../../src/http/index.js';
import { ARTIFACT_BACKENDS, type TestApp } from '../../helpers/test-app.js';
import type { DialectUnderTest } from '../../helpers/backends.js';

/** The whole app on a fresh store, with composition options (window length, sampling, monitoring on/off). */
export async function makeMonitoredApp(dialect: DialectUnderTest, options: ComposeOptions = {}): Promise<TestApp> {
  const { db, cleanup } = await dialect.open();
  const art = await ARTIFACT_BACKENDS[0]!.open();
  const services = composeServices(db, art.store, options);
  const app = await buildApp(services, { bodyLimitBytes: 16 * 1024 * 1024, logger: false });
  await app.ready();
  return {
    app,
    services,
    async close() {
      await services.monitoring.stop();
      await app.close();
      await cleanup();
      await art.cleanup();
    },
  };
}
