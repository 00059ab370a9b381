import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { directoryBundleSource } from '../bundles/bundle-source.js';
import { readBundle } from '../bundles/bundle.js';
import { NotFoundError } from '../errors/index.js';
import { buildStandaloneApp } from '../http/standalone-app.js';
import type { ModelCatalog } from '../serving/catalog.js';
import { ModelHost } from '../serving/model-host.js';
import { RUNTIMES } from '../serving/runtimes.js';

/*
 * The app inside an export (container or function): the same routes as `puente serve`, on a
 * catalog that holds one version read from a directory next to the code. Imports name files,
 * not the serving index, so the bundled runtime carries no store, client or S3 code.
 */

/** What an export records about the version it holds (`export.json`). */
export interface ExportInfo {
  readonly name: string;
  readonly version: number;
  /** Aliases the version had when exported; requests may name it by these too. */
  readonly aliases: string[];
  readonly format: string;
  readonly puente_version: string;
  readonly exported_at: string;
}

export const EXPORT_INFO_FILE = 'export.json';
export const BUNDLE_DIR = 'model';

/** A catalog of exactly one version, from a bundle directory. */
export function singleBundleCatalog(info: ExportInfo, bundleDir: string): ModelCatalog {
  return {
    async resolve(name, ref) {
      if (name !== info.name) throw new NotFoundError(`This export holds model '${info.name}' only, not '${name}'.`, 'model');
      if (ref === undefined || ref === '' || ref === String(info.version) || info.aliases.includes(ref.replace(/^@/, ''))) return info.version;
      throw new NotFoundError(`This export holds version ${info.version} of '${info.name}' only, not '${ref}'.`, 'model version');
    },
    async openBundle(name, version) {
      if (name !== info.name || version !== info.version) throw new NotFoundError(`This export holds ${info.name} version ${info.version} only.`, 'model version');
      return readBundle(directoryBundleSource(bundleDir));
    },
  };
}

export interface SingleModelAppOptions {
  readonly info: ExportInfo;
  readonly bundleDir: string;
  readonly logger: boolean | { level: string };
  readonly authToken?: string;
  readonly bodyLimitBytes?: number;
  readonly maxBatchRows?: number;
  readonly maxBatchWaitMs?: number;
}

export interface SingleModelApp {
  readonly app: FastifyInstance;
  readonly host: ModelHost;
  /** Milliseconds spent reading, verifying and warming the model. */
  readonly loadMs: number;
}

/** Loads the model first (a broken export fails at start, not on the first request), then builds the app. */
export async function buildSingleModelApp(o: SingleModelAppOptions): Promise<SingleModelApp> {
  const metricsRegistry = new Registry();
  const host = new ModelHost({
    catalog: singleBundleCatalog(o.info, o.bundleDir), runtimes: RUNTIMES, metrics: metricsRegistry,
    maxBatchRows: o.maxBatchRows ?? 256, maxBatchWaitMs: o.maxBatchWaitMs ?? 0,
  });
  const started = performance.now();
  try {
    await host.get(o.info.name, undefined);
  } catch (err) {
    await host.close();
    throw err;
  }
  const loadMs = performance.now() - started;
  const app = await buildStandaloneApp({
    host, model: o.info.name, ref: undefined, version: o.info.puente_version, metricsRegistry,
    bodyLimitBytes: o.bodyLimitBytes ?? 20 * 1024 * 1024, logger: o.logger, authToken: o.authToken,
    // The model is on local disk and already loaded: nothing upstream can go away.
    ready: async () => true,
  });
  answerWrongMethods(app);
  return { app, host, loadMs };
}

/** The paths of the standalone surface and the methods each accepts. */
const ROUTES: [RegExp, string][] = [
  [/^\/(ping|health|version|metrics|v2|v2\/health\/(live|ready))$/, 'GET'],
  [/^\/v2\/models\/[^/]+(\/versions\/[^/]+)?(\/ready)?$/, 'GET'],
  [/^\/invocations$/, 'POST'],
  [/^\/v2\/models\/[^/]+(\/versions\/[^/]+)?\/infer$/, 'POST'],
];

/** The methods a path accepts, or none when the path is not served at all. */
export function allowedMethods(path: string): string[] {
  const clean = path.split('?')[0]!.replace(/\/+$/, '') || '/';
  return ROUTES.filter(([re]) => re.test(clean)).map(([, m]) => m);
}

/** A known path called with the wrong method is 405 with `Allow`, not 404: the path exists. */
function answerWrongMethods(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0]!;
    const allowed = allowedMethods(path);
    if (allowed.length === 0 || allowed.includes(request.method) || (request.method === 'HEAD' && allowed.includes('GET'))) return;
    await reply.code(405).header('allow', allowed.join(', ')).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `${request.method} ${path} is not allowed; use ${allowed.join(' or ')}.` });
  });
}
