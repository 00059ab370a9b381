#!/usr/bin/env node
// Starts a real S3-protocol server (s3rver) on loopback for tests and CI.
// Usage: node scripts/s3-test-server.mjs [port] [directory]; prints the endpoint URL.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

export const TEST_BUCKET = 'puente-test';

/** Starts s3rver with the test bucket; resolves to { endpoint, close }. */
export async function startS3TestServer(port = 0, directory = mkdtempSync(join(tmpdir(), 'puente-s3-'))) {
  const server = new S3rver({
    address: '127.0.0.1',
    port,
    silent: true,
    directory,
    configureBuckets: [{ name: TEST_BUCKET }],
  });
  const address = await server.run();
  return { endpoint: `http://127.0.0.1:${address.port}`, close: () => server.close() };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { endpoint } = await startS3TestServer(Number(process.argv[2] ?? 0), process.argv[3]);
  console.log(endpoint);
}
