// Starts the real services the suites need that are not already given by the environment.
// PostgreSQL is never started here: its pass runs only when PUENTE_TEST_DATABASE_URL is set
// (.ci/run always sets it).
// @ts-expect-error plain ESM script without types
import { startS3TestServer } from '../scripts/s3-test-server.mjs';

export default async function setup(): Promise<() => Promise<void>> {
  let closeS3: (() => Promise<void>) | undefined;
  if (!process.env.PUENTE_TEST_S3_ENDPOINT) {
    const s3 = await startS3TestServer();
    process.env.PUENTE_TEST_S3_ENDPOINT = s3.endpoint;
    closeS3 = s3.close;
  }
  if (!process.env.PUENTE_TEST_DATABASE_URL) {
    console.log('\n[puente tests] PUENTE_TEST_DATABASE_URL is not set: the PostgreSQL pass of the storage and API suites is skipped (.ci/run sets it).\n');
  }
  return async () => {
    await closeS3?.();
  };
}
