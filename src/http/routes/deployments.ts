import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import type { AppServices } from '../services.js';
import { ERROR_RESPONSES, FeedbackBodySchema } from './schemas.js';
import { visibleDeployments } from '../access/index.js';
import type { ChangeContext, VersionRef } from '../../deployments/index.js';

/*
 * Native deployments API (/api/v1/deployments): create, change the traffic policy (blue-green,
 * canary, shadow, A/B, weights), promote, roll back, pause and resume, history and status, and
 * feedback labels for the deployment's predictions. Every change answers with the new revision.
 */

const Faults = Type.Optional(Type.Object({
  delay_ms: Type.Optional(Type.Number({ description: 'Latency added to each request this version answers.' })),
  error_percent: Type.Optional(Type.Number({ description: 'Share of requests this version fails (0–100).' })),
}, { additionalProperties: false, description: 'Faults injected into this version, to rehearse guardrails.' }));

const Change = {
  expected_revision: Type.Optional(Type.Integer({ description: 'The revision the change was prepared against; a stale one answers 409.' })),
  reason: Type.Optional(Type.String({ maxLength: 2000, description: 'Why; kept in the history.' })),
};

const Target = {
  model: Type.String({ minLength: 1, description: 'Registered model name.' }),
  version: Type.Optional(Type.Union([Type.String(), Type.Integer()], { description: 'Version number or alias (default: champion, else latest).' })),
  faults: Faults,
};

const CreateBody = Type.Object({ name: Type.String({ minLength: 1 }), description: Type.Optional(Type.String()), ...Target, reason: Change.reason }, { additionalProperties: false });
const TargetBody = Type.Object({ ...Target, ...Change }, { additionalProperties: false });
const CanaryBody = Type.Object({
  ...Target, ...Change,
  steps: Type.Array(Type.Number(), { minItems: 1, maxItems: 100, description: 'Canary weights in percent, increasing, ending at 100.' }),
  interval_seconds: Type.Number({ description: 'Time each step runs before it is analysed.' }),
  max_error_rate: Type.Optional(Type.Number()),
  max_p99_ms: Type.Optional(Type.Number()),
  max_prediction_shift: Type.Optional(Type.Number({ description: 'Jensen–Shannon distance (natural log) between canary and stable predictions.' })),
  min_accuracy_delta: Type.Optional(Type.Number({ description: 'Least canary accuracy minus stable accuracy on labelled predictions.' })),
  failure_limit: Type.Optional(Type.Integer({ description: 'Failed analyses tolerated before rolling back (default 0).' })),
  min_requests: Type.Optional(Type.Integer({ description: 'Fewest canary requests an analysis needs (default 20).' })),
}, { additionalProperties: false });
const ShadowBody = Type.Object({ ...Target, ...Change, percent: Type.Number({ description: 'Share of requests mirrored (0–100].' }) }, { additionalProperties: false });
const AbBody = Type.Object({
  ...Target, ...Change,
  weight: Type.Number({ description: 'Percent of traffic to the new version (the treatment).' }),
  metric: Type.Optional(Type.String({ description: 'accuracy | conversion | absolute_error | value (default accuracy).' })),
  alpha: Type.Optional(Type.Number({ description: 'Significance level (default 0.05).' })),
  minimum_effect: Type.Optional(Type.Number({ description: 'Smallest difference worth detecting; sets the planned sample size.' })),
}, { additionalProperties: false });
const TrafficBody = Type.Object({
  ...Change,
  weights: Type.Array(Type.Object({ model: Type.String(), version: Type.Integer(), weight: Type.Number() }, { additionalProperties: false }), { minItems: 1 }),
}, { additionalProperties: false });
const ActionBody = Type.Object({ ...Change }, { additionalProperties: false });
const RollbackBody = Type.Object({ ...Change, to_revision: Type.Optional(Type.Integer({ minimum: 1 })) }, { additionalProperties: false });

const Counts = Type.Record(Type.String({ maxLength: 80 }), Type.Number({ minimum: 0 }));
const TelemetryBody = Type.Object({
  periods: Type.Array(Type.Object({
    deployment: Type.String(), model: Type.String(), version: Type.Integer({ minimum: 1 }), role: Type.String({ maxLength: 16 }),
    period_start: Type.Number(), period_end: Type.Number(), requests: Type.Integer({ minimum: 0 }), errors: Type.Integer({ minimum: 0 }),
    latency: Counts, predictions: Counts, shadow_compared: Type.Integer({ minimum: 0 }), shadow_agreed: Type.Integer({ minimum: 0 }),
  }, { additionalProperties: false }), { maxItems: 20_000 }),
  predictions: Type.Array(Type.Object({
    id: Type.String({ minLength: 1, maxLength: 64 }), deployment: Type.String(), model: Type.String(), version: Type.Integer({ minimum: 1 }),
    role: Type.Union([Type.String({ maxLength: 16 }), Type.Null()]), at: Type.Number(), latency_ms: Type.Number({ minimum: 0 }),
    inputs: Type.Array(Type.Record(Type.String(), Type.Unknown())), predictions: Type.Array(Type.Unknown()),
  }, { additionalProperties: false }), { maxItems: 20_000 }),
}, { additionalProperties: false });

const NameParams = Type.Object({ name: Type.String() });

const targetOf = (b: Static<typeof TargetBody>): VersionRef => ({ model: b.model, ...(b.version !== undefined ? { ref: String(b.version) } : {}), ...(b.faults ? { faults: b.faults } : {}) });
const ctxOf = (request: FastifyRequest, b: { expected_revision?: number; reason?: string }): ChangeContext => ({
  by: request.principal.username, ...(b.expected_revision !== undefined ? { expected_revision: b.expected_revision } : {}), ...(b.reason ? { reason: b.reason } : {}),
});

export const deploymentsRoutes: FastifyPluginAsync<{ services: AppServices }> = async (fastify, { services }) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const deployments = services.deployments;
  const tags = ['deployments'];
  const response = { 200: Type.Unknown({ description: 'The deployment, list or report asked for.' }), ...ERROR_RESPONSES };
  const byName = { params: NameParams, response, tags };

  app.post('/deployments', { schema: { body: CreateBody, response, tags, summary: 'Create a deployment serving one version' } }, async (request) => {
    const b = request.body;
    return deployments.create(b.name, targetOf(b), { by: request.principal.username, ...(b.description !== undefined ? { description: b.description } : {}), ...(b.reason ? { reason: b.reason } : {}) });
  });
  app.get('/deployments', { schema: { response, tags, summary: 'List deployments' } }, async (request) => ({
    deployments: await deployments.list(visibleDeployments(request)),
  }));
  app.get('/deployments/:name', { schema: { ...byName, summary: 'A deployment at its current revision' } }, async (request) => deployments.get(request.params.name));
  app.delete('/deployments/:name', { schema: { ...byName, summary: 'Delete a deployment' } }, async (request) => {
    await deployments.delete(request.params.name);
    return {};
  });
  app.get('/deployments/:name/history', {
    schema: { ...byName, querystring: Type.Object({ limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })) }), summary: 'Revisions, newest first' },
  }, async (request) => ({ revisions: await deployments.history(request.params.name, request.query.limit ?? 100) }));
  app.get('/deployments/:name/status', { schema: { ...byName, summary: 'Policy, versions, canary analyses, shadow agreement and A/B statistics' } }, async (request) =>
    services.deploymentStatus.status(request.params.name));

  app.post('/deployments/:name/blue-green', { schema: { ...byName, body: TargetBody, summary: 'Stage a green version beside the live one' } }, async (request) =>
    deployments.blueGreen(request.params.name, targetOf(request.body), ctxOf(request, request.body)));
  app.post('/deployments/:name/canary', { schema: { ...byName, body: CanaryBody, summary: 'Start a canary with automatic analysis' } }, async (request) => {
    const b = request.body;
    const guardrails = Object.fromEntries(
      (['max_error_rate', 'max_p99_ms', 'max_prediction_shift', 'min_accuracy_delta'] as const).filter((k) => b[k] !== undefined).map((k) => [k, b[k]]),
    );
    return deployments.canary(request.params.name, targetOf(b), {
      steps: b.steps, interval_ms: b.interval_seconds * 1000, guardrails, failure_limit: b.failure_limit ?? 0, min_requests: b.min_requests ?? 20,
    }, ctxOf(request, b));
  });
  app.post('/deployments/:name/shadow', { schema: { ...byName, body: ShadowBody, summary: 'Mirror a share of traffic to a version' } }, async (request) =>
    deployments.shadow(request.params.name, targetOf(request.body), request.body.percent, ctxOf(request, request.body)));
  app.post('/deployments/:name/ab', { schema: { ...byName, body: AbBody, summary: 'Start an A/B test against the stable version' } }, async (request) => {
    const b = request.body;
    return deployments.ab(request.params.name, targetOf(b), b.weight, b.metric ?? 'accuracy', b.alpha ?? 0.05, ctxOf(request, b), b.minimum_effect);
  });
  app.post('/deployments/:name/traffic', { schema: { ...byName, body: TrafficBody, summary: 'Set live weights by hand' } }, async (request) =>
    deployments.setTraffic(request.params.name, request.body.weights, ctxOf(request, request.body)));
  app.post('/deployments/:name/promote', { schema: { ...byName, body: Type.Optional(ActionBody), summary: 'Give the candidate all traffic' } }, async (request) =>
    deployments.promote(request.params.name, ctxOf(request, request.body ?? {})));
  app.post('/deployments/:name/rollback', { schema: { ...byName, body: Type.Optional(RollbackBody), summary: 'Roll back in one step' } }, async (request) => {
    const b = request.body ?? {};
    return deployments.rollback(request.params.name, { ...ctxOf(request, b), ...(b.to_revision !== undefined ? { to_revision: b.to_revision } : {}) });
  });
  app.post('/deployments/:name/pause', { schema: { ...byName, body: Type.Optional(ActionBody), summary: 'Pause a canary' } }, async (request) =>
    deployments.pause(request.params.name, ctxOf(request, request.body ?? {})));
  app.post('/deployments/:name/resume', { schema: { ...byName, body: Type.Optional(ActionBody), summary: 'Resume a paused canary' } }, async (request) =>
    deployments.resume(request.params.name, ctxOf(request, request.body ?? {})));
  app.put('/deployments/:name/validation', {
    schema: {
      ...byName, summary: 'Check every incoming record against an expectation suite (violations counted, requests answered)',
      body: Type.Object({ ...Change, suite: Type.Union([Type.String({ description: 'YAML or JSON text' }), Type.Object({}, { additionalProperties: true })]) }, { additionalProperties: false }),
    },
  }, async (request) => deployments.setValidation(request.params.name, request.body.suite, ctxOf(request, request.body)));
  app.put('/deployments/:name/explanations', {
    schema: {
      ...byName, summary: 'Store explanations with a share of logged predictions',
      body: Type.Object({ ...Change, percent: Type.Number(), method: Type.Optional(Type.String({ description: 'tree, kernel or permutation' })) }, { additionalProperties: false }),
    },
  }, async (request) => deployments.setExplanations(request.params.name, { percent: request.body.percent, ...(request.body.method ? { method: request.body.method } : {}) }, ctxOf(request, request.body)));
  app.delete('/deployments/:name/explanations', { schema: { ...byName, summary: 'Stop storing explanations' } }, async (request) =>
    deployments.setExplanations(request.params.name, null, ctxOf(request, {})));
  app.delete('/deployments/:name/validation', { schema: { ...byName, summary: 'Stop checking incoming records' } }, async (request) =>
    deployments.setValidation(request.params.name, null, ctxOf(request, {})));
  app.post('/deployments/:name/telemetry', { schema: { ...byName, body: TelemetryBody, summary: 'Traffic and logged predictions reported by a replica (puente serve --deployment)' } }, async (request) =>
    deployments.acceptTelemetry(request.params.name, request.body));
  app.post('/deployments/:name/feedback', { schema: { ...byName, body: FeedbackBodySchema, summary: 'Ground-truth labels for earlier predictions' } }, async (request) => {
    await deployments.get(request.params.name);
    const results = await services.predictions.feedback(request.body.labels, { deployment: request.params.name });
    return { results, recorded: results.filter((r) => r.status === 'recorded').length, not_found: results.filter((r) => r.status === 'not_found').length };
  });
};
