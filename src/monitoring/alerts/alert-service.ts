import { createHash } from 'node:crypto';
import { Gauge, type Registry } from 'prom-client';
import type { PuenteDb } from '../../db/index.js';
import { AlreadyExistsError, InvalidParameterError, NotFoundError, PuenteError } from '../../errors/index.js';
import type { EventBus } from '../../events/index.js';
import type { WebhookSender } from '../../webhooks/index.js';
import { AlertRepo, type Alert, type AlertHistoryEvent, type AlertState, type AlertTransition, type EvaluationWrites, type NotificationResult } from './alert-repo.js';
import { ruleValues } from './evaluate.js';
import { aggregationKind, meets, parseDuration, parseRule, type AlertRule, type AlertRuleInput, type RuleDefinition } from './rule.js';
import { MetricSampler, seriesKey, type SamplerLimits } from './sampler.js';

/** How the last evaluation of a rule went. */
export interface RuleEvaluation {
  readonly at: number;
  /** Series or groups that had a value. */
  readonly series: number;
  /** How many of them met the condition. */
  readonly active: number;
  /** Why nothing could be evaluated (metric not exported yet, wrong kind …), else null. */
  readonly problem: string | null;
}

/** A rule with how its last evaluation went (null before the first). */
export type AlertRuleWithStatus = AlertRule & { readonly evaluation: RuleEvaluation | null };

export interface AlertServiceOptions {
  readonly db: PuenteDb;
  /** The registry served at /metrics: rules read exactly what Prometheus would scrape. */
  readonly registry: Registry;
  readonly events: EventBus;
  readonly webhooks: WebhookSender;
  /** Time between evaluations (ms, default 15 s). */
  readonly intervalMs?: number;
  readonly limits?: SamplerLimits;
  readonly now?: () => number;
  /** Told about evaluations or deliveries that failed (they never stop the next ones). */
  readonly onError?: (err: unknown) => void;
}

/** The document published on the event bus and posted to webhooks when an alert fires or resolves. */
export interface AlertNotice {
  readonly rule: string;
  readonly fingerprint: string;
  readonly state: 'firing' | 'resolved';
  readonly severity: AlertRule['severity'];
  readonly description: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number | null;
  readonly metric: string;
  readonly aggregation: string;
  readonly window: string;
  readonly comparison: string;
  readonly threshold: number;
  readonly for: string;
  readonly active_since: number;
  readonly fired_at: number | null;
  readonly resolved_at: number | null;
}

const instanceKey = (rule: string, fingerprint: string) => `${rule}\u0000${fingerprint}`;

/** Stable id of an alert: its rule and label set. */
export function alertFingerprint(rule: string, labels: Readonly<Record<string, string>>): string {
  return createHash('sha256').update(`${rule}\u0000${seriesKey(labels)}`).digest('hex').slice(0, 16);
}

/** What kind of metric a registry exports under a name (a histogram's _count/_sum/_bucket read as counters), or null. */
async function metricKind(registry: Registry, name: string): Promise<string | null> {
  const direct = registry.getSingleMetric(name);
  if (direct) return String((await direct.get()).type);
  for (const part of ['_count', '_sum', '_bucket']) {
    const base = name.endsWith(part) ? registry.getSingleMetric(name.slice(0, -part.length)) : undefined;
    if (base && String((await base.get()).type) === 'histogram') return 'counter';
  }
  return null;
}

/**
 * Alert rules and their evaluation. Every interval the metrics rules name are sampled from the
 * registry; each series (or group) meeting its rule's condition becomes a pending alert, fires
 * once the condition held for the rule's `for`, and resolves when it no longer holds or the
 * series is gone. Firing and resolving are published as `alert.firing` / `alert.resolved` events
 * and posted, signed, to the rule's webhooks; every state change is kept in the history.
 */
export class AlertService {
  readonly #repo: AlertRepo;
  readonly #registry: Registry;
  readonly #events: EventBus;
  readonly #webhooks: WebhookSender;
  readonly #sampler: MetricSampler;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #onError: (err: unknown) => void;
  /** Alerts pending or firing, as stored; loaded at the first evaluation. */
  #instances: Map<string, Alert> | null = null;
  readonly #status = new Map<string, RuleEvaluation>();
  #serial: Promise<unknown> = Promise.resolve();
  readonly #deliveries = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | null = null;
  readonly #gauge: Gauge<'rule' | 'severity' | 'state'>;

  constructor(options: AlertServiceOptions) {
    this.#repo = new AlertRepo(options.db);
    this.#registry = options.registry;
    this.#events = options.events;
    this.#webhooks = options.webhooks;
    this.#sampler = new MetricSampler(options.registry, options.limits);
    this.#intervalMs = options.intervalMs ?? 15_000;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? (() => undefined);
    // Puente's own alerts, visible to Prometheus and Grafana beside the metrics they watch.
    this.#gauge = new Gauge({
      name: 'puente_alerts', help: 'Alerts of Puente\'s alert rules now pending or firing, by rule, severity and state.',
      labelNames: ['rule', 'severity', 'state'], registers: [options.registry],
    });
  }

  get intervalMs(): number {
    return this.#intervalMs;
  }

  async createRule(input: AlertRuleInput, by: string | null = null): Promise<AlertRuleWithStatus> {
    const def = parseRule(input);
    await this.#check(def);
    if (!(await this.#repo.insertRule(def, by, this.#now()))) throw new AlreadyExistsError(`Alert rule '${def.name}' already exists; change it with PUT /api/v1/alerts/rules/${def.name}.`);
    return this.getRule(def.name);
  }

  /** Replaces a rule's definition; the secret stays unless `webhook_secret` is given (null removes it). */
  async updateRule(name: string, input: AlertRuleInput): Promise<AlertRuleWithStatus> {
    const def = parseRule(input, { name });
    await this.#check(def);
    if (!(await this.#repo.updateRule(def, this.#now()))) throw new NotFoundError(`Alert rule '${name}' does not exist.`, 'alert_rule');
    return this.getRule(name);
  }

  async getRule(name: string): Promise<AlertRuleWithStatus> {
    const stored = await this.#repo.getRule(name);
    if (!stored) throw new NotFoundError(`Alert rule '${name}' does not exist.`, 'alert_rule');
    return { ...stored.rule, evaluation: this.#status.get(name) ?? null };
  }

  async listRules(): Promise<AlertRuleWithStatus[]> {
    return (await this.#repo.listRules()).map((s) => ({ ...s.rule, evaluation: this.#status.get(s.rule.name) ?? null }));
  }

  /** Deletes a rule; its alerts resolve at once (firing ones notify). */
  async deleteRule(name: string): Promise<void> {
    await this.#queue(async () => {
      const stored = await this.#repo.getRule(name);
      if (!stored) throw new NotFoundError(`Alert rule '${name}' does not exist.`, 'alert_rule');
      const instances = await this.#loadInstances();
      const writes: Mutable<EvaluationWrites> = { upserts: [], removals: [], history: [] };
      const notices: Notice[] = [];
      const now = this.#now();
      for (const a of [...instances.values()].filter((i) => i.rule === name)) this.#retire(a, stored.rule, null, now, writes, notices);
      await this.#commit(writes, notices, new Map([[name, stored]]));
      await this.#repo.deleteRule(name);
      this.#status.delete(name);
      this.#count(new Map((await this.#repo.listRules()).map((s) => [s.rule.name, s])), instances);
    });
  }

  /** Alerts pending or firing now. */
  listAlerts(filter: { rule?: string; state?: AlertState } = {}): Promise<Alert[]> {
    return this.#repo.listAlerts(filter);
  }

  /** State changes, newest first. */
  history(filter: { rule?: string; since?: number; until?: number; limit?: number } = {}): Promise<AlertHistoryEvent[]> {
    const limit = filter.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new InvalidParameterError('limit must be an integer from 1 to 10000.', 'limit');
    return this.#repo.history({ ...filter, limit });
  }

  /** Evaluates every enabled rule once, at `now` (evaluations never overlap). */
  evaluate(now?: number): Promise<{ at: number; firing: number; pending: number }> {
    return this.#queue(() => this.#evaluate(now ?? this.#now()));
  }

  /** Evaluates every interval until stopped. */
  start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => void this.evaluate().catch(this.#onError), this.#intervalMs);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
    await this.#serial.catch(() => undefined);
  }

  /** Resolves once every webhook delivery started so far has finished (retries included). */
  async idle(): Promise<void> {
    while (this.#deliveries.size > 0) await Promise.all([...this.#deliveries]);
  }

  #queue<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#serial.then(fn, fn);
    this.#serial = run.catch(() => undefined);
    return run;
  }

  /** Checks what parsing alone cannot: webhook hosts against the allowlist, the aggregation against the metric's kind when it is exported. */
  async #check(def: RuleDefinition): Promise<void> {
    def.spec.webhooks.forEach((url, i) => {
      try {
        this.#webhooks.checkTarget(url);
      } catch (err) {
        if (err instanceof PuenteError && err.code === 'INVALID_PARAMETER_VALUE') throw new InvalidParameterError(`Invalid alert rule: 'webhooks[${i}]' ${err.message}`, `webhooks[${i}]`);
        throw err;
      }
    });
    const kind = await metricKind(this.#registry, def.spec.metric);
    const wanted = aggregationKind(def.spec.aggregation);
    if (kind !== null && kind !== wanted && !(wanted === 'gauge' && kind === 'counter')) {
      const advice = kind === 'counter' ? 'rate or increase' : kind === 'histogram' ? 'a quantile such as p99' : kind === 'gauge' ? 'last, avg, min or max' : 'another metric';
      throw new InvalidParameterError(`Invalid alert rule: 'aggregation' ${def.spec.aggregation} does not apply to ${def.spec.metric}, a ${kind}; use ${advice}.`, 'aggregation');
    }
    if (def.spec.denominator) {
      const dk = await metricKind(this.#registry, def.spec.denominator.metric);
      if (dk !== null && dk !== 'counter') throw new InvalidParameterError(`Invalid alert rule: 'denominator.metric' ${def.spec.denominator.metric} is a ${dk}, not a counter.`, 'denominator.metric');
    }
  }

  async #loadInstances(): Promise<Map<string, Alert>> {
    if (!this.#instances) this.#instances = new Map((await this.#repo.listAlerts()).map((a) => [instanceKey(a.rule, a.fingerprint), a]));
    return this.#instances;
  }

  async #evaluate(now: number): Promise<{ at: number; firing: number; pending: number }> {
    const stored = new Map((await this.#repo.listRules()).map((s) => [s.rule.name, s]));
    const enabled = [...stored.values()].filter((s) => s.rule.enabled);
    const instances = await this.#loadInstances();

    // Keep each metric for its longest window, plus two intervals of slack for the baseline sample.
    const retention = new Map<string, number>();
    const keep = (metric: string, ms: number) => retention.set(metric, Math.max(retention.get(metric) ?? 0, ms + 2 * this.#intervalMs));
    for (const { rule } of enabled) {
      const windowMs = parseDuration(rule.window)!;
      keep(rule.metric, windowMs);
      if (rule.denominator) keep(rule.denominator.metric, windowMs);
    }
    await this.#sampler.collect(retention, now);

    const writes: Mutable<EvaluationWrites> = { upserts: [], removals: [], history: [] };
    const notices: Notice[] = [];
    const live = new Set<string>();
    for (const { rule } of enabled) {
      const windowMs = parseDuration(rule.window)!;
      const forMs = parseDuration(rule.for)!;
      const { values, problem } = ruleValues(rule, windowMs, now, this.#sampler.get(rule.metric), rule.denominator ? this.#sampler.get(rule.denominator.metric) : undefined);
      const current = new Map<string, number>();
      let active = 0;
      for (const { labels, value } of values) {
        const fingerprint = alertFingerprint(rule.name, labels);
        current.set(fingerprint, value);
        if (!meets(value, rule.comparison, rule.threshold)) continue;
        active++;
        const key = instanceKey(rule.name, fingerprint);
        live.add(key);
        const existing = instances.get(key);
        const base = { rule: rule.name, fingerprint, labels, value, evaluated_at: now };
        let next: Alert;
        if (!existing) {
          const fires = forMs === 0;
          next = { ...base, state: fires ? 'firing' : 'pending', active_since: now, fired_at: fires ? now : null };
          writes.history.push(this.#event(next, next.state, value, rule, now));
          if (fires) notices.push({ index: writes.history.length - 1, notice: notice(rule, next, 'firing', now) });
        } else if (existing.state === 'pending' && now - existing.active_since >= forMs) {
          next = { ...existing, ...base, state: 'firing', fired_at: now };
          writes.history.push(this.#event(next, 'firing', value, rule, now));
          notices.push({ index: writes.history.length - 1, notice: notice(rule, next, 'firing', now) });
        } else {
          next = { ...existing, ...base };
        }
        instances.set(key, next);
        writes.upserts.push(next);
      }
      for (const a of [...instances.values()]) {
        if (a.rule === rule.name && !live.has(instanceKey(a.rule, a.fingerprint))) this.#retire(a, rule, current.get(a.fingerprint) ?? null, now, writes, notices);
      }
      this.#status.set(rule.name, { at: now, series: values.length, active, problem });
    }
    // Alerts of rules deleted or disabled elsewhere resolve too.
    for (const a of [...instances.values()]) {
      const s = stored.get(a.rule);
      if (s?.rule.enabled) continue;
      this.#retire(a, s?.rule ?? null, null, now, writes, notices);
    }
    for (const name of this.#status.keys()) if (!stored.get(name)?.rule.enabled) this.#status.delete(name);
    await this.#commit(writes, notices, stored);
    return { at: now, ...this.#count(stored, instances) };
  }

  /** Sets the puente_alerts gauge from the alerts now active; answers the counts. */
  #count(rules: ReadonlyMap<string, { rule: AlertRule }>, instances: ReadonlyMap<string, Alert>): { firing: number; pending: number } {
    const counts = new Map<string, { rule: string; severity: string; state: string; n: number }>();
    for (const a of instances.values()) {
      const severity = rules.get(a.rule)?.rule.severity ?? 'warning';
      const key = `${a.rule}\u0000${severity}\u0000${a.state}`;
      const c = counts.get(key) ?? { rule: a.rule, severity, state: a.state, n: 0 };
      c.n++;
      counts.set(key, c);
    }
    this.#gauge.reset();
    let firing = 0;
    let pending = 0;
    for (const c of counts.values()) {
      this.#gauge.set({ rule: c.rule, severity: c.severity, state: c.state }, c.n);
      if (c.state === 'firing') firing += c.n;
      else pending += c.n;
    }
    return { firing, pending };
  }

  /** Ends an alert: a firing one resolves (and notifies when its rule is known), a pending one goes inactive. */
  #retire(a: Alert, rule: AlertRule | null, value: number | null, now: number, writes: Mutable<EvaluationWrites>, notices: Notice[]): void {
    this.#instances?.delete(instanceKey(a.rule, a.fingerprint));
    writes.removals.push({ rule: a.rule, fingerprint: a.fingerprint });
    const state: AlertTransition = a.state === 'firing' ? 'resolved' : 'inactive';
    writes.history.push({
      rule: a.rule, fingerprint: a.fingerprint, labels: a.labels, state, severity: rule?.severity ?? 'warning', value, threshold: rule?.threshold ?? null, at: now,
    });
    if (state === 'resolved' && rule) notices.push({ index: writes.history.length - 1, notice: notice(rule, { ...a, value }, 'resolved', now) });
  }

  #event(a: Alert, state: AlertTransition, value: number, rule: AlertRule, now: number): EvaluationWrites['history'][number] {
    return { rule: a.rule, fingerprint: a.fingerprint, labels: a.labels, state, severity: rule.severity, value, threshold: rule.threshold, at: now };
  }

  /** Writes an evaluation's changes, then tells the event bus and the webhooks (deliveries run on their own). */
  async #commit(writes: EvaluationWrites, notices: Notice[], rules: ReadonlyMap<string, { rule: AlertRule; secret: string | null }>): Promise<void> {
    const ids = await this.#repo.apply(writes);
    for (const { index, notice: n } of notices) {
      const event = this.#events.publish({ type: `alert.${n.state}`, subject: n.rule, data: { ...n } });
      const stored = rules.get(n.rule);
      if (!stored || stored.rule.webhooks.length === 0) continue;
      const eventId = ids[index]!;
      const delivery = this.#deliver(stored.rule.webhooks, event, stored.secret ?? undefined)
        .then((results) => this.#repo.setNotifications(eventId, results))
        .catch(this.#onError);
      this.#deliveries.add(delivery);
      void delivery.finally(() => this.#deliveries.delete(delivery));
    }
  }

  async #deliver(urls: readonly string[], event: unknown, secret: string | undefined): Promise<NotificationResult[]> {
    return Promise.all(urls.map(async (url) => {
      try {
        return { url, ...(await this.#webhooks.send(url, event, secret)) };
      } catch (err) {
        // The allowlist may have changed since the rule was written.
        return { url, delivered: false, attempts: 0, error: (err as Error).message };
      }
    }));
  }
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] extends readonly (infer U)[] ? U[] : T[K] };
interface Notice {
  /** Index of the history event it belongs to. */
  readonly index: number;
  readonly notice: AlertNotice;
}

function notice(rule: AlertRule, a: Pick<Alert, 'fingerprint' | 'labels' | 'value' | 'active_since' | 'fired_at'>, state: 'firing' | 'resolved', now: number): AlertNotice {
  return {
    rule: rule.name, fingerprint: a.fingerprint, state, severity: rule.severity, description: rule.description, labels: a.labels,
    value: a.value !== null && Number.isFinite(a.value) ? a.value : null, metric: rule.metric, aggregation: rule.aggregation, window: rule.window,
    comparison: rule.comparison, threshold: rule.threshold, for: rule.for, active_since: a.active_since, fired_at: a.fired_at,
    resolved_at: state === 'resolved' ? now : null,
  };
}
