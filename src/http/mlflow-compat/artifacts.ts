import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import type { AppServices } from '../services.js';
import { NotFoundError, PuenteError } from '../../errors/index.js';
import { artifactKeyFromUri, guessContentType, joinKeys, normalizeArtifactPath, type ArtifactStore } from '../../artifacts/index.js';
import { queryValue, requireId } from './wire.js';

/** MLflow's exact words: the client falls back to a single PUT when it sees them. */
const NO_MULTIPART = 'Multipart upload is not supported for the current artifact repository';

/** Leaves request bodies unread, so uploads stream to the store whatever their type or size. */
export function streamBodies(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_request, _payload, done) => done(null));
}

/** Streams one stored file as a download. */
export async function sendArtifact(store: ArtifactStore, key: string, reply: FastifyReply): Promise<FastifyReply> {
  const { stream, size } = await store.get(key);
  const name = key.slice(key.lastIndexOf('/') + 1);
  return reply
    .header('content-type', guessContentType(name))
    .header('content-length', size)
    .header('content-disposition', `attachment; filename="${name.replace(/["\\\r\n]/g, '_')}"`)
    .send(stream);
}

/**
 * Run and model artifacts live under their experiment id; other top-level folders of the store
 * (dataset contents) are written only through their own API, which keeps their hashes and
 * registrations consistent, so the proxy refuses to change them.
 */
function assertWritable(key: string): void {
  if (!/^\d+\//.test(key)) {
    throw new PuenteError('PERMISSION_DENIED', `'${key}' is not under an experiment: the artifact proxy writes only run and model artifacts (<experiment id>/...); dataset files change through the datasets API.`);
  }
}

/**
 * The artifact proxy, `/api/2.0/mlflow-artifacts/artifacts/<path>`: the key in the store is the
 * path after `artifacts/`, so `mlflow-artifacts:/1/<run>/artifacts/x` is key `1/<run>/artifacts/x`.
 */
export const artifactsRoutes: FastifyPluginAsync<{ services: AppServices }> = async (app, { services }) => {
  const store = services.artifacts;
  streamBodies(app);

  app.put<{ Params: { '*': string } }>('/artifacts/*', async (request) => {
    const key = normalizeArtifactPath(request.params['*']);
    if (key === '') throw new PuenteError('INVALID_PARAMETER_VALUE', 'An artifact upload needs a file path after artifacts/.');
    assertWritable(key);
    await store.put(key, request.raw);
    return {};
  });

  app.get<{ Params: { '*': string } }>('/artifacts/*', async (request, reply) => {
    const key = normalizeArtifactPath(request.params['*']);
    if (key === '' || (await store.stat(key)) === null) {
      // A directory is listed; nothing at all is a 404.
      const entries = key === '' ? [] : await store.list(key);
      if (entries.length === 0) throw new NotFoundError(`Artifact '${key}' does not exist.`, 'artifact');
      return listing(store, key);
    }
    return sendArtifact(store, key, reply);
  });

  app.get('/artifacts', async (request) => {
    const key = normalizeArtifactPath(queryValue(request.query, 'path') ?? '');
    return listing(store, key);
  });

  app.delete<{ Params: { '*': string } }>('/artifacts/*', async (request) => {
    const key = normalizeArtifactPath(request.params['*']);
    if (key === '') throw new PuenteError('INVALID_PARAMETER_VALUE', 'Refusing to delete the artifact root.');
    assertWritable(key);
    await store.delete(key);
    return {};
  });

  for (const action of ['create', 'complete', 'abort']) {
    app.post<{ Params: { '*': string } }>(`/mpu/${action}/*`, async (request) => {
      normalizeArtifactPath(request.params['*']);
      throw new PuenteError('NOT_IMPLEMENTED', `${NO_MULTIPART}; upload the file with a single PUT.`);
    });
  }
};

/** `{files: [...]}` with base names relative to the listed directory; a file path answers `{}`. */
async function listing(store: ArtifactStore, key: string): Promise<Record<string, unknown>> {
  if (key !== '' && (await store.stat(key)) !== null) return {};
  const entries = await store.list(key);
  if (entries.length === 0) return {};
  return { files: entries.map((e) => ({ path: e.name, is_dir: e.isDir, ...(e.isDir ? {} : { file_size: e.size }) })) };
}

/** Legacy run artifact listing, `GET /api/2.0/mlflow/artifacts/list?run_id=&path=`. */
export const runArtifactListRoutes: FastifyPluginAsync<{ services: AppServices }> = async (app, { services }) => {
  app.get('/artifacts/list', async (request) => {
    const runId = requireId(queryValue(request.query, 'run_id') ?? queryValue(request.query, 'run_uuid'), 'run_id');
    const run = await services.tracking.getRun(runId);
    const root = artifactKeyFromUri(run.info.artifact_uri);
    const dir = normalizeArtifactPath(queryValue(request.query, 'path') ?? '');
    const key = joinKeys(root, dir);
    if (dir !== '' && (await services.artifacts.stat(key)) !== null) return { root_uri: run.info.artifact_uri, files: [] };
    const entries = await services.artifacts.list(key);
    return {
      root_uri: run.info.artifact_uri,
      files: entries.map((e) => ({ path: joinKeys(dir, e.name), is_dir: e.isDir, ...(e.isDir ? {} : { file_size: e.size }) })),
    };
  });
};
