import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { ARTIFACT_BACKENDS, DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';

const PROXY = '/api/2.0/mlflow-artifacts/artifacts';

for (const backend of ARTIFACT_BACKENDS) {
  describe(`${backend.name} artifacts: the MLflow artifact proxy`, () => {
    let t: TestApp;
    let cleanupStore: () => Promise<void>;
    let root: string;
    let runId: string;
    beforeAll(async () => {
      const opened = await backend.open();
      cleanupStore = opened.cleanup;
      t = await makeTestApp(DIALECTS[0], opened.store);
      const run = await t.services.tracking.createRun({ experiment_id: '0' });
      runId = run.info.run_id;
      root = run.info.artifact_uri.replace('mlflow-artifacts:/', '');
    });
    afterAll(async () => {
      await t.close();
      await cleanupStore();
    });

    const put = (path: string, payload: Buffer | string, type = 'application/octet-stream') =>
      t.app.inject({ method: 'PUT', url: `${PROXY}/${path}`, payload, headers: { 'content-type': type } });

    it('stores any content type verbatim and serves it back', async () => {
      const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
      expect((await put(`${root}/model/weights.bin`, bytes)).json()).toEqual({});
      // A JSON file is stored as bytes, never parsed (log_dict uploads with this type).
      const json = '{"b": 1,   "a": [1, 2]}';
      expect((await put(`${root}/config.json`, json, 'application/json')).statusCode).toBe(200);

      const got = await t.app.inject(`${PROXY}/${root}/model/weights.bin`);
      expect(got.statusCode).toBe(200);
      expect(got.rawPayload.equals(bytes)).toBe(true);
      expect(got.headers['content-disposition']).toBe('attachment; filename="weights.bin"');
      expect(got.headers['content-length']).toBe('256');
      const cfg = await t.app.inject(`${PROXY}/${root}/config.json`);
      expect(cfg.body).toBe(json);
      expect(cfg.headers['content-type']).toContain('application/json');
    });

    it('lists directories with base names, answers {} for a file, 404s for nothing', async () => {
      const list = await t.app.inject({ url: `${PROXY}`, query: { path: root } });
      expect(list.json()).toEqual({
        files: [
          { path: 'config.json', is_dir: false, file_size: 23 },
          { path: 'model', is_dir: true },
        ],
      });
      expect((await t.app.inject({ url: PROXY, query: { path: `${root}/model` } })).json()).toEqual({
        files: [{ path: 'weights.bin', is_dir: false, file_size: 256 }],
      });
      expect((await t.app.inject({ url: PROXY, query: { path: `${root}/config.json` } })).json()).toEqual({});
      expect((await t.app.inject(`${PROXY}/${root}/absent.txt`)).statusCode).toBe(404);
    });

    it('answers the legacy run listing with paths relative to the run root', async () => {
      const res = await t.app.inject({ url: '/api/2.0/mlflow/artifacts/list', query: { run_id: runId, path: 'model' } });
      expect(res.json()).toEqual({
        root_uri: `mlflow-artifacts:/${root}`,
        files: [{ path: 'model/weights.bin', is_dir: false, file_size: 256 }],
      });
      expect((await t.app.inject({ url: '/api/2.0/mlflow/artifacts/list', query: { run_id: 'f'.repeat(32) } })).statusCode).toBe(404);
    });

    it('accepts uploads far above the JSON body limit, streamed', async () => {
      const big = randomBytes(20 * 1024 * 1024);
      expect((await put(`${root}/big.bin`, big)).statusCode).toBe(200);
      const got = await t.app.inject(`${PROXY}/${root}/big.bin`);
      expect(got.rawPayload.equals(big)).toBe(true);
    });

    it('refuses paths that escape, writing nothing', async () => {
      // Sent as is over a socket: URL parsers (and inject) resolve dot segments before sending.
      const address = await t.app.listen({ host: '127.0.0.1', port: 0 });
      const rawPut = (path: string) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const { hostname, port } = new URL(address);
          const req = request({ hostname, port, path: `${PROXY}/${path}`, method: 'PUT', headers: { 'content-type': 'text/plain' } }, (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
          });
          req.on('error', reject);
          req.end('x');
        });
      for (const path of ['../../../../escape.txt', `${root}/../../../../escape.txt`, `${root}/%2e%2e/%2e%2e/%2e%2e/%2e%2e/escape.txt`, `${root}/..%2F..%2F..%2F..%2Fescape.txt`, '%2Fetc%2Fpasswd', `${root}/%252e%252e/x`]) {
        const res = await rawPut(path);
        expect(res.status, path).toBe(400);
        expect(JSON.parse(res.body).error_code).toBe('INVALID_PARAMETER_VALUE');
      }
      const names = (await t.app.inject({ url: PROXY, query: { path: root } })).json().files.map((f: { path: string }) => f.path);
      expect(names).not.toContain('escape.txt');
      expect(names).not.toContain('x');
    });

    it('deletes files and directories', async () => {
      expect((await t.app.inject({ method: 'DELETE', url: `${PROXY}/${root}/model` })).json()).toEqual({});
      expect((await t.app.inject({ url: PROXY, query: { path: `${root}/model` } })).json()).toEqual({});
    });

    it('changes nothing outside experiments (dataset contents have their own API)', async () => {
      await t.services.artifacts.put('datasets/objects/abc', Buffer.from('kept'));
      const res = await put('datasets/objects/abc', 'tampered');
      expect(res.statusCode).toBe(403);
      expect(res.json().message).toMatch(/datasets API/);
      expect((await t.app.inject({ method: 'DELETE', url: `${PROXY}/datasets/objects/abc` })).statusCode).toBe(403);
      const { stream } = await t.services.artifacts.get('datasets/objects/abc');
      const chunks: Buffer[] = [];
      for await (const c of stream) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).toString()).toBe('kept');
    });

    it('refuses multipart uploads in the words the MLflow client falls back on', async () => {
      const res = await t.app.inject({ method: 'POST', url: `/api/2.0/mlflow-artifacts/mpu/create/${root}/huge.bin`, payload: { path: 'huge.bin', num_parts: 3 } });
      expect(res.statusCode).toBe(501);
      expect(res.json().error_code).toBe('NOT_IMPLEMENTED');
      expect(res.json().message.startsWith('Multipart upload is not supported for the current artifact repository')).toBe(true);
    });
  });
}

describe('request size limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp(DIALECTS[0]);
  });
  afterAll(async () => t.close());

  it('answers a JSON body over the limit with 413 and writes nothing', async () => {
    const huge = JSON.stringify({ name: 'x'.repeat(5 * 1024 * 1024) });
    const res = await t.app.inject({ method: 'POST', url: '/api/2.0/mlflow/experiments/create', payload: huge, headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(413);
    expect(res.json().error_code).toBe('REQUEST_TOO_LARGE');
    expect((await t.app.inject({ url: '/api/2.0/mlflow/experiments/search', method: 'POST', payload: {} })).json().experiments).toHaveLength(1);
  });

  it('answers malformed JSON with 400', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/2.0/mlflow/runs/create', payload: '{"experiment_id": ', headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
  });
});
