import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';
import { makeSecuredApp, type SecuredApp } from './secured-app.js';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe.each(DIALECTS)('credentials and grants ($name)', (dialect) => {
  describe('a server without users', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await makeTestApp(dialect);
    });
    afterAll(async () => t.close());

    it('runs open until the first admin is bootstrapped, then requires credentials', async () => {
      const open = await t.app.inject({ method: 'GET', url: '/api/v1/experiments' });
      expect(open.statusCode).toBe(200);
      const who = await t.app.inject({ method: 'GET', url: '/api/v1/auth/whoami' });
      expect(who.json()).toMatchObject({ username: 'anonymous', auth_enforced: false });

      const boot = await t.app.inject({ method: 'POST', url: '/api/v1/admin/bootstrap', payload: { username: 'first' } });
      expect(boot.statusCode).toBe(201);
      expect(boot.json().token).toMatch(/^pnt_[A-Za-z0-9_-]{43}$/);

      expect((await t.app.inject({ method: 'GET', url: '/api/v1/experiments' })).statusCode).toBe(401);
      const again = await t.app.inject({ method: 'POST', url: '/api/v1/admin/bootstrap', payload: { username: 'second' } });
      expect(again.statusCode).toBe(409);
      const mine = await t.app.inject({ method: 'GET', url: '/api/v1/auth/whoami', headers: { authorization: `Bearer ${boot.json().token}` } });
      expect(mine.json()).toMatchObject({ username: 'first', global_role: 'admin', auth_enforced: true });
      // Health stays public.
      expect((await t.app.inject({ method: 'GET', url: '/health' })).statusCode).toBe(200);
    });
  });

  describe('a server with users', () => {
    let t: SecuredApp;
    beforeAll(async () => {
      t = await makeSecuredApp(dialect);
    });
    afterAll(async () => t.close());

    const whoami = (authorization: string) => t.app.inject({ method: 'GET', url: '/api/v1/auth/whoami', headers: { authorization } });

    it('accepts Basic with the password or with a token as the password; a wrong one says nothing about which part was wrong', async () => {
      const token = await t.user('basic-user', 'viewer');
      expect((await whoami(basic('basic-user', 'basic-user-password'))).json().username).toBe('basic-user');
      expect((await whoami(basic('basic-user', token))).json().username).toBe('basic-user');
      const wrongPassword = await whoami(basic('basic-user', 'not-the-password'));
      const unknownUser = await whoami(basic('nobody-here', 'not-the-password'));
      const tokenOfOther = await whoami(basic('root', token));
      for (const res of [wrongPassword, unknownUser, tokenOfOther]) {
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual(wrongPassword.json());
      }
      expect(wrongPassword.headers['www-authenticate']).toContain('Basic');
    });

    it('refuses revoked and expired tokens and disabled users', async () => {
      const token = await t.user('revoke-user', 'viewer');
      expect((await whoami(`Bearer ${token}`)).statusCode).toBe(200);
      const list = await t.call('GET', '/api/v1/tokens?username=revoke-user', t.adminToken);
      const id = list.json.tokens[0].id;
      expect(list.json.tokens[0].last_used_at).toBeGreaterThan(0);
      expect(JSON.stringify(list.json)).not.toContain(token);
      expect((await t.call('DELETE', `/api/v1/tokens/${id}`, t.adminToken)).json.revoked_at).toBeGreaterThan(0);
      expect((await whoami(`Bearer ${token}`)).statusCode).toBe(401);

      const short = await t.call('POST', '/api/v1/tokens', t.adminToken, { username: 'revoke-user', expires_at: Date.now() + 300 });
      expect((await whoami(`Bearer ${short.json.token}`)).statusCode).toBe(200);
      await new Promise((r) => setTimeout(r, 400));
      expect((await whoami(`Bearer ${short.json.token}`)).statusCode).toBe(401);

      const other = await t.user('disabled-user', 'viewer');
      expect((await t.call('PATCH', '/api/v1/users/disabled-user', t.adminToken, { disabled: true })).status).toBe(200);
      expect((await whoami(`Bearer ${other}`)).statusCode).toBe(401);
    });

    it('limits inference-scoped tokens to inference routes', async () => {
      const token = await t.user('infer-user', 'admin', { scope: 'inference' });
      const res = await t.call('GET', '/api/v1/experiments', token);
      expect(res.status).toBe(403);
      expect(res.json.message).toContain('inference');
    });

    it('refuses grants of unknown roles, resources and users with 400 or 404', async () => {
      await t.user('grantee');
      const badRole = await t.call('POST', '/api/v1/grants', t.adminToken, { username: 'grantee', role: 'owner' });
      expect(badRole).toMatchObject({ status: 400, json: { error_code: 'INVALID_PARAMETER_VALUE' } });
      const badType = await t.call('POST', '/api/v1/grants', t.adminToken, { username: 'grantee', role: 'viewer', resource_type: 'bucket', resource_id: 'x' });
      expect(badType.status).toBe(400);
      const noSuch = await t.call('POST', '/api/v1/grants', t.adminToken, { username: 'grantee', role: 'viewer', resource_type: 'experiment', resource_id: '999999' });
      expect(noSuch.status).toBe(400);
      expect(noSuch.json.message).toContain('999999');
      const noUser = await t.call('POST', '/api/v1/grants', t.adminToken, { username: 'ghost', role: 'viewer' });
      expect(noUser.status).toBe(404);
    });

    it('makes creators admins of what they create, and grants follow a renamed model', async () => {
      const creator = await t.user('creator', 'editor');
      const own = await t.call('POST', '/api/2.0/mlflow/experiments/create', creator, { name: 'creator-exp' });
      const theirs = await t.call('POST', '/api/2.0/mlflow/experiments/create', t.adminToken, { name: 'admin-exp' });
      expect((await t.call('POST', '/api/2.0/mlflow/experiments/delete', creator, { experiment_id: theirs.json.experiment_id })).status).toBe(403);
      expect((await t.call('POST', '/api/2.0/mlflow/experiments/delete', creator, { experiment_id: own.json.experiment_id })).status).toBe(200);

      await t.call('POST', '/api/2.0/mlflow/registered-models/create', creator, { name: 'creator-model' });
      const renamed = await t.call('POST', '/api/2.0/mlflow/registered-models/rename', creator, { name: 'creator-model', new_name: 'creator-model-2' });
      expect(renamed.status).toBe(200);
      const grants = await t.call('GET', '/api/v1/grants?username=creator', t.adminToken);
      expect(grants.json.grants.map((g: { resource_id: string }) => g.resource_id)).toContain('creator-model-2');
      expect((await t.call('DELETE', '/api/2.0/mlflow/registered-models/delete', creator, { name: 'creator-model-2' })).status).toBe(200);
      const after = await t.call('GET', '/api/v1/grants?username=creator', t.adminToken);
      expect(after.json.grants.map((g: { resource_id: string }) => g.resource_id)).not.toContain('creator-model-2');
    });

    it('lets an editor on one experiment log to it and nothing else', async () => {
      const a = await t.call('POST', '/api/2.0/mlflow/experiments/create', t.adminToken, { name: 'team-a' });
      const b = await t.call('POST', '/api/2.0/mlflow/experiments/create', t.adminToken, { name: 'team-b' });
      const token = await t.user('team-a-member');
      await t.grant('team-a-member', 'editor', 'experiment', a.json.experiment_id);
      const run = await t.call('POST', '/api/2.0/mlflow/runs/create', token, { experiment_id: a.json.experiment_id });
      expect(run.status).toBe(200);
      const logged = await t.call('POST', '/api/2.0/mlflow/runs/log-batch', token, { run_id: run.json.run.info.run_id, metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }] });
      expect(logged.status).toBe(200);
      expect((await t.call('POST', '/api/2.0/mlflow/runs/create', token, { experiment_id: b.json.experiment_id })).status).toBe(403);
      expect((await t.call('POST', '/api/2.0/mlflow/experiments/create', token, { name: 'not-allowed' })).status).toBe(403);
    });
  });
});
