import type { FastifyPluginAsync } from 'fastify';
import type { AppServices } from '../services.js';
import { experimentsRoutes } from './experiments.js';
import { runsRoutes } from './runs.js';
import { modelsRoutes } from './models.js';
import { artifactsRoutes } from './artifacts.js';
import { authRoutes } from './auth.js';
import { datasetsRoutes } from './datasets.js';
import { deploymentsRoutes } from './deployments.js';
import { monitoringRoutes } from './monitoring.js';
import { alertsRoutes } from './alerts.js';

/** The native API, mounted at /api/v1: one encapsulated plugin per module. */
export const nativeApiRoutes: FastifyPluginAsync<{ services: AppServices }> = async (app, { services }) => {
  await app.register(experimentsRoutes, { services });
  await app.register(runsRoutes, { services });
  await app.register(modelsRoutes, { services });
  await app.register(artifactsRoutes, { services });
  await app.register(authRoutes, { services });
  await app.register(datasetsRoutes, { services });
  await app.register(deploymentsRoutes, { services });
  await app.register(monitoringRoutes, { services });
  await app.register(alertsRoutes, { services });
};
