import type { Kysely, Selectable } from 'kysely';
import type { Database, DeploymentRevisionsTable, DeploymentsTable, PuenteDb } from '../db/index.js';
import type { Deployment, DeploymentRevision, DeploymentSpec } from './types.js';

/** Counts and sparse histograms of one version over one flush period of one process. */
export interface TrafficPeriod {
  readonly deployment: string;
  readonly model: string;
  readonly version: number;
  readonly role: string;
  readonly period_start: number;
  readonly period_end: number;
  readonly requests: number;
  readonly errors: number;
  readonly latency: Record<string, number>;
  readonly predictions: Record<string, number>;
  readonly shadow_compared: number;
  readonly shadow_agreed: number;
}

/** The outcome of a conditional write: the new revision, or null if another change got there first. */
export type WriteResult = Deployment | null;

const toDeployment = (r: Selectable<DeploymentsTable>): Deployment => ({
  name: r.name, description: r.description, revision: r.revision, spec: JSON.parse(r.spec) as DeploymentSpec,
  created_at: Number(r.created_at), updated_at: Number(r.updated_at), created_by: r.created_by,
});

const toRevision = (r: Selectable<DeploymentRevisionsTable>): DeploymentRevision => ({
  name: r.name, revision: r.revision, spec: JSON.parse(r.spec) as DeploymentSpec, created_at: Number(r.created_at), created_by: r.created_by, reason: r.reason,
});

/** All SQL of deployments. Rows become domain types here and nowhere else. */
export class DeploymentRepo {
  readonly #k: Kysely<Database>;

  constructor(db: PuenteDb) {
    this.#k = db.kysely;
  }

  async get(name: string): Promise<Deployment | null> {
    const row = await this.#k.selectFrom('deployments').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toDeployment(row) : null;
  }

  async list(names: readonly string[] | null): Promise<Deployment[]> {
    if (names !== null && names.length === 0) return [];
    let q = this.#k.selectFrom('deployments').selectAll().orderBy('name');
    if (names !== null) q = q.where('name', 'in', [...names]);
    return (await q.execute()).map(toDeployment);
  }

  /** Creates a deployment at revision 1; false if the name is taken. */
  async create(name: string, description: string, spec: DeploymentSpec, by: string | null, reason: string, now: number): Promise<boolean> {
    return this.#k.transaction().execute(async (trx) => {
      const exists = await trx.selectFrom('deployments').select('name').where('name', '=', name).executeTakeFirst();
      if (exists) return false;
      const json = JSON.stringify(spec);
      await trx.insertInto('deployments').values({ name, description, revision: 1, spec: json, created_at: now, updated_at: now, created_by: by }).execute();
      await trx.insertInto('deployment_revisions').values({ name, revision: 1, spec: json, created_at: now, created_by: by, reason }).execute();
      return true;
    });
  }

  /**
   * Writes the next revision if the deployment is still at `expected` (optimistic concurrency):
   * the current row and the history entry change together or not at all.
   */
  async writeRevision(name: string, expected: number, spec: DeploymentSpec, by: string | null, reason: string, now: number): Promise<WriteResult> {
    return this.#k.transaction().execute(async (trx) => {
      const json = JSON.stringify(spec);
      const updated = await trx
        .updateTable('deployments')
        .set({ revision: expected + 1, spec: json, updated_at: now })
        .where('name', '=', name)
        .where('revision', '=', expected)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) !== 1) return null;
      await trx.insertInto('deployment_revisions').values({ name, revision: expected + 1, spec: json, created_at: now, created_by: by, reason }).execute();
      const row = await trx.selectFrom('deployments').selectAll().where('name', '=', name).executeTakeFirstOrThrow();
      return toDeployment(row);
    });
  }

  async history(name: string, limit: number): Promise<DeploymentRevision[]> {
    const rows = await this.#k.selectFrom('deployment_revisions').selectAll().where('name', '=', name).orderBy('revision', 'desc').limit(limit).execute();
    return rows.map(toRevision);
  }

  async revision(name: string, revision: number): Promise<DeploymentRevision | null> {
    const row = await this.#k.selectFrom('deployment_revisions').selectAll().where('name', '=', name).where('revision', '=', revision).executeTakeFirst();
    return row ? toRevision(row) : null;
  }

  async delete(name: string): Promise<boolean> {
    return this.#k.transaction().execute(async (trx) => {
      await trx.deleteFrom('deployment_revisions').where('name', '=', name).execute();
      await trx.deleteFrom('deployment_stats').where('deployment', '=', name).execute();
      const r = await trx.deleteFrom('deployments').where('name', '=', name).executeTakeFirst();
      return Number(r.numDeletedRows) === 1;
    });
  }

  async insertTraffic(periods: readonly TrafficPeriod[]): Promise<void> {
    if (periods.length === 0) return;
    await this.#k
      .insertInto('deployment_stats')
      .values(periods.map((p) => ({ ...p, latency: JSON.stringify(p.latency), predictions: JSON.stringify(p.predictions) })))
      .execute();
  }

  /** Traffic periods of a deployment that ended within (from, to]. */
  async traffic(deployment: string, from: number, to: number): Promise<TrafficPeriod[]> {
    const rows = await this.#k
      .selectFrom('deployment_stats')
      .selectAll()
      .where('deployment', '=', deployment)
      .where('period_end', '>', from)
      .where('period_end', '<=', to)
      .execute();
    return rows.map((r) => ({
      deployment: r.deployment, model: r.model, version: r.version, role: r.role, period_start: Number(r.period_start), period_end: Number(r.period_end),
      requests: r.requests, errors: r.errors, latency: JSON.parse(r.latency) as Record<string, number>,
      predictions: JSON.parse(r.predictions) as Record<string, number>, shadow_compared: r.shadow_compared, shadow_agreed: r.shadow_agreed,
    }));
  }

  /** Drops traffic periods older than `before` (retention). */
  async pruneTraffic(before: number): Promise<void> {
    await this.#k.deleteFrom('deployment_stats').where('period_end', '<', before).execute();
  }
}
