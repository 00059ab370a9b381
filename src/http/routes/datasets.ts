import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { createReadStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IncomingMessage } from 'node:http';
import type { AppServices } from '../services.js';
import { InvalidParameterError, NotFoundError } from '../../errors/index.js';
import { visibleIds } from '../../auth/index.js';
import { parseDatasetRef, renderValidationHtml, type DataFormat } from '../../datasets/index.js';
import { streamBodies } from '../mlflow-compat/artifacts.js';
import { ERROR_RESPONSES } from './schemas.js';

/*
 * Native datasets API (/api/v1/datasets) and lineage (/api/v1/lineage). A version is added in
 * three calls: open an upload, PUT each file (raw body, streamed: stored, hashed and profiled
 * as it arrives), commit. Version references in paths are a number, `latest`, or
 * `sha256:<prefix>`.
 */

const DatasetSchema = Type.Object(
  {
    name: Type.String(),
    description: Type.Union([Type.String(), Type.Null()]),
    creator: Type.Union([Type.String(), Type.Null()]),
    creation_timestamp: Type.Integer({ description: 'Epoch milliseconds.' }),
    last_updated_timestamp: Type.Integer(),
    latest_version: Type.Union([Type.Integer(), Type.Null()]),
  },
  { description: 'A named series of dataset versions.' },
);

const FileSchema = Type.Object({
  path: Type.String(),
  digest: Type.String({ description: 'sha256 of the bytes, hex.' }),
  size: Type.Integer(),
  format: Type.Union([Type.Literal('csv'), Type.Literal('jsonl'), Type.Literal('parquet'), Type.Null()]),
  row_count: Type.Union([Type.Integer(), Type.Null()]),
  options: Type.Optional(Type.Union([Type.Record(Type.String(), Type.Any()), Type.Null()], { description: 'How the file is read (CSV delimiter, quote, encoding).' })),
});

const summaryFields = {
  name: Type.String(),
  version: Type.Integer(),
  digest: Type.String({ description: 'sha256 of the content (of the file, or of the sha256sum-style manifest of several files).' }),
  row_count: Type.Integer(),
  size: Type.Integer({ description: 'Bytes over all files.' }),
  parent: Type.Union([Type.Integer(), Type.Null()]),
  message: Type.String(),
  source: Type.String(),
  creator: Type.Union([Type.String(), Type.Null()]),
  creation_timestamp: Type.Integer(),
};

const VersionSummarySchema = Type.Object(summaryFields, { description: 'A dataset version without schema and profile.' });

const VersionSchema = Type.Object(
  {
    ...summaryFields,
    schema: Type.Object({ columns: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })) }),
    profile: Type.Any({ description: 'row_count and per column: type, counts, missing share, distinct count, min/max/mean/std, quantiles, histogram (edges, counts), categories.' }),
    files: Type.Array(FileSchema),
  },
  { description: 'A dataset version.' },
);

const CommitSchema = Type.Object({ ...VersionSchema.properties, created: Type.Boolean({ description: 'False when the content equalled the latest version (nothing new registered).' }) });

const NameParams = Type.Object({ name: Type.String({ description: 'Dataset name.' }) });
const VersionParams = Type.Object({ name: Type.String(), version: Type.String({ description: 'Version number, latest, or sha256:<prefix>.' }) });
const UploadParams = Type.Object({ name: Type.String(), upload_id: Type.String() });
const NoContent = { 204: Type.Null(), ...ERROR_RESPONSES };
const Anything = Type.Any();

/** The request body as chunks, without destroying the connection when reading stops early. */
function bodyChunks(request: FastifyRequest): AsyncIterable<Buffer> {
  return (request.raw as IncomingMessage).iterator({ destroyOnReturn: false }) as AsyncIterable<Buffer>;
}

/**
 * Runs work that reads the body; when it fails, reads the rest of the body before the error is
 * answered, so the client (still sending) gets the answer rather than a reset connection.
 */
async function consuming<T>(request: FastifyRequest, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!request.raw.readableEnded) {
      for await (const _chunk of request.raw) {
        // discarded
      }
    }
    throw err;
  }
}

const FORMATS = new Set(['csv', 'jsonl', 'parquet', 'none']);

/** Native /api/v1 dataset endpoints. */
export const datasetsRoutes: FastifyPluginAsync<{ services: AppServices }> = async (plain, { services }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const datasets = services.datasets;
  const tags = ['datasets'];
  const user = (request: FastifyRequest) => (request.principal?.userId === null || request.principal === undefined ? null : request.principal.username);

  app.post(
    '/datasets',
    {
      schema: {
        tags,
        summary: 'Create a dataset (a name for a series of versions)',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 256 }), description: Type.Optional(Type.String()) }),
        response: { 201: DatasetSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return datasets.createDataset(request.body.name, { description: request.body.description, creator: user(request) });
    },
  );

  app.get(
    '/datasets',
    {
      schema: {
        tags,
        summary: 'List datasets',
        querystring: Type.Object({
          prefix: Type.Optional(Type.String({ description: 'Names starting with this.' })),
          max_results: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
          page_token: Type.Optional(Type.String()),
        }),
        response: { 200: Type.Object({ datasets: Type.Array(DatasetSchema), next_page_token: Type.Optional(Type.String()) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const page = await datasets.listDatasets({ ...request.query, names: visibleIds(request.principal, 'dataset') });
      return { datasets: page.items, ...(page.next_page_token ? { next_page_token: page.next_page_token } : {}) };
    },
  );

  app.get('/datasets/:name', { schema: { tags, summary: 'Get a dataset', params: NameParams, response: { 200: DatasetSchema, ...ERROR_RESPONSES } } }, async (request) =>
    datasets.getDataset(request.params.name),
  );

  app.delete('/datasets/:name', { schema: { tags, summary: 'Delete a dataset and all its versions', params: NameParams, response: NoContent } }, async (request, reply) => {
    await datasets.deleteDataset(request.params.name);
    reply.code(204).send(null);
  });

  app.post(
    '/datasets/:name/uploads',
    {
      schema: {
        tags,
        summary: 'Open an upload for a new version',
        params: NameParams,
        body: Type.Optional(Type.Object({ schema: Type.Optional(Type.Any({ description: 'Declared column types: {"columns": [{"name", "type"}]}; values that contradict them are refused.' })) })),
        response: { 201: Type.Object({ upload_id: Type.String() }), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return datasets.startUpload(request.params.name, { schema: request.body?.schema, creator: user(request) });
    },
  );

  app.post(
    '/datasets/:name/uploads/:upload_id/commit',
    {
      schema: {
        tags,
        summary: 'Register the uploaded files as the next version (one transaction)',
        params: UploadParams,
        body: Type.Optional(Type.Object({
          message: Type.Optional(Type.String()),
          parent: Type.Optional(Type.Integer({ minimum: 1, description: 'Default: the latest version.' })),
          source: Type.Optional(Type.String({ description: 'Where the data came from (a path or URL).' })),
        })),
        response: { 201: CommitSchema, 200: CommitSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const body = request.body ?? {};
      const { version, created } = await datasets.commitUpload(request.params.name, request.params.upload_id, { ...body, creator: user(request) });
      reply.code(created ? 201 : 200);
      return { ...version, created };
    },
  );

  app.delete('/datasets/:name/uploads/:upload_id', { schema: { tags, summary: 'Abandon an upload', params: UploadParams, response: NoContent } }, async (request, reply) => {
    await datasets.abortUpload(request.params.name, request.params.upload_id);
    reply.code(204).send(null);
  });

  app.get(
    '/datasets/:name/versions',
    {
      schema: {
        tags,
        summary: 'List versions, newest first',
        params: NameParams,
        querystring: Type.Object({ max_results: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), page_token: Type.Optional(Type.String()) }),
        response: { 200: Type.Object({ versions: Type.Array(VersionSummarySchema), next_page_token: Type.Optional(Type.String()) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      const page = await datasets.listVersions(request.params.name, request.query);
      return { versions: page.items, ...(page.next_page_token ? { next_page_token: page.next_page_token } : {}) };
    },
  );

  app.get('/datasets/:name/versions/:version', { schema: { tags, summary: 'Get a version', params: VersionParams, response: { 200: VersionSchema, ...ERROR_RESPONSES } } }, async (request) =>
    datasets.getVersion(request.params.name, request.params.version),
  );

  app.delete('/datasets/:name/versions/:version', { schema: { tags, summary: 'Delete a version', params: VersionParams, response: NoContent } }, async (request, reply) => {
    await datasets.deleteVersion(request.params.name, request.params.version);
    reply.code(204).send(null);
  });

  app.get(
    '/datasets/:name/versions/:version/sketch',
    { schema: { tags, summary: 'The mergeable statistics behind the profile (samples, buckets, category counts)', params: VersionParams, response: { 200: Anything, ...ERROR_RESPONSES } } },
    async (request) => datasets.sketchOf(request.params.name, request.params.version),
  );

  app.get(
    '/datasets/:name/versions/:version/suggested-suite',
    { schema: { tags, summary: 'An expectation suite drafted from the profile', params: VersionParams, response: { 200: Anything, ...ERROR_RESPONSES } } },
    async (request) => datasets.suggest(request.params.name, request.params.version),
  );

  app.post(
    '/datasets/:name/versions/:version/validations',
    {
      schema: {
        tags,
        summary: 'Validate a version against an expectation suite; the result is stored with the version',
        params: VersionParams,
        body: Type.Object({ suite: Type.Any({ description: 'The suite: {name, expectations: [...]}.' }), failing_rows: Type.Optional(Type.Integer({ minimum: 0, maximum: 1000 })) }),
        response: { 201: Anything, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return datasets.validate(request.params.name, request.params.version, request.body.suite, { creator: user(request), failingRows: request.body.failing_rows });
    },
  );

  app.get(
    '/datasets/:name/versions/:version/validations',
    { schema: { tags, summary: 'Validations of a version, newest first', params: VersionParams, response: { 200: Type.Object({ validations: Type.Array(Anything) }), ...ERROR_RESPONSES } } },
    async (request) => ({ validations: await datasets.listValidations(request.params.name, request.params.version) }),
  );

  const ValidationParams = Type.Object({ name: Type.String(), validation_id: Type.Integer({ minimum: 1 }) });
  app.get(
    '/datasets/:name/validations/:validation_id',
    { schema: { tags, summary: 'A stored validation with its full result', params: ValidationParams, response: { 200: Anything, ...ERROR_RESPONSES } } },
    async (request) => datasets.getValidation(request.params.name, request.params.validation_id),
  );

  app.get(
    '/datasets/:name/validations/:validation_id/report.html',
    { schema: { tags, summary: 'A stored validation as an HTML report', params: ValidationParams } },
    async (request, reply) => {
      const found = await datasets.getValidation(request.params.name, request.params.validation_id);
      return reply.type('text/html; charset=utf-8').send(renderValidationHtml(found.result));
    },
  );

  app.get(
    '/dataset-diff',
    {
      schema: {
        tags,
        summary: 'Schema changes, row counts and per-column shift between two versions (rows added, removed, changed with a key)',
        querystring: Type.Object({
          from: Type.String({ description: 'NAME@VERSION' }),
          to: Type.String({ description: 'NAME@VERSION' }),
          key: Type.Optional(Type.String({ description: 'A column identifying rows.' })),
        }),
        response: { 200: Anything, ...ERROR_RESPONSES },
      },
    },
    async (request) => datasets.diff(parseDatasetRef(request.query.from), parseDatasetRef(request.query.to), request.query.key),
  );

  app.get(
    '/datasets/:name/blobs/:digest',
    {
      schema: {
        tags,
        summary: 'Whether this server holds a content, and how much of an unfinished transfer of it',
        params: Type.Object({ name: Type.String(), digest: Type.String() }),
        response: { 200: Type.Object({ digest: Type.String(), present: Type.Boolean(), received: Type.Integer(), size: Type.Optional(Type.Integer()) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      await datasets.getDataset(request.params.name);
      return datasets.blobStatus(request.params.digest);
    },
  );

  app.post(
    '/datasets/:name/versions/import',
    {
      schema: {
        tags,
        summary: 'Register a version sent by another server once its content is here (push and pull)',
        params: NameParams,
        body: Type.Object({
          digest: Type.String(),
          message: Type.String(),
          source: Type.String(),
          creator: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          creation_timestamp: Type.Optional(Type.Integer()),
          parent_digest: Type.Optional(Type.Union([Type.String(), Type.Null()])),
          schema: Type.Any(),
          files: Type.Array(Type.Any()),
        }),
        response: { 201: CommitSchema, 200: CommitSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const { version, created } = await datasets.importVersion(request.params.name, request.body as never, user(request));
      reply.code(created ? 201 : 200);
      return { ...version, created };
    },
  );

  // Raw bodies and downloads: their own scope, where request bodies are streams, not JSON.
  await app.register(async (raw) => {
    streamBodies(raw);
    const r = raw.withTypeProvider<TypeBoxTypeProvider>();

    r.put(
      '/datasets/:name/uploads/:upload_id/files/*',
      {
        schema: {
          tags,
          summary: 'Upload one file of a version (raw body, streamed: stored, hashed and profiled in one pass)',
          params: Type.Object({ name: Type.String(), upload_id: Type.String(), '*': Type.String({ description: 'Path of the file inside the version.' }) }),
          querystring: Type.Object({
            format: Type.Optional(Type.String({ description: 'csv, jsonl, parquet, or none (kept unread); default from the file name.' })),
            delimiter: Type.Optional(Type.String({ description: 'CSV delimiter (default: detected).' })),
            quote: Type.Optional(Type.String({ description: 'CSV quote character (default ").' })),
            encoding: Type.Optional(Type.String({ description: 'Text encoding (default: UTF-8, or as a BOM says).' })),
          }),
          response: { 200: Anything, ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        const q = request.query;
        if (q.format !== undefined && !FORMATS.has(q.format)) throw new InvalidParameterError(`Unknown format '${q.format}': csv, jsonl, parquet or none.`, 'format');
        const format = q.format === undefined ? undefined : q.format === 'none' ? null : (q.format as DataFormat);
        const csv = { ...(q.delimiter !== undefined ? { delimiter: q.delimiter } : {}), ...(q.quote !== undefined ? { quote: q.quote } : {}), ...(q.encoding !== undefined ? { encoding: q.encoding } : {}) };
        return consuming(request, () => datasets.uploadFile(request.params.name, request.params.upload_id, request.params['*'], bodyChunks(request), { format, csv }));
      },
    );

    r.put(
      '/datasets/:name/blobs/:digest',
      {
        schema: {
          tags,
          summary: 'Send bytes of a content from an offset (resumable; hashed when complete)',
          params: Type.Object({ name: Type.String(), digest: Type.String() }),
          querystring: Type.Object({ offset: Type.Integer({ minimum: 0 }), total: Type.Integer({ minimum: 0 }) }),
          response: { 200: Type.Object({ digest: Type.String(), received: Type.Integer(), complete: Type.Boolean() }), ...ERROR_RESPONSES },
        },
      },
      async (request) => {
        await datasets.getDataset(request.params.name);
        return consuming(request, () => datasets.putBlobPart(request.params.digest, request.query.offset, request.query.total, bodyChunks(request)));
      },
    );

    r.get(
      '/datasets/:name/blobs/:digest/content',
      { schema: { tags, summary: "Download a content of one of the dataset's versions", params: Type.Object({ name: Type.String(), digest: Type.String() }) } },
      async (request, reply) => {
        if (!(await datasets.datasetHoldsBlob(request.params.name, request.params.digest))) {
          throw new NotFoundError(`Dataset '${request.params.name}' has no content sha256 ${request.params.digest}.`, 'blob');
        }
        const status = await datasets.blobStatus(request.params.digest);
        return reply
          .header('content-type', 'application/octet-stream')
          .header('content-length', status.size)
          .header('x-content-sha256', status.digest)
          .send(await datasets.openBlob(status.digest));
      },
    );

    r.get(
      '/datasets/:name/versions/:version/files/*',
      {
        schema: {
          tags,
          summary: 'Download one file of a version (its sha256 in x-content-sha256)',
          params: Type.Object({ name: Type.String(), version: Type.String(), '*': Type.String() }),
        },
      },
      async (request, reply) => sendFile(reply, await datasets.openFile(request.params.name, request.params.version, request.params['*'])),
    );

    r.get(
      '/datasets/:name/versions/:version/export',
      {
        schema: {
          tags,
          summary: "A version's table as one Parquet file",
          params: VersionParams,
          querystring: Type.Object({ format: Type.Literal('parquet') }),
        },
      },
      async (request, reply) => {
        const v = await datasets.getVersion(request.params.name, request.params.version);
        const dir = await mkdtemp(join(tmpdir(), 'puente-export-'));
        const path = join(dir, 'data.parquet');
        try {
          await datasets.exportParquet(v.name, v.version, path);
        } catch (err) {
          await rm(dir, { recursive: true, force: true });
          throw err;
        }
        const stream = createReadStream(path);
        stream.on('close', () => void rm(dir, { recursive: true, force: true }));
        return reply
          .header('content-type', 'application/vnd.apache.parquet')
          .header('content-length', (await stat(path)).size)
          .header('content-disposition', `attachment; filename="${v.name}-${v.version}.parquet"`)
          .send(stream);
      },
    );
  });

  app.get(
    '/lineage/models/:name/:ref',
    {
      schema: {
        tags: ['lineage'],
        summary: 'Dataset versions → run → model version → deployments, as a graph',
        params: Type.Object({ name: Type.String({ description: 'Registered model.' }), ref: Type.String({ description: 'Version number or alias (e.g. champion or @champion).' }) }),
        response: { 200: Anything, ...ERROR_RESPONSES },
      },
    },
    async (request) => services.lineage.ofModelVersion(request.params.name, request.params.ref),
  );
};

function sendFile(reply: FastifyReply, file: { stream: NodeJS.ReadableStream; size: number; digest: string; path: string }): FastifyReply {
  const base = file.path.slice(file.path.lastIndexOf('/') + 1);
  return reply
    .header('content-type', 'application/octet-stream')
    .header('content-length', file.size)
    .header('x-content-sha256', file.digest)
    .header('content-disposition', `attachment; filename="${base.replace(/["\\\r\n]/g, '_')}"`)
    .send(file.stream);
}
