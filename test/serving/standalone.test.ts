import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';
import { loadConfig } from '../../src/config/index.js';
import { startModelServer, type RunningServer } from '../../src/main.js';
import { creditGolden, creditMatrix } from '../runtimes/onnx/fixtures.js';
import { creditRow, registerCreditOnnx } from './onnx-bundle.js';

const config = loadConfig({ PUENTE_LOG_LEVEL: 'silent' });
const golden = creditGolden().models['credit_logreg.onnx'];
const columns = creditMatrix().header;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const invocations = (url: string, rows: number[], headers: Record<string, string> = {}) =>
  fetch(`${url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ dataframe_split: { columns, data: rows.map(creditRow) } }) });

describe('puente serve: one model, as mlflow models serve answers', () => {
  let t: TestApp;
  let upstream: string;
  let served: RunningServer;

  beforeAll(async () => {
    t = await makeTestApp(DIALECTS[0]!);
    upstream = await t.app.listen({ host: '127.0.0.1', port: 0 });
    await registerCreditOnnx(t.services, 'credit');
    await t.services.registry.setAlias('credit', 'champion', 1);
    served = await startModelServer({ model: 'credit', ref: 'champion', host: '127.0.0.1', port: 0, server: { url: upstream }, config });
  });
  afterAll(async () => {
    await served?.close();
    await t.close();
  });

  it('answers /ping, /health, /version and /invocations at the root', async () => {
    expect((await fetch(`${served.url}/ping`)).status).toBe(200);
    expect((await fetch(`${served.url}/health`)).status).toBe(200);
    expect(await (await fetch(`${served.url}/version`)).text()).toMatch(/^\d+\.\d+\.\d+/);
    const res = await invocations(served.url, [0, 1, 2]);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-puente-model-version')).toBe('1');
    const { predictions } = (await res.json()) as { predictions: number[] };
    predictions.forEach((p, r) => expect(Math.abs(p - golden.probabilities[r]![1])).toBeLessThan(1e-5));
  });

  it('answers the Open Inference paths for its model only', async () => {
    const body = { inputs: [{ name: 'input', shape: [1, 16], datatype: 'FP32', data: [creditRow(0)] }] };
    const ok = await fetch(`${served.url}/v2/models/credit/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(ok.status).toBe(200);
    const other = await fetch(`${served.url}/v2/models/other/infer`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(other.status).toBe(404);
    expect(((await other.json()) as { error: string }).error).toContain("serves model 'credit' only");
  });

  it('requires its token when given one, and refuses a public address without one', async () => {
    const guarded = await startModelServer({ model: 'credit', ref: '1', host: '127.0.0.1', port: 0, server: { url: upstream }, config, authToken: 's3cret-token' });
    try {
      expect((await invocations(guarded.url, [0])).status).toBe(401);
      expect((await invocations(guarded.url, [0], { authorization: 'Bearer s3cret-token' })).status).toBe(200);
      expect((await fetch(`${guarded.url}/ping`)).status).toBe(200);
    } finally {
      await guarded.close();
    }
    await expect(startModelServer({ model: 'credit', ref: '1', host: '0.0.0.0', port: 0, server: { url: upstream }, config })).rejects.toThrow(/--auth-token/);
  });

  it('fails to start on an unknown model, naming it', async () => {
    await expect(startModelServer({ model: 'nope', ref: '1', host: '127.0.0.1', port: 0, server: { url: upstream }, config })).rejects.toThrow(/nope/);
  });

  it('runs as several worker processes sharing one port (CLI, --workers 2)', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', '--server', upstream, 'serve', 'credit@1', '--port', String(port), '--workers', '2'], {
      env: { ...process.env, PUENTE_LOG_LEVEL: 'silent', PUENTE_URL: '', PUENTE_TOKEN: '' },
      stdio: 'ignore',
    });
    try {
      const url = `http://127.0.0.1:${port}`;
      for (let i = 0; i < 200; i++) {
        if (await fetch(`${url}/ping`).then((r) => r.ok, () => false)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      const answers = await Promise.all(Array.from({ length: 20 }, () => invocations(url, [3])));
      expect(answers.map((a) => a.status)).toEqual(Array(20).fill(200));
    } finally {
      child.kill('SIGTERM');
    }
  });
});
