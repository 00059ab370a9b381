import { InvalidParameterError } from '../errors/index.js';
import type { ModelSignature } from '../bundles/index.js';

/**
 * Request bodies of MLflow's scoring protocol (`POST /invocations`), as records keyed by column:
 * `dataframe_split` {columns, data}, `dataframe_records` [{…}], `instances` and `inputs`
 * (records, rows of values in signature order, or a column → values object), and CSV with a
 * header row. Unknown top-level keys are refused, as MLflow does.
 */
export function parseScoringRequest(body: unknown, contentType: string | undefined, signature: ModelSignature): Record<string, unknown>[] {
  const type = (contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase();
  if (type === 'text/csv') return parseCsv(typeof body === 'string' ? body : Buffer.isBuffer(body) ? body.toString('utf8') : '');
  if (type !== 'application/json') {
    throw new InvalidParameterError(`Content-Type '${type}' is not accepted; send application/json or text/csv.`, 'content-type');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new InvalidParameterError('The request body must be a JSON object with one of dataframe_split, dataframe_records, instances or inputs.', 'body');
  }
  const b = body as Record<string, unknown>;
  const formats = ['dataframe_split', 'dataframe_records', 'instances', 'inputs'].filter((k) => k in b);
  const unknown = Object.keys(b).filter((k) => !['dataframe_split', 'dataframe_records', 'instances', 'inputs', 'params'].includes(k));
  if (formats.length !== 1 || unknown.length > 0) {
    throw new InvalidParameterError(
      `Send exactly one of dataframe_split, dataframe_records, instances or inputs (and optionally params); got ${Object.keys(b).join(', ') || 'nothing'}.`,
      'body',
    );
  }
  const format = formats[0]!;
  const value = b[format];
  if (format === 'dataframe_split') return fromSplit(value);
  if (format === 'dataframe_records') {
    if (!Array.isArray(value)) throw new InvalidParameterError("'dataframe_records' must be a list of objects.", format);
    return value as Record<string, unknown>[];
  }
  return fromTensorish(value, format, signature);
}

function fromSplit(value: unknown): Record<string, unknown>[] {
  const split = value as { columns?: unknown; data?: unknown } | null;
  if (!split || typeof split !== 'object' || !Array.isArray(split.columns) || !Array.isArray(split.data)) {
    throw new InvalidParameterError("'dataframe_split' must be {\"columns\": [...], \"data\": [[...], ...]}.", 'dataframe_split');
  }
  const columns = split.columns.map(String);
  return split.data.map((row, r) => {
    if (!Array.isArray(row) || row.length !== columns.length) {
      throw new InvalidParameterError(`dataframe_split row ${r} has ${Array.isArray(row) ? row.length : 'no'} values for ${columns.length} columns.`, 'dataframe_split');
    }
    const record: Record<string, unknown> = {};
    for (let c = 0; c < columns.length; c++) record[columns[c]!] = row[c];
    return record;
  });
}

/** `instances` / `inputs`: records, positional rows (signature order), or {column: [values]}. */
function fromTensorish(value: unknown, field: string, signature: ModelSignature): Record<string, unknown>[] {
  const names = signature.inputs.map((c) => c.name);
  if (Array.isArray(value)) {
    return value.map((item, r) => {
      if (Array.isArray(item)) {
        if (item.length !== names.length) throw new InvalidParameterError(`${field} row ${r} has ${item.length} values; this model takes ${names.length} (${names.join(', ')}).`, field);
        const record: Record<string, unknown> = {};
        for (let c = 0; c < names.length; c++) record[names[c]!] = item[c];
        return record;
      }
      if (item !== null && typeof item === 'object') return item as Record<string, unknown>;
      if (names.length === 1) return { [names[0]!]: item };
      throw new InvalidParameterError(`${field} row ${r} must be an object or a list of values.`, field);
    });
  }
  if (value !== null && typeof value === 'object') {
    const columns = Object.entries(value as Record<string, unknown>);
    const lengths = new Set(columns.map(([, v]) => (Array.isArray(v) ? v.length : 1)));
    if (lengths.size > 1) throw new InvalidParameterError(`${field} columns have different lengths (${[...lengths].join(', ')}).`, field);
    const n = lengths.size === 0 ? 0 : [...lengths][0]!;
    return Array.from({ length: n }, (_, r) => Object.fromEntries(columns.map(([k, v]) => [k, Array.isArray(v) ? v[r] : v])));
  }
  throw new InvalidParameterError(`'${field}' must be a list of rows or an object of columns.`, field);
}

/** CSV with a header row; numbers are read as numbers, empty cells as missing. Quoted fields follow RFC 4180. */
export function parseCsv(text: string): Record<string, unknown>[] {
  const records = splitCsv(text);
  if (records.length === 0) throw new InvalidParameterError('The CSV body is empty; send a header row and data rows.', 'body');
  const header = records[0]!;
  return records.slice(1).filter((r) => !(r.length === 1 && r[0] === '')).map((cells, r) => {
    if (cells.length !== header.length) throw new InvalidParameterError(`CSV line ${r + 2} has ${cells.length} fields; the header has ${header.length}.`, 'body');
    const record: Record<string, unknown> = {};
    for (let c = 0; c < header.length; c++) {
      const cell = cells[c]!;
      const n = cell.trim() === '' ? NaN : Number(cell);
      record[header[c]!] = cell === '' ? null : Number.isNaN(n) ? cell : n;
    }
    return record;
  });
}

function splitCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"' && cell === '') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (quoted) throw new InvalidParameterError('The CSV body ends inside a quoted field.', 'body');
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}
