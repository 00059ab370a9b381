import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppServices } from '../services.js';
import { InvalidParameterError } from '../../errors/index.js';
import { artifactKeyFromUri, joinKeys, normalizeArtifactPath } from '../../artifacts/index.js';
import { sendArtifact, streamBodies } from '../mlflow-compat/artifacts.js';
import { ERROR_RESPONSES } from './schemas.js';

const FileSchema = Type.Object({
  path: Type.String({ description: "Path relative to the run's artifact root." }),
  is_dir: Type.Boolean(),
  file_size: Type.Optional(Type.Integer({ description: 'Bytes; files only.' })),
});
const RunParams = Type.Object({ run_id: Type.String() });
const FileParams = Type.Object({ run_id: Type.String(), '*': Type.String({ description: 'Artifact path.' }) });

/** Native /api/v1 run artifact endpoints: list, upload (streamed), download, delete. */
export const artifactsRoutes: FastifyPluginAsync<{ services: AppServices }> = async (plain, { services }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const { tracking, artifacts: store } = services;
  const tags = ['artifacts'];
  streamBodies(app);

  /** The store key of a path under a run's artifact root; writes need an active run. */
  const keyOf = async (runId: string, path: string, forWrite = false) => {
    const run = await tracking.getRun(runId);
    if (forWrite && run.info.lifecycle_stage !== 'active') {
      throw new InvalidParameterError(`Run ${runId} is deleted; restore it before writing artifacts.`, 'run_id');
    }
    const rel = normalizeArtifactPath(path);
    return { rel, key: joinKeys(artifactKeyFromUri(run.info.artifact_uri), rel) };
  };

  app.get(
    '/runs/:run_id/artifacts',
    {
      schema: {
        tags,
        summary: "List a directory of a run's artifacts",
        params: RunParams,
        querystring: Type.Object({ path: Type.Optional(Type.String({ description: 'Directory, relative to the run root (default the root).' })) }),
        response: { 200: Type.Object({ files: Type.Array(FileSchema) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { rel, key } = await keyOf(request.params.run_id, request.query.path ?? '');
      const entries = await store.list(key);
      return { files: entries.map((e) => ({ path: joinKeys(rel, e.name), is_dir: e.isDir, ...(e.isDir ? {} : { file_size: e.size }) })) };
    },
  );

  app.put(
    '/runs/:run_id/artifacts/*',
    {
      schema: {
        tags,
        summary: 'Upload one artifact file (raw body, streamed; any size)',
        params: FileParams,
        response: { 200: Type.Object({ path: Type.String(), file_size: Type.Integer() }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const { rel, key } = await keyOf(request.params.run_id, request.params['*'], true);
      if (rel === '') throw new InvalidParameterError('An upload needs a file path after artifacts/.', 'path');
      const { size } = await store.put(key, request.raw);
      return { path: rel, file_size: size };
    },
  );

  app.get(
    '/runs/:run_id/artifacts/*',
    { schema: { tags, summary: 'Download one artifact file (streamed)', params: FileParams } },
    async (request, reply) => {
      const { rel, key } = await keyOf(request.params.run_id, request.params['*']);
      if ((await store.stat(key)) === null && (await store.list(key)).length > 0) {
        throw new InvalidParameterError(`'${rel}' is a directory: list it with GET /api/v1/runs/${request.params.run_id}/artifacts?path=${rel}.`, 'path');
      }
      return sendArtifact(store, key, reply);
    },
  );

  app.delete(
    '/runs/:run_id/artifacts/*',
    { schema: { tags, summary: 'Delete an artifact file or directory', params: FileParams, response: { 204: Type.Null(), ...ERROR_RESPONSES } } },
    async (request, reply) => {
      const { rel, key } = await keyOf(request.params.run_id, request.params['*'], true);
      if (rel === '') throw new InvalidParameterError("Refusing to delete a run's whole artifact root; name a path.", 'path');
      await store.delete(key);
      reply.code(204).send(null);
    },
  );
};
