import { parentPort, workerData } from 'node:worker_threads';
import { CsvReader, type CsvDialect } from '../formats/csv.js';
import { DataFormatError } from '../errors.js';
import type { DatasetSchema } from '../types.js';
import { TableProfiler } from './table-profiler.js';

/*
 * A profiling thread: it receives blocks of CSV rows (the header was read by the parent) and
 * answers each with the number of lines it held; at the end it sends its sketch. Blocks of a
 * quote-free run each start at a row and are counted from line 0; after the first quote the
 * blocks are one stream and lines keep counting.
 */

/** What the parent tells the thread when it starts it. */
export interface CsvWorkerInit {
  readonly file: string;
  readonly names: string[];
  readonly dialect: CsvDialect;
  readonly types: DatasetSchema | null;
}

/** Messages from the parent. */
export type CsvWorkerRequest =
  | { readonly type: 'block'; readonly index: number; readonly data: ArrayBuffer; readonly offset: number; readonly length: number; readonly restart: boolean; readonly final: boolean }
  | { readonly type: 'finish' };

/** Messages to the parent. */
export type CsvWorkerReply =
  | { readonly type: 'ready' }
  | { readonly type: 'done'; readonly index: number; readonly lines: number; readonly data: ArrayBuffer }
  | { readonly type: 'error'; readonly index: number; readonly location?: DataFormatError['location']; readonly problem?: string; readonly message?: string }
  | { readonly type: 'sketch'; readonly sketch: ReturnType<TableProfiler['sketch']> | null; readonly retype: boolean };

const init = workerData as CsvWorkerInit;
const profiler = new TableProfiler(init.file, init.types);
const reader = new CsvReader(init.file, profiler, { delimiter: init.dialect.delimiter, quote: init.dialect.quote }, { names: init.names });
let failed = false;
const port = parentPort!;

port.postMessage({ type: 'ready' } satisfies CsvWorkerReply);
port.on('message', (m: CsvWorkerRequest) => {
  if (m.type === 'finish') {
    port.postMessage({ type: 'sketch', sketch: failed ? null : profiler.sketch(), retype: profiler.needsRetype } satisfies CsvWorkerReply);
    return;
  }
  if (failed) return;
  try {
    if (m.restart) reader.restartLines();
    reader.push(Buffer.from(m.data, m.offset, m.length));
    if (m.final) reader.end();
    // The block's memory goes back to the parent for the next block.
    port.postMessage({ type: 'done', index: m.index, lines: reader.line, data: m.data } satisfies CsvWorkerReply, [m.data]);
  } catch (err) {
    failed = true;
    const reply: CsvWorkerReply =
      err instanceof DataFormatError
        ? { type: 'error', index: m.index, location: err.location, problem: err.problem }
        : { type: 'error', index: m.index, message: String((err as Error)?.stack ?? err) };
    port.postMessage(reply);
  }
});
