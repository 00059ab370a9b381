import type { FastifyInstance } from 'fastify';
import { makeTestApp, type TestApp } from '../helpers/test-app.js';
import type { DialectUnderTest } from '../helpers/backends.js';

/** A test app with auth turned on: an admin (bootstrapped) and helpers to call it as anyone. */
export interface SecuredApp extends TestApp {
  readonly adminToken: string;
  /** Calls the API as the holder of `token` (no Authorization header when undefined). */
  call(method: string, url: string, token?: string, body?: unknown): Promise<{ status: number; json: any; headers: Record<string, unknown> }>;
  /** Creates a user with a global role (or none) and returns a token for them. */
  user(username: string, role?: string, tokenOptions?: Record<string, unknown>): Promise<string>;
  grant(username: string, role: string, resourceType: string, resourceId: string): Promise<void>;
}

export async function makeSecuredApp(dialect: DialectUnderTest): Promise<SecuredApp> {
  const t = await makeTestApp(dialect);
  const call = (app: FastifyInstance) => async (method: string, url: string, token?: string, body?: unknown) => {
    const res = await app.inject({
      method: method as 'GET',
      url,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { payload: JSON.stringify(body) } : {}),
    });
    let json: any;
    try {
      json = res.json();
    } catch {
      json = res.body;
    }
    return { status: res.statusCode, json, headers: res.headers as Record<string, unknown> };
  };
  const c = call(t.app);
  const boot = await c('POST', '/api/v1/admin/bootstrap', undefined, { username: 'root', password: 'root-password-1' });
  if (boot.status !== 201) throw new Error(`bootstrap failed: ${JSON.stringify(boot.json)}`);
  const adminToken = boot.json.token as string;
  return {
    ...t,
    adminToken,
    call: c,
    async user(username, role, tokenOptions = {}) {
      const created = await c('POST', '/api/v1/users', adminToken, { username, password: `${username}-password`, ...(role ? { role } : {}) });
      if (created.status !== 201) throw new Error(`user: ${JSON.stringify(created.json)}`);
      const token = await c('POST', '/api/v1/tokens', adminToken, { username, name: 'test', ...tokenOptions });
      if (token.status !== 201) throw new Error(`token: ${JSON.stringify(token.json)}`);
      return token.json.token as string;
    },
    async grant(username, role, resourceType, resourceId) {
      const res = await c('POST', '/api/v1/grants', adminToken, { username, role, resource_type: resourceType, resource_id: resourceId });
      if (res.status !== 201) throw new Error(`grant: ${JSON.stringify(res.json)}`);
    },
  };
}

/**
 * Removes the store's append-only guard on the audit log, as someone with DDL rights on the
 * database could, so tests can tamper with records the way an attacker would.
 */
export async function allowAuditTampering(db: import('../../src/db/index.js').PuenteDb): Promise<void> {
  const { sql } = await import('kysely');
  if (db.capabilities.dialect === 'postgres') {
    await sql`ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only`.execute(db.kysely);
  } else {
    await sql`DROP TRIGGER audit_log_no_update`.execute(db.kysely);
    await sql`DROP TRIGGER audit_log_no_delete`.execute(db.kysely);
  }
}
