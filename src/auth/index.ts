/** Identities (users, API tokens), roles and grants, and the resolution of credentials into a Principal. */
export { AuthService, type AuthServiceOptions, type User, type ApiToken, type Grant, type CreateTokenInput } from './auth-service.js';
export { OPEN_PRINCIPAL, can, roleOn, visibleIds, grantKey, type Principal } from './principal.js';
export {
  ROLES, RESOURCE_TYPES, TOKEN_SCOPES, roleAtLeast, parseRole, parseResourceType, parseScope,
  type Role, type ResourceType, type ResourceRef, type TokenScope,
} from './roles.js';
export { hashToken, newTokenSecret, TOKEN_PREFIX } from './secrets.js';
