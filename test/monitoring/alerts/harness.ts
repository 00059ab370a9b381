import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { composeServices } from '../../../src/main.js';
import { buildApp, type AppServices } from '../../../src/http/index.js';
import { ARTIFACT_BACKENDS, type DialectUnderTest } from '../../helpers/backends.js';

/** The whole app on a fresh store, allowed to send webhooks to loopback. */
export interface AlertsApp {
  readonly app: FastifyInstance;
  readonly services: AppServices;
  close(): Promise<void>;
}

export async function makeAlertsApp(dialect: DialectUnderTest): Promise<AlertsApp> {
  const { db, cleanup } = await dialect.open();
  const art = await ARTIFACT_BACKENDS[0]!.open();
  const services = composeServices(db, art.store, { webhookAllowedHosts: ['127.0.0.1'] });
  const app = await buildApp(services, { bodyLimitBytes: 4 * 1024 * 1024, logger: false });
  await app.ready();
  return {
    app,
    services,
    async close() {
      await app.close();
      await services.alerts.idle();
      await cleanup();
      await art.cleanup();
    },
  };
}

/** A webhook receiver on loopback that keeps what it was sent. */
export interface Receiver {
  readonly url: string;
  readonly received: { headers: IncomingMessage['headers']; body: string }[];
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const received: Receiver['received'] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`,
    received,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
