import type { FastifyRequest } from 'fastify';
import { visibleIds } from '../../auth/index.js';

/** Experiments the caller may read, or null for all: for search handlers. */
export function visibleExperiments(request: FastifyRequest): string[] | null {
  return visibleIds(request.principal, 'experiment');
}

/** Registered models the caller may read, or null for all. */
export function visibleModels(request: FastifyRequest): string[] | null {
  return visibleIds(request.principal, 'registered_model');
}

/** Datasets the caller may read, or null for all. */
export function visibleDatasets(request: FastifyRequest): string[] | null {
  return visibleIds(request.principal, 'dataset');
}

/** Deployments the caller may read, or null for all. */
export function visibleDeployments(request: FastifyRequest): string[] | null {
  return visibleIds(request.principal, 'deployment');
}

/** The requested experiment ids the caller may read (others are dropped, as if they held nothing). */
export function readableExperimentIds(request: FastifyRequest, requested: string[]): string[] {
  const visible = visibleExperiments(request);
  if (visible === null) return requested;
  const allowed = new Set(visible);
  return requested.filter((id) => allowed.has(id));
}
