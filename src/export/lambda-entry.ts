/*
 * Entry of the function export (bundled into `index.mjs`): an AWS Lambda handler for API Gateway
 * (HTTP API and REST API) and Function URL events. The model next to it is loaded once per
 * container, at import, and every event goes through the same routes as `puente serve`
 * (in-process, without a socket).
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLE_DIR, EXPORT_INFO_FILE, buildSingleModelApp, type ExportInfo } from './single-model-app.js';
import { lambdaHandler } from './lambda-events.js';

const started = performance.now();
const dir = dirname(fileURLToPath(import.meta.url));
const info = JSON.parse(readFileSync(join(dir, EXPORT_INFO_FILE), 'utf8')) as ExportInfo;
const level = process.env.PUENTE_LOG_LEVEL ?? 'warn';
const { app, loadMs } = await buildSingleModelApp({ info, bundleDir: join(dir, BUNDLE_DIR), logger: level === 'silent' ? false : { level } });
await app.ready();

/** How long this container took to become ready: module start to model loaded and routes built. */
export const coldStart = { init_ms: performance.now() - started, model_load_ms: loadMs };
if (level !== 'silent') console.log(JSON.stringify({ message: 'model loaded', model: info.name, version: info.version, ...coldStart }));

export const handler = lambdaHandler(app);
