import type { FastifyPluginAsync } from 'fastify';
import type { AppServices } from '../services.js';

/** MLflow-compatible experiments endpoints. */
export const experimentsRoutes: FastifyPluginAsync<{ services: AppServices }> = async (_app, _opts) => {};
