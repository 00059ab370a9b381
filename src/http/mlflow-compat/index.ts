import type { FastifyPluginAsync } from 'fastify';
import type { AppServices } from '../services.js';
import { experimentsRoutes } from './experiments.js';
import { runsRoutes } from './runs.js';
import { loggedModelsRoutes } from './logged-models.js';
import { registryRoutes } from './registry.js';
import { artifactsRoutes, runArtifactListRoutes } from './artifacts.js';
import { authCompatRoutes } from './auth.js';

/**
 * The MLflow REST API (`/api/2.0/mlflow/...`, also under `/ajax-api/2.0/mlflow` as MLflow's UI
 * uses it) and the artifact proxy (`/api/2.0/mlflow-artifacts/...`).
 */
export const mlflowCompatRoutes: FastifyPluginAsync<{ services: AppServices }> = async (app, { services }) => {
  for (const prefix of ['/api/2.0/mlflow', '/ajax-api/2.0/mlflow']) {
    await app.register(experimentsRoutes, { services, prefix });
    await app.register(runsRoutes, { services, prefix });
    await app.register(loggedModelsRoutes, { services, prefix });
    await app.register(registryRoutes, { services, prefix });
    await app.register(runArtifactListRoutes, { services, prefix });
  }
  // MLflow's basic-auth API is served at the REST path only, as MLflow does.
  await app.register(authCompatRoutes, { services, prefix: '/api/2.0/mlflow' });
  await app.register(artifactsRoutes, { services, prefix: '/api/2.0/mlflow-artifacts' });
};
