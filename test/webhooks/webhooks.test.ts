import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { WebhookSender, WebhookTargetPolicy, signWebhook, SIGNATURE_HEADER, TIMESTAMP_HEADER } from '../../src/webhooks/index.js';
import { PuenteError } from '../../src/errors/index.js';

describe('webhook target allowlist', () => {
  const policy = new WebhookTargetPolicy(['hooks.example.com', '*.corp.example', 'alerts.example.org:8443', '127.0.0.1']);

  it.each([
    'https://hooks.example.com/x',
    'http://hooks.example.com:9000/x',
    'https://a.corp.example/hook',
    'https://deep.a.corp.example/hook',
    'https://alerts.example.org:8443/',
    'http://127.0.0.1:1234/',
  ])('allows %s', (url) => {
    expect(policy.check(url).href).toBe(new URL(url).href);
  });

  it.each([
    ['https://evil.example.com/', 'PERMISSION_DENIED'],
    ['https://corp.example/', 'PERMISSION_DENIED'],
    ['https://hooks.example.com.evil.io/', 'PERMISSION_DENIED'],
    ['https://alerts.example.org/', 'PERMISSION_DENIED'],
    ['http://169.254.169.254/latest/meta-data', 'PERMISSION_DENIED'],
    ['ftp://hooks.example.com/', 'INVALID_PARAMETER_VALUE'],
    ['https://user:pw@hooks.example.com/', 'INVALID_PARAMETER_VALUE'],
    ['not a url', 'INVALID_PARAMETER_VALUE'],
  ])('refuses %s with %s', (url, code) => {
    try {
      policy.check(url);
      expect.unreachable();
    } catch (err) {
      expect((err as PuenteError).code).toBe(code);
    }
  });

  it('refuses everything when no host is configured, naming the setting', () => {
    expect(() => new WebhookTargetPolicy([]).check('https://hooks.example.com/')).toThrow(/PUENTE_WEBHOOK_ALLOWED_HOSTS/);
  });
});

describe('webhook delivery', () => {
  let server: Server;
  let base: string;
  const received: { headers: IncomingMessage['headers']; body: string; path: string }[] = [];
  let failuresLeft = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push({ headers: req.headers, body, path: req.url ?? '' });
        if (req.url === '/redirect') return void res.writeHead(302, { location: 'http://10.0.0.1/' }).end();
        if (req.url === '/bad') return void res.writeHead(400).end();
        if (failuresLeft > 0) {
          failuresLeft--;
          return void res.writeHead(503).end();
        }
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const sender = new WebhookSender({ policy: new WebhookTargetPolicy(['127.0.0.1']), retries: 3, backoffMs: 10 });

  it('signs the body so the receiver can check it', async () => {
    received.length = 0;
    const result = await sender.send(`${base}/hook`, { event: 'alert.firing', rule: 'drift' }, 's3cret');
    expect(result).toMatchObject({ delivered: true, attempts: 1, status: 204 });
    const got = received[0]!;
    expect(JSON.parse(got.body)).toEqual({ event: 'alert.firing', rule: 'drift' });
    expect(got.headers[SIGNATURE_HEADER]).toBe(signWebhook('s3cret', String(got.headers[TIMESTAMP_HEADER]), got.body));
    expect(got.headers[SIGNATURE_HEADER]).not.toBe(signWebhook('other', String(got.headers[TIMESTAMP_HEADER]), got.body));
  });

  it('retries server errors with backoff, and not client errors', async () => {
    received.length = 0;
    failuresLeft = 2;
    expect(await sender.send(`${base}/hook`, { n: 1 })).toMatchObject({ delivered: true, attempts: 3 });
    failuresLeft = 10;
    expect(await sender.send(`${base}/hook`, { n: 2 })).toMatchObject({ delivered: false, attempts: 4, status: 503 });
    failuresLeft = 0;
    expect(await sender.send(`${base}/bad`, { n: 3 })).toMatchObject({ delivered: false, attempts: 1, status: 400 });
  });

  it('does not follow redirects and never contacts a refused host', async () => {
    expect(await sender.send(`${base}/redirect`, {})).toMatchObject({ delivered: false, attempts: 1, status: 302 });
    await expect(sender.send('http://localhost:1/', {})).rejects.toThrow(/not allowed/);
  });
});
