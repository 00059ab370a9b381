import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { AppServices } from '../services.js';
import { PermissionDeniedError, PuenteError } from '../../errors/index.js';
import { ROLES, RESOURCE_TYPES, TOKEN_SCOPES, can, roleAtLeast, type ResourceRef } from '../../auth/index.js';
import { ERROR_RESPONSES } from './schemas.js';

/* Native identity API: bootstrap, users, API tokens, grants, and the audit log (/api/v1). */

const UserSchema = Type.Object({ username: Type.String(), created_at: Type.Integer(), disabled: Type.Boolean() }, { description: 'A user (never with a password).' });
const TokenInfoSchema = Type.Object(
  {
    id: Type.Integer(),
    username: Type.String(),
    name: Type.String(),
    scope: Type.String({ description: `One of ${TOKEN_SCOPES.join(', ')}.` }),
    created_at: Type.Integer(),
    expires_at: Type.Union([Type.Integer(), Type.Null()]),
    last_used_at: Type.Union([Type.Integer(), Type.Null()]),
    revoked_at: Type.Union([Type.Integer(), Type.Null()]),
    rate_limit_per_minute: Type.Union([Type.Integer(), Type.Null()]),
  },
  { description: 'An API token (its secret is shown once, when it is created).' },
);
const NewTokenSchema = Type.Object({ token: Type.String({ description: 'The secret. Shown this once; store it now.' }), token_info: TokenInfoSchema });
const GrantSchema = Type.Object({
  id: Type.Integer(),
  username: Type.String(),
  role: Type.String(),
  resource_type: Type.String(),
  resource_id: Type.String(),
  created_at: Type.Integer(),
  created_by: Type.Union([Type.String(), Type.Null()]),
});
const UsernameParams = Type.Object({ username: Type.String() });
const Password = Type.String({ minLength: 1, maxLength: 1024 });

/** Native identity and administration endpoints. */
export const authRoutes: FastifyPluginAsync<{ services: AppServices }> = async (plain, { services }) => {
  const app = plain.withTypeProvider<TypeBoxTypeProvider>();
  const auth = services.auth;

  app.post(
    '/admin/bootstrap',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create the first admin and a token for it',
        description: 'Only while the server has no users (409 afterwards). The token is printed once.',
        body: Type.Optional(Type.Object({ username: Type.Optional(Type.String()), password: Type.Optional(Password) })),
        response: { 201: Type.Object({ username: Type.String(), token: Type.String(), token_info: TokenInfoSchema }), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const { user, token, token_info } = await auth.bootstrap({ username: request.body?.username, password: request.body?.password ?? null });
      reply.code(201);
      return { username: user.username, token, token_info };
    },
  );

  app.get('/auth/whoami', { schema: { tags: ['admin'], summary: 'The caller: user, roles and grants' } }, async (request) => {
    const p = request.principal;
    return {
      username: p.username,
      global_role: p.globalRole,
      scope: p.scope,
      token_id: p.tokenId,
      auth_enforced: await auth.enforced(),
      grants: [...p.grants].map(([key, role]) => ({ resource: key, role })),
    };
  });

  // ---------------------------------------------------------------- users (admin)

  app.post(
    '/users',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create a user',
        description: `Optionally with a global role (${ROLES.join(' < ')}).`,
        body: Type.Object({ username: Type.String(), password: Type.Optional(Password), role: Type.Optional(Type.String()) }),
        response: { 201: UserSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return auth.createUser(request.body, request.principal.username);
    },
  );
  app.get('/users', { schema: { tags: ['admin'], summary: 'List users', response: { 200: Type.Object({ users: Type.Array(UserSchema) }) } } }, async () => ({
    users: await auth.listUsers(),
  }));
  app.get('/users/:username', { schema: { tags: ['admin'], summary: 'One user', params: UsernameParams, response: { 200: UserSchema, ...ERROR_RESPONSES } } }, async (request) =>
    auth.getUser(request.params.username),
  );
  app.patch(
    '/users/:username',
    {
      schema: {
        tags: ['admin'],
        summary: 'Change a password or disable a user',
        params: UsernameParams,
        body: Type.Object({ password: Type.Optional(Type.Union([Password, Type.Null()])), disabled: Type.Optional(Type.Boolean()) }),
        response: { 200: UserSchema, ...ERROR_RESPONSES },
      },
    },
    async (request) => auth.updateUser(request.params.username, request.body),
  );
  app.delete('/users/:username', { schema: { tags: ['admin'], summary: 'Delete a user with their tokens and grants', params: UsernameParams } }, async (request, reply) => {
    if (request.params.username === request.principal.username) throw new PuenteError('INVALID_PARAMETER_VALUE', 'You cannot delete your own user; ask another admin.');
    await auth.deleteUser(request.params.username);
    return reply.code(204).send();
  });

  // ---------------------------------------------------------------- tokens (own; admins: anyone's)

  const tokenOwner = (request: FastifyRequest, username: string | undefined): string => {
    const self = request.principal.username;
    if (username === undefined || username === self) {
      if (request.principal.userId === null) throw new PuenteError('INVALID_PARAMETER_VALUE', "The server has no users yet: run 'puente admin bootstrap' first.");
      return self;
    }
    if (!roleAtLeast(request.principal.globalRole, 'admin')) throw new PermissionDeniedError(`Only an admin may manage tokens of user '${username}'.`);
    return username;
  };

  app.post(
    '/tokens',
    {
      schema: {
        tags: ['admin'],
        summary: 'Create an API token',
        description: 'For yourself, or (admins) for the named user. The secret is in this answer only.',
        body: Type.Object({
          name: Type.Optional(Type.String({ minLength: 1, maxLength: 256 })),
          username: Type.Optional(Type.String()),
          scope: Type.Optional(Type.String({ description: `One of ${TOKEN_SCOPES.join(', ')} (default all).` })),
          expires_at: Type.Optional(Type.Union([Type.Integer(), Type.Null()], { description: 'Epoch milliseconds.' })),
          expires_in_days: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
          rate_limit_per_minute: Type.Optional(Type.Union([Type.Integer(), Type.Null()])),
        }),
        response: { 201: NewTokenSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const owner = tokenOwner(request, b.username);
      const expires = b.expires_in_days !== undefined ? Date.now() + Math.round(b.expires_in_days * 86_400_000) : b.expires_at;
      reply.code(201);
      return auth.createToken(owner, { name: b.name, scope: b.scope, expires_at: expires, rate_limit_per_minute: b.rate_limit_per_minute });
    },
  );
  app.get(
    '/tokens',
    {
      schema: {
        tags: ['admin'],
        summary: 'List API tokens',
        description: 'Your own; admins may name a user or pass all=true.',
        querystring: Type.Object({ username: Type.Optional(Type.String()), all: Type.Optional(Type.Boolean()) }),
        response: { 200: Type.Object({ tokens: Type.Array(TokenInfoSchema) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => {
      if (request.query.all) {
        auth.requireAdmin(request.principal);
        return { tokens: await auth.listTokens(null) };
      }
      return { tokens: await auth.listTokens(tokenOwner(request, request.query.username)) };
    },
  );
  app.delete(
    '/tokens/:token_id',
    { schema: { tags: ['admin'], summary: 'Revoke an API token', params: Type.Object({ token_id: Type.Integer() }), response: { 200: TokenInfoSchema, ...ERROR_RESPONSES } } },
    async (request) => {
      const token = await auth.getToken(request.params.token_id);
      tokenOwner(request, token.username);
      return auth.revokeToken(token.id);
    },
  );

  // ---------------------------------------------------------------- grants

  app.post(
    '/grants',
    {
      schema: {
        tags: ['admin'],
        summary: 'Grant a role, globally or on one resource',
        description: `Roles: ${ROLES.join(' < ')}. Resource types: ${RESOURCE_TYPES.join(', ')}. Replaces the role the user held on that resource. Global admins, or admins of that resource.`,
        body: Type.Object({
          username: Type.String(),
          role: Type.String(),
          resource_type: Type.Optional(Type.String({ description: 'Default global.' })),
          resource_id: Type.Optional(Type.String()),
        }),
        response: { 201: GrantSchema, ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      reply.code(201);
      return auth.grant(request.body, request.principal.username);
    },
  );
  app.get(
    '/grants',
    {
      schema: {
        tags: ['admin'],
        summary: 'List grants',
        querystring: Type.Object({ username: Type.Optional(Type.String()), resource_type: Type.Optional(Type.String()), resource_id: Type.Optional(Type.String()) }),
        response: { 200: Type.Object({ grants: Type.Array(GrantSchema) }), ...ERROR_RESPONSES },
      },
    },
    async (request) => ({ grants: await auth.listGrants(request.query) }),
  );
  app.delete(
    '/grants/:grant_id',
    { schema: { tags: ['admin'], summary: 'Revoke a grant', params: Type.Object({ grant_id: Type.Integer() }) } },
    async (request, reply) => {
      const grant = await auth.getGrant(request.params.grant_id);
      const target: ResourceRef | null = grant.resource_type === 'global' ? null : { type: grant.resource_type, id: grant.resource_id };
      if (!can(request.principal, 'admin', target)) {
        throw new PermissionDeniedError(`User '${request.principal.username}' needs the admin role on ${target ? `${target.type.replace('_', ' ')} '${target.id}'` : 'the server'} to revoke this grant.`);
      }
      request.accessResources = target ? [target] : null;
      await auth.revokeGrant(grant.id);
      return reply.code(204).send();
    },
  );

  // ---------------------------------------------------------------- audit log (admin)

  app.get(
    '/audit',
    {
      schema: {
        tags: ['admin'],
        summary: 'Audit records, oldest first',
        querystring: Type.Object({
          actor: Type.Optional(Type.String()),
          resource_type: Type.Optional(Type.String()),
          resource_id: Type.Optional(Type.String()),
          since: Type.Optional(Type.Integer({ description: 'Epoch milliseconds, inclusive.' })),
          until: Type.Optional(Type.Integer({ description: 'Epoch milliseconds, inclusive.' })),
          after_seq: Type.Optional(Type.Integer()),
          limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
        }),
      },
    },
    async (request) => {
      if (!services.audit) throw new PuenteError('NOT_IMPLEMENTED', 'The audit log is turned off on this server (PUENTE_AUDIT=off).');
      return { records: await services.audit.list(request.query) };
    },
  );
  app.get('/audit/verify', { schema: { tags: ['admin'], summary: 'Check the hash chain of the whole audit log' } }, async () => {
    if (!services.audit) throw new PuenteError('NOT_IMPLEMENTED', 'The audit log is turned off on this server (PUENTE_AUDIT=off).');
    return services.audit.verify();
  });
};
