import { InvalidParameterError } from '../errors/index.js';
import type { ColumnType, ModelSignature } from '../bundles/index.js';

/** One tensor of an Open Inference Protocol request or response. */
export interface InferTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly datatype: string;
  readonly data: unknown;
  readonly parameters?: Record<string, unknown>;
}

/** A parsed inference request: records for the model, and what the caller asked back. */
export interface ParsedInferRequest {
  readonly id: string | undefined;
  readonly rows: Record<string, unknown>[];
  /** Output names the caller asked for; undefined: all. */
  readonly outputs: string[] | undefined;
}

const NUMERIC_TYPES = new Set(['FP16', 'FP32', 'FP64', 'INT8', 'INT16', 'INT32', 'INT64', 'UINT8', 'UINT16', 'UINT32', 'UINT64']);

/** The Open Inference datatype of a signature column. */
export function datatypeOf(type: ColumnType): string {
  if (type === 'string') return 'BYTES';
  if (type === 'boolean') return 'BOOL';
  if (type === 'long') return 'INT64';
  if (type === 'integer') return 'INT32';
  return type === 'float' ? 'FP32' : 'FP64';
}

/**
 * Reads an inference request: either one tensor per signature column (shape [N] or [N, 1]), or,
 * for a model with one matrix input, one [N, F] tensor named as that input, whose columns are the
 * signature's columns in order. Every shape is checked against the data it carries.
 */
export function parseInferRequest(body: unknown, signature: ModelSignature): ParsedInferRequest {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new InvalidParameterError('The request body must be a JSON object with "inputs".', 'body');
  const b = body as { id?: unknown; inputs?: unknown; outputs?: unknown };
  if (b.id !== undefined && typeof b.id !== 'string') throw new InvalidParameterError("'id' must be a string.", 'id');
  if (!Array.isArray(b.inputs) || b.inputs.length === 0) throw new InvalidParameterError("'inputs' must be a non-empty list of tensors.", 'inputs');
  const tensors = b.inputs.map((t, i) => checkTensor(t, i));
  const outputs = b.outputs === undefined ? undefined : outputNames(b.outputs);
  const names = signature.inputs.map((c) => c.name);
  const matrix = signature.input_tensor;

  if (matrix && tensors.length === 1 && tensors[0]!.name === matrix.name) {
    const t = tensors[0]!;
    if (t.shape.length !== 2 || t.shape[1] !== names.length) {
      throw new InvalidParameterError(`Input '${t.name}' must have shape [N, ${names.length}]; got [${t.shape.join(', ')}].`, t.name);
    }
    const [n] = t.shape as [number, number];
    const rows: Record<string, unknown>[] = new Array(n);
    for (let r = 0; r < n; r++) {
      const row: Record<string, unknown> = {};
      for (let c = 0; c < names.length; c++) row[names[c]!] = t.flat[r * names.length + c];
      rows[r] = row;
    }
    return { id: b.id, rows, outputs };
  }

  const byName = new Map<string, (typeof tensors)[number]>();
  for (const t of tensors) {
    if (byName.has(t.name)) throw new InvalidParameterError(`Input '${t.name}' is sent twice.`, t.name);
    if (!names.includes(t.name)) {
      throw new InvalidParameterError(`Input '${t.name}' is not an input of this model (inputs: ${names.join(', ')}${matrix ? `; or one [N, ${names.length}] tensor '${matrix.name}'` : ''}).`, t.name);
    }
    if (t.shape.length > 2 || (t.shape.length === 2 && t.shape[1] !== 1)) {
      throw new InvalidParameterError(`Input '${t.name}' must have shape [N] (one value per row); got [${t.shape.join(', ')}].`, t.name);
    }
    byName.set(t.name, t);
  }
  const lengths = new Set([...byName.values()].map((t) => t.shape[0]));
  if (lengths.size > 1) throw new InvalidParameterError(`Input tensors have different first dimensions (${[...lengths].join(', ')}); every column needs one value per row.`, 'inputs');
  const n = [...lengths][0] ?? 0;
  const rows: Record<string, unknown>[] = new Array(n);
  for (let r = 0; r < n; r++) {
    const row: Record<string, unknown> = {};
    for (const [name, t] of byName) row[name] = t.flat[r];
    rows[r] = row;
  }
  return { id: b.id, rows, outputs };
}

function checkTensor(value: unknown, index: number): InferTensor & { flat: unknown[] } {
  const t = value as Partial<InferTensor> | null;
  if (!t || typeof t !== 'object' || typeof t.name !== 'string' || t.name === '') throw new InvalidParameterError(`inputs[${index}] needs a name.`, 'inputs');
  if (!Array.isArray(t.shape) || !t.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new InvalidParameterError(`Input '${t.name}' needs a shape: a list of non-negative integers.`, t.name);
  }
  if (typeof t.datatype !== 'string') throw new InvalidParameterError(`Input '${t.name}' needs a datatype (FP32, FP64, INT64, BYTES, BOOL, ...).`, t.name);
  if (!Array.isArray(t.data)) throw new InvalidParameterError(`Input '${t.name}' needs data: a (nested or flat) list.`, t.name);
  const flat = (t.data as unknown[]).flat(Infinity);
  const expected = t.shape.reduce((a, b) => a * b, 1);
  if (flat.length !== expected) {
    throw new InvalidParameterError(`Input '${t.name}' has ${flat.length} values for shape [${t.shape.join(', ')}] (${expected} expected).`, t.name);
  }
  const type = t.datatype.toUpperCase();
  for (let i = 0; i < flat.length; i++) {
    const v = flat[i];
    if (v === null) continue;
    const ok = NUMERIC_TYPES.has(type) ? typeof v === 'number' : type === 'BYTES' ? typeof v === 'string' : type === 'BOOL' ? typeof v === 'boolean' : false;
    if (!ok) throw new InvalidParameterError(`Input '${t.name}' value ${i} (${JSON.stringify(v)}) is not a ${type} value.`, t.name);
  }
  return { name: t.name, shape: t.shape, datatype: type, data: t.data, flat };
}

function outputNames(value: unknown): string[] {
  if (!Array.isArray(value)) throw new InvalidParameterError("'outputs' must be a list of {\"name\": ...}.", 'outputs');
  return value.map((o, i) => {
    const name = (o as { name?: unknown } | null)?.name;
    if (typeof name !== 'string') throw new InvalidParameterError(`outputs[${i}] needs a name.`, 'outputs');
    return name;
  });
}

/** Model metadata in the protocol's shape (tensor_meta with -1 for the free batch dimension). */
export function modelMetadata(name: string, versions: string[], platform: string, signature: ModelSignature) {
  const inputs = signature.input_tensor
    ? [{ name: signature.input_tensor.name, datatype: 'FP32', shape: [-1, signature.inputs.length] }]
    : signature.inputs.map((c) => ({ name: c.name, datatype: datatypeOf(c.type), shape: [-1] }));
  return {
    name,
    versions,
    platform,
    inputs,
    outputs: signature.outputs.map((o) => ({ name: o.name, datatype: o.dtype.toUpperCase().replace(/^FLOAT(\d+)$/, 'FP$1'), shape: o.shape.map((d) => d ?? -1) })),
    // Which request style fits: one tensor per column, or one matrix.
    parameters: { input_style: signature.input_tensor ? 'matrix-or-columns' : 'columns', columns: signature.inputs.map((c) => c.name).join(',') },
  };
}
