import type { Command } from 'commander';
import type { Alert, AlertHistoryEvent, AlertRuleWithStatus, LabelMatcher } from '../../monitoring/index.js';
import { action, clientFor, printObject, printRows, UsageError } from '../output.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** `deployment=credit`, `status!=ok`, `version=~1|2`, `model!~test.*` → matchers by label. */
export function parseLabelMatchers(items: string[] = [], option: string): Record<string, string | LabelMatcher> {
  const out: Record<string, string | LabelMatcher> = {};
  for (const item of items) {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(=~|!~|!=|=)(.*)$/.exec(item);
    if (!m) throw new UsageError(`${option} expects LABEL=VALUE (or != =~ !~), got "${item}"`);
    const [, name, op, value] = m as unknown as [string, string, LabelMatcher['op'], string];
    out[name] = op === '=' ? value : { op, value };
  }
  return out;
}

const matcherText = (labels: Readonly<Record<string, string | LabelMatcher>>) =>
  Object.entries(labels).map(([k, m]) => (typeof m === 'string' ? `${k}="${m}"` : `${k}${m.op}"${m.value}"`)).join(',');

const labelText = (labels: Readonly<Record<string, string>>) => Object.entries(labels).map(([k, v]) => `${k}=${v}`).join(',') || '-';

const RULE_FIELDS: [string, (r: AlertRuleWithStatus) => unknown][] = [
  ['name', (r) => r.name],
  ['condition', (r) => `${r.aggregation}(${r.metric}{${matcherText(r.labels)}}${r.denominator ? ` / ${r.denominator.metric}{${matcherText(r.denominator.labels)}}` : ''}[${r.window}]) ${r.comparison} ${r.threshold}`],
  ['for', (r) => r.for],
  ['severity', (r) => r.severity],
  ['enabled', (r) => r.enabled],
  ['webhooks', (r) => r.webhooks.length],
  ['last evaluation', (r) => (r.evaluation ? (r.evaluation.problem ?? `${r.evaluation.active}/${r.evaluation.series} active`) : '-')],
];

const ALERT_FIELDS: [string, (a: Alert) => unknown][] = [
  ['rule', (a) => a.rule],
  ['state', (a) => a.state],
  ['labels', (a) => labelText(a.labels)],
  ['value', (a) => a.value],
  ['since', (a) => a.active_since],
  ['fired', (a) => a.fired_at],
];

const HISTORY_FIELDS: [string, (e: AlertHistoryEvent) => unknown][] = [
  ['time', (e) => e.at],
  ['rule', (e) => e.rule],
  ['state', (e) => e.state],
  ['severity', (e) => e.severity],
  ['labels', (e) => labelText(e.labels)],
  ['value', (e) => e.value],
  ['threshold', (e) => e.threshold],
  ['notified', (e) => (e.notifications === null ? '-' : `${e.notifications.filter((n) => n.delivered).length}/${e.notifications.length}`)],
];

interface AddOptions {
  metric: string;
  label?: string[];
  aggregation: string;
  window?: string;
  comparison: string;
  threshold: string;
  for?: string;
  severity?: string;
  groupBy?: string;
  denominatorMetric?: string;
  denominatorLabel?: string[];
  webhook?: string[];
  webhookSecret?: string;
  description?: string;
  disabled?: boolean;
}

/** `puente alerts rules add|list|delete`, `puente alerts list [--history]` */
export function registerAlertsCommands(program: Command): void {
  const cmd = program.command('alerts').description('alert rules on the server\'s metrics, and the alerts they raise');
  const rules = cmd.command('rules').description('create, list and delete alert rules');

  rules
    .command('add <name>')
    .description('create an alert rule, e.g. --metric puente_deployment_requests_total --label status=error --aggregation rate --comparison ">" --threshold 0.5')
    .requiredOption('--metric <name>', 'a metric exported at /metrics')
    .option('--label <matcher>', 'label matcher LABEL=VALUE, LABEL!=VALUE, LABEL=~REGEX or LABEL!~REGEX (repeatable)', collect)
    .requiredOption('--aggregation <agg>', 'rate | increase (counters), p50 … p99 (histograms), last | avg | min | max (gauges)')
    .option('--window <duration>', 'how far the aggregation looks back (default 5m)')
    .requiredOption('--comparison <op>', '> >= < <=')
    .requiredOption('--threshold <number>', 'the value compared with')
    .option('--for <duration>', 'how long the condition must hold before the alert fires (default 0s)')
    .option('--severity <level>', 'info | warning | critical (default warning)')
    .option('--group-by <labels>', 'one alert per value of these comma-separated labels (series summed)')
    .option('--denominator-metric <name>', 'divide by the rate of this counter (default: the same metric)')
    .option('--denominator-label <matcher>', 'label matcher of the denominator series (repeatable); makes the value a ratio', collect)
    .option('--webhook <url>', 'URL notified when an alert fires or resolves (repeatable)', collect)
    .option('--webhook-secret <secret>', 'key of the HMAC-SHA256 signature of webhook bodies')
    .option('--description <text>', 'what the alert means and what to do')
    .option('--disabled', 'create it switched off')
    .action(
      action(async (name: string, o: AddOptions, command: Command) => {
        const threshold = Number(o.threshold);
        if (o.threshold.trim() === '' || !Number.isFinite(threshold)) throw new UsageError(`--threshold expects a number, got "${o.threshold}"`);
        const ratio = o.denominatorMetric !== undefined || o.denominatorLabel !== undefined;
        const rule = await clientFor(command).alerts.rules.create({
          name,
          metric: o.metric,
          labels: parseLabelMatchers(o.label, '--label'),
          aggregation: o.aggregation,
          ...(o.window !== undefined ? { window: o.window } : {}),
          comparison: o.comparison,
          threshold,
          ...(o.for !== undefined ? { for: o.for } : {}),
          ...(o.severity !== undefined ? { severity: o.severity } : {}),
          ...(o.groupBy !== undefined ? { group_by: o.groupBy.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
          ...(ratio ? { denominator: { ...(o.denominatorMetric ? { metric: o.denominatorMetric } : {}), labels: parseLabelMatchers(o.denominatorLabel, '--denominator-label') } } : {}),
          ...(o.webhook ? { webhooks: o.webhook } : {}),
          ...(o.webhookSecret !== undefined ? { webhook_secret: o.webhookSecret } : {}),
          ...(o.description !== undefined ? { description: o.description } : {}),
          ...(o.disabled ? { enabled: false } : {}),
        });
        printObject(command, rule, RULE_FIELDS);
      }),
    );

  rules
    .command('list')
    .description('list alert rules with how their last evaluation went')
    .action(
      action(async (_o: unknown, command: Command) => {
        printRows(command, await clientFor(command).alerts.rules.list(), RULE_FIELDS);
      }),
    );

  rules
    .command('delete <name>')
    .description('delete an alert rule; its alerts resolve')
    .action(
      action(async (name: string, _o: unknown, command: Command) => {
        await clientFor(command).alerts.rules.delete(name);
        printObject(command, { deleted: name }, [['deleted', (v) => v.deleted]]);
      }),
    );

  cmd
    .command('list')
    .description('alerts pending or firing now; with --history, every state change, newest first')
    .option('--history', 'the history of state changes instead')
    .option('--rule <name>', 'of one rule')
    .option('--state <state>', 'pending | firing (without --history)')
    .option('--limit <n>', 'with --history: at most this many events', '100')
    .action(
      action(async (o: { history?: boolean; rule?: string; state?: string; limit: string }, command: Command) => {
        const client = clientFor(command);
        if (o.history) {
          const limit = Number(o.limit);
          if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`--limit expects a positive integer, got "${o.limit}"`);
          printRows(command, await client.alerts.history({ rule: o.rule, limit }), HISTORY_FIELDS);
          return;
        }
        if (o.state !== undefined && o.state !== 'pending' && o.state !== 'firing') throw new UsageError(`--state expects pending or firing, got "${o.state}"`);
        printRows(command, await client.alerts.list({ rule: o.rule, state: o.state as 'pending' | 'firing' | undefined }), ALERT_FIELDS);
      }),
    );
}
