import type { PuenteClient } from './puente-client.js';

/** Bytes moved so far and the total when known. */
export type ProgressCallback = (done: number, total: number | undefined) => void;

/*
 * File helpers for Node.js (the CLI). node: modules are imported inside the functions so that
 * bundling the client for a browser does not pull them in.
 */

/** Uploads a local file as the run artifact `artifactPath`, streaming it. */
export async function uploadFile(client: PuenteClient, runId: string, localPath: string, artifactPath: string, onProgress?: ProgressCallback): Promise<void> {
  const { createReadStream, statSync } = await import('node:fs');
  const { Readable } = await import('node:stream');
  const total = statSync(localPath).size;
  let done = 0;
  const source = createReadStream(localPath);
  source.on('data', (chunk) => {
    done += chunk.length;
    onProgress?.(done, total);
  });
  await client.artifacts.upload(runId, artifactPath, Readable.toWeb(source) as unknown as ReadableStream);
}

/** Downloads the run artifact `artifactPath` to a local file, streaming it. */
export async function downloadFile(client: PuenteClient, runId: string, artifactPath: string, localPath: string, onProgress?: ProgressCallback): Promise<number> {
  const { createWriteStream } = await import('node:fs');
  const { mkdir } = await import('node:fs/promises');
  const { dirname } = await import('node:path');
  const { Readable, Transform } = await import('node:stream');
  const { pipeline } = await import('node:stream/promises');
  const res = await client.artifacts.download(runId, artifactPath);
  const total = Number(res.headers.get('content-length') ?? NaN);
  let done = 0;
  await mkdir(dirname(localPath), { recursive: true });
  await pipeline(
    Readable.fromWeb(res.body as never),
    new Transform({
      transform(chunk: Buffer, _enc, next) {
        done += chunk.length;
        onProgress?.(done, Number.isFinite(total) ? total : undefined);
        next(null, chunk);
      },
    }),
    createWriteStream(localPath),
  );
  return done;
}
