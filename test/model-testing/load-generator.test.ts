import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { percentile, runLoad, summarizeLatencies } from '../../src/model-testing/index.js';

describe('the load generator', () => {
  let server: http.Server;
  let url: string;
  let seen = 0;
  let connections = 0;
  const bodies: string[] = [];

  beforeAll(async () => {
    // Answers after 20 ms; every fifth request to /flaky fails.
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        seen++;
        if (bodies.length < 50) bodies.push(Buffer.concat(chunks).toString());
        setTimeout(() => {
          if (req.url === '/flaky' && seen % 5 === 0) {
            res.writeHead(500, { 'content-type': 'application/json' });
            res.end('{"error":"boom"}');
            return;
          }
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end('{"predictions":[0.5]}');
        }, 20);
      });
    });
    server.on('connection', () => connections++);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('keeps `concurrency` users busy for the duration over kept-alive connections, and measures latency', async () => {
    connections = 0;
    const result = await runLoad({
      url: `${url}/ok`,
      bodies: [Buffer.from('{"n":1}'), Buffer.from('{"n":2}')],
      concurrency: 4,
      durationMs: 1000,
      warmupMs: 200,
    });
    // 4 users × ~1 request per 20 ms over 1 s: about 200 requests.
    expect(result.requests).toBeGreaterThan(100);
    expect(result.requests).toBeLessThan(240);
    expect(result.errors).toBe(0);
    expect(result.statusCounts).toEqual({ '200': result.requests });
    expect(result.latencyMs.p50).toBeGreaterThanOrEqual(19);
    expect(result.latencyMs.p50).toBeLessThan(60);
    expect(result.latencyMs.p99).toBeGreaterThanOrEqual(result.latencyMs.p50);
    expect(result.throughput).toBeGreaterThan(100);
    expect(connections).toBe(4);
    expect(bodies).toContain('{"n":2}');
  });

  it('counts failed answers and unreachable servers as errors, with the first reason', async () => {
    const flaky = await runLoad({ url: `${url}/flaky`, bodies: [Buffer.from('{}')], concurrency: 2, durationMs: 500 });
    expect(flaky.errorRate).toBeGreaterThan(0.1);
    expect(flaky.errorRate).toBeLessThan(0.3);
    expect(flaky.firstError).toBe('HTTP 500: {"error":"boom"}');
    expect(flaky.statusCounts['500']).toBe(flaky.errors);

    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const down = await runLoad({ url: `http://127.0.0.1:${port}/`, bodies: [Buffer.from('{}')], concurrency: 1, durationMs: 200 });
    expect(down.errorRate).toBe(1);
    expect(down.firstError).toMatch(/ECONNREFUSED/);
    expect(down.statusCounts['no answer']).toBe(down.requests);
  });

  it('refuses what it cannot send', async () => {
    await expect(runLoad({ url: 'ftp://x/', bodies: [Buffer.from('')], concurrency: 1, durationMs: 10 })).rejects.toThrow(/http or https/);
    await expect(runLoad({ url: 'not a url', bodies: [Buffer.from('')], concurrency: 1, durationMs: 10 })).rejects.toThrow(/not a URL/);
    await expect(runLoad({ url, bodies: [], concurrency: 1, durationMs: 10 })).rejects.toThrow(/no request bodies/);
    await expect(runLoad({ url, bodies: [Buffer.from('')], concurrency: 0, durationMs: 10 })).rejects.toThrow(/concurrency/);
  });

  it('percentiles by nearest rank', () => {
    const sorted = Float64Array.from({ length: 100 }, (_, i) => i + 1);
    expect([percentile(sorted, 50), percentile(sorted, 95), percentile(sorted, 99), percentile(sorted, 100)]).toEqual([50, 95, 99, 100]);
    expect(summarizeLatencies([3, 1, 2])).toEqual({ min: 1, mean: 2, p50: 2, p90: 3, p95: 3, p99: 3, max: 3 });
  });
});
