import type { PuenteDb } from '../../db/index.js';
import { PuenteError } from '../../errors/index.js';
import { unwrapDataKey, UnwrapError, wrapDataKey } from './envelope.js';
import type { MasterKey } from './master-key.js';

/** Rows re-wrapped per transaction: small enough to keep locks short, large enough to be quick. */
export const ROTATE_BATCH_SIZE = 500;

/** Outcome of a rotation: rows moved to the new key, and rows that were already under it. */
export interface RotateResult {
  readonly rewrapped: number;
  readonly skipped: number;
}

function foreignKeyError(ids: string[], oldKey: MasterKey, newKey: MasterKey, example?: string): PuenteError {
  return new PuenteError(
    'ENCRYPTION_KEY_MISMATCH',
    `Cannot rotate: data keys are wrapped under master key ${ids.join(', ')}, which is neither the old key ${oldKey.id} nor the new key ${newKey.id}` +
      `${example ? ` (e.g. artifact '${example}')` : ''}. Rotate those from the key they were written with first.`,
    { foreignKeyIds: ids, oldKeyId: oldKey.id, newKeyId: newKey.id },
  );
}

/**
 * Re-wraps every artifact data key from `oldKey` to `newKey`. Only the small key rows change;
 * artifact bytes are not read or rewritten, so this takes seconds even for terabytes.
 *
 * Rows are visited in key order, in batches of ROTATE_BATCH_SIZE, each batch one transaction.
 * A crash leaves some rows under each key; both are accepted on the next run (rows already under
 * the new key are counted as skipped), so running it again finishes the job. Readers configured
 * with either key fail cleanly on the other half in the meantime, so stop the server, rotate,
 * then restart it with the new key. Rows written under the old key by a server still running
 * during rotation may be missed; a second run picks them up.
 *
 * A row under any third key stops the rotation with an error naming that key: it cannot be
 * opened with the old key, and silently leaving it behind would make it unreadable later.
 */
export async function rotateMasterKey(db: PuenteDb, oldKey: MasterKey, newKey: MasterKey): Promise<RotateResult> {
  if (oldKey.id === newKey.id) {
    throw new PuenteError('INVALID_PARAMETER_VALUE', `The new master key is the same as the old one (key id ${oldKey.id}); nothing to rotate.`);
  }
  // Check for foreign keys before changing anything, so the usual mistake leaves no half-done rotation.
  const foreign = await db.kysely
    .selectFrom('artifact_data_keys')
    .select('master_key_id')
    .where('master_key_id', 'not in', [oldKey.id, newKey.id])
    .groupBy('master_key_id')
    .orderBy('master_key_id')
    .execute();
  if (foreign.length > 0) {
    const ids = foreign.map((r) => r.master_key_id);
    const example = await db.kysely.selectFrom('artifact_data_keys').select('object_key').where('master_key_id', '=', ids[0]).limit(1).executeTakeFirst();
    throw foreignKeyError(ids, oldKey, newKey, example?.object_key);
  }

  let rewrapped = 0;
  let skipped = 0;
  let after: string | undefined;
  for (;;) {
    const batch = await db.kysely.transaction().execute(async (trx) => {
      let query = trx
        .selectFrom('artifact_data_keys')
        .select(['object_key', 'master_key_id', 'wrapped_key'])
        .orderBy('object_key')
        .limit(ROTATE_BATCH_SIZE);
      if (after !== undefined) query = query.where('object_key', '>', after);
      const rows = await query.execute();
      let moved = 0;
      let already = 0;
      for (const row of rows) {
        if (row.master_key_id === newKey.id) {
          already++;
          continue;
        }
        // A row added since the check above, under some third key.
        if (row.master_key_id !== oldKey.id) throw foreignKeyError([row.master_key_id], oldKey, newKey, row.object_key);
        let dataKey: Buffer;
        try {
          dataKey = unwrapDataKey(oldKey, row.wrapped_key);
        } catch (err) {
          if (!(err instanceof UnwrapError)) throw err;
          throw new PuenteError(
            'ENCRYPTION_KEY_MISMATCH',
            `Cannot rotate: the data key of artifact '${row.object_key}' is recorded under master key ${oldKey.id} but does not unwrap with it; the key row is damaged.`,
            { objectKey: row.object_key },
          );
        }
        // Conditional on the old id, so a row rewritten meanwhile (by a put under the new key) is left alone.
        const result = await trx
          .updateTable('artifact_data_keys')
          .set({ master_key_id: newKey.id, wrapped_key: wrapDataKey(newKey, dataKey) })
          .where('object_key', '=', row.object_key)
          .where('master_key_id', '=', oldKey.id)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) > 0) moved++;
        else already++;
      }
      return { count: rows.length, last: rows.at(-1)?.object_key, moved, already };
    });
    rewrapped += batch.moved;
    skipped += batch.already;
    if (batch.count < ROTATE_BATCH_SIZE || batch.last === undefined) break;
    after = batch.last;
  }
  return { rewrapped, skipped };
}
