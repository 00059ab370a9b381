import { InvalidParameterError } from '../errors/index.js';
import type { ColumnShift, DatasetDiff, DatasetVersion, KeyedRowDiff, SchemaChange } from './types.js';
import type { DatasetSketch } from './profile/profile.js';
import type { CellValue, RecordBatch } from './formats/records.js';
import { compareColumns } from './drift.js';

/** A version and the statistics behind its profile. */
export interface VersionWithSketch {
  readonly version: DatasetVersion;
  readonly sketch: DatasetSketch;
}

/** Schema changes, row counts and per-column distribution shift between two versions. */
export function diffVersions(from: VersionWithSketch, to: VersionWithSketch): DatasetDiff {
  const a = from.version;
  const b = to.version;
  const before = new Map(a.schema.columns.map((c) => [c.name, c.type]));
  const after = new Map(b.schema.columns.map((c) => [c.name, c.type]));
  const schema_changes: SchemaChange[] = [];
  for (const [name, type] of before) {
    if (!after.has(name)) schema_changes.push({ column: name, change: 'removed', from: type });
    else if (after.get(name) !== type) schema_changes.push({ column: name, change: 'type_changed', from: type, to: after.get(name)! });
  }
  for (const [name, type] of after) if (!before.has(name)) schema_changes.push({ column: name, change: 'added', to: type });

  const column_shift: ColumnShift[] = [];
  for (const col of to.sketch.columns) {
    const ref = from.sketch.columns.find((c) => c.name === col.name);
    if (!ref) continue;
    const cmp = compareColumns(ref, col);
    if (cmp === null) continue;
    const pa = a.profile.columns.find((c) => c.name === col.name)!;
    const pb = b.profile.columns.find((c) => c.name === col.name)!;
    column_shift.push({
      column: col.name,
      type: pb.type,
      psi: cmp.psi,
      ...(cmp.ks_statistic !== undefined ? { ks_statistic: cmp.ks_statistic, ks_p_value: cmp.ks_p_value! } : {}),
      ...(pa.mean !== undefined && pb.mean !== undefined ? { mean_from: pa.mean, mean_to: pb.mean } : {}),
      missing_share_from: pa.missing_share,
      missing_share_to: pb.missing_share,
      drifted: cmp.drifted,
    });
  }
  return {
    from: { name: a.name, version: a.version, digest: a.digest, row_count: a.row_count },
    to: { name: b.name, version: b.version, digest: b.digest, row_count: b.row_count },
    same_content: a.digest === b.digest,
    row_count_change: b.row_count - a.row_count,
    schema_changes,
    column_shift,
  };
}

/** A 53-bit hash of a string (two 32-bit FNV-1a lanes), for comparing rows without keeping them. */
function hashString(text: string): number {
  let h1 = 0x811c9dc5;
  let h2 = 0x01000193;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}

const EXAMPLES = 10;

/**
 * Rows added, removed and changed between two versions, matched by a key column. Rows are
 * compared on the columns both versions have; a key on several rows counts its last one. Memory:
 * one entry per key of each version.
 */
export async function keyedRowDiff(key: string, from: AsyncIterable<RecordBatch>, to: AsyncIterable<RecordBatch>, commonColumns: string[]): Promise<KeyedRowDiff> {
  const compared = commonColumns.filter((c) => c !== key).sort();
  const keyOf = (v: CellValue) => (v === null ? '' : String(v));
  const rowHashes = async function* (batches: AsyncIterable<RecordBatch>): AsyncGenerator<[string, number]> {
    for await (const batch of batches) {
      const at = batch.columns.indexOf(key);
      if (at < 0) throw new InvalidParameterError(`The key column '${key}' is not in both versions.`, 'key');
      const positions = compared.map((c) => batch.columns.indexOf(c));
      for (const row of batch.rows) yield [keyOf(row[at] ?? null), hashString(JSON.stringify(positions.map((p) => (p < 0 ? null : row[p] ?? null))))];
    }
  };
  const before = new Map<string, number>();
  let duplicates = 0;
  for await (const [k, h] of rowHashes(from)) {
    if (before.has(k)) duplicates++;
    before.set(k, h);
  }
  const after = new Map<string, number>();
  for await (const [k, h] of rowHashes(to)) {
    if (after.has(k)) duplicates++;
    after.set(k, h);
  }
  const examples = { added: [] as string[], removed: [] as string[], changed: [] as string[] };
  let added = 0;
  let changed = 0;
  let unchanged = 0;
  let removed = 0;
  for (const [k, h] of after) {
    const old = before.get(k);
    if (old === undefined) {
      added++;
      if (examples.added.length < EXAMPLES) examples.added.push(k);
    } else if (old !== h) {
      changed++;
      if (examples.changed.length < EXAMPLES) examples.changed.push(k);
    } else unchanged++;
  }
  for (const k of before.keys()) {
    if (after.has(k)) continue;
    removed++;
    if (examples.removed.length < EXAMPLES) examples.removed.push(k);
  }
  return { key, added, removed, changed, unchanged, examples, duplicate_keys: duplicates };
}
