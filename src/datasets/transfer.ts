import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { PuenteApiError, PuenteUnreachableError, type PuenteClient } from '../client/index.js';
import type { DatasetSchema, DatasetVersion } from './types.js';

/*
 * Node-side work with datasets through a server's API: adding local files, downloading versions
 * (checked against their sha256), and copying versions from one server to another. The CLI is
 * built on these; scripts may use them too.
 */

/** Bytes moved so far and the total when known. */
export type Progress = (done: number, total: number | undefined) => void;

/** How the server should read the files (absent: from their names, delimiter detected). */
export interface DatasetFileOptions {
  readonly format?: 'csv' | 'jsonl' | 'parquet' | 'none';
  readonly delimiter?: string;
  readonly quote?: string;
  readonly encoding?: string;
}

/** Options of `addLocalData`. */
export interface AddOptions extends DatasetFileOptions {
  readonly message?: string;
  readonly schema?: DatasetSchema;
  readonly parent?: number;
  readonly description?: string;
  readonly onProgress?: Progress;
}

/** Regular files under a directory (hidden ones skipped), as sorted relative '/'-paths. */
async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) await walk(full);
      else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
    }
  };
  await walk(root);
  return out.sort();
}

/**
 * Streams a file as a PUT body through node:http (with its length, piped with backpressure),
 * which moves large files with less work than fetch; answers and errors as the SDK's.
 */
async function putFile(client: PuenteClient, path: string, query: Record<string, string | undefined>, file: string, onBytes: (n: number) => void): Promise<unknown> {
  const url = new URL(client.transport.url(path, query));
  const http = url.protocol === 'https:' ? await import('node:https') : await import('node:http');
  const size = (await stat(file)).size;
  return new Promise((resolve, reject) => {
    let settled = false;
    const req = http.request(url, { method: 'PUT', headers: client.transport.headers({ 'content-type': 'application/octet-stream', 'content-length': String(size) }) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        settled = true;
        const text = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        if (status < 400) {
          resolve(text === '' ? undefined : JSON.parse(text));
          return;
        }
        try {
          const body = JSON.parse(text) as { error_code?: string; message?: string };
          reject(new PuenteApiError(status, body.error_code ?? `HTTP_${status}`, body.message ?? text));
        } catch {
          reject(new PuenteApiError(status, `HTTP_${status}`, text));
        }
      });
    });
    req.on('error', (err) => {
      // An answer read already wins over a connection closed behind it.
      if (!settled) reject(new PuenteUnreachableError(client.baseUrl, err));
    });
    // Opened only now: a stream left flowing before it is piped would lose its first bytes.
    const source = createReadStream(file, { highWaterMark: 1 << 20 });
    source.on('data', (chunk) => onBytes(chunk.length));
    source.on('error', (err) => req.destroy(err));
    source.pipe(req);
  });
}

async function ensureDataset(client: PuenteClient, name: string, description?: string): Promise<void> {
  try {
    await client.datasets.get(name);
  } catch (err) {
    if (!(err instanceof PuenteApiError) || err.status !== 404) throw err;
    await client.datasets.create(name, description ? { description } : {}).catch((e: unknown) => {
      // Someone created it meanwhile: fine.
      if (!(e instanceof PuenteApiError && e.code === 'RESOURCE_ALREADY_EXISTS')) throw e;
    });
  }
}

/**
 * Adds a local file or directory as the next version of `name` (created if new): every file is
 * streamed to the server, which stores, hashes and profiles it as it arrives; then the version is
 * registered in one step. A failure abandons the upload, so nothing is half-registered.
 */
export async function addLocalData(client: PuenteClient, name: string, path: string, options: AddOptions = {}): Promise<DatasetVersion & { created: boolean }> {
  const root = resolve(path);
  const info = await stat(root);
  const files = info.isDirectory() ? (await listFiles(root)).map((rel) => ({ rel, full: join(root, ...rel.split('/')) })) : [{ rel: basename(root), full: root }];
  if (files.length === 0) throw new Error(`${path} holds no files to add.`);
  await ensureDataset(client, name, options.description);
  const { upload_id } = await client.datasets.startUpload(name, options.schema ? { schema: options.schema } : {});
  const total = (await Promise.all(files.map((f) => stat(f.full)))).reduce((s, st) => s + st.size, 0);
  let done = 0;
  try {
    for (const file of files) {
      const fileOptions: DatasetFileOptions = {
        ...(options.format !== undefined ? { format: options.format } : {}),
        ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
        ...(options.quote !== undefined ? { quote: options.quote } : {}),
        ...(options.encoding !== undefined ? { encoding: options.encoding } : {}),
      };
      const path = `/api/v1/datasets/${encodeURIComponent(name)}/uploads/${encodeURIComponent(upload_id)}/files/${file.rel.split('/').map(encodeURIComponent).join('/')}`;
      await putFile(client, path, { ...fileOptions }, file.full, (bytes) => {
        done += bytes;
        options.onProgress?.(done, total);
      });
    }
    return await client.datasets.commit(name, upload_id, { message: options.message ?? '', source: root, ...(options.parent !== undefined ? { parent: options.parent } : {}) });
  } catch (err) {
    await client.datasets.abortUpload(name, upload_id).catch(() => undefined);
    throw err;
  }
}

/**
 * Downloads the files of a version under `destination` (a directory; a single-file version may
 * also be saved to a file path), hashing each on the way: a file whose sha256 differs from the
 * version's is deleted and reported.
 */
export async function downloadVersion(client: PuenteClient, name: string, ref: string | number, destination: string, onProgress?: Progress): Promise<{ version: DatasetVersion; files: string[] }> {
  const version = await client.datasets.getVersion(name, ref);
  const total = version.files.reduce((s, f) => s + f.size, 0);
  const asFile = version.files.length === 1 && !(await stat(destination).then((s) => s.isDirectory(), () => destination.endsWith('/')));
  let done = 0;
  const written: string[] = [];
  for (const file of version.files) {
    const target = asFile ? resolve(destination) : resolve(destination, ...file.path.split('/'));
    if (!asFile && !target.startsWith(resolve(destination) + sep)) throw new Error(`Refusing to write ${file.path} outside ${destination}.`);
    await mkdir(dirname(target), { recursive: true });
    const res = await client.datasets.downloadFile(name, version.version, file.path);
    const hash = createHash('sha256');
    await pipeline(
      Readable.fromWeb(res.body as never),
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk);
          done += chunk.length;
          onProgress?.(done, total);
          yield chunk;
        }
      },
      createWriteStream(target),
    );
    const digest = hash.digest('hex');
    if (digest !== file.digest) {
      await unlink(target).catch(() => undefined);
      throw new Error(`${file.path} arrived with sha256 ${digest}, not ${file.digest}; it was not kept.`);
    }
    written.push(target);
  }
  return { version, files: written };
}

/** Options of `copyVersions`. */
export interface CopyOptions {
  /** Bytes per request when sending content (default 64 MiB); an interrupted copy resumes at a part boundary. */
  readonly partSize?: number;
  readonly onProgress?: Progress;
  /** Called once per version: copied (new on the target) or already there. */
  readonly onVersion?: (version: DatasetVersion, created: boolean) => void;
}

/** Yields exactly `size` bytes from an iterator of chunks, keeping what is left over for later. */
class ChunkCursor {
  #pending: Buffer | null = null;
  constructor(private readonly source: AsyncIterator<Buffer>) {}

  async *take(size: number): AsyncGenerator<Buffer> {
    let left = size;
    while (left > 0) {
      let chunk = this.#pending;
      this.#pending = null;
      if (chunk === null) {
        const next = await this.source.next();
        if (next.done) return;
        chunk = next.value;
      }
      if (chunk.length > left) {
        this.#pending = chunk.subarray(left);
        chunk = chunk.subarray(0, left);
      }
      left -= chunk.length;
      yield chunk;
    }
  }
}

/**
 * Copies versions of a dataset from one server to another: each file's content is sent only if
 * the target lacks it, in parts from where an earlier copy stopped, and the target hashes it
 * before accepting it; then the version is registered there (its profile computed again from
 * the bytes). `ref` absent: every version, oldest first.
 */
export async function copyVersions(from: PuenteClient, to: PuenteClient, name: string, ref: string | number | undefined, options: CopyOptions = {}): Promise<(DatasetVersion & { created: boolean })[]> {
  const partSize = options.partSize ?? 64 * 1024 * 1024;
  const dataset = await from.datasets.get(name);
  await ensureDataset(to, name, dataset.description ?? undefined);
  const numbers = ref === undefined ? (await from.datasets.versions(name)).map((v) => v.version).sort((a, b) => a - b) : [(await from.datasets.getVersion(name, ref)).version];
  const results: (DatasetVersion & { created: boolean })[] = [];
  for (const number of numbers) {
    const version = await from.datasets.getVersion(name, number);
    const total = version.files.reduce((s, f) => s + f.size, 0);
    let done = 0;
    for (const file of version.files) {
      const status = await to.datasets.blobStatus(name, file.digest);
      if (status.present) {
        done += file.size;
        options.onProgress?.(done, total);
        continue;
      }
      let offset = status.received;
      done += offset;
      const res = await from.datasets.blobContent(name, file.digest);
      const source = (Readable.fromWeb(res.body as never) as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
      const cursor = new ChunkCursor(source);
      // Bytes the target already has are read and dropped: the source serves whole contents.
      for await (const _skipped of cursor.take(offset)) {
        // skipped
      }
      do {
        const size = Math.min(partSize, file.size - offset);
        const part = Readable.from(
          (async function* () {
            for await (const chunk of cursor.take(size)) {
              done += chunk.length;
              options.onProgress?.(done, total);
              yield chunk;
            }
          })(),
        );
        const answer = await to.datasets.putBlob(name, file.digest, offset, file.size, Readable.toWeb(part) as unknown as ReadableStream);
        offset = answer.received;
        if (answer.complete) break;
      } while (offset < file.size);
      await source.return?.();
    }
    const parent = version.parent === null ? null : await from.datasets.getVersion(name, version.parent).catch(() => null);
    const imported = await to.datasets.importVersion(name, {
      digest: version.digest,
      message: version.message,
      source: version.source,
      creator: version.creator,
      creation_timestamp: version.creation_timestamp,
      parent_digest: parent?.digest ?? null,
      schema: version.schema,
      files: version.files,
    });
    options.onVersion?.(imported, imported.created);
    results.push(imported);
  }
  return results;
}
