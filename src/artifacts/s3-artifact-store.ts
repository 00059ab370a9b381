import { Readable } from 'node:stream';
import {
  S3Client,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  DeleteObjectsCommand,
  PutObjectCommand,
  DeleteObjectCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
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

/** Artifacts as objects in an S3-compatible bucket; directories are key prefixes. */
export class S3ArtifactStore implements ArtifactStore {
  readonly #client: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;

  constructor(options: S3ArtifactStoreOptions) {
    this.#bucket = options.bucket;
    this.#prefix = options.prefix.replace(/^\/+|\/+$/g, '');
    this.#client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? false,
      credentials: options.credentials,
      // Compatible servers do not all implement the newer flexible checksums.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
    });
  }

  get description(): string {
    return `s3://${joinKeys(this.#bucket, this.#prefix)}`;
  }

  #key(key: string): string {
    return joinKeys(this.#prefix, key);
  }

  async put(key: string, body: Buffer | Readable): Promise<{ size: number }> {
    if (Buffer.isBuffer(body) && body.length <= PART_SIZE) {
      await this.#client.send(new PutObjectCommand({ Bucket: this.#bucket, Key: this.#key(key), Body: body }));
      return { size: body.length };
    }
    let size = 0;
    const counted = Buffer.isBuffer(body) ? Readable.from([body]) : body;
    counted.on('data', (chunk: Buffer) => (size += chunk.length));
    const upload = new Upload({
      client: this.#client,
      params: { Bucket: this.#bucket, Key: this.#key(key), Body: counted },
      partSize: PART_SIZE,
      queueSize: 4,
    });
    await upload.done();
    return { size };
  }

  async get(key: string): Promise<{ stream: Readable; size: number }> {
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }));
      return { stream: out.Body as Readable, size: Number(out.ContentLength ?? 0) };
    } catch (err) {
      if (isMissing(err)) throw new NotFoundError(`Artifact '${key}' does not exist.`, 'artifact');
      throw err;
    }
  }

  async stat(key: string): Promise<{ size: number } | null> {
    if (key === '') return null;
    try {
      const out = await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#key(key) }));
      return { size: Number(out.ContentLength ?? 0) };
    } catch (err) {
      if (isMissing(err)) return null;
      throw err;
    }
  }

  async list(dirKey: string): Promise<ArtifactEntry[]> {
    const base = this.#key(dirKey);
    const prefix = base === '' ? '' : `${base}/`;
    const out: ArtifactEntry[] = [];
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token }),
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
    const base = this.#key(key);
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: base })).catch((err) => {
      if (!isMissing(err)) throw err;
    });
    // A directory is every key below the prefix.
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: `${base}/`, ContinuationToken: token }),
      );
      const keys = (page.Contents ?? []).map((o) => ({ Key: o.Key! }));
      if (keys.length > 0) {
        await this.#client.send(new DeleteObjectsCommand({ Bucket: this.#bucket, Delete: { Objects: keys, Quiet: true } }));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async checkWritable(): Promise<void> {
    const probe = this.#key(`.ready-probe`);
    await this.#client.send(new PutObjectCommand({ Bucket: this.#bucket, Key: probe, Body: 'ok' }));
    await this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: probe }));
  }

  /** Releases sockets held by the client. */
  close(): void {
    this.#client.destroy();
  }
}

function isMissing(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}
