import type { Kysely } from 'kysely';
import type { Database, PuenteDb } from '../../db/index.js';
import { profileFromJSON, profileToJSON } from '../sketches/index.js';
import type { PerformanceResult } from './performance.js';
import type { ModelReference } from './reference.js';
import type { DriftSettings } from './settings.js';
import type { WindowReport } from './window.js';

/** Which stored windows to read, newest first. */
export interface WindowQuery {
  readonly deployment: string;
  readonly model?: string;
  readonly version?: number;
  /** Windows that started at or after this time. */
  readonly since?: number;
  /** Windows that started before this time. */
  readonly until?: number;
  readonly limit?: number;
}

/** Storage of monitoring: references, closed windows and drift settings. Rows stay in here. */
export class MonitoringRepo {
  readonly #k: Kysely<Database>;

  constructor(db: PuenteDb) {
    this.#k = db.kysely;
  }

  async getReference(model: string, version: number): Promise<ModelReference | null> {
    const r = await this.#k.selectFrom('monitoring_references').selectAll().where('model', '=', model).where('version', '=', version).executeTakeFirst();
    if (!r) return null;
    return {
      model: r.model, version: r.version, source: r.source, rows: r.rows, created_at: r.created_at, created_by: r.created_by,
      profile: profileFromJSON(JSON.parse(r.profile)),
      predictions: r.predictions === null ? null : profileFromJSON(JSON.parse(r.predictions)),
      performance: r.performance === null ? null : (JSON.parse(r.performance) as PerformanceResult),
      skipped: JSON.parse(r.skipped) as { column: string; reason: string }[],
    };
  }

  /** Stores (or replaces) the reference of a model version in one statement pair, in a transaction. */
  async putReference(ref: ModelReference): Promise<void> {
    const row = {
      model: ref.model, version: ref.version, source: ref.source, rows: ref.rows, created_at: ref.created_at, created_by: ref.created_by,
      profile: JSON.stringify(profileToJSON(ref.profile)),
      predictions: ref.predictions ? JSON.stringify(profileToJSON(ref.predictions)) : null,
      performance: ref.performance ? JSON.stringify(ref.performance) : null,
      skipped: JSON.stringify(ref.skipped),
    };
    await this.#k.transaction().execute(async (trx) => {
      await trx.deleteFrom('monitoring_references').where('model', '=', ref.model).where('version', '=', ref.version).execute();
      await trx.insertInto('monitoring_references').values(row).execute();
    });
  }

  async deleteReference(model: string, version: number): Promise<boolean> {
    const r = await this.#k.deleteFrom('monitoring_references').where('model', '=', model).where('version', '=', version).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Writes closed windows in one transaction. */
  async insertWindows(reports: readonly WindowReport[], now: number): Promise<void> {
    if (reports.length === 0) return;
    await this.#k.transaction().execute(async (trx) => {
      for (let i = 0; i < reports.length; i += 200) {
        await trx.insertInto('monitoring_windows').values(reports.slice(i, i + 200).map((r) => ({
          deployment: r.deployment, model: r.model, version: r.version, window_start: r.window_start, window_end: r.window_end, rows: r.rows,
          drift_share: r.drift?.drift_share ?? null, dataset_drifted: r.drift?.dataset_drifted ? 1 : 0, report: JSON.stringify({ ...r, open: false }), created_at: now,
        }))).execute();
      }
    });
  }

  async listWindows(q: WindowQuery): Promise<WindowReport[]> {
    let s = this.#k.selectFrom('monitoring_windows').select(['report']).where('deployment', '=', q.deployment);
    if (q.model !== undefined) s = s.where('model', '=', q.model);
    if (q.version !== undefined) s = s.where('version', '=', q.version);
    if (q.since !== undefined) s = s.where('window_start', '>=', q.since);
    if (q.until !== undefined) s = s.where('window_start', '<', q.until);
    const rows = await s.orderBy('window_start', 'desc').orderBy('window_id', 'desc').limit(q.limit ?? 100).execute();
    return rows.map((r) => JSON.parse(r.report) as WindowReport);
  }

  /** Drops windows that started before `before` (retention). */
  async pruneWindows(before: number): Promise<number> {
    const r = await this.#k.deleteFrom('monitoring_windows').where('window_start', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async getSettings(deployment: string): Promise<DriftSettings | null> {
    const r = await this.#k.selectFrom('monitoring_settings').select(['settings']).where('deployment', '=', deployment).executeTakeFirst();
    return r ? (JSON.parse(r.settings) as DriftSettings) : null;
  }

  async putSettings(deployment: string, settings: DriftSettings, by: string | null, now: number): Promise<void> {
    await this.#k.transaction().execute(async (trx) => {
      await trx.deleteFrom('monitoring_settings').where('deployment', '=', deployment).execute();
      await trx.insertInto('monitoring_settings').values({ deployment, settings: JSON.stringify(settings), updated_at: now, updated_by: by }).execute();
    });
  }
}
