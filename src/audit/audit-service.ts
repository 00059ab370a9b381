import { sql } from 'kysely';
import type { PuenteDb } from '../db/index.js';
import { GENESIS_HASH, recordHash, type AuditFields } from './audit-chain.js';

/** What a caller hands in; seq, hashes and time are assigned when it is written. */
export interface AuditEntry extends Omit<AuditFields, 'seq' | 'at' | 'prev_hash' | 'summary'> {
  readonly summary: Record<string, unknown>;
}

/** One stored record, as the API shows it. */
export interface AuditRecord extends Omit<AuditFields, 'summary'> {
  readonly summary: unknown;
  readonly hash: string;
}

export interface AuditQuery {
  readonly actor?: string;
  readonly resource_type?: string;
  readonly resource_id?: string;
  /** Inclusive bounds, milliseconds since the epoch. */
  readonly since?: number;
  readonly until?: number;
  /** Records with seq greater than this (paging). */
  readonly after_seq?: number;
  readonly limit?: number;
}

/** The outcome of `verify`: ok, or the first record that breaks the chain and how. */
export type VerifyResult =
  | { readonly ok: true; readonly records: number; readonly head_hash: string }
  | { readonly ok: false; readonly records: number; readonly seq: number; readonly reason: string };

/** Records per transaction at most. */
const BATCH_SIZE = 500;
/** How long a record may wait for others to share its transaction. */
const GROUP_COMMIT_MS = 5;

/** Largest summary kept per record; longer ones are cut, marked as cut. */
const SUMMARY_LIMIT = 4_000;

/**
 * The append-only, hash-chained audit log. Records are queued and written in batches (one
 * transaction links a whole batch to the chain), so concurrent requests do not each pay a
 * commit; `flush()` waits for everything queued so far. A head row holds the last seq and hash,
 * so removing the newest records is detected too.
 */
export class AuditService {
  readonly #db: PuenteDb;
  readonly #now: () => number;
  #queue: (AuditEntry & { at: number })[] = [];
  #writing: Promise<void> | null = null;
  #timer: NodeJS.Timeout | null = null;
  #failures = 0;

  constructor(options: { db: PuenteDb; now?: () => number }) {
    this.#db = options.db;
    this.#now = options.now ?? Date.now;
  }

  /**
   * Queues a record; it is written within a few milliseconds, in order. Waiting that long lets
   * records of concurrent requests share one transaction instead of paying one each.
   */
  append(entry: AuditEntry): void {
    this.#queue.push({ ...entry, at: this.#now() });
    if (this.#writing !== null || this.#timer !== null) return;
    if (this.#queue.length >= BATCH_SIZE) this.#startDrain();
    else this.#timer = setTimeout(() => this.#startDrain(), GROUP_COMMIT_MS).unref();
  }

  #startDrain(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#writing === null) this.#writing = this.#drain();
  }

  /** Resolves once every record queued before the call is stored. */
  async flush(): Promise<void> {
    if (this.#queue.length > 0) this.#startDrain();
    while (this.#writing !== null) await this.#writing;
  }

  /** Records that could not be written (also logged by the caller's logger through `onError`). */
  get failures(): number {
    return this.#failures;
  }

  onError: (err: unknown) => void = () => {};

  async #drain(): Promise<void> {
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, BATCH_SIZE);
        try {
          await this.#write(batch);
        } catch (err) {
          this.#failures += batch.length;
          this.onError(err);
        }
      }
    } finally {
      this.#writing = null;
    }
  }

  async #write(batch: (AuditEntry & { at: number })[]): Promise<void> {
    const pg = this.#db.capabilities.dialect === 'postgres';
    await this.#db.kysely.transaction().execute(async (tx) => {
      // The head row serializes writers across processes: PostgreSQL locks it; SQLite has one writer.
      let head = pg
        ? (await sql<{ seq: number; hash: string }>`select seq, hash from audit_head where id = 1 for update`.execute(tx)).rows[0]
        : await tx.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst();
      if (head === undefined) {
        await tx.insertInto('audit_head').values({ id: 1, seq: 0, hash: GENESIS_HASH }).onConflict((oc) => oc.column('id').doNothing()).execute();
        head = pg
          ? (await sql<{ seq: number; hash: string }>`select seq, hash from audit_head where id = 1 for update`.execute(tx)).rows[0]!
          : { seq: 0, hash: GENESIS_HASH };
      }
      let seq = Number(head.seq);
      let prev = head.hash;
      const rows = batch.map((e) => {
        seq += 1;
        const fields: AuditFields = {
          seq, at: e.at, actor: e.actor.slice(0, 256), action: e.action.slice(0, 200), resource_type: e.resource_type.slice(0, 32),
          resource_id: e.resource_id.slice(0, 500), status: e.status, source: e.source.slice(0, 100), summary: summaryText(e.summary), prev_hash: prev,
        };
        prev = recordHash(fields);
        return { ...fields, hash: prev };
      });
      for (let i = 0; i < rows.length; i += 100) await tx.insertInto('audit_log').values(rows.slice(i, i + 100)).execute();
      await tx.updateTable('audit_head').set({ seq, hash: prev }).where('id', '=', 1).execute();
    });
  }

  /** Records matching a filter, oldest first. */
  async list(query: AuditQuery = {}): Promise<AuditRecord[]> {
    await this.flush();
    let q = this.#db.kysely.selectFrom('audit_log').selectAll();
    if (query.actor !== undefined) q = q.where('actor', '=', query.actor);
    if (query.resource_type !== undefined) q = q.where('resource_type', '=', query.resource_type);
    if (query.resource_id !== undefined) q = q.where('resource_id', '=', query.resource_id);
    if (query.since !== undefined) q = q.where('at', '>=', query.since);
    if (query.until !== undefined) q = q.where('at', '<=', query.until);
    if (query.after_seq !== undefined) q = q.where('seq', '>', query.after_seq);
    const rows = await q.orderBy('seq').limit(Math.min(Math.max(query.limit ?? 1000, 1), 10_000)).execute();
    return rows.map((r) => ({ ...r, seq: Number(r.seq), at: Number(r.at), summary: parseSummary(r.summary) }));
  }

  /**
   * Walks the whole chain in order and names the first record that was edited, removed or moved:
   * its seq and what is wrong with it.
   */
  async verify(): Promise<VerifyResult> {
    await this.flush();
    let expectedSeq = 1;
    let prev = GENESIS_HASH;
    let count = 0;
    for (;;) {
      const rows = await this.#db.kysely.selectFrom('audit_log').selectAll().where('seq', '>=', expectedSeq).orderBy('seq').limit(2_000).execute();
      if (rows.length === 0) break;
      for (const raw of rows) {
        const r = { ...raw, seq: Number(raw.seq), at: Number(raw.at), status: Number(raw.status) };
        if (r.seq !== expectedSeq) {
          return { ok: false, records: count, seq: expectedSeq, reason: `record ${expectedSeq} is missing (the next stored record is ${r.seq})` };
        }
        if (r.prev_hash !== prev) {
          return { ok: false, records: count, seq: r.seq, reason: `record ${r.seq} does not link to record ${r.seq - 1} (removed, reordered or edited records)` };
        }
        if (recordHash(r) !== r.hash) return { ok: false, records: count, seq: r.seq, reason: `record ${r.seq} was modified after it was written` };
        prev = r.hash;
        expectedSeq += 1;
        count += 1;
      }
    }
    const head = await this.#db.kysely.selectFrom('audit_head').select(['seq', 'hash']).where('id', '=', 1).executeTakeFirst();
    const headSeq = head ? Number(head.seq) : 0;
    if (headSeq !== count || (head && head.hash !== prev)) {
      return {
        ok: false, records: count, seq: count + 1,
        reason: headSeq > count ? `records ${count + 1} to ${headSeq} are missing from the end of the log` : `the log head does not match record ${count}`,
      };
    }
    return { ok: true, records: count, head_hash: prev };
  }
}

function summaryText(summary: Record<string, unknown>): string {
  const text = JSON.stringify(summary);
  return text.length <= SUMMARY_LIMIT ? text : JSON.stringify({ truncated: true, text: text.slice(0, SUMMARY_LIMIT) });
}

function parseSummary(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
