import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, type WriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, type Readable } from 'node:stream';
import { once } from 'node:events';
import type { ArtifactStore } from '../artifacts/index.js';
import type { DataFormat, DatasetSchema } from './types.js';
import { CsvReader, type CsvDialect, type CsvOptions } from './formats/csv.js';
import { JsonLinesReader } from './formats/jsonl.js';
import { openParquet } from './formats/parquet.js';
import { TableProfiler } from './profile/table-profiler.js';
import type { DatasetSketch } from './profile/profile.js';
import { csvStreamProfiler, wrapSingle, type ProfileOutcome, type StreamProfiler } from './parallel-csv.js';

/** What to do with one uploaded file. */
export interface IngestOptions {
  /** Its path inside the version; named in errors. */
  readonly path: string;
  /** null: keep the bytes, do not read them as a table. */
  readonly format: DataFormat | null;
  readonly csv?: CsvOptions;
  /** Declared column types: values must agree. */
  readonly schema?: DatasetSchema | null;
}

/** One file stored and, if it is a table, profiled. */
export interface IngestedFile {
  readonly path: string;
  readonly digest: string;
  readonly size: number;
  readonly format: DataFormat | null;
  readonly row_count: number | null;
  /** Store key of the bytes. */
  readonly object: string;
  readonly csv?: CsvDialect;
  readonly sketch: DatasetSketch | null;
}

/** Feeds a profiler chunk by chunk; `end` gives the statistics. */
interface ChunkProfiler {
  push(chunk: Buffer): void;
  end(): ProfileOutcome;
}


function csvProfiler(file: string, options: CsvOptions | undefined, types: DatasetSchema | null): ChunkProfiler {
  const profiler = new TableProfiler(file, types);
  const reader = new CsvReader(file, profiler, options);
  return {
    push: (chunk) => reader.push(chunk),
    end() {
      reader.end();
      return { sketch: profiler.sketch(), retype: profiler.needsRetype, schema: profiler.schema(), dialect: reader.dialect };
    },
  };
}

function jsonLinesProfiler(file: string, types: DatasetSchema | null): ChunkProfiler {
  const profiler = new TableProfiler(file, types);
  if (types) profiler.header(types.columns.map((c) => c.name));
  else profiler.header([]);
  const reader = new JsonLinesReader(file, profiler);
  return {
    push: (chunk) => reader.push(chunk),
    end() {
      reader.end();
      return { sketch: profiler.sketch(), retype: profiler.needsRetype, schema: profiler.schema() };
    },
  };
}

/** Profiles a CSV or JSON Lines byte stream on its own (a second pass with the types fixed). */
export async function profileStream(chunks: AsyncIterable<Buffer>, format: 'csv' | 'jsonl', file: string, csv: CsvOptions | undefined, types: DatasetSchema | null): Promise<DatasetSketch> {
  const p = format === 'csv' ? csvProfiler(file, csv, types) : jsonLinesProfiler(file, types);
  for await (const chunk of chunks) p.push(chunk);
  return p.end().sketch;
}

/** Profiles a local Parquet file, its own column types fixed unless a schema says otherwise. */
export async function profileParquet(path: string, file: string, types: DatasetSchema | null): Promise<DatasetSketch> {
  const pq = await openParquet(path, file);
  const declared = new Map((types?.columns ?? []).map((c) => [c.name, c.type]));
  const fixed: DatasetSchema = { columns: pq.schema.columns.map((c) => ({ name: c.name, type: declared.get(c.name) ?? c.type })) };
  const profiler = new TableProfiler(file, fixed);
  profiler.header(pq.schema.columns.map((c) => c.name));
  let row = 0;
  for await (const group of pq.groups()) for (const record of group) profiler.record(record, ++row);
  return profiler.sketch();
}

/** A writer into the artifact store that takes chunks as they come and honours backpressure. */
function storeWriter(store: ArtifactStore, key: string): { write(chunk: Buffer): Promise<void> | undefined; end(): Promise<number>; abort(err: Error): Promise<void> } {
  const pipe = new PassThrough({ highWaterMark: 1024 * 1024 });
  // Failures surface through `done`; the stream's own error event must not go unheard.
  pipe.on('error', () => undefined);
  const done = store.put(key, pipe);
  // Seen by end() or abort(); never left unhandled.
  done.catch(() => undefined);
  return {
    write(chunk) {
      if (pipe.write(chunk)) return undefined;
      return Promise.race([once(pipe, 'drain').then(() => undefined), done.then(() => undefined)]);
    },
    async end() {
      pipe.end();
      return (await done).size;
    },
    async abort(err) {
      pipe.destroy(err);
      await done.catch(() => undefined);
      await store.delete(key).catch(() => undefined);
    },
  };
}

/**
 * Stores one uploaded file under `object` and profiles it in the same pass: each chunk is hashed,
 * written and parsed as it arrives, so memory stays constant whatever the size. Parquet (whose
 * index is at the end) is also spooled to a temporary file and read from there. A file that turns
 * out unreadable leaves nothing behind.
 */
export async function ingestFile(body: AsyncIterable<Buffer>, store: ArtifactStore, object: string, options: IngestOptions): Promise<IngestedFile> {
  const hash = createHash('sha256');
  const out = storeWriter(store, object);
  const declared = options.schema ?? null;
  const profiler: StreamProfiler | null =
    options.format === 'csv'
      ? csvStreamProfiler(options.path, options.csv, declared, () => csvProfiler(options.path, options.csv, declared))
      : options.format === 'jsonl'
        ? wrapSingle(jsonLinesProfiler(options.path, declared))
        : null;
  let spoolDir: string | null = null;
  let spool: WriteStream | null = null;
  let size = 0;
  try {
    if (options.format === 'parquet') {
      spoolDir = await mkdtemp(join(tmpdir(), 'puente-parquet-'));
      spool = createWriteStream(join(spoolDir, 'data.parquet'));
    }
    for await (const chunk of body) {
      size += chunk.length;
      hash.update(chunk);
      const pending = out.write(chunk);
      if (spool !== null && !spool.write(chunk)) await once(spool, 'drain');
      const busy = profiler?.push(chunk);
      if (pending) await pending;
      if (busy) await busy;
    }
    const stored = await out.end();
    if (stored !== size) throw new Error(`stored ${stored} bytes of ${size}`);
    const digest = hash.digest('hex');
    let sketch: DatasetSketch | null = null;
    let dialect: CsvDialect | undefined;
    if (profiler !== null) {
      const first = await profiler.end();
      dialect = first.dialect;
      sketch = first.sketch;
      if (first.retype) {
        // A column turned to text after numbers: read the stored bytes again with the final types.
        const { stream } = await store.get(object);
        sketch = await profileStream(stream as AsyncIterable<Buffer>, options.format as 'csv' | 'jsonl', options.path, dialect ?? options.csv, first.schema);
      }
    } else if (spool !== null) {
      spool.end();
      await once(spool, 'finish');
      sketch = await profileParquet(join(spoolDir!, 'data.parquet'), options.path, declared);
    }
    return { path: options.path, digest, size, format: options.format, row_count: sketch?.row_count ?? null, object, ...(dialect ? { csv: dialect } : {}), sketch };
  } catch (err) {
    await profiler?.abort();
    await out.abort(err as Error);
    throw err;
  } finally {
    spool?.destroy();
    if (spoolDir !== null) await rm(spoolDir, { recursive: true, force: true });
  }
}

/** Re-profiles a stored file with fixed types (when files of one version disagree on a column). */
export async function reprofileStored(store: ArtifactStore, file: IngestedFile, types: DatasetSchema): Promise<DatasetSketch> {
  if (file.format === 'parquet') {
    const dir = await mkdtemp(join(tmpdir(), 'puente-parquet-'));
    try {
      const path = join(dir, 'data.parquet');
      const { stream } = await store.get(file.object);
      const sink = createWriteStream(path);
      for await (const chunk of stream) if (!sink.write(chunk)) await once(sink, 'drain');
      sink.end();
      await once(sink, 'finish');
      return await profileParquet(path, file.path, types);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const { stream } = await store.get(file.object);
  return profileStream(stream as AsyncIterable<Buffer>, file.format as 'csv' | 'jsonl', file.path, file.csv, types);
}

/** Reads a local file as chunks (used by the CLI-free paths of tests and tools). */
export function fileChunks(path: string): Readable {
  return createReadStream(path, { highWaterMark: 1 << 20 });
}
