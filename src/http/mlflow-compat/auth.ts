import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { AppServices } from '../services.js';
import { AlreadyExistsError, InvalidParameterError, NotFoundError, PermissionDeniedError } from '../../errors/index.js';
import { roleAtLeast, type Grant, type Role } from '../../auth/index.js';
import { bodyObject, queryValue, requireId, requireJsonContentType, requireString } from './wire.js';

/*
 * MLflow's basic-auth REST API (users and per-experiment / per-model permissions), so scripts
 * written for `mlflow server --app-name basic-auth` and its AuthServiceClient keep working.
 * MLflow permissions map onto roles: READ → viewer, EDIT → editor, MANAGE → admin;
 * NO_PERMISSIONS removes the grant. A deployer grant reads back as EDIT.
 */

const TO_ROLE: Record<string, Role | null> = { READ: 'viewer', EDIT: 'editor', MANAGE: 'admin', NO_PERMISSIONS: null };
const toPermission = (role: Role): string => (role === 'viewer' ? 'READ' : role === 'admin' ? 'MANAGE' : 'EDIT');

function parsePermission(value: unknown): Role | null {
  const name = requireString(value, 'permission');
  if (!(name in TO_ROLE)) throw new InvalidParameterError(`Invalid permission '${name}'; expected one of ${Object.keys(TO_ROLE).join(', ')}.`, 'permission');
  return TO_ROLE[name]!;
}

/** GET parameters come from the query string; other methods from the JSON body (DELETE: either). */
function param(request: FastifyRequest, name: string): unknown {
  if (request.method === 'GET') return queryValue(request.query, name);
  const body = bodyObject(request.body);
  return body[name] ?? (request.method === 'DELETE' ? queryValue(request.query, name) : undefined);
}

export const authCompatRoutes: FastifyPluginAsync<{ services: AppServices }> = async (app, { services }) => {
  const auth = services.auth;
  requireJsonContentType(app);

  const userJson = async (username: string) => {
    const u = await auth.describeUser(username);
    const global = u.grants.find((g) => g.resource_type === 'global');
    const perms = (type: Grant['resource_type']) => u.grants.filter((g) => g.resource_type === type);
    return {
      id: u.id,
      username: u.username,
      is_admin: global?.role === 'admin',
      experiment_permissions: perms('experiment').map((g) => ({ experiment_id: g.resource_id, user_id: u.id, permission: toPermission(g.role) })),
      registered_model_permissions: perms('registered_model').map((g) => ({ name: g.resource_id, user_id: u.id, permission: toPermission(g.role) })),
      scorer_permissions: [],
    };
  };

  /** MLflow lets users read and re-password themselves; everything else about users is for admins. */
  const selfOrAdmin = (request: FastifyRequest, username: string) => {
    if (username !== request.principal.username && !roleAtLeast(request.principal.globalRole, 'admin')) {
      throw new PermissionDeniedError(`Only an admin or '${username}' may do this.`);
    }
  };

  app.post('/users/create', async (request) => {
    const body = bodyObject(request.body);
    const username = requireString(body.username, 'username');
    await auth.createUser({ username, password: requireString(body.password, 'password') }, request.principal.username);
    return { user: await userJson(username) };
  });

  app.get('/users/get', async (request) => {
    const username = requireString(param(request, 'username'), 'username');
    selfOrAdmin(request, username);
    return { user: await userJson(username) };
  });

  app.patch('/users/update-password', async (request) => {
    const username = requireString(param(request, 'username'), 'username');
    selfOrAdmin(request, username);
    await auth.updateUser(username, { password: requireString(param(request, 'password'), 'password') });
    return {};
  });

  app.patch('/users/update-admin', async (request) => {
    const username = requireString(param(request, 'username'), 'username');
    const isAdmin = param(request, 'is_admin');
    if (typeof isAdmin !== 'boolean') throw new InvalidParameterError("'is_admin' must be true or false.", 'is_admin');
    const current = await auth.grantOn(username, 'global', '');
    if (isAdmin) await auth.grant({ username, role: 'admin', resource_type: 'global' }, request.principal.username);
    else if (current?.role === 'admin') await auth.revokeGrant(current.id);
    return {};
  });

  app.delete('/users/delete', async (request) => {
    const username = requireString(param(request, 'username'), 'username');
    if (username === request.principal.username) throw new InvalidParameterError('You cannot delete your own user; ask another admin.', 'username');
    await auth.deleteUser(username);
    return {};
  });

  for (const kind of ['experiment', 'registered_model'] as const) {
    const base = kind === 'experiment' ? '/experiments/permissions' : '/registered-models/permissions';
    const idField = kind === 'experiment' ? 'experiment_id' : 'name';
    const key = kind === 'experiment' ? 'experiment_permission' : 'registered_model_permission';
    const target = (request: FastifyRequest) => ({
      username: requireString(param(request, 'username'), 'username'),
      id: kind === 'experiment' ? requireId(param(request, idField), idField) : requireString(param(request, idField), idField),
    });
    const answer = async (username: string, grant: Grant) => {
      const { id } = await auth.describeUser(username);
      return { [key]: { [idField]: grant.resource_id, user_id: id, permission: toPermission(grant.role) } };
    };
    const existing = async (username: string, id: string) => {
      const grant = await auth.grantOn(username, kind, id);
      if (!grant) throw new NotFoundError(`User '${username}' has no permission on ${kind.replace('_', ' ')} '${id}'.`, 'permission');
      return grant;
    };

    app.post(`${base}/create`, async (request) => {
      const { username, id } = target(request);
      const role = parsePermission(bodyObject(request.body).permission);
      if (await auth.grantOn(username, kind, id)) throw new AlreadyExistsError(`User '${username}' already has a permission on ${kind.replace('_', ' ')} '${id}'.`);
      if (role === null) throw new InvalidParameterError('NO_PERMISSIONS cannot be granted; there is nothing to create.', 'permission');
      return answer(username, await auth.grant({ username, role, resource_type: kind, resource_id: id }, request.principal.username));
    });

    app.get(`${base}/get`, async (request) => {
      const { username, id } = target(request);
      return answer(username, await existing(username, id));
    });

    app.patch(`${base}/update`, async (request) => {
      const { username, id } = target(request);
      const role = parsePermission(bodyObject(request.body).permission);
      const grant = await existing(username, id);
      if (role === null) await auth.revokeGrant(grant.id);
      else await auth.grant({ username, role, resource_type: kind, resource_id: id }, request.principal.username);
      return {};
    });

    app.delete(`${base}/delete`, async (request) => {
      const { username, id } = target(request);
      await auth.revokeGrant((await existing(username, id)).id);
      return {};
    });
  }
};
