import type { FastifyPluginAsync } from 'fastify';
import type { AppServices } from '../services.js';

/** Native /api/v1 models endpoints. */
export const modelsRoutes: FastifyPluginAsync<{ services: AppServices }> = async (_app, _opts) => {};
