import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { fileWriter, parquetWriteRows } from 'hyparquet-writer';
import { InvalidParameterError } from '../errors/index.js';
import type { LogFilter, LoggedRow, PredictionLog } from './prediction-log.js';

/*
 * Export of the prediction log as a flat table: one row per predicted row, one column per input
 * field, then the prediction and the label. Two passes over the log: the first finds the input
 * columns and a type per column (so a Parquet file gets real numeric columns, not JSON text), the
 * second writes. Both read page by page, so memory does not grow with the range exported.
 */

export const EXPORT_FORMATS = ['csv', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportSummary {
  readonly rows: number;
  readonly columns: string[];
}

type Kind = 'number' | 'boolean' | 'string' | 'json' | 'empty';

/** Column type that holds every value seen so far plus `v`. */
function widen(kind: Kind, v: unknown): Kind {
  if (v === null || v === undefined) return kind;
  const k: Kind = typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : typeof v === 'string' ? 'string' : 'json';
  if (kind === 'empty' || kind === k) return k;
  return kind === 'json' || k === 'json' ? 'json' : 'string';
}

/** The value as the column's type stores it. */
function cell(kind: Kind, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (kind === 'number') return typeof v === 'number' && Number.isFinite(v) ? v : null;
  if (kind === 'boolean') return v;
  if (kind === 'string') return typeof v === 'string' ? v : JSON.stringify(v);
  return JSON.stringify(v);
}

const FIXED = ['prediction_id', 'row', 'deployment', 'model', 'version', 'role', 'at', 'latency_ms'] as const;
const TAIL = ['prediction', 'label', 'label_at', 'explanation'] as const;

interface Layout {
  inputs: { key: string; column: string; kind: Kind }[];
  prediction: Kind;
  label: Kind;
}

async function scan(log: PredictionLog, filter: LogFilter): Promise<Layout> {
  const kinds = new Map<string, Kind>();
  let prediction: Kind = 'empty';
  let label: Kind = 'empty';
  for await (const r of log.rows(filter)) {
    for (const [k, v] of Object.entries(r.inputs)) kinds.set(k, widen(kinds.get(k) ?? 'empty', v));
    prediction = widen(prediction, r.output);
    label = widen(label, r.label);
  }
  // An input named like one of our own columns keeps its value under input_<name>.
  const taken = new Set<string>([...FIXED, ...TAIL]);
  const inputs = [...kinds].map(([key, kind]) => {
    let column = key;
    while (taken.has(column)) column = `input_${column}`;
    taken.add(column);
    return { key, column, kind };
  });
  return { inputs, prediction, label };
}

function record(layout: Layout, r: LoggedRow, time: (ms: number) => unknown): Record<string, unknown> {
  const out: Record<string, unknown> = {
    prediction_id: r.prediction_id, row: r.row, deployment: r.deployment, model: r.model, version: r.version, role: r.role, at: time(r.at), latency_ms: r.latency_ms,
  };
  for (const c of layout.inputs) out[c.column] = cell(c.kind, r.inputs[c.key]);
  out.prediction = cell(layout.prediction, r.output);
  out.label = cell(layout.label, r.label);
  out.label_at = r.label_at === null ? null : time(r.label_at);
  out.explanation = r.explanation === null ? null : JSON.stringify(r.explanation);
  return out;
}

// Lists and objects (class scores) are written as JSON text.
const PARQUET_TYPE: Record<Kind, string> = { number: 'DOUBLE', boolean: 'BOOLEAN', string: 'STRING', json: 'STRING', empty: 'STRING' };

function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : String(v);
  return /[",\r\n]/.test(s) || /^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Writes the logged rows `filter` selects to `file` as CSV (times in ISO 8601, empty cell =
 * missing) or Parquet (times as timestamps in ms).
 */
export async function exportPredictions(log: PredictionLog, filter: LogFilter, format: ExportFormat, file: string): Promise<ExportSummary> {
  if (!EXPORT_FORMATS.includes(format)) throw new InvalidParameterError(`Export format must be csv or parquet, not '${String(format)}'.`, 'format');
  const layout = await scan(log, filter);
  const columns = [...FIXED, ...layout.inputs.map((c) => c.column), ...TAIL];
  let rows = 0;
  if (format === 'csv') {
    const out = createWriteStream(file);
    const write = async (line: string) => {
      if (!out.write(line)) await once(out, 'drain');
    };
    try {
      await write(`${columns.map(csvField).join(',')}\n`);
      for await (const r of log.rows(filter)) {
        const rec = record(layout, r, (ms) => new Date(ms).toISOString());
        await write(`${columns.map((c) => csvField(rec[c])).join(',')}\n`);
        rows++;
      }
    } finally {
      out.end();
      await once(out, 'close');
    }
    return { rows, columns };
  }
  const types: Record<string, string> = {
    prediction_id: 'STRING', row: 'INT32', deployment: 'STRING', model: 'STRING', version: 'INT32', role: 'STRING', at: 'TIMESTAMP', latency_ms: 'DOUBLE',
    prediction: PARQUET_TYPE[layout.prediction], label: PARQUET_TYPE[layout.label], label_at: 'TIMESTAMP', explanation: 'STRING',
  };
  for (const c of layout.inputs) types[c.column] = PARQUET_TYPE[c.kind];
  async function* records() {
    for await (const r of log.rows(filter)) {
      rows++;
      yield record(layout, r, (ms) => new Date(ms));
    }
  }
  const writer = fileWriter(file);
  await parquetWriteRows({
    writer, rows: records(), rowGroupSize: 50_000,
    columns: columns.map((name) => ({ name, type: types[name] as 'STRING' })),
  });
  return { rows, columns };
}
