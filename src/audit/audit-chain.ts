import { createHash } from 'node:crypto';

/** prev_hash of the first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** The fields of one audit record that its hash covers. */
export interface AuditFields {
  readonly seq: number;
  readonly at: number;
  readonly actor: string;
  readonly action: string;
  readonly resource_type: string;
  readonly resource_id: string;
  readonly status: number;
  readonly source: string;
  /** JSON text: what the request asked for and, where known, the state before. */
  readonly summary: string;
  readonly prev_hash: string;
}

/**
 * The hash of a record: SHA-256 over its fields (a JSON array, so no field can bleed into the
 * next) including the previous record's hash. Editing, deleting or reordering any record breaks
 * every link after it.
 */
export function recordHash(r: AuditFields): string {
  const canonical = JSON.stringify([r.seq, r.at, r.actor, r.action, r.resource_type, r.resource_id, r.status, r.source, r.summary, r.prev_hash]);
  return createHash('sha256').update(canonical, 'utf8').digest('hex');
}
