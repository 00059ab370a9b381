import type { FastifyPluginAsync } from 'fastify';
import type { AppServices } from '../services.js';

/** Liveness, readiness, version and Prometheus metrics. All public. */
export const healthRoutes: FastifyPluginAsync<{ services: AppServices }> = async (app, { services }) => {
  app.get('/health/live', async () => ({ status: 'ok' }));

  app.get('/health/ready', async (_request, reply) => {
    const checks: Record<string, { ok: boolean; error?: string }> = {};
    await Promise.all([
      services.db.ping().then(
        () => (checks.store = { ok: true }),
        (err: Error) => (checks.store = { ok: false, error: err.message }),
      ),
      services.artifacts.checkWritable().then(
        () => (checks.artifacts = { ok: true }),
        (err: Error) => (checks.artifacts = { ok: false, error: err.message }),
      ),
    ]);
    const ready = Object.values(checks).every((c) => c.ok);
    reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks });
  });

  // MLflow clients probe these two.
  app.get('/health', async (_request, reply) => reply.type('text/plain').send('OK'));
  app.get('/version', async (_request, reply) => reply.type('text/plain').send(services.version));

  app.get('/metrics', async (_request, reply) => {
    reply.type(services.metricsRegistry.contentType).send(await services.metricsRegistry.metrics());
  });
};
