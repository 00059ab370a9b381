import { InvalidParameterError } from '../errors/index.js';

/** Roles, weakest first: each includes every right of the ones before it. */
export const ROLES = ['viewer', 'editor', 'deployer', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What a grant can be scoped to; `global` covers everything. */
export const RESOURCE_TYPES = ['global', 'experiment', 'registered_model', 'dataset', 'deployment'] as const;
export type ResourceType = (typeof RESOURCE_TYPES)[number];

/** One resource a request acts on. */
export interface ResourceRef {
  readonly type: Exclude<ResourceType, 'global'>;
  readonly id: string;
}

/** What a token may be used for: everything its user may do, or only calling models. */
export const TOKEN_SCOPES = ['all', 'inference'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];

export function roleRank(role: Role): number {
  return ROLES.indexOf(role);
}

/** True when `held` includes the rights of `needed`. */
export function roleAtLeast(held: Role | null | undefined, needed: Role): boolean {
  return held != null && roleRank(held) >= roleRank(needed);
}

/** The stronger of two roles (either may be absent). */
export function strongerRole(a: Role | null, b: Role | null): Role | null {
  if (a === null) return b;
  if (b === null) return a;
  return roleRank(a) >= roleRank(b) ? a : b;
}

export function parseRole(value: unknown, field = 'role'): Role {
  if (typeof value !== 'string' || !(ROLES as readonly string[]).includes(value)) {
    throw new InvalidParameterError(`Unknown role '${String(value)}'; expected one of ${ROLES.join(', ')}.`, field);
  }
  return value as Role;
}

export function parseResourceType(value: unknown, field = 'resource_type'): ResourceType {
  if (typeof value !== 'string' || !(RESOURCE_TYPES as readonly string[]).includes(value)) {
    throw new InvalidParameterError(`Unknown resource type '${String(value)}'; expected one of ${RESOURCE_TYPES.join(', ')}.`, field);
  }
  return value as ResourceType;
}

export function parseScope(value: unknown, field = 'scope'): TokenScope {
  if (value === undefined || value === null) return 'all';
  if (typeof value !== 'string' || !(TOKEN_SCOPES as readonly string[]).includes(value)) {
    throw new InvalidParameterError(`Unknown token scope '${String(value)}'; expected one of ${TOKEN_SCOPES.join(', ')}.`, field);
  }
  return value as TokenScope;
}
