import { Worker } from 'node:worker_threads';

/*
 * A closed-loop HTTP load generator in a worker thread, so the client's JSON and socket work does
 * not share the event loop with an in-process server. Bodies are serialized up front.
 */
const CLIENT_CODE = `
const { parentPort, workerData } = require('node:worker_threads');
const http = require('node:http');
const { url, bodies, clients, method, headers, requests } = workerData;
const agent = new http.Agent({ keepAlive: true, maxSockets: clients });
const target = new URL(url);
function send(body) {
  return new Promise((resolve, reject) => {
    const h = { ...headers };
    if (body !== null) { h['content-type'] = 'application/json'; h['content-length'] = Buffer.byteLength(body); }
    const req = http.request({ host: target.hostname, port: target.port, path: target.pathname + target.search, method, agent, headers: h }, (res) => {
      res.resume();
      res.on('end', () => (res.statusCode < 300 ? resolve() : reject(new Error(method + ' ' + url + ': status ' + res.statusCode))));
    });
    req.on('error', reject);
    req.end(body === null ? undefined : body);
  });
}
(async () => {
  let next = 0;
  const total = bodies.length > 0 ? bodies.length : requests;
  const start = process.hrtime.bigint();
  await Promise.all(Array.from({ length: clients }, async () => {
    while (next < total) { const i = next++; await send(bodies.length > 0 ? bodies[i] : null); }
  }));
  parentPort.postMessage(Number(process.hrtime.bigint() - start) / 1e9);
  agent.destroy();
})().catch((e) => { parentPort.postMessage('error: ' + e.message); });
`;

export interface LoadOptions {
  readonly url: string;
  readonly clients: number;
  readonly method?: 'GET' | 'POST';
  /** One request per body (POST); or, with none, `requests` bodiless requests. */
  readonly bodies?: readonly string[];
  readonly requests?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/** Sends every request with `clients` concurrent connections; resolves with the elapsed seconds. */
export function runLoad(options: LoadOptions): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    const worker = new Worker(CLIENT_CODE, {
      eval: true,
      workerData: {
        url: options.url,
        clients: options.clients,
        method: options.method ?? 'POST',
        bodies: options.bodies ?? [],
        requests: options.requests ?? 0,
        headers: options.headers ?? {},
      },
    });
    worker.once('message', (m) => (typeof m === 'number' ? resolve(m) : reject(new Error(String(m)))));
    worker.once('error', reject);
  });
}

/** The median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
