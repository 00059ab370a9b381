/*
 * Entry of the container export (bundled into `server.mjs`): serves the one version stored next
 * to it, with the HTTP surface of `puente serve`.
 *
 *   node server.mjs [--dir DIR] [--host HOST] [--port PORT]
 *
 * Environment: PORT, PUENTE_SERVE_TOKEN (bearer token for predictions), PUENTE_LOG_LEVEL,
 * PUENTE_SERVE_ALLOW_UNAUTHENTICATED=1 (listen beyond loopback without a token, e.g. behind a
 * gateway that authenticates).
 */
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isLoopbackHost } from '../config/config.js';
import { BUNDLE_DIR, EXPORT_INFO_FILE, buildSingleModelApp, type ExportInfo } from './single-model-app.js';

const { values } = parseArgs({
  options: { dir: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' } },
  strict: true,
});
const dir = resolve(values.dir ?? dirname(fileURLToPath(import.meta.url)));
const host = values.host ?? process.env.HOST ?? '127.0.0.1';
const port = Number(values.port ?? process.env.PORT ?? '8080');
const token = process.env.PUENTE_SERVE_TOKEN || undefined;
const level = process.env.PUENTE_LOG_LEVEL ?? 'info';

if (!isLoopbackHost(host) && !token && process.env.PUENTE_SERVE_ALLOW_UNAUTHENTICATED !== '1') {
  console.error(`Refusing to serve on ${host} without authentication: set PUENTE_SERVE_TOKEN, or PUENTE_SERVE_ALLOW_UNAUTHENTICATED=1 when a gateway in front authenticates.`);
  process.exit(2);
}

try {
  const info = JSON.parse(await readFile(join(dir, EXPORT_INFO_FILE), 'utf8')) as ExportInfo;
  const { app, loadMs } = await buildSingleModelApp({
    info, bundleDir: join(dir, BUNDLE_DIR), logger: level === 'silent' ? false : { level }, authToken: token,
  });
  await app.listen({ host, port });
  const address = app.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  // One line on stdout that scripts (and tests) can wait for.
  process.stdout.write(`${JSON.stringify({ serving: info.name, version: info.version, port: bound, load_ms: Math.round(loadMs) })}\n`);
  const stop = async () => {
    await app.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
} catch (err) {
  console.error(`Could not start: ${(err as Error).message}`);
  process.exit(1);
}
