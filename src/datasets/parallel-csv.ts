import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { DatasetSchema } from './types.js';
import { DataFormatError } from './errors.js';
import { CsvReader, sniffDelimiter, type CsvDialect, type CsvOptions } from './formats/csv.js';
import { TableProfiler } from './profile/table-profiler.js';
import { mergeSketches, widerType, type DatasetSketch } from './profile/profile.js';
import type { CsvWorkerInit, CsvWorkerReply, CsvWorkerRequest } from './profile/csv-worker.js';

/*
 * Profiles a large CSV stream on several threads. The parent reads the header, then cuts the
 * stream into blocks at line ends (at fixed offsets, so the same file always gives the same
 * blocks and the same profile) and hands them out in turn; each thread profiles its blocks and
 * the sketches are merged. A quoted field may hold a line end, so from the first block with a
 * quote character on, blocks go to one thread as a single stream. Line numbers in errors are
 * put back together from the line counts of the blocks before.
 */

/** Bytes per block. */
const BLOCK = 2 * 1024 * 1024;
/** Room past a block for the chunk that fills it. */
const SLACK = 256 * 1024;
/** Blocks sent to a thread and not yet answered. */
const IN_FLIGHT = 2;
const LF = 10;

/** The end of a profiling pass. */
export interface ProfileOutcome {
  readonly sketch: DatasetSketch;
  /** A column changed type in a way its earlier values cannot follow: read again with `schema`. */
  readonly retype: boolean;
  readonly schema: DatasetSchema;
  readonly dialect?: CsvDialect;
}

/** A profiler fed chunk by chunk that may ask the feeder to wait. */
export interface StreamProfiler {
  push(chunk: Buffer): Promise<void> | undefined;
  end(): Promise<ProfileOutcome>;
  /** Stops threads after a failure elsewhere. */
  abort(): Promise<void>;
}

/** How to start a profiling thread, or null when this installation cannot (then one thread does it all). */
function workerFactory(): ((init: CsvWorkerInit) => Worker) | null {
  const candidates = [
    new URL('./profile/csv-worker.js', import.meta.url),
    // The bundled CLI sits beside the compiled tree.
    new URL('./datasets/profile/csv-worker.js', import.meta.url),
    new URL('./profile/csv-worker.ts', import.meta.url),
  ];
  const found = candidates.find((u) => u.protocol === 'file:' && existsSync(fileURLToPath(u)));
  if (!found) return null;
  if (found.pathname.endsWith('.js')) return (init) => new Worker(found, { workerData: init, resourceLimits: LIMITS });
  // Sources run through tsx (development, tests): the thread registers it before loading the file.
  let tsx: string;
  try {
    tsx = import.meta.resolve('tsx/esm/api');
  } catch {
    return null;
  }
  const code = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(found.href)}); });`;
  return (init) => new Worker(code, { eval: true, workerData: init, resourceLimits: LIMITS });
}

/**
 * A profiling thread allocates little that lives (its sketches are small): a small young
 * generation keeps its memory down without costing time.
 */
const LIMITS = { maxYoungGenerationSizeMb: 8 };

let factory: ((init: CsvWorkerInit) => Worker) | null | undefined;

/**
 * Profiling threads: one per core but one, at most four. The remaining core reads the request,
 * hashes and writes the bytes (and, on a laptop, runs the client sending them).
 */
export function profilingThreads(): number {
  return Math.max(0, Math.min(4, availableParallelism() - 1));
}

/** A thread with its queue of unanswered blocks. */
interface Lane {
  readonly worker: Worker;
  inFlight: number;
  wake: (() => void) | null;
  sketch: Promise<{ sketch: DatasetSketch | null; retype: boolean }>;
  /** True once the thread has loaded, false when it could not. */
  ready: Promise<boolean>;
}

/**
 * Starts profiling a CSV stream: on other threads when the file is big enough and UTF-8, else on
 * this one. `single` is the one-thread profiler to fall back to.
 */
export function csvStreamProfiler(
  file: string,
  options: CsvOptions | undefined,
  types: DatasetSchema | null,
  single: () => { push(chunk: Buffer): void; end(): ProfileOutcome },
  threads = profilingThreads(),
): StreamProfiler {
  const encoding = options?.encoding?.toLowerCase().replace(/[-_]/g, '');
  const parallel = threads > 0 && (encoding === undefined || encoding === 'utf8');
  if (!parallel) return wrapSingle(single());
  return new ParallelCsvProfiler(file, options ?? {}, types, single, threads);
}

/** A profiler that works on the caller's thread, as a stream profiler (nothing to wait for, nothing to abort). */
export function wrapSingle(p: { push(chunk: Buffer): void; end(): ProfileOutcome }): StreamProfiler {
  return {
    push(chunk) {
      p.push(chunk);
      return undefined;
    },
    end: async () => p.end(),
    abort: async () => undefined,
  };
}

class ParallelCsvProfiler implements StreamProfiler {
  readonly #file: string;
  readonly #options: CsvOptions;
  readonly #types: DatasetSchema | null;
  readonly #single: () => { push(chunk: Buffer): void; end(): ProfileOutcome };
  /** The block being filled: bytes [0, #used) not yet sent. Its memory is handed to a thread when sent. */
  #cur: Buffer = Buffer.allocUnsafeSlow(BLOCK + SLACK);
  #used = 0;
  /** Set when the stream is handled on this thread after all. */
  #fallback: StreamProfiler | null = null;
  #lanes: Lane[] = [];
  #dialect: CsvDialect | null = null;
  #headerLines = 0;
  #next = 0;
  /** Index of the first block sent as one stream (a quote was seen), or -1. */
  #streamFrom = -1;
  readonly #lines = new Map<number, number>();
  /** Block memory the threads gave back, reused so memory stays bounded. */
  readonly #free: ArrayBuffer[] = [];
  #errors: Extract<CsvWorkerReply, { type: 'error' }>[] = [];
  readonly #quote: number;
  readonly #threads: number;

  constructor(file: string, options: CsvOptions, types: DatasetSchema | null, single: () => { push(chunk: Buffer): void; end(): ProfileOutcome }, threads: number) {
    this.#threads = threads;
    this.#file = file;
    this.#options = options;
    this.#types = types;
    this.#single = single;
    this.#quote = (options.quote ?? '"').charCodeAt(0);
  }

  push(chunk: Buffer): Promise<void> | undefined {
    if (this.#fallback) return this.#fallback.push(chunk);
    if (this.#used + chunk.length <= this.#cur.length && this.#used + chunk.length < BLOCK) {
      chunk.copy(this.#cur, this.#used);
      this.#used += chunk.length;
      return undefined;
    }
    return this.#pushSlow(chunk);
  }

  async #pushSlow(chunk: Buffer): Promise<void> {
    let off = 0;
    while (off < chunk.length) {
      if (this.#fallback) {
        await this.#fallback.push(chunk.subarray(off));
        return;
      }
      if (this.#used === this.#cur.length) this.#grow();
      const n = Math.min(chunk.length - off, this.#cur.length - this.#used);
      chunk.copy(this.#cur, this.#used, off, off + n);
      this.#used += n;
      off += n;
      while (this.#fallback === null && this.#used >= BLOCK) {
        if (!(await this.#cutAndSend())) break;
      }
    }
  }

  /** A row longer than a block: make room for it. */
  #grow(): void {
    const bigger = Buffer.allocUnsafeSlow(this.#cur.length * 2);
    this.#cur.copy(bigger, 0, 0, this.#used);
    this.#cur = bigger;
  }

  async end(): Promise<ProfileOutcome> {
    if (this.#fallback) return this.#fallback.end();
    if (this.#lanes.length === 0) {
      // Small enough for one thread.
      this.#useSingle();
      return this.#fallback!.end();
    }
    while (this.#used > BLOCK && (await this.#cutAndSend()));
    if (this.#used > 0 || this.#streamFrom >= 0) await this.#sendFinal();
    await this.#settle();
    this.#throwFirstError();
    for (const lane of this.#lanes) lane.worker.postMessage({ type: 'finish' } satisfies CsvWorkerRequest);
    const results = await Promise.all(this.#lanes.map((l) => l.sketch));
    await this.abort();
    let sketch: DatasetSketch | null = null;
    let retype = false;
    for (const r of results) {
      retype ||= r.retype;
      if (r.sketch === null) continue;
      if (sketch !== null) {
        for (const c of r.sketch.columns) {
          const other = sketch.columns.find((x) => x.name === c.name);
          if (other && widerType(other.type, c.type).reread) retype = true;
        }
      }
      sketch = sketch === null ? r.sketch : mergeSketches(sketch, r.sketch);
    }
    const merged = sketch!;
    return { sketch: merged, retype, schema: { columns: merged.columns.map((c) => ({ name: c.name, type: c.type ?? 'string' })) }, dialect: this.#dialect! };
  }

  async abort(): Promise<void> {
    const lanes = this.#lanes;
    this.#lanes = [];
    await Promise.all(lanes.map((l) => l.worker.terminate()));
  }

  #useSingle(): void {
    const single = wrapSingle(this.#single());
    if (this.#used > 0) single.push(this.#cur.subarray(0, this.#used));
    this.#used = 0;
    this.#fallback = single;
  }

  /**
   * Sends the bytes up to the last line end before the block size (so blocks depend only on the
   * bytes); keeps the rest. False when there is no line end yet (a row longer than a block).
   */
  async #cutAndSend(): Promise<boolean> {
    if (this.#lanes.length === 0 && !(await this.#start())) {
      this.#useSingle();
      return false;
    }
    let lf = this.#cur.lastIndexOf(LF, Math.min(BLOCK, this.#used) - 1);
    // A row longer than a block: the block ends after it.
    if (lf < 0) lf = this.#cur.lastIndexOf(LF, this.#used - 1);
    if (lf < 0) return false;
    const cut = lf + 1;
    const block = this.#cur;
    const rest = this.#used - cut;
    const reused = rest + SLACK <= BLOCK + SLACK ? this.#free.pop() : undefined;
    this.#cur = reused ? Buffer.from(reused) : Buffer.allocUnsafeSlow(Math.max(BLOCK + SLACK, rest + SLACK));
    block.copy(this.#cur, 0, cut, this.#used);
    this.#used = rest;
    await this.#send(block, cut, false);
    return true;
  }

  async #sendFinal(): Promise<void> {
    const block = this.#cur;
    const length = this.#used;
    this.#cur = Buffer.allocUnsafeSlow(0);
    this.#used = 0;
    await this.#send(block, length, true);
  }

  /** Reads the header from the first block and starts the threads; false when this stream is not for them. */
  async #start(): Promise<boolean> {
    const head = this.#cur.subarray(0, this.#used);
    if ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff)) return false;
    const at = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0;
    // The header ends at the first line feed outside quotes.
    let quoted = false;
    let end = -1;
    for (let i = at; i < head.length; i++) {
      const c = head[i]!;
      if (c === this.#quote) quoted = !quoted;
      else if (c === LF && !quoted) {
        end = i + 1;
        break;
      }
    }
    if (end < 0) return false;
    const delimiter = this.#options.delimiter ?? sniffDelimiter(head.subarray(at, Math.min(head.length, at + 64 * 1024)).toString('utf8'), String.fromCharCode(this.#quote));
    let names: string[] = [];
    let dialect: CsvDialect | null = null;
    const reader = new CsvReader(this.#file, {
      header(n, d) {
        names = n;
        dialect = d;
      },
      row() {},
    }, { ...this.#options, delimiter });
    reader.push(head.subarray(0, end));
    if (dialect === null) return false;
    // The same checks a one-thread pass makes on the header (declared columns present).
    new TableProfiler(this.#file, this.#types).header(names, dialect);
    factory ??= workerFactory();
    if (factory === null) return false;
    const init: CsvWorkerInit = { file: this.#file, names, dialect, types: this.#types };
    const lanes = Array.from({ length: this.#threads }, () => this.#lane(factory!(init)));
    const ready = await Promise.all(lanes.map((l) => l.ready));
    if (!ready.every(Boolean)) {
      await Promise.all(lanes.map((l) => l.worker.terminate()));
      return false;
    }
    this.#lanes = lanes;
    this.#dialect = dialect;
    this.#headerLines = reader.line;
    // The header's bytes are not part of any block.
    this.#cur.copy(this.#cur, 0, end, this.#used);
    this.#used -= end;
    return true;
  }

  #lane(worker: Worker): Lane {
    let settle!: (v: { sketch: DatasetSketch | null; retype: boolean }) => void;
    let fail!: (err: Error) => void;
    let isReady!: (ok: boolean) => void;
    const lane: Lane = {
      worker, inFlight: 0, wake: null,
      sketch: new Promise((resolve, reject) => ((settle = resolve), (fail = reject))),
      ready: new Promise((resolve) => (isReady = resolve)),
    };
    lane.sketch.catch(() => undefined);
    worker.on('message', (m: CsvWorkerReply) => {
      if (m.type === 'ready') isReady(true);
      else if (m.type === 'sketch') settle({ sketch: m.sketch, retype: m.retype });
      else {
        if (m.type === 'done') {
          this.#lines.set(m.index, m.lines);
          if (m.data.byteLength === BLOCK + SLACK) this.#free.push(m.data);
        }
        else this.#errors.push(m);
        lane.inFlight--;
        const wake = lane.wake;
        lane.wake = null;
        wake?.();
      }
    });
    worker.on('error', (err) => {
      isReady(false);
      this.#errors.push({ type: 'error', index: -1, message: String(err?.stack ?? err) });
      fail(err);
      lane.inFlight = 0;
      const wake = lane.wake;
      lane.wake = null;
      wake?.();
    });
    return lane;
  }

  async #send(block: Buffer, length: number, final: boolean): Promise<void> {
    const index = this.#next++;
    if (this.#streamFrom < 0 && block.subarray(0, length).indexOf(this.#quote) >= 0) this.#streamFrom = index;
    const streaming = this.#streamFrom >= 0;
    const lane = streaming ? this.#lanes[0]! : this.#lanes[index % this.#lanes.length]!;
    while (lane.inFlight >= IN_FLIGHT) await new Promise<void>((resolve) => (lane.wake = resolve));
    if (this.#errors.length > 0) {
      await this.#settle();
      this.#throwFirstError();
    }
    lane.inFlight++;
    const buffer = block.buffer as ArrayBuffer;
    const request: CsvWorkerRequest = { type: 'block', index, data: buffer, offset: block.byteOffset, length, restart: !streaming || index === this.#streamFrom, final };
    lane.worker.postMessage(request, [buffer]);
  }

  /** Waits until every thread has answered every block. */
  async #settle(): Promise<void> {
    for (const lane of this.#lanes) while (lane.inFlight > 0) await new Promise<void>((resolve) => (lane.wake = resolve));
  }

  /** The error of the earliest failing block, with its line counted from the file's start. */
  #throwFirstError(): void {
    if (this.#errors.length === 0) return;
    const first = this.#errors.slice().sort((a, b) => a.index - b.index)[0]!;
    void this.abort();
    if (first.location === undefined || first.problem === undefined) throw new Error(first.message ?? 'a profiling thread failed');
    const from = this.#streamFrom >= 0 && first.index >= this.#streamFrom ? this.#streamFrom : first.index;
    let before = this.#headerLines;
    for (let i = 0; i < from; i++) before += this.#lines.get(i) ?? 0;
    const local = first.location.line;
    throw new DataFormatError({ ...first.location, ...(local !== undefined ? { line: before + local } : {}) }, first.problem);
  }
}
