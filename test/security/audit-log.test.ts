import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { DIALECTS } from '../helpers/test-app.js';
import { allowAuditTampering, makeSecuredApp, type SecuredApp } from './secured-app.js';

describe.each(DIALECTS)('audit log ($name)', (dialect) => {
  let t: SecuredApp;
  beforeAll(async () => {
    t = await makeSecuredApp(dialect);
    await t.user('auditor', 'viewer');
    const exp = await t.call('POST', '/api/2.0/mlflow/experiments/create', t.adminToken, { name: 'audited' });
    await t.call('POST', '/api/2.0/mlflow/experiments/update', t.adminToken, { experiment_id: exp.json.experiment_id, new_name: 'audited-2' });
    await t.call('POST', '/api/2.0/mlflow/registered-models/create', t.adminToken, { name: 'audited-model' });
    await t.call('POST', '/api/2.0/mlflow/runs/create', t.adminToken, { experiment_id: exp.json.experiment_id });
    // A denied attempt is recorded too.
    const viewer = await t.user('denied', 'viewer');
    await t.call('POST', '/api/2.0/mlflow/experiments/create', viewer, { name: 'nope' });
    await t.services.audit!.flush();
  });
  afterAll(async () => t.close());

  const db = () => t.services.db.kysely;
  const verify = async () => (await t.call('GET', '/api/v1/audit/verify', t.adminToken)).json;

  it('records who changed what, on which resource, from where, with before and after, and never a secret', async () => {
    const res = await t.call('GET', '/api/v1/audit?actor=root', t.adminToken);
    const records = res.json.records as any[];
    const update = records.find((r) => r.action === 'POST /api/2.0/mlflow/experiments/update');
    expect(update).toMatchObject({ actor: 'root', resource_type: 'experiment', status: 200, source: '127.0.0.1' });
    expect(update.summary.before).toEqual({ name: 'audited', lifecycle_stage: 'active' });
    expect(update.summary.request.body.new_name).toBe('audited-2');
    const created = records.find((r) => r.action === 'POST /api/2.0/mlflow/experiments/create');
    expect(created.resource_id).toMatch(/^\d+$/);
    const text = JSON.stringify(records);
    expect(text).not.toContain('auditor-password');
    expect(text).not.toMatch(/pnt_[A-Za-z0-9_-]{43}/);
    const denied = (await t.call('GET', '/api/v1/audit?actor=denied', t.adminToken)).json.records;
    expect(denied).toEqual([expect.objectContaining({ status: 403, action: 'POST /api/2.0/mlflow/experiments/create' })]);
    // Reads are not audited.
    expect(records.some((r) => r.action.startsWith('GET '))).toBe(false);
  });

  it('refuses updates and deletes of audit records in the store itself', async () => {
    await expect(db().updateTable('audit_log').set({ actor: 'x' }).where('seq', '=', 1).execute()).rejects.toThrow(/append-only/);
    await expect(db().deleteFrom('audit_log').where('seq', '=', 1).execute()).rejects.toThrow(/append-only/);
  });

  it('verifies an intact chain and names the first edited record', async () => {
    expect(await verify()).toMatchObject({ ok: true });
    await allowAuditTampering(t.services.db);
    const before = await db().selectFrom('audit_log').select(['seq', 'summary']).where('seq', '=', 3).executeTakeFirstOrThrow();
    await db().updateTable('audit_log').set({ summary: '{"request":{}}' }).where('seq', '=', 3).execute();
    expect(await verify()).toMatchObject({ ok: false, seq: 3 });
    await db().updateTable('audit_log').set({ summary: before.summary }).where('seq', '=', 3).execute();
    await db().updateTable('audit_log').set({ actor: 'someone-else' }).where('seq', '=', 5).execute();
    const edited = await verify();
    expect(edited).toMatchObject({ ok: false, seq: 5 });
    expect(edited.reason).toContain('modified');
    await db().updateTable('audit_log').set({ actor: 'root' }).where('seq', '=', 5).execute();
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('names a deleted record, a reordering, and a removed tail', async () => {
    const rows = await db().selectFrom('audit_log').selectAll().orderBy('seq').execute();
    expect(rows.length).toBeGreaterThanOrEqual(6);

    // Reorder: records 2 and 3 swap places.
    await db().deleteFrom('audit_log').where('seq', 'in', [2, 3]).execute();
    const r2 = rows[1]!;
    const r3 = rows[2]!;
    await db().insertInto('audit_log').values([{ ...r3, seq: 2 }, { ...r2, seq: 3 }]).execute();
    expect(await verify()).toMatchObject({ ok: false, seq: 2 });
    await db().deleteFrom('audit_log').where('seq', 'in', [2, 3]).execute();
    await db().insertInto('audit_log').values([r2, r3]).execute();
    expect(await verify()).toMatchObject({ ok: true });

    // Delete one in the middle.
    await db().deleteFrom('audit_log').where('seq', '=', 4).execute();
    const gap = await verify();
    expect(gap).toMatchObject({ ok: false, seq: 4 });
    expect(gap.reason).toContain('missing');
    await db().insertInto('audit_log').values(rows[3]!).execute();

    // Delete the newest.
    const last = rows[rows.length - 1]!;
    await db().deleteFrom('audit_log').where('seq', '=', last.seq).execute();
    expect(await verify()).toMatchObject({ ok: false, seq: Number(last.seq) });
    await db().insertInto('audit_log').values(last).execute();
    expect(await verify()).toMatchObject({ ok: true });
  });

  it('keeps one unbroken chain under concurrent writers', async () => {
    const exp = await t.call('POST', '/api/2.0/mlflow/experiments/create', t.adminToken, { name: 'busy' });
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => t.call('POST', '/api/2.0/mlflow/experiments/set-experiment-tag', t.adminToken, { experiment_id: exp.json.experiment_id, key: `k${i}`, value: 'v' })),
    );
    await t.services.audit!.flush();
    const result = await verify();
    expect(result.ok).toBe(true);
    const count = await sql<{ n: number }>`select count(*) as n from audit_log`.execute(db());
    expect(result.records).toBe(Number(count.rows[0]!.n));
  });
});
