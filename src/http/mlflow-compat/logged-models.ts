import type { FastifyPluginAsync } from 'fastify';
import type { AppServices } from '../services.js';

/** MLflow-compatible logged-models endpoints. */
export const loggedModelsRoutes: FastifyPluginAsync<{ services: AppServices }> = async (_app, _opts) => {};
