import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request as httpsRequest } from 'node:https';
import { loadConfig } from '../../src/config/index.js';
import { startServer, assertSafeToListen, composeServices } from '../../src/main.js';
import { buildApp } from '../../src/http/index.js';
import { createDb } from '../../src/db/index.js';
import { LocalArtifactStore, generateMasterKeyText } from '../../src/artifacts/index.js';
import { makeSecuredApp, type SecuredApp } from './secured-app.js';
import { DIALECTS } from '../helpers/test-app.js';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];

async function puente(env: Record<string, string>, ...args: string[]): Promise<{ stdout: string; stderr: string; code: number }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...CLI, ...args], { env: { ...process.env, PUENTE_URL: '', ...env } });
    return { stdout, stderr, code: 0 };
  } catch (err) {
    const e = err as { stdout: string; stderr: string; code: number };
    return { stdout: e.stdout, stderr: e.stderr, code: e.code };
  }
}

/** Every file below a directory, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('secure default', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'puente-secure-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('refuses to listen beyond loopback without users, says how to bootstrap, and allows it after `admin bootstrap --store`', async () => {
    const config = loadConfig({ PUENTE_LOG_LEVEL: 'silent' }, { host: '0.0.0.0', port: 0, dataDir: dir });
    await expect(startServer(config)).rejects.toThrow(/puente admin bootstrap/);

    const boot = await puente({ PUENTE_LOG_LEVEL: 'silent' }, '--json', 'admin', 'bootstrap', '--store', '--data-dir', dir, '--username', 'ops');
    expect(boot.code).toBe(0);
    const { token, username } = JSON.parse(boot.stdout);
    expect(username).toBe('ops');
    expect(token).toMatch(/^pnt_/);

    const db = await createDb(config.database);
    try {
      const services = composeServices(db, new LocalArtifactStore(join(dir, 'artifacts')));
      await expect(assertSafeToListen('0.0.0.0', services.auth)).resolves.toBeUndefined();
      const app = await buildApp(services, { bodyLimitBytes: 1e6, logger: false });
      expect((await app.inject({ method: 'GET', url: '/api/v1/experiments' })).statusCode).toBe(401);
      expect((await app.inject({ method: 'GET', url: '/api/v1/experiments', headers: { authorization: `Bearer ${token}` } })).statusCode).toBe(200);
      await app.close();
    } finally {
      await db.close();
    }
    // Bootstrap is refused once a user exists.
    const again = await puente({ PUENTE_LOG_LEVEL: 'silent' }, 'admin', 'bootstrap', '--store', '--data-dir', dir);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('already has users');
  });
});

describe('TLS', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'puente-tls-'));
    await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=127.0.0.1']);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves HTTPS with HSTS when a certificate and key are configured', async () => {
    const config = loadConfig(
      { PUENTE_LOG_LEVEL: 'silent', PUENTE_TLS_CERT: join(dir, 'cert.pem'), PUENTE_TLS_KEY: join(dir, 'key.pem') },
      { host: '127.0.0.1', port: 0, dataDir: join(dir, 'data') },
    );
    const server = await startServer(config);
    try {
      expect(server.url).toMatch(/^https:\/\//);
      const res = await new Promise<{ status: number; hsts: unknown; body: string }>((resolve, reject) => {
        const req = httpsRequest(`${server.url}/health`, { rejectUnauthorized: false }, (r) => {
          let body = '';
          r.on('data', (c) => (body += c));
          r.on('end', () => resolve({ status: r.statusCode!, hsts: r.headers['strict-transport-security'], body }));
        });
        req.on('error', reject);
        req.end();
      });
      expect(res).toMatchObject({ status: 200, body: 'OK' });
      expect(res.hsts).toContain('max-age=');
      await expect(fetch(`${server.url.replace('https', 'http')}/health`)).rejects.toThrow();
    } finally {
      await server.close();
    }
  });
});

describe('encryption at rest through the server', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'puente-enc-'));
    writeFileSync(join(dir, 'old.key'), generateMasterKeyText());
    writeFileSync(join(dir, 'new.key'), generateMasterKeyText());
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const serve = (keyFile: string) =>
    startServer(loadConfig({ PUENTE_LOG_LEVEL: 'silent', PUENTE_MASTER_KEY_FILE: keyFile }, { host: '127.0.0.1', port: 0, dataDir: join(dir, 'data') }));
  const marker = 'TOP-SECRET-PLAINTEXT-MARKER '.repeat(100);

  it('stores ciphertext, serves plaintext, refuses a wrong key clearly, and reads again after rotate-key', async () => {
    let server = await serve(join(dir, 'old.key'));
    const path = '/api/2.0/mlflow-artifacts/artifacts/0/run1/artifacts/secret.txt';
    let url = `${server.url}${path}`;
    expect((await fetch(url, { method: 'PUT', body: marker })).status).toBe(200);
    expect(await (await fetch(url)).text()).toBe(marker);
    await server.close();

    const files = filesUnder(join(dir, 'data', 'artifacts'));
    expect(files.length).toBe(1);
    expect(readFileSync(files[0]!).includes(Buffer.from('TOP-SECRET'))).toBe(false);
    const stored = readFileSync(files[0]!);

    const rotated = await puente({ PUENTE_LOG_LEVEL: 'silent', PUENTE_MASTER_KEY_FILE: join(dir, 'old.key') }, '--json', 'admin', 'rotate-key', '--new-key-file', join(dir, 'new.key'), '--data-dir', join(dir, 'data'));
    expect(rotated.code).toBe(0);
    expect(JSON.parse(rotated.stdout)).toMatchObject({ rewrapped: 1 });
    expect(readFileSync(files[0]!).equals(stored)).toBe(true);

    server = await serve(join(dir, 'old.key'));
    url = `${server.url}${path}`;
    const wrong = await fetch(url);
    expect(wrong.status).toBe(500);
    const body = (await wrong.json()) as { error_code: string; message: string };
    expect(body.error_code).toBe('ENCRYPTION_KEY_MISMATCH');
    expect(body.message).toContain('rotate-key');
    await server.close();

    server = await serve(join(dir, 'new.key'));
    url = `${server.url}${path}`;
    expect(await (await fetch(url)).text()).toBe(marker);
    await server.close();
  });
});

describe.each(DIALECTS)('hardening ($name)', (dialect) => {
  let t: SecuredApp;
  beforeAll(async () => {
    t = await makeSecuredApp(dialect);
  });
  afterAll(async () => t.close());

  it('sends no CORS headers by default', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/health', headers: { origin: 'https://evil.example' } });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('limits requests per token to its own rate', async () => {
    const limited = await t.user('limited', 'viewer', { rate_limit_per_minute: 3 });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await t.call('GET', '/api/v1/experiments', limited)).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const res = await t.call('GET', '/api/v1/experiments', limited);
    expect(res.json.error_code).toBe('REQUEST_LIMIT_EXCEEDED');
    // Another caller is unaffected.
    expect((await t.call('GET', '/api/v1/experiments', t.adminToken)).status).toBe(200);
  });
});

describe('CORS allowlist and log redaction', () => {
  it('answers preflights and adds headers only for listed origins', async () => {
    const { db, cleanup } = await DIALECTS[0]!.open();
    const services = composeServices(db, new LocalArtifactStore(mkdtempSync(join(tmpdir(), 'puente-cors-'))));
    const app = await buildApp(services, { bodyLimitBytes: 1e6, logger: false, corsOrigins: ['https://ui.example.com'] });
    try {
      const pre = await app.inject({ method: 'OPTIONS', url: '/api/v1/experiments', headers: { origin: 'https://ui.example.com', 'access-control-request-method': 'POST' } });
      expect(pre.statusCode).toBe(204);
      expect(pre.headers['access-control-allow-origin']).toBe('https://ui.example.com');
      const other = await app.inject({ method: 'GET', url: '/api/v1/experiments', headers: { origin: 'https://evil.example' } });
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    } finally {
      await app.close();
      await cleanup();
    }
  });

  it('never writes tokens or passwords to the log', async () => {
    const { db, cleanup } = await DIALECTS[0]!.open();
    const lines: string[] = [];
    const services = composeServices(db, new LocalArtifactStore(mkdtempSync(join(tmpdir(), 'puente-log-'))));
    const app = await buildApp(services, { bodyLimitBytes: 1e6, logger: { level: 'trace', stream: { write: (l) => void lines.push(l) } } });
    try {
      const boot = (await app.inject({ method: 'POST', url: '/api/v1/admin/bootstrap', payload: { username: 'logadmin', password: 'very-secret-pw' } })).json();
      await app.inject({ method: 'GET', url: '/api/v1/experiments', headers: { authorization: `Bearer ${boot.token}` } });
      await app.inject({ method: 'GET', url: '/api/v1/experiments', headers: { authorization: 'Bearer pnt_wrongwrongwrong' } });
      app.log.info({ req: { headers: { authorization: `Bearer ${boot.token}` } }, password: 'very-secret-pw' }, 'probe');
      const text = lines.join('');
      expect(text).toContain('probe');
      expect(text).not.toContain(boot.token);
      expect(text).not.toContain('very-secret-pw');
    } finally {
      await app.close();
      await cleanup();
    }
  });
});
