import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/index.js';
import { composeServices, startDeploymentServer, startServer, type RunningServer } from '../../src/main.js';
import { registerSyntheticModel, syntheticRows } from './models.js';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const { rows } = syntheticRows(20, 5);
const invoke = (url: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ dataframe_records: [rows[0]] }) });

describe('puente serve --deployment: replicas follow policy changes and report their traffic', () => {
  let t: TestApp;
  let upstream: string;
  let replica: RunningServer;
  const config = loadConfig({ PUENTE_LOG_LEVEL: 'silent' });

  beforeAll(async () => {
    t = await makeTestApp(DIALECTS[0]!);
    upstream = await t.app.listen({ host: '127.0.0.1', port: 0 });
    await registerSyntheticModel(t.services, 'rep-model', { seed: 7 });
    await registerSyntheticModel(t.services, 'rep-model', { seed: 8 });
    await t.services.deployments.create('rep', { model: 'rep-model', ref: '1' }, { by: 'test' });
    replica = await startDeploymentServer({ deployment: 'rep', host: '127.0.0.1', port: 0, server: { url: upstream }, config, refreshMs: 300, reportMs: 100 });
  });
  afterAll(async () => {
    await replica?.close();
    await t?.close();
  });

  it('answers /invocations, /ping and the Open Inference paths of its deployment at the root', async () => {
    const res = await invoke(replica.url);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-puente-model-version')).toBe('1');
    expect(res.headers.get('x-puente-prediction-id')).toBeTruthy();
    expect((await fetch(`${replica.url}/ping`)).status).toBe(200);
    const meta = await fetch(`${replica.url}/v2/models/rep`);
    expect(meta.status).toBe(200);
    expect((await fetch(`${replica.url}/v2/models/other`)).status).toBe(404);
  });

  it('picks up a policy change made on the server within its refresh time', async () => {
    await t.services.deployments.blueGreen('rep', { model: 'rep-model', ref: '2' }, { by: 'test' });
    const green = await invoke(replica.url, { 'x-puente-target': 'green' });
    // The header may reach the replica before its refresh: then it names a role the cached policy lacks.
    expect([200, 404]).toContain(green.status);
    await t.services.deployments.promote('rep', { by: 'test' });
    const changedAt = Date.now();
    let seenAt = 0;
    while (Date.now() - changedAt < 3000) {
      const r = await invoke(replica.url);
      if (r.headers.get('x-puente-model-version') === '2') {
        seenAt = Date.now();
        break;
      }
      await sleep(20);
    }
    expect(seenAt).toBeGreaterThan(0);
    // Bounded by the refresh time (300 ms) plus a request's worth of slack.
    expect(seenAt - changedAt).toBeLessThan(300 + 250);
  });

  it("reports its traffic and logged predictions to the server, so the server's status and feedback see them", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push((await invoke(replica.url)).headers.get('x-puente-prediction-id')!);
    await sleep(400);
    const status = await t.services.deploymentStatus.status('rep');
    const v2 = status.traffic.find((v) => v.version === 2)!;
    expect(v2.requests).toBeGreaterThanOrEqual(12);
    const feedback = await t.app.inject({ method: 'POST', url: '/api/v1/deployments/rep/feedback', payload: { labels: ids.map((prediction_id) => ({ prediction_id, label: 1 })) } });
    expect(feedback.json()).toMatchObject({ recorded: 12, not_found: 0 });
  });

  it('refuses telemetry that names another deployment', async () => {
    const res = await t.app.inject({
      method: 'POST', url: '/api/v1/deployments/rep/telemetry',
      payload: { periods: [], predictions: [{ id: 'x', deployment: 'other', model: 'rep-model', version: 1, role: 'stable', at: 1, latency_ms: 1, inputs: [{}], predictions: [1] }] },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().message).toMatch(/names deployment 'other'/);
  });

  it('fails to start for a deployment that does not exist', async () => {
    await expect(startDeploymentServer({ deployment: 'nope', host: '127.0.0.1', port: 0, server: { url: upstream }, config })).rejects.toThrow(/does not exist/);
  });
});

describe('puente serve --deployment --store: a replica on the store itself', () => {
  it('serves by the stored policy and writes its traffic where the server analyses it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'puente-replica-'));
    const config = loadConfig({ PUENTE_LOG_LEVEL: 'silent', PUENTE_DATA_DIR: dir });
    let server: RunningServer | undefined;
    let replica: RunningServer | undefined;
    try {
      server = await startServer(loadConfig({ PUENTE_LOG_LEVEL: 'silent', PUENTE_DATA_DIR: dir }, { port: 0 }));
      const services = composeServices((server.app as unknown as { puenteServices?: never }).puenteServices ?? (await openStore(dir)).db, (await openStore(dir)).artifacts, { audit: false });
      await registerSyntheticModel(services, 'store-model', { seed: 7 });
      await services.deployments.create('local', { model: 'store-model', ref: '1' }, { by: 'test' });
      replica = await startDeploymentServer({ deployment: 'local', host: '127.0.0.1', port: 0, config, refreshMs: 200, reportMs: 100 });
      for (let i = 0; i < 5; i++) expect((await invoke(replica.url)).status).toBe(200);
      await sleep(300);
      const status = await (await fetch(`${server.url}/api/v1/deployments/local/status`)).json() as { traffic: { requests: number }[] };
      expect(status.traffic[0]!.requests).toBe(5);
    } finally {
      await replica?.close();
      await server?.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

async function openStore(dir: string) {
  const { createDb } = await import('../../src/db/index.js');
  const { openArtifactStore } = await import('../../src/main.js');
  const config = loadConfig({ PUENTE_DATA_DIR: dir });
  const db = await createDb(config.database);
  return { db, artifacts: openArtifactStore(config, db) };
}
