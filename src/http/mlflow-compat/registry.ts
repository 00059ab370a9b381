import type { FastifyPluginAsync } from 'fastify';
import type { AppServices } from '../services.js';

/** MLflow-compatible registry endpoints. */
export const registryRoutes: FastifyPluginAsync<{ services: AppServices }> = async (_app, _opts) => {};
