import type { Kysely, Selectable } from 'kysely';
import type { AlertHistoryTable, AlertInstancesTable, AlertRulesTable, Database, PuenteDb } from '../../db/index.js';
import type { AlertRule, RuleDefinition, Severity } from './rule.js';

/** States an alert goes through: pending (condition holds, for-duration not yet over), firing, then resolved. */
export type AlertState = 'pending' | 'firing';

/** A change of state written to the history; `inactive`: a pending alert whose condition cleared before it fired. */
export type AlertTransition = 'pending' | 'firing' | 'resolved' | 'inactive';

/** An alert pending or firing now: one series or group of a rule. */
export interface Alert {
  readonly rule: string;
  /** Stable id of the rule and label set (deliveries of the same alert share it). */
  readonly fingerprint: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly state: AlertState;
  /** The value at the last evaluation. */
  readonly value: number | null;
  readonly active_since: number;
  readonly fired_at: number | null;
  readonly evaluated_at: number;
}

/** One webhook delivery of a history event. */
export interface NotificationResult {
  readonly url: string;
  readonly delivered: boolean;
  readonly attempts: number;
  readonly status?: number;
  readonly error?: string;
}

/** One state change of an alert. */
export interface AlertHistoryEvent {
  readonly event_id: number;
  readonly rule: string;
  readonly fingerprint: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly state: AlertTransition;
  readonly severity: Severity;
  readonly value: number | null;
  /** null when the rule was gone before the alert ended. */
  readonly threshold: number | null;
  readonly at: number;
  /** Webhook deliveries; null until they finished (or when the rule has none). */
  readonly notifications: NotificationResult[] | null;
}

/** A stored rule with its signing secret (which never leaves the service). */
export interface StoredRule {
  readonly rule: AlertRule;
  readonly secret: string | null;
}

const toRule = (r: Selectable<AlertRulesTable>): StoredRule => ({
  rule: {
    name: r.name, ...(JSON.parse(r.spec) as RuleDefinition['spec']), webhook_secret_set: r.webhook_secret !== null,
    created_at: Number(r.created_at), updated_at: Number(r.updated_at), created_by: r.created_by,
  },
  secret: r.webhook_secret,
});

const toAlert = (r: Selectable<AlertInstancesTable>): Alert => ({
  rule: r.rule, fingerprint: r.fingerprint, labels: JSON.parse(r.labels) as Record<string, string>, state: r.state as AlertState,
  value: r.value === null ? null : Number(r.value), active_since: Number(r.active_since), fired_at: r.fired_at === null ? null : Number(r.fired_at),
  evaluated_at: Number(r.evaluated_at),
});

const toEvent = (r: Selectable<AlertHistoryTable>): AlertHistoryEvent => ({
  event_id: Number(r.event_id), rule: r.rule, fingerprint: r.fingerprint, labels: JSON.parse(r.labels) as Record<string, string>,
  state: r.state as AlertTransition, severity: r.severity as Severity, value: r.value === null ? null : Number(r.value), threshold: r.threshold === null ? null : Number(r.threshold),
  at: Number(r.at), notifications: r.notifications === null ? null : (JSON.parse(r.notifications) as NotificationResult[]),
});

/** The writes of one evaluation, applied in one transaction. */
export interface EvaluationWrites {
  readonly upserts: readonly Alert[];
  readonly removals: readonly { rule: string; fingerprint: string }[];
  readonly history: readonly Omit<AlertHistoryEvent, 'event_id' | 'notifications'>[];
}

/** All SQL of alerts. Rows become domain types here and nowhere else. */
export class AlertRepo {
  readonly #k: Kysely<Database>;

  constructor(db: PuenteDb) {
    this.#k = db.kysely;
  }

  async getRule(name: string): Promise<StoredRule | null> {
    const row = await this.#k.selectFrom('alert_rules').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toRule(row) : null;
  }

  async listRules(): Promise<StoredRule[]> {
    return (await this.#k.selectFrom('alert_rules').selectAll().orderBy('name').execute()).map(toRule);
  }

  /** Inserts a rule; false when the name is taken. */
  async insertRule(def: RuleDefinition, by: string | null, now: number): Promise<boolean> {
    return this.#k.transaction().execute(async (trx) => {
      const exists = await trx.selectFrom('alert_rules').select('name').where('name', '=', def.name).executeTakeFirst();
      if (exists) return false;
      await trx.insertInto('alert_rules').values({
        name: def.name, spec: JSON.stringify(def.spec), webhook_secret: def.webhook_secret ?? null, created_at: now, updated_at: now, created_by: by,
      }).execute();
      return true;
    });
  }

  /** Replaces a rule's definition (its secret only when given); false when there is no such rule. */
  async updateRule(def: RuleDefinition, now: number): Promise<boolean> {
    const result = await this.#k.updateTable('alert_rules')
      .set({ spec: JSON.stringify(def.spec), updated_at: now, ...(def.webhook_secret !== undefined ? { webhook_secret: def.webhook_secret } : {}) })
      .where('name', '=', def.name)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async deleteRule(name: string): Promise<boolean> {
    const result = await this.#k.deleteFrom('alert_rules').where('name', '=', name).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async listAlerts(filter: { rule?: string; state?: AlertState } = {}): Promise<Alert[]> {
    let q = this.#k.selectFrom('alert_instances').selectAll().orderBy('rule').orderBy('active_since');
    if (filter.rule !== undefined) q = q.where('rule', '=', filter.rule);
    if (filter.state !== undefined) q = q.where('state', '=', filter.state);
    return (await q.execute()).map(toAlert);
  }

  /** Applies one evaluation's changes; answers the ids of the history rows, in order. */
  async apply(writes: EvaluationWrites): Promise<number[]> {
    if (writes.upserts.length === 0 && writes.removals.length === 0 && writes.history.length === 0) return [];
    return this.#k.transaction().execute(async (trx) => {
      for (const r of writes.removals) await trx.deleteFrom('alert_instances').where('rule', '=', r.rule).where('fingerprint', '=', r.fingerprint).execute();
      for (const a of writes.upserts) {
        const row = {
          labels: JSON.stringify(a.labels), state: a.state, value: finiteOrNull(a.value), active_since: a.active_since, fired_at: a.fired_at, evaluated_at: a.evaluated_at,
        };
        const updated = await trx.updateTable('alert_instances').set(row).where('rule', '=', a.rule).where('fingerprint', '=', a.fingerprint).executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) await trx.insertInto('alert_instances').values({ rule: a.rule, fingerprint: a.fingerprint, ...row }).execute();
      }
      const ids: number[] = [];
      for (const h of writes.history) {
        const inserted = await trx.insertInto('alert_history').values({
          rule: h.rule, fingerprint: h.fingerprint, labels: JSON.stringify(h.labels), state: h.state, severity: h.severity,
          value: finiteOrNull(h.value), threshold: h.threshold, at: h.at, notifications: null,
        }).returning('event_id').executeTakeFirstOrThrow();
        ids.push(Number(inserted.event_id));
      }
      return ids;
    });
  }

  async setNotifications(eventId: number, results: readonly NotificationResult[]): Promise<void> {
    await this.#k.updateTable('alert_history').set({ notifications: JSON.stringify(results) }).where('event_id', '=', eventId).execute();
  }

  /** History, newest first. */
  async history(filter: { rule?: string; since?: number; until?: number; limit: number }): Promise<AlertHistoryEvent[]> {
    let q = this.#k.selectFrom('alert_history').selectAll().orderBy('at', 'desc').orderBy('event_id', 'desc').limit(filter.limit);
    if (filter.rule !== undefined) q = q.where('rule', '=', filter.rule);
    if (filter.since !== undefined) q = q.where('at', '>=', filter.since);
    if (filter.until !== undefined) q = q.where('at', '<', filter.until);
    return (await q.execute()).map(toEvent);
  }
}

/** SQLite cannot keep NaN or ±Infinity (they read back as NULL or fail on PostgreSQL's double): store null. */
const finiteOrNull = (v: number | null): number | null => (v !== null && Number.isFinite(v) ? v : null);
