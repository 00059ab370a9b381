import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';
import { allowAuditTampering } from './secured-app.js';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

describe('puente CLI: bootstrap, users, tokens, grants, audit', () => {
  let t: TestApp;
  let url: string;
  let token: string;
  const puente = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await run(process.execPath, [...CLI, '--server', url, ...args], { env: { ...process.env, PUENTE_URL: '', PUENTE_TOKEN: '' } });
      return { stdout, stderr, code: 0 };
    } catch (err) {
      const e = err as { stdout: string; stderr: string; code: number };
      return { stdout: e.stdout, stderr: e.stderr, code: e.code };
    }
  };

  beforeAll(async () => {
    t = await makeTestApp(DIALECTS[0]!);
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
  });
  afterAll(async () => t.close());

  it('bootstraps the first admin once and prints the token only then', async () => {
    const boot = await puente('--json', 'admin', 'bootstrap', '--username', 'root');
    expect(boot.code).toBe(0);
    token = JSON.parse(boot.stdout).token;
    expect(token).toMatch(/^pnt_/);
    const denied = await puente('experiments', 'list');
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^UNAUTHENTICATED: /);
    const who = JSON.parse((await puente('--token', token, '--json', 'whoami')).stdout);
    expect(who).toMatchObject({ username: 'root', global_role: 'admin', auth_enforced: true });
  });

  it('creates users, tokens and grants', async () => {
    expect((await puente('--token', token, 'users', 'create', 'alice', '--role', 'viewer')).code).toBe(0);
    const created = JSON.parse((await puente('--token', token, '--json', 'tokens', 'create', '--user', 'alice', '--name', 'laptop')).stdout);
    expect(created.token_info).toMatchObject({ username: 'alice', name: 'laptop', scope: 'all' });
    const exp = JSON.parse((await puente('--token', token, '--json', 'experiments', 'create', 'cli-secure')).stdout);
    const grant = await puente('--token', token, '--json', 'grants', 'add', 'alice', 'editor', '--experiment', exp.experiment_id);
    expect(JSON.parse(grant.stdout)).toMatchObject({ username: 'alice', role: 'editor', resource_type: 'experiment', resource_id: exp.experiment_id });
    const aliceRun = await puente('--token', created.token, '--json', 'runs', 'create', '-e', exp.experiment_id);
    expect(aliceRun.code).toBe(0);
    const table = await puente('--token', token, 'tokens', 'list', '--all');
    expect(table.stdout).toContain('laptop');
    expect(table.stdout).not.toContain(created.token);
    expect((await puente('--token', token, 'tokens', 'revoke', String(created.token_info.id))).code).toBe(0);
    expect((await puente('--token', created.token, 'whoami')).code).toBe(1);
  });

  it('lists the audit log and names the first tampered record', async () => {
    await t.services.audit!.flush();
    const log = JSON.parse((await puente('--token', token, '--json', 'audit', 'log', '--user', 'alice')).stdout);
    expect(log.some((r: { action: string }) => r.action === 'POST /api/v1/runs')).toBe(true);
    const ok = await puente('--token', token, 'audit', 'verify');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('intact');
    await allowAuditTampering(t.services.db);
    await t.services.db.kysely.updateTable('audit_log').set({ actor: 'mallory' }).where('seq', '=', 2).execute();
    const broken = await puente('--token', token, 'audit', 'verify');
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain('BROKEN at record 2');
  });
});
