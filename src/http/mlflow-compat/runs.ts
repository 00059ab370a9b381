import type { FastifyPluginAsync } from 'fastify';
import type { AppServices } from '../services.js';

/** MLflow-compatible runs endpoints. */
export const runsRoutes: FastifyPluginAsync<{ services: AppServices }> = async (_app, _opts) => {};
