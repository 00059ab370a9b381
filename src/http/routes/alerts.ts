import type { FastifyPluginAsync } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppServices } from '../services.js';
import { ERROR_RESPONSES } from './schemas.js';

/*
 * Alerts API (/api/v1/alerts): rules on any metric served at /metrics, the alerts pending or
 * firing now, and the history of their state changes. Rules are checked by the alert service,
 * which names the field at fault; the schema below documents them.
 */

const Matchers = Type.Record(Type.String(), Type.Union([
  Type.String(),
  Type.Object({ op: Type.String({ description: '= != =~ !~ (regular expressions are anchored, as in PromQL).' }), value: Type.String() }),
]), { description: 'Label name → exact value, or {op, value}.' });

const RuleBody = Type.Object({
  name: Type.Optional(Type.String({ description: 'Unique name (letters, digits, _ . : -).' })),
  description: Type.Optional(Type.String()),
  metric: Type.String({ description: 'A metric exported at /metrics, e.g. puente_deployment_requests_total.' }),
  labels: Type.Optional(Matchers),
  aggregation: Type.String({ description: 'rate | increase (counters), pNN e.g. p99 (histograms), last | avg | min | max (gauges).' }),
  denominator: Type.Optional(Type.Union([Type.Null(), Type.Object({ metric: Type.Optional(Type.String()), labels: Type.Optional(Matchers) })], {
    description: 'Counters: the value becomes this rule\'s rate divided by the denominator\'s (an error ratio).',
  })),
  group_by: Type.Optional(Type.Union([Type.Null(), Type.Array(Type.String())], { description: 'One alert per value of these labels (series summed); absent: one per series.' })),
  window: Type.Optional(Type.Union([Type.String(), Type.Number()], { description: 'Duration the aggregation looks back over (default 5m).' })),
  comparison: Type.String({ description: '> >= < <=' }),
  threshold: Type.Number(),
  for: Type.Optional(Type.Union([Type.String(), Type.Number()], { description: 'How long the condition holds before firing (default 0s).' })),
  severity: Type.Optional(Type.String({ description: 'info | warning (default) | critical' })),
  webhooks: Type.Optional(Type.Array(Type.String(), { description: 'URLs notified when an alert fires or resolves (hosts in PUENTE_WEBHOOK_ALLOWED_HOSTS).' })),
  webhook_secret: Type.Optional(Type.Union([Type.Null(), Type.String()], { description: 'Key of the HMAC-SHA256 signature (x-puente-signature); never returned.' })),
  enabled: Type.Optional(Type.Boolean()),
}, { additionalProperties: true });
// Null comes first in each union: with type coercion on, ajv would otherwise turn null into [null] or ''.

const NameParams = Type.Object({ name: Type.String() });

export const alertsRoutes: FastifyPluginAsync<{ services: AppServices }> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const alerts = services.alerts;
  const tags = ['alerts'];
  const response = { 200: Type.Unknown({ description: 'The rule, list or history asked for.' }), ...ERROR_RESPONSES };

  // The evaluator belongs to this app's lifetime.
  fastify.addHook('onClose', async () => alerts.stop());

  app.post('/alerts/rules', { schema: { body: RuleBody, response, tags, summary: 'Create an alert rule' } }, async (request) =>
    alerts.createRule(request.body, request.principal.username));
  app.get('/alerts/rules', { schema: { response, tags, summary: 'List alert rules with their last evaluation' } }, async () => ({ rules: await alerts.listRules() }));
  app.get('/alerts/rules/:name', { schema: { params: NameParams, response, tags, summary: 'One alert rule' } }, async (request) => alerts.getRule(request.params.name));
  app.put('/alerts/rules/:name', { schema: { params: NameParams, body: RuleBody, response, tags, summary: 'Replace an alert rule' } }, async (request) =>
    alerts.updateRule(request.params.name, request.body));
  app.delete('/alerts/rules/:name', { schema: { params: NameParams, response, tags, summary: 'Delete an alert rule (its alerts resolve)' } }, async (request) => {
    await alerts.deleteRule(request.params.name);
    return {};
  });
  app.get('/alerts', {
    schema: {
      querystring: Type.Object({ rule: Type.Optional(Type.String()), state: Type.Optional(Type.Union([Type.Literal('pending'), Type.Literal('firing')])) }),
      response, tags, summary: 'Alerts pending or firing now',
    },
  }, async (request) => ({ alerts: await alerts.listAlerts(request.query) }));
  app.get('/alerts/history', {
    schema: {
      querystring: Type.Object({
        rule: Type.Optional(Type.String()),
        since: Type.Optional(Type.Integer({ description: 'From this time (epoch ms).' })),
        until: Type.Optional(Type.Integer({ description: 'Before this time (epoch ms).' })),
        limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
      }),
      response, tags, summary: 'State changes of alerts (pending, firing, resolved, inactive), newest first',
    },
  }, async (request) => ({ events: await alerts.history(request.query) }));
};
