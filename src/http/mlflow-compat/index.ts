import type { FastifyPluginAsync } from 'fastify';
import type { AppServices } from '../services.js';

/**
 * The MLflow REST API (`/api/2.0/mlflow/...`, also under `/ajax-api/2.0/mlflow` as MLflow's UI
 * uses it) and the artifact proxy (`/api/2.0/mlflow-artifacts/...`).
 */
export const mlflowCompatRoutes: FastifyPluginAsync<{ services: AppServices }> = async (_app, _opts) => {};
