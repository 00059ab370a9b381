import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp } from '../helpers/test-app.js';
import { makeSecuredApp, type SecuredApp } from './secured-app.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe.each(DIALECTS)("MLflow's basic-auth API ($name)", (dialect) => {
  let t: SecuredApp;
  let expId: string;
  const as = (authorization: string) => async (method: string, url: string, body?: unknown) => {
    const res = await t.app.inject({
      method: method as 'GET',
      url,
      headers: { authorization, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    return { status: res.statusCode, json: res.json() };
  };

  beforeAll(async () => {
    t = await makeSecuredApp(dialect);
    expId = (await t.call('POST', '/api/2.0/mlflow/experiments/create', t.adminToken, { name: 'perm-exp' })).json.experiment_id;
    await t.call('POST', '/api/2.0/mlflow/registered-models/create', t.adminToken, { name: 'perm-model' });
  });
  afterAll(async () => t.close());

  it('manages users as AuthServiceClient does, and the user logs in with Basic', async () => {
    const admin = as(`Bearer ${t.adminToken}`);
    const created = await admin('POST', '/api/2.0/mlflow/users/create', { username: 'mluser', password: 'mluser-password' });
    expect(created).toMatchObject({ status: 200, json: { user: { username: 'mluser', is_admin: false, experiment_permissions: [], registered_model_permissions: [] } } });
    expect(typeof created.json.user.id).toBe('number');
    const user = as(basic('mluser', 'mluser-password'));
    expect((await user('GET', '/api/2.0/mlflow/users/get?username=mluser')).json.user.username).toBe('mluser');
    expect((await user('GET', '/api/2.0/mlflow/users/get?username=root')).status).toBe(403);
    expect((await user('PATCH', '/api/2.0/mlflow/users/update-password', { username: 'mluser', password: 'new-password-1' })).status).toBe(200);
    expect((await as(basic('mluser', 'new-password-1'))('GET', '/api/2.0/mlflow/users/get?username=mluser')).status).toBe(200);
    expect((await admin('PATCH', '/api/2.0/mlflow/users/update-admin', { username: 'mluser', is_admin: true })).status).toBe(200);
    expect((await admin('GET', '/api/2.0/mlflow/users/get?username=mluser')).json.user.is_admin).toBe(true);
    expect((await admin('PATCH', '/api/2.0/mlflow/users/update-admin', { username: 'mluser', is_admin: false })).status).toBe(200);
    expect((await admin('GET', '/api/2.0/mlflow/users/get?username=mluser')).json.user.is_admin).toBe(false);
    expect((await admin('POST', '/api/2.0/mlflow/users/create', { username: 'mluser', password: 'x-password-2' })).json.error_code).toBe('RESOURCE_ALREADY_EXISTS');
  });

  it('maps READ, EDIT, MANAGE and NO_PERMISSIONS onto grants', async () => {
    const admin = as(`Bearer ${t.adminToken}`);
    await admin('POST', '/api/2.0/mlflow/users/create', { username: 'perm-user', password: 'perm-user-password' });
    const user = as(basic('perm-user', 'perm-user-password'));
    const read = () => user('GET', `/api/2.0/mlflow/experiments/get?experiment_id=${expId}`);
    const write = () => user('POST', '/api/2.0/mlflow/runs/create', { experiment_id: expId });
    expect((await read()).status).toBe(403);

    const created = await admin('POST', '/api/2.0/mlflow/experiments/permissions/create', { experiment_id: expId, username: 'perm-user', permission: 'READ' });
    expect(created.json).toMatchObject({ experiment_permission: { experiment_id: expId, permission: 'READ' } });
    expect((await read()).status).toBe(200);
    expect((await write()).status).toBe(403);
    expect((await admin('POST', '/api/2.0/mlflow/experiments/permissions/create', { experiment_id: expId, username: 'perm-user', permission: 'READ' })).json.error_code).toBe('RESOURCE_ALREADY_EXISTS');

    await admin('PATCH', '/api/2.0/mlflow/experiments/permissions/update', { experiment_id: expId, username: 'perm-user', permission: 'EDIT' });
    expect((await admin('GET', `/api/2.0/mlflow/experiments/permissions/get?experiment_id=${expId}&username=perm-user`)).json.experiment_permission.permission).toBe('EDIT');
    expect((await write()).status).toBe(200);
    const listed = await admin('GET', '/api/2.0/mlflow/users/get?username=perm-user');
    expect(listed.json.user.experiment_permissions).toEqual([{ experiment_id: expId, user_id: listed.json.user.id, permission: 'EDIT' }]);

    await admin('PATCH', '/api/2.0/mlflow/experiments/permissions/update', { experiment_id: expId, username: 'perm-user', permission: 'NO_PERMISSIONS' });
    expect((await read()).status).toBe(403);
    expect((await admin('GET', `/api/2.0/mlflow/experiments/permissions/get?experiment_id=${expId}&username=perm-user`)).status).toBe(404);
    expect((await admin('POST', '/api/2.0/mlflow/experiments/permissions/create', { experiment_id: expId, username: 'perm-user', permission: 'OWNER' })).status).toBe(400);

    await admin('POST', '/api/2.0/mlflow/registered-models/permissions/create', { name: 'perm-model', username: 'perm-user', permission: 'MANAGE' });
    expect((await user('POST', '/api/2.0/mlflow/registered-models/alias', { name: 'perm-model', alias: 'x', version: '1' })).status).not.toBe(403);
    expect((await admin('DELETE', '/api/2.0/mlflow/registered-models/permissions/delete', { name: 'perm-model', username: 'perm-user' })).status).toBe(200);
    expect((await user('GET', '/api/2.0/mlflow/registered-models/get?name=perm-model')).status).toBe(403);
    // Only admins of the resource may manage its permissions.
    expect((await user('POST', '/api/2.0/mlflow/experiments/permissions/create', { experiment_id: expId, username: 'perm-user', permission: 'MANAGE' })).status).toBe(403);
  });
});

describe('the first user', () => {
  it('must be created by bootstrap, so a server never ends up with users and no admin', async () => {
    const t = await makeTestApp(DIALECTS[0]!);
    try {
      for (const [url, payload] of [
        ['/api/v1/users', { username: 'first', password: 'first-password' }],
        ['/api/2.0/mlflow/users/create', { username: 'first', password: 'first-password' }],
      ] as const) {
        const res = await t.app.inject({ method: 'POST', url, payload });
        expect(res.statusCode).toBe(409);
        expect(res.json().message).toContain('puente admin bootstrap');
      }
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/experiments' })).statusCode).toBe(200);
    } finally {
      await t.close();
    }
  });
});
