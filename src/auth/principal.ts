import { roleAtLeast, strongerRole, type ResourceRef, type ResourceType, type Role, type TokenScope } from './roles.js';

/** Who a request acts as, with every role they hold, resolved once per request. */
export interface Principal {
  /** 'anonymous' when the server runs open (loopback, no users). */
  readonly username: string;
  readonly userId: number | null;
  /** The API token used, when one was. */
  readonly tokenId: number | null;
  readonly scope: TokenScope;
  readonly globalRole: Role | null;
  /** `${type}:${id}` → role granted on that one resource. */
  readonly grants: ReadonlyMap<string, Role>;
  /** Requests per minute this token may make; null: the server default. */
  readonly rateLimitPerMinute: number | null;
  /** When the token used expires; null: never or no token. */
  readonly expiresAt: number | null;
}

/** The caller of a server that has no users yet and listens on loopback only: allowed everything. */
export const OPEN_PRINCIPAL: Principal = Object.freeze({
  username: 'anonymous',
  userId: null,
  tokenId: null,
  scope: 'all',
  globalRole: 'admin',
  grants: new Map(),
  rateLimitPerMinute: null,
  expiresAt: null,
});

export function grantKey(type: ResourceType, id: string): string {
  return `${type}:${id}`;
}

/** The strongest role the principal holds on a resource (global grants included). */
export function roleOn(principal: Principal, resource: ResourceRef | null): Role | null {
  if (resource === null) return principal.globalRole;
  return strongerRole(principal.globalRole, principal.grants.get(grantKey(resource.type, resource.id)) ?? null);
}

export function can(principal: Principal, needed: Role, resource: ResourceRef | null): boolean {
  return roleAtLeast(roleOn(principal, resource), needed);
}

/**
 * Ids of resources of one type the principal may read, or null when they may read all of them
 * (a global role). Search endpoints filter their results by it.
 */
export function visibleIds(principal: Principal, type: ResourceRef['type']): string[] | null {
  if (principal.globalRole !== null) return null;
  const prefix = `${type}:`;
  return [...principal.grants.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
}
