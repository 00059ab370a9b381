import { RECORD_WORDS, writeKernelTable, type XgboostForest } from './forest.js';
import { blockRowsFor, type ForestEngine } from './engine.js';
import { fillRowBlock, type XgboostRows } from './rows.js';

/*
 * The prediction kernel as a small WebAssembly function, assembled here from its opcodes. It
 * walks the kernel table of forest.ts exactly as JsForestEngine does, but WebAssembly turns the
 * comparison into a flag without a branch and has no bounds checks, so it runs two to three times
 * faster; f32 arithmetic in WebAssembly is IEEE single precision, so sums are XGBoost's.
 *
 * Memory of one model: [kernel records][tree table: root, depth, group byte offset][row block
 * (float32, doubled rows)][margin block (float32)]. All references are byte addresses.
 *
 *   run(trees, numTrees, xs, numRows, out)
 *     for each tree: for rows in groups of UNROLL, then one by one:
 *       node = root; repeat depth times: node = load32(node + 4 * (xs[row + col(node)] >= thr(node)))
 *       out[row][group] += value(node)
 *
 * A module is built per row width and output count: row j of a group is then reached through the
 * constant offset of its load instead of a register, which leaves registers for 16 rows walking
 * together (the loads of independent rows overlap; 16 measured best, 8 is 25% slower).
 */

const UNROLL = 16;

// Opcodes used (WebAssembly MVP).
const OP = {
  block: 0x02,
  loop: 0x03,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  f32Load: 0x2a,
  f32Store: 0x38,
  i32Const: 0x41,
  i32Eqz: 0x45,
  i32GtU: 0x4b,
  i32GeU: 0x4f,
  f32Ge: 0x60,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32Shl: 0x74,
  f32Add: 0x92,
} as const;
const VOID_BLOCK = 0x40;
const I32 = 0x7f;

function uleb(value: number): number[] {
  const out: number[] = [];
  let v = value >>> 0;
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

function sleb(value: number): number[] {
  const out: number[] = [];
  let v = value | 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const name = (s: string) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

const PARAMS = 5;

/** The kernel for rows of `rowStride` bytes and margin rows of `outStride` bytes. */
function kernelModuleBytes(rowStride: number, outStride: number): Uint8Array {
  // Offsets and steps of a whole group must fit in an i32 (the caller falls back to JavaScript).
  if (UNROLL * Math.max(rowStride, outStride) > 0x7fffffff) throw new RangeError('rows too wide for the WebAssembly kernel');
  const [pTrees, pNumTrees, pXs, pRows, pOut] = [0, 1, 2, 3, 4];
  let nextLocal = PARAMS;
  const t = nextLocal++;
  const root = nextLocal++;
  const depth = nextLocal++;
  const o = nextLocal++;
  const xb = nextLocal++;
  const r = nextLocal++;
  const d = nextLocal++;
  const node = Array.from({ length: UNROLL }, () => nextLocal++);
  const numLocals = nextLocal - PARAMS;

  const get = (i: number) => [OP.localGet, i];
  const set = (i: number) => [OP.localSet, i];
  const tee = (i: number) => [OP.localTee, i];
  const i32 = (v: number) => [OP.i32Const, ...sleb(v)];
  const mem = (op: number, offset: number) => [op, 2, ...uleb(offset)]; // align 2^2
  const add = (a: number, b: number[]) => [...get(a), ...b, OP.i32Add];

  // node = load32(node + ((xs[row j + col(node)] >= thr(node)) << 2))
  const step = (n: number, j: number) => [
    ...get(n),
    ...get(xb), ...get(n), ...mem(OP.i32Load, 8), OP.i32Add, ...mem(OP.f32Load, j * rowStride),
    ...get(n), ...mem(OP.f32Load, 12),
    OP.f32Ge, ...i32(2), OP.i32Shl, OP.i32Add,
    ...mem(OP.i32Load, 0), ...set(n),
  ];
  // repeat `depth` times (possibly zero)
  const walk = (body: number[]) => [
    ...get(depth), ...set(d),
    OP.block, VOID_BLOCK, ...get(d), OP.i32Eqz, OP.brIf, 0,
    OP.loop, VOID_BLOCK, ...body, ...get(d), ...i32(1), OP.i32Sub, ...tee(d), OP.brIf, 0, OP.end,
    OP.end,
  ];
  // out[row j] += value(node)
  const accumulate = (n: number, j: number) => [
    ...get(o), ...get(o), ...mem(OP.f32Load, j * outStride), ...get(n), ...mem(OP.f32Load, 12), OP.f32Add, ...mem(OP.f32Store, j * outStride),
  ];

  const groupLoop = [
    OP.block, VOID_BLOCK, OP.loop, VOID_BLOCK,
    ...add(r, i32(UNROLL)), ...get(pRows), OP.i32GtU, OP.brIf, 1,
    ...node.flatMap((n) => [...get(root), ...set(n)]),
    ...walk(node.flatMap((n, j) => step(n, j))),
    ...node.flatMap((n, j) => accumulate(n, j)),
    ...add(xb, i32(UNROLL * rowStride)), ...set(xb),
    ...add(o, i32(UNROLL * outStride)), ...set(o),
    ...add(r, i32(UNROLL)), ...set(r),
    OP.br, 0, OP.end, OP.end,
  ];
  const tailLoop = [
    OP.block, VOID_BLOCK, OP.loop, VOID_BLOCK,
    ...get(r), ...get(pRows), OP.i32GeU, OP.brIf, 1,
    ...get(root), ...set(node[0]),
    ...walk(step(node[0], 0)),
    ...accumulate(node[0], 0),
    ...add(o, i32(outStride)), ...set(o),
    ...add(xb, i32(rowStride)), ...set(xb),
    ...add(r, i32(1)), ...set(r),
    OP.br, 0, OP.end, OP.end,
  ];
  const body = [
    ...i32(0), ...set(t),
    OP.block, VOID_BLOCK, OP.loop, VOID_BLOCK,
    ...get(t), ...get(pNumTrees), OP.i32GeU, OP.brIf, 1,
    // root = trees[t].root, depth = trees[t].depth, o = out + trees[t].groupOffset
    ...get(pTrees), ...get(t), ...i32(12), OP.i32Mul, OP.i32Add, ...tee(root),
    ...mem(OP.i32Load, 4), ...set(depth),
    ...add(pOut, [...get(root), ...mem(OP.i32Load, 8)]), ...set(o),
    ...get(root), ...mem(OP.i32Load, 0), ...set(root),
    ...get(pXs), ...set(xb), ...i32(0), ...set(r),
    ...groupLoop,
    ...tailLoop,
    ...add(t, i32(1)), ...set(t),
    OP.br, 0, OP.end, OP.end,
  ];
  const code = [...uleb(1), ...uleb(numLocals), I32, ...body, OP.end];

  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
    ...section(1, [...uleb(1), 0x60, ...uleb(PARAMS), ...Array<number>(PARAMS).fill(I32), ...uleb(0)]), // type: (i32 x5) -> ()
    ...section(2, [...uleb(1), ...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(1)]), // import memory, min 1 page
    ...section(3, [...uleb(1), ...uleb(0)]), // one function of type 0
    ...section(7, [...uleb(1), ...name('run'), 0x00, ...uleb(0)]), // export it as "run"
    ...section(10, [...uleb(1), ...uleb(code.length), ...code]),
  ]);
}

// The part of the WebAssembly JS API used here (the project's type libraries do not declare it).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { readonly exports: Record<string, unknown> };
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
}
const wasmApi = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;

// Compiled kernels by row and output width; models of the same shape share one.
const kernelModules = new Map<string, object | null>();
const MAX_CACHED_KERNELS = 64;

/** The compiled kernel, or null where WebAssembly is unavailable. */
function compiledKernel(rowStride: number, outStride: number): object | null {
  const key = `${rowStride}/${outStride}`;
  let kernel = kernelModules.get(key);
  if (kernel === undefined) {
    try {
      kernel = wasmApi ? new wasmApi.Module(kernelModuleBytes(rowStride, outStride)) : null;
    } catch {
      kernel = null;
    }
    if (kernelModules.size >= MAX_CACHED_KERNELS) kernelModules.clear();
    kernelModules.set(key, kernel);
  }
  return kernel;
}

const PAGE = 65536;
const TREE_ENTRY_BYTES = 12;
// Byte addresses are i32: keep the whole memory well below 2 GiB.
const MAX_MEMORY_BYTES = 2 ** 31 - PAGE;

type RunFn = (trees: number, numTrees: number, xs: number, rows: number, out: number) => void;

export class WasmForestEngine implements ForestEngine {
  readonly kind = 'wasm';
  readonly #run: RunFn;
  readonly #treesAt: number;
  readonly #numTrees: number;
  readonly #xsAt: number;
  readonly #outAt: number;
  readonly #xs: Float32Array;
  readonly #out: Float32Array;
  readonly #numFeatures: number;
  readonly #numGroups: number;
  readonly #blockRows: number;

  /** Returns null when WebAssembly is unavailable or the model does not fit in its memory. */
  static create(forest: XgboostForest): WasmForestEngine | null {
    const kernel = compiledKernel(8 * forest.numFeatures, 4 * forest.numGroups);
    if (!kernel || !wasmApi) return null;
    const blockRows = blockRowsFor(forest.numFeatures);
    const layout = memoryLayout(forest, blockRows);
    if (layout.total > MAX_MEMORY_BYTES) return null;
    let memory: WasmMemory;
    try {
      const pages = Math.ceil(layout.total / PAGE);
      memory = new wasmApi.Memory({ initial: pages, maximum: pages });
    } catch {
      return null;
    }
    const instance = new wasmApi.Instance(kernel, { env: { memory } });
    return new WasmForestEngine(forest, memory, instance.exports.run as RunFn, layout, blockRows);
  }

  private constructor(forest: XgboostForest, memory: WasmMemory, run: RunFn, layout: MemoryLayout, blockRows: number) {
    const buffer = memory.buffer;
    const ints = new Int32Array(buffer);
    const roots = writeKernelTable(forest, { ints, floats: new Float32Array(buffer), start: 0, scale: 4 });
    const table = new Int32Array(buffer, layout.treesAt, forest.numTrees * 3);
    for (let t = 0; t < forest.numTrees; t++) {
      table[t * 3] = roots[t];
      table[t * 3 + 1] = forest.treeDepths[t];
      table[t * 3 + 2] = forest.treeGroups[t] * 4;
    }
    this.#run = run;
    this.#treesAt = layout.treesAt;
    this.#numTrees = forest.numTrees;
    this.#xsAt = layout.xsAt;
    this.#outAt = layout.outAt;
    this.#numFeatures = forest.numFeatures;
    this.#numGroups = forest.numGroups;
    this.#blockRows = blockRows;
    this.#xs = new Float32Array(buffer, layout.xsAt, blockRows * 2 * forest.numFeatures);
    this.#out = new Float32Array(buffer, layout.outAt, blockRows * forest.numGroups);
  }

  accumulate(rows: XgboostRows, n: number, margins: Float32Array): void {
    const K = this.#numGroups;
    for (let first = 0; first < n; first += this.#blockRows) {
      const count = Math.min(this.#blockRows, n - first);
      fillRowBlock(rows, this.#numFeatures, first, count, this.#xs);
      this.#out.set(margins.subarray(first * K, (first + count) * K));
      this.#run(this.#treesAt, this.#numTrees, this.#xsAt, count, this.#outAt);
      margins.set(this.#out.subarray(0, count * K), first * K);
    }
  }
}

interface MemoryLayout {
  treesAt: number;
  xsAt: number;
  outAt: number;
  total: number;
}

function memoryLayout(forest: XgboostForest, blockRows: number): MemoryLayout {
  const treesAt = forest.numNodes * RECORD_WORDS * 4;
  const xsAt = treesAt + forest.numTrees * TREE_ENTRY_BYTES;
  const outAt = xsAt + blockRows * 2 * forest.numFeatures * 4;
  const total = outAt + blockRows * forest.numGroups * 4;
  return { treesAt, xsAt, outAt, total: Math.max(total, 1) };
}
