import type { FastifyPluginAsync } from 'fastify';
import type { AppServices } from '../services.js';

/** The native API, mounted at /api/v1: one encapsulated plugin per module. */
export const nativeApiRoutes: FastifyPluginAsync<{ services: AppServices }> = async (_app, _opts) => {};
