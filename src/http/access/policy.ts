import type { FastifyRequest } from 'fastify';
import type { ResourceRef, Role } from '../../auth/index.js';

/** Lookups a policy needs to find which resource a request acts on. */
export interface ResourceLookup {
  experimentOfRun(runId: string): Promise<string | null>;
  experimentOfLoggedModel(modelId: string): Promise<string | null>;
  experimentIdByName(name: string): Promise<string | null>;
}

/**
 * Finds the resources a request acts on. null: none can be named (a create, an unknown id), so
 * the role must be held globally. Several: the role is needed on each.
 */
export type ResourceResolver = (request: FastifyRequest, lookup: ResourceLookup) => Promise<ResourceRef[] | null>;

/** A snapshot of the state a change starts from, for the audit log's "before". */
export type SnapshotKind = 'experiment' | 'registered_model';

/**
 * What a route requires. Exactly one policy per route: the route-table test fails for a route
 * without one, and such a route answers 500 rather than run unchecked.
 */
export type AccessPolicy =
  /** Reachable without credentials. Only routes in PUBLIC_ROUTES may use it. */
  | { readonly kind: 'public' }
  /** Any authenticated caller (their own tokens, who am I). */
  | { readonly kind: 'authenticated' }
  /** A role, on the resources the resolver names (globally when it names none). */
  | RolePolicy;

export interface RolePolicy {
  readonly kind: 'role';
  readonly role: Role;
  readonly resource?: ResourceResolver;
  /** Any caller may ask; the handler filters results to what they may see. */
  readonly search?: boolean;
  /** Record the resource's state before the change in the audit log. */
  readonly snapshot?: SnapshotKind;
  /** Inference routes: tokens with the inference scope may call them. */
  readonly inference?: boolean;
  /** The route creates a resource of this type: its creator becomes its admin. */
  readonly creates?: 'experiment' | 'registered_model' | 'dataset' | 'deployment';
  /** The route renames the resource it acts on; the new id is in this field. Grants follow. */
  readonly renames?: string;
  /** The route deletes the resource for good; its grants go too. */
  readonly deletes?: boolean;
}

/** Reads a field from route params, then the JSON body, then the query string. */
export function requestField(request: FastifyRequest, name: string): string | undefined {
  for (const source of [request.params, request.body, request.query]) {
    if (source && typeof source === 'object' && !Array.isArray(source)) {
      const v = (source as Record<string, unknown>)[name];
      if (typeof v === 'string' && v !== '') return v;
      if (typeof v === 'number') return String(v);
      if (Array.isArray(v) && typeof v[0] === 'string') return v[0];
    }
  }
  return undefined;
}

/** Every value of a list field (body list or repeated query key). */
function requestList(request: FastifyRequest, name: string): string[] {
  for (const source of [request.body, request.query]) {
    if (source && typeof source === 'object') {
      const v = (source as Record<string, unknown>)[name];
      if (Array.isArray(v)) return v.map(String);
      if (typeof v === 'string' || typeof v === 'number') return [String(v)];
    }
  }
  return [];
}

const one = (ref: ResourceRef | null): ResourceRef[] | null => (ref === null ? null : [ref]);

/** The experiment named by one of these fields. */
export const experimentField = (...names: string[]): ResourceResolver => async (request) => {
  for (const n of names) {
    const id = requestField(request, n);
    if (id !== undefined) return [{ type: 'experiment', id }];
  }
  return null;
};

/** The experiment named by `experiment_name`. */
export const experimentByName = (name = 'experiment_name'): ResourceResolver => async (request, lookup) => {
  const value = requestField(request, name);
  if (value === undefined) return null;
  const id = await lookup.experimentIdByName(value);
  return one(id === null ? null : { type: 'experiment', id });
};

/** The experiment of the run named by one of these fields. */
export const runField = (...names: string[]): ResourceResolver => async (request, lookup) => {
  for (const n of names) {
    const runId = requestField(request, n);
    if (runId === undefined) continue;
    const id = await lookup.experimentOfRun(runId);
    return one(id === null ? null : { type: 'experiment', id });
  }
  return null;
};

/** The experiments of every run in a list field (bulk metric history). */
export const runList = (name: string): ResourceResolver => async (request, lookup) => {
  const runIds = requestList(request, name);
  if (runIds.length === 0) return null;
  const refs: ResourceRef[] = [];
  for (const runId of runIds.slice(0, 100)) {
    const id = await lookup.experimentOfRun(runId);
    if (id === null) return null;
    refs.push({ type: 'experiment', id });
  }
  return refs;
};

/** The experiment of the logged model in `model_id`. */
export const loggedModelField = (name = 'model_id'): ResourceResolver => async (request, lookup) => {
  const modelId = requestField(request, name);
  if (modelId === undefined) return null;
  const id = await lookup.experimentOfLoggedModel(modelId);
  return one(id === null ? null : { type: 'experiment', id });
};

/** The registered model named by a field. */
export const modelField = (name = 'name'): ResourceResolver => async (request) => {
  const id = requestField(request, name);
  return one(id === undefined ? null : { type: 'registered_model', id });
};

/** The dataset named by a field. */
export const datasetField = (name = 'name'): ResourceResolver => async (request) => {
  const id = requestField(request, name);
  return one(id === undefined ? null : { type: 'dataset', id });
};

/** The deployment named by a field. */
export const deploymentField = (name = 'name'): ResourceResolver => async (request) => {
  const id = requestField(request, name);
  return one(id === undefined ? null : { type: 'deployment', id });
};

/**
 * The experiment owning a proxied artifact path: artifact locations this server hands out start
 * with the experiment id (`<experiment>/<run>/artifacts/...`).
 */
export const artifactPath = (): ResourceResolver => async (request) => {
  const path = requestField(request, '*') ?? requestField(request, 'path') ?? '';
  const first = path.replace(/^\/+/, '').split('/')[0] ?? '';
  return /^\d+$/.test(first) ? [{ type: 'experiment', id: first }] : null;
};

/** The datasets of `NAME@VERSION` references in these fields (a diff reads both). */
export const datasetRefFields = (...names: string[]): ResourceResolver => async (request) => {
  const refs: ResourceRef[] = [];
  for (const n of names) {
    const text = requestField(request, n);
    if (text === undefined) continue;
    const at = text.lastIndexOf('@');
    refs.push({ type: 'dataset', id: at < 0 ? text : text.slice(0, at) });
  }
  return refs.length === 0 ? null : refs;
};

/** The resource a grant request names (body or query `resource_type` / `resource_id`). */
export const grantTarget = (): ResourceResolver => async (request) => {
  const type = requestField(request, 'resource_type');
  const id = requestField(request, 'resource_id');
  if (type === undefined || type === 'global' || id === undefined) return null;
  if (!['experiment', 'registered_model', 'dataset', 'deployment'].includes(type)) return null;
  return [{ type: type as ResourceRef['type'], id }];
};
