import { describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config/index.js';

describe('loadConfig', () => {
  it('defaults to loopback, port 5050, SQLite and local artifacts under ./puente-data', () => {
    const c = loadConfig({});
    expect(c.host).toBe('127.0.0.1');
    expect(c.port).toBe(5050);
    expect(c.database.kind).toBe('sqlite');
    expect(c.artifacts.kind).toBe('local');
    expect(c.dataDir.endsWith('puente-data')).toBe(true);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('lets flags win over the environment', () => {
    const c = loadConfig({ PUENTE_PORT: '6000', PUENTE_HOST: '0.0.0.0' }, { port: '7000' });
    expect(c.port).toBe(7000);
    expect(c.host).toBe('0.0.0.0');
  });

  it('selects PostgreSQL and S3 from their URLs', () => {
    const c = loadConfig({
      PUENTE_DATABASE_URL: 'postgres://u:p@127.0.0.1:5432/db',
      PUENTE_ARTIFACTS: 's3://my-bucket/some/prefix',
      PUENTE_S3_ENDPOINT: 'http://127.0.0.1:9000',
    });
    expect(c.database).toEqual({ kind: 'postgres', url: 'postgres://u:p@127.0.0.1:5432/db' });
    expect(c.artifacts).toMatchObject({ kind: 's3', bucket: 'my-bucket', prefix: 'some/prefix', forcePathStyle: true });
  });

  it.each([
    [{ PUENTE_PORT: 'abc' }, 'PUENTE_PORT'],
    [{ PUENTE_PORT: '70000' }, 'PUENTE_PORT'],
    [{ PUENTE_DATABASE_URL: 'mysql://x' }, 'PUENTE_DATABASE_URL'],
    [{ PUENTE_ARTIFACTS: 's3://A' }, 'PUENTE_ARTIFACTS'],
    [{ PUENTE_ARTIFACTS: 'ftp://x' }, 'PUENTE_ARTIFACTS'],
    [{ PUENTE_LOG_LEVEL: 'loud' }, 'PUENTE_LOG_LEVEL'],
    [{ PUENTE_BODY_LIMIT_MB: '-1' }, 'PUENTE_BODY_LIMIT_MB'],
    [{ PUENTE_AUDIT: 'maybe' }, 'PUENTE_AUDIT'],
    [{ PUENTE_TLS_CERT: '/x/cert.pem' }, 'PUENTE_TLS_KEY'],
    [{ PUENTE_CORS_ORIGINS: '*' }, 'PUENTE_CORS_ORIGINS'],
    [{ PUENTE_CORS_ORIGINS: 'https://ok.example, not-an-origin' }, 'PUENTE_CORS_ORIGINS'],
    [{ PUENTE_RATE_LIMIT_PER_MINUTE: '0' }, 'PUENTE_RATE_LIMIT_PER_MINUTE'],
    [{ PUENTE_MASTER_KEY: 'k', PUENTE_MASTER_KEY_FILE: '/k' }, 'PUENTE_MASTER_KEY'],
    [{ PUENTE_MASTER_KEY_FILE: '/nonexistent/master.key' }, 'PUENTE_MASTER_KEY_FILE'],
  ])('refuses %o naming the setting', (env, setting) => {
    expect(() => loadConfig(env)).toThrow(ConfigError);
    expect(() => loadConfig(env)).toThrow(setting);
  });

  it('reads the security settings', () => {
    const c = loadConfig({
      PUENTE_AUDIT: 'off',
      PUENTE_CORS_ORIGINS: 'https://ui.example.com, http://localhost:3000',
      PUENTE_RATE_LIMIT_PER_MINUTE: '600',
      PUENTE_WEBHOOK_ALLOWED_HOSTS: 'Hooks.Example.com,*.corp.example',
      PUENTE_MASTER_KEY: 'abc',
    });
    expect(c).toMatchObject({
      auditLog: false,
      corsOrigins: ['https://ui.example.com', 'http://localhost:3000'],
      rateLimitPerMinute: 600,
      webhookAllowedHosts: ['hooks.example.com', '*.corp.example'],
      masterKey: { text: 'abc', source: 'PUENTE_MASTER_KEY' },
      tls: null,
    });
    expect(loadConfig({})).toMatchObject({ auditLog: true, corsOrigins: [], rateLimitPerMinute: null, masterKey: null });
  });

  it('never puts a database password into an error message', () => {
    expect(() => loadConfig({ PUENTE_DATABASE_URL: 'mysql://u:secret@h/db' })).toThrow(/\*\*\*/);
  });
});
