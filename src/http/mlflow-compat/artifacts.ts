import type { FastifyPluginAsync } from 'fastify';
import type { AppServices } from '../services.js';

/** MLflow-compatible artifacts endpoints. */
export const artifactsRoutes: FastifyPluginAsync<{ services: AppServices }> = async (_app, _opts) => {};
