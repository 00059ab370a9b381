import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';
import { PuenteClient } from '../../src/client/index.js';
import { exportVersion, locateVersion, remoteLocator, type LambdaHttpEvent, type LambdaHttpResult } from '../../src/export/index.js';
import { creditMatrix } from '../runtimes/onnx/fixtures.js';
import { creditRow, registerCreditOnnx } from '../serving/onnx-bundle.js';
import { readRows } from '../preprocessing/csv.js';

const run = promisify(execFile);
const CLI = ['--import', 'tsx', 'src/cli/main.ts'];
const XGB = 'test/fixtures/xgboost';
const onnxColumns = creditMatrix().header;
const onnxBody = (rows: number[]) => ({ dataframe_split: { columns: onnxColumns, data: rows.map(creditRow) } });

type Handler = (event: LambdaHttpEvent) => Promise<LambdaHttpResult>;

/** A Function URL / HTTP API (payload 2.0) event. */
function urlEvent(method: string, path: string, body?: unknown, o: { base64?: boolean; contentType?: string } = {}): LambdaHttpEvent {
  const text = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  return {
    rawPath: path,
    rawQueryString: '',
    headers: { 'content-type': o.contentType ?? 'application/json', host: 'abc.lambda-url.eu-west-1.on.aws' },
    requestContext: { http: { method, path } },
    body: text === undefined ? undefined : o.base64 ? Buffer.from(text).toString('base64') : text,
    isBase64Encoded: o.base64 ?? false,
  };
}

describe('puente models export', () => {
  let t: TestApp;
  let url: string;
  let work: string;
  let xgbRaw: Record<string, unknown>[];
  const children: ChildProcess[] = [];
  const puente = async (...args: string[]) =>
    (await run(process.execPath, [...CLI, '--server', url, ...args], { env: { ...process.env, PUENTE_URL: '', PUENTE_TOKEN: '' } })).stdout;
  const served = async (path: string, body: unknown) => {
    const res = await t.app.inject({ method: 'POST', url: path, payload: body as object });
    expect(res.statusCode).toBe(200);
    return res.json().predictions as unknown[];
  };

  beforeAll(async () => {
    t = await makeTestApp(DIALECTS[0]!);
    url = await t.app.listen({ host: '127.0.0.1', port: 0 });
    work = mkdtempSync(join(tmpdir(), 'puente-export-'));
    await registerCreditOnnx(t.services, 'credit');
    await t.services.registry.setAlias('credit', 'champion', 1);
    const runId = (await t.services.tracking.createRun({})).info.run_id;
    await puente('models', 'package', `${XGB}/credit_xgb.json`, '--features', `${XGB}/credit_xgb.features.json`, '--out', join(work, 'xgb-bundle'), '--log-to', runId, '--register', 'credit_xgb');
    const manifest = JSON.parse(readFileSync(join(work, 'xgb-bundle', 'puente.json'), 'utf8'));
    const columns = manifest.signature.inputs.map((c: { name: string }) => c.name) as string[];
    xgbRaw = readRows('credit_test.csv').slice(0, 100).map((r) => Object.fromEntries(columns.map((c) => [c, r[c] ?? null])));
  }, 120_000);
  afterAll(async () => {
    // Wait for every context server to be gone before closing the app (a lingering child would keep the run open).
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            const force = setTimeout(() => c.kill('SIGKILL'), 3_000);
            c.once('exit', () => {
              clearTimeout(force);
              resolve();
            });
            c.kill('SIGTERM');
          }),
      ),
    );
    await t?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  }, 120_000);

  /** Starts a context's server as its Dockerfile's CMD does (port 0: any free one); resolves its URL. */
  async function startContext(dir: string, env: Record<string, string>): Promise<{ url: string; proc: ChildProcess; loadMs: number }> {
    const dockerfile = readFileSync(join(dir, 'Dockerfile'), 'utf8');
    const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(dockerfile)![1]!) as string[];
    expect(cmd[0]).toBe('node');
    const args = cmd.slice(1).map((a, i, all) => (all[i - 1] === '--port' ? '0' : a));
    const proc = spawn(process.execPath, args, { cwd: dir, env: { PATH: process.env.PATH ?? '', PUENTE_LOG_LEVEL: 'warn', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    children.push(proc);
    return new Promise((resolve, reject) => {
      let out = '';
      let err = '';
      proc.stderr!.on('data', (d) => (err += d));
      proc.stdout!.on('data', (d) => {
        out += d;
        const line = out.split('\n').find((l) => l.startsWith('{"serving"'));
        if (line) {
          const { port, load_ms } = JSON.parse(line) as { port: number; load_ms: number };
          resolve({ url: `http://127.0.0.1:${port}`, proc, loadMs: load_ms });
        }
      });
      proc.on('exit', (code) => reject(new Error(`server exited with ${code}: ${err}`)));
    });
  }

  it('docker (CLI): a build context whose server answers like puente serve, with the same predictions', async () => {
    const dir = join(work, 'credit-docker');
    const summary = JSON.parse(await puente('--json', 'models', 'export', 'credit@champion', '--target', 'docker', '--out', dir));
    expect(summary).toMatchObject({ target: 'docker', name: 'credit', version: 1, format: 'onnx' });
    for (const f of ['Dockerfile', '.dockerignore', 'README.md', 'package.json', 'export.json', 'server.mjs', 'model/puente.json', 'model/model.onnx']) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(existsSync(join(dir, 'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node'))).toBe(true);
    expect(existsSync(join(dir, 'node_modules/onnxruntime-node/bin/napi-v6/win32'))).toBe(false);
    const dockerfile = readFileSync(join(dir, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20-slim$/m);
    expect(dockerfile).toMatch(/^COPY package\.json export\.json server\.mjs \.\/$/m);
    expect(dockerfile).toMatch(/^COPY model\/ \.\/model\/$/m);
    expect(dockerfile).toMatch(/^COPY node_modules\/ \.\/node_modules\/$/m);
    expect(dockerfile).toMatch(/^CMD \["node", "server\.mjs", "--host", "0\.0\.0\.0", "--port", "8080"\]$/m);
    expect(readFileSync(join(dir, 'model/model.onnx'))).toEqual(readFileSync('test/fixtures/onnx/credit_logreg.onnx'));
    expect(JSON.parse(readFileSync(join(dir, 'export.json'), 'utf8'))).toMatchObject({ name: 'credit', version: 1, aliases: ['champion'] });

    const ctx = await startContext(dir, { PUENTE_SERVE_TOKEN: 'ctx-token' });
    const auth = { authorization: 'Bearer ctx-token', 'content-type': 'application/json' };
    expect((await fetch(`${ctx.url}/ping`)).status).toBe(200);
    expect((await fetch(`${ctx.url}/health`)).status).toBe(200);
    const rows = Array.from({ length: 50 }, (_, i) => i);
    const res = await fetch(`${ctx.url}/invocations`, { method: 'POST', headers: auth, body: JSON.stringify(onnxBody(rows)) });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-puente-model-version')).toBe('1');
    expect(((await res.json()) as { predictions: unknown[] }).predictions).toEqual(await served('/serve/credit/1/invocations', onnxBody(rows)));
    expect((await fetch(`${ctx.url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(onnxBody([0])) })).status).toBe(401);
    const infer = await fetch(`${ctx.url}/v2/models/credit/infer`, { method: 'POST', headers: auth, body: JSON.stringify({ inputs: [{ name: 'input', shape: [1, 16], datatype: 'FP32', data: [creditRow(0)] }] }) });
    expect(infer.status).toBe(200);
    const wrong = await fetch(`${ctx.url}/invocations`, { headers: auth });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    ctx.proc.kill('SIGTERM');
  }, 120_000);

  it('docker: the context refuses a public address without a token, and a changed bundle', async () => {
    const dir = join(work, 'credit-docker');
    const failing = (at: string, env: Record<string, string>) => startContext(at, env).then(() => 'started', (err: Error) => err.message);
    expect(await failing(dir, {})).toMatch(/exited with 2.*PUENTE_SERVE_TOKEN/s);
    const copy = join(work, 'tampered-docker');
    await run('cp', ['-r', dir, copy]);
    writeFileSync(join(copy, 'model/model.onnx'), Buffer.concat([readFileSync(join(copy, 'model/model.onnx')), Buffer.from([0])]));
    expect(await failing(copy, { PUENTE_SERVE_TOKEN: 'x' })).toMatch(/exited with 1.*model\.onnx/s);
  }, 60_000);

  it('docker (XGBoost): raw rows through the context match the server, and nothing native is copied', async () => {
    const dir = join(work, 'xgb-docker');
    const client = new PuenteClient({ baseUrl: url });
    const result = await exportVersion(await locateVersion(remoteLocator(client), 'credit_xgb', '1'), { target: 'docker', outDir: dir, puenteVersion: '0.0.0-test' });
    expect(result.format).toBe('xgboost');
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    expect(readFileSync(join(dir, 'Dockerfile'), 'utf8')).not.toMatch(/node_modules/);
    const ctx = await startContext(dir, { PUENTE_SERVE_TOKEN: 't' });
    const res = await fetch(`${ctx.url}/invocations`, { method: 'POST', headers: { authorization: 'Bearer t', 'content-type': 'application/json' }, body: JSON.stringify({ dataframe_records: xgbRaw }) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { predictions: unknown[] }).predictions).toEqual(await served('/serve/credit_xgb/1/invocations', { dataframe_records: xgbRaw }));
    expect(await (await fetch(`${ctx.url}/version`)).text()).toBe('0.0.0-test');
    ctx.proc.kill('SIGTERM');
  }, 60_000);

  it('lambda (CLI, XGBoost): the handler answers Lambda events in-process as the server does', async () => {
    const dir = join(work, 'xgb-lambda');
    await puente('models', 'export', 'credit_xgb@1', '--target', 'lambda', '--out', dir);
    for (const f of ['index.mjs', 'export.json', 'README.md', 'model/puente.json', 'model/model.json']) expect(existsSync(join(dir, f)), f).toBe(true);
    expect(existsSync(join(dir, 'node_modules'))).toBe(false);
    const t0 = performance.now();
    const mod = (await import(pathToFileURL(join(dir, 'index.mjs')).href)) as { handler: Handler; coldStart: { init_ms: number; model_load_ms: number } };
    const importMs = performance.now() - t0;
    console.log(`lambda cold start (XGBoost credit): import ${importMs.toFixed(0)} ms, init ${mod.coldStart.init_ms.toFixed(0)} ms, model load ${mod.coldStart.model_load_ms.toFixed(0)} ms`);
    expect(mod.coldStart.model_load_ms).toBeGreaterThan(0);
    const expected = await served('/serve/credit_xgb/1/invocations', { dataframe_records: xgbRaw });

    const ok = await mod.handler(urlEvent('POST', '/invocations', { dataframe_records: xgbRaw }));
    expect(ok.statusCode).toBe(200);
    expect(ok.headers['content-type']).toMatch(/application\/json/);
    expect(ok.headers['x-puente-model-version']).toBe('1');
    expect(JSON.parse(ok.body).predictions).toEqual(expected);

    const b64 = await mod.handler(urlEvent('POST', '/invocations', { dataframe_records: xgbRaw.slice(0, 3) }, { base64: true }));
    expect(b64.statusCode).toBe(200);
    expect(JSON.parse(b64.body).predictions).toEqual(expected.slice(0, 3));

    const bad = xgbRaw.slice(0, 3).map((r) => ({ ...r }));
    const column = Object.keys(bad[0]!).find((c) => typeof bad[0]![c] === 'number')!;
    bad[2]![column] = 'not a number';
    const rejected = await mod.handler(urlEvent('POST', '/invocations', { dataframe_records: bad }));
    expect(rejected.statusCode).toBe(400);
    expect(JSON.parse(rejected.body).message).toContain(column);
    expect(JSON.parse(rejected.body).message).toMatch(/row 2|row 3/);

    const wrongMethod = await mod.handler(urlEvent('GET', '/invocations'));
    expect(wrongMethod.statusCode).toBe(405);
    expect(wrongMethod.headers.allow).toBe('POST');
    expect((await mod.handler(urlEvent('POST', '/nowhere', {}))).statusCode).toBe(404);
    expect((await mod.handler(urlEvent('GET', '/ping'))).statusCode).toBe(200);

    // The REST API (payload 1.0) shape, and CSV.
    const header = Object.keys(xgbRaw[0]!);
    const csv = [header.join(','), ...xgbRaw.slice(0, 5).map((r) => header.map((h) => r[h] ?? '').join(','))].join('\n');
    const rest = await mod.handler({ httpMethod: 'POST', path: '/invocations', headers: { 'Content-Type': 'text/csv' }, body: csv, isBase64Encoded: false });
    expect(rest.statusCode).toBe(200);
    expect(JSON.parse(rest.body).predictions).toEqual(expected.slice(0, 5));

    const meta = await mod.handler(urlEvent('GET', '/v2/models/credit_xgb'));
    expect(meta.statusCode).toBe(200);
    expect((await mod.handler(urlEvent('GET', '/v2/models/other'))).statusCode).toBe(404);
  }, 120_000);

  it('lambda (ONNX): self-contained with onnxruntime-node beside it; the handler matches the server', async () => {
    const dir = join(work, 'credit-lambda');
    const client = new PuenteClient({ baseUrl: url });
    await exportVersion(await locateVersion(remoteLocator(client), 'credit', undefined), { target: 'lambda', outDir: dir, puenteVersion: '0.0.0-test' });
    expect(readFileSync(join(dir, 'README.md'), 'utf8')).toMatch(/onnxruntime-node/);
    // Its own process: the copied native module is loaded from the export, not from this checkout.
    const event = urlEvent('POST', '/v2/models/credit/infer', { inputs: [{ name: 'input', shape: [2, 16], datatype: 'FP32', data: [creditRow(0), creditRow(1)] }] });
    const invoc = urlEvent('POST', '/invocations', onnxBody([0, 1, 2, 3]), { base64: true });
    const script = `const m = await import(${JSON.stringify(pathToFileURL(join(dir, 'index.mjs')).href)}); console.log(JSON.stringify([await m.handler(${JSON.stringify(event)}), await m.handler(${JSON.stringify(invoc)})]));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: work, env: { PATH: process.env.PATH ?? '', PUENTE_LOG_LEVEL: 'silent' } });
    const [infer, scored] = JSON.parse(stdout) as LambdaHttpResult[];
    expect(infer!.statusCode).toBe(200);
    expect(JSON.parse(infer!.body).outputs.map((o: { name: string }) => o.name)).toEqual(['probabilities', 'label']);
    expect(scored!.statusCode).toBe(200);
    expect(JSON.parse(scored!.body).predictions).toEqual(await served('/serve/credit/1/invocations', onnxBody([0, 1, 2, 3])));
  }, 120_000);

  it('onnx (CLI): writes the ONNX file of an ONNX bundle, and refuses XGBoost saying conversion is not offered', async () => {
    const dir = join(work, 'credit-onnx');
    await puente('models', 'export', 'credit@1', '--target', 'onnx', '--out', dir);
    expect(readFileSync(join(dir, 'model.onnx'))).toEqual(readFileSync('test/fixtures/onnx/credit_logreg.onnx'));
    await expect(puente('models', 'export', 'credit_xgb@1', '--target', 'onnx', '--out', join(work, 'xgb-onnx'))).rejects.toThrow(/xgboost format.*converting other formats is not offered/s);
    expect(existsSync(join(work, 'xgb-onnx'))).toBe(false);
  }, 60_000);

  it('refuses a non-empty output directory, an unknown target, and a bundle that fails verification', async () => {
    const busy = join(work, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'keep.txt'), 'x');
    await expect(puente('models', 'export', 'credit@1', '--target', 'docker', '--out', busy)).rejects.toThrow(/not empty/);
    await expect(puente('models', 'export', 'credit@1', '--target', 'zip', '--out', join(work, 'zip'))).rejects.toThrow(/--target must be one of docker, lambda, onnx/);
    const v = await registerCreditOnnx(t.services, 'credit', { tamper: true });
    const client = new PuenteClient({ baseUrl: url });
    await expect(exportVersion(await locateVersion(remoteLocator(client), 'credit', String(v)), { target: 'docker', outDir: join(work, 'tampered'), puenteVersion: 'x' })).rejects.toThrow(/model\.onnx.*sha256/s);
    expect(existsSync(join(work, 'tampered'))).toBe(false);
  }, 60_000);
});
