import { Readable } from 'node:stream';
import type * as S3 from '@aws-sdk/client-s3';
import type * as LibStorage from '@aws-sdk/lib-storage';
import { NotFoundError } from '../errors/index.js';
import type { ArtifactEntry, ArtifactStore } from './artifact-store.js';
import { joinKeys } from './artifact-path.js';

/** Connection settings of an S3-compatible bucket. */
export interface S3ArtifactStoreOptions {
  readonly bucket: string;
  /** Key prefix inside the bucket ('' for the bucket root). */
  readonly prefix: string;
  readonly region: string;
  /** For MinIO, R2, GCS interop or a local test server. */
  readonly endpoint?: string;
  readonly forcePathStyle?: boolean;
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
}

/** Parts above this size go through a multipart upload. */
const PART_SIZE = 8 * 1024 * 1024;

interface Sdk {
  readonly client: S3.S3Client;
  readonly s3: typeof S3;
  readonly Upload: typeof LibStorage.Upload;
}

/** Artifacts as objects in an S3-compatible bucket; directories are key prefixes. */
export class S3ArtifactStore implements ArtifactStore {
  readonly #options: S3ArtifactStoreOptions;
  readonly #bucket: string;
  readonly #prefix: string;
  #sdk: Promise<Sdk> | undefined;

  constructor(options: S3ArtifactStoreOptions) {
    this.#options = options;
    this.#bucket = options.bucket;
    this.#prefix = options.prefix.replace(/^\/+|\/+$/g, '');
  }

  get description(): string {
    return `s3://${joinKeys(this.#bucket, this.#prefix)}`;
  }

  /** The AWS SDK loads on first use: it would add a fifth of a second to every start on local disk. */
  #load(): Promise<Sdk> {
    this.#sdk ??= (async () => {
      const [s3, storage] = await Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/lib-storage')]);
      const o = this.#options;
      const client = new s3.S3Client({
        region: o.region,
        endpoint: o.endpoint,
        forcePathStyle: o.forcePathStyle ?? false,
        credentials: o.credentials,
        // Compatible servers do not all implement the newer flexible checksums.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      return { client, s3, Upload: storage.Upload };
    })();
    return this.#sdk;
  }

  #key(key: string): string {
    return joinKeys(this.#prefix, key);
  }

  async put(key: string, body: Buffer | Readable): Promise<{ size: number }> {
    const { client, s3, Upload } = await this.#load();
    if (Buffer.isBuffer(body) && body.length <= PART_SIZE) {
      await client.send(new s3.PutObjectCommand({ Bucket: this.#bucket, Key: this.#key(key), Body: body }));
      return { size: body.length };
    }
    let size = 0;
    const counted = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    counted.on('data', (chunk: Buffer) => (size += chunk.length));
    const upload = new Upload({
      client,
      params: { Bucket: this.#bucket, Key: this.#key(key), Body: counted },
      partSize: PART_SIZE,
      queueSize: 4,
    });
    await upload.done();
    return { size };
  }

  async get(key: string): Promise<{ stream: Readable; size: number }> {
    const { client, s3 } = await this.#load();
    try {
      const out = await client.send(new s3.GetObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }));
      return { stream: out.Body as Readable, size: Number(out.ContentLength ?? 0) };
    } catch (err) {
      if (isMissing(err)) throw new NotFoundError(`Artifact '${key}' does not exist.`, 'artifact');
      throw err;
    }
  }

  async stat(key: string): Promise<{ size: number } | null> {
    if (key === '') return null;
    const { client, s3 } = await this.#load();
    try {
      const out = await client.send(new s3.HeadObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }));
      return { size: Number(out.ContentLength ?? 0) };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async list(dirKey: string): Promise<ArtifactEntry[]> {
    const { client, s3 } = await this.#load();
    const base = this.#key(dirKey);
    const prefix = base === '' ? '' : `${base}/`;
    const out: ArtifactEntry[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new s3.ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }),
      );
      for (const p of page.CommonPrefixes ?? []) {
        const name = (p.Prefix ?? '').slice(prefix.length).replace(/\/$/, '');
        if (name) out.push({ name, isDir: true });
      }
      for (const o of page.Contents ?? []) {
        const name = (o.Key ?? '').slice(prefix.length);
        if (name && !name.includes('/')) out.push({ name, isDir: false, size: Number(o.Size ?? 0) });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  async delete(key: string): Promise<void> {
    const { client, s3 } = await this.#load();
    const base = this.#key(key);
    await client.send(new s3.DeleteObjectCommand({ Bucket: this.#bucket, Key: base })).catch((err) => {
      if (!isMissing(err)) throw err;
    });
    // A directory is every key below the prefix.
    let token: string | undefined;
    do {
      const page = await client.send(new s3.ListObjectsV2Command({ Bucket: this.#bucket, Prefix: `${base}/`, ContinuationToken: token }));
      const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length > 0) {
        await client.send(new s3.DeleteObjectsCommand({ Bucket: this.#bucket, Delete: { Objects: keys, Quiet: true } }));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async checkWritable(): Promise<void> {
    const { client, s3 } = await this.#load();
    const probe = this.#key('.ready-probe');
    await client.send(new s3.PutObjectCommand({ Bucket: this.#bucket, Key: probe, Body: 'ok' }));
    await client.send(new s3.DeleteObjectCommand({ Bucket: this.#bucket, Key: probe }));
  }

  /** Releases sockets held by the client. */
  async close(): Promise<void> {
    if (this.#sdk) (await this.#sdk).client.destroy();
  }
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}
