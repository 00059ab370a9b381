import type { FastifyPluginAsync } from 'fastify';
import type { AppServices } from '../services.js';

/** Native /api/v1 experiments endpoints. */
export const experimentsRoutes: FastifyPluginAsync<{ services: AppServices }> = async (_app, _opts) => {};
