import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../../src/config/index.js';
import { createDb, type PuenteDb } from '../../../src/db/index.js';
import { LocalArtifactStore } from '../../../src/artifacts/index.js';
import { composeServices, startDeploymentServer, type RunningServer } from '../../../src/main.js';
import type { AppServices } from '../../../src/http/index.js';
import { creditRows, FIXTURES, inputsOf, registerCreditModel } from './credit.js';

/*
 * A replica on the store (`puente serve --deployment NAME --store`) monitors what it serves: its
 * windows land in the store the server reads.
 */
describe('a deployment replica on the store', () => {
  let dir: string;
  let db: PuenteDb;
  let services: AppServices;
  let replica: RunningServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'puente-replica-monitor-'));
    db = await createDb({ kind: 'sqlite', path: join(dir, 'puente.db') });
    await db.migrate();
    services = composeServices(db, new LocalArtifactStore(join(dir, 'artifacts')));
    await registerCreditModel(services, 'credit');
    await services.monitoring.setReferenceFromSample('credit', '1', readFileSync(`${FIXTURES}/credit_train.csv`), 'csv', { by: null });
    await services.deployments.create('loans', { model: 'credit', ref: '1' }, { by: 'test' });
    const config = loadConfig({ PUENTE_LOG_LEVEL: 'silent', PUENTE_DATABASE_URL: `sqlite:${join(dir, 'puente.db')}`, PUENTE_ARTIFACTS: join(dir, 'artifacts') });
    replica = await startDeploymentServer({ deployment: 'loans', host: '127.0.0.1', port: 0, config });
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes the windows of the rows it served when it stops', async () => {
    const rows = creditRows('credit_drifted.csv').slice(0, 600).map(inputsOf);
    for (let i = 0; i < rows.length; i += 100) {
      const res = await fetch(`${replica.url}/invocations`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ dataframe_records: rows.slice(i, i + 100) }) });
      expect(res.status).toBe(200);
    }
    await replica.close();
    const { windows } = await services.monitoring.windows('loans', { includeOpen: false });
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatchObject({ rows: 600, model: 'credit', version: 1, open: false });
    expect(windows[0]!.quality.columns.find((c) => c.column === 'purpose')!.unseen_values).toEqual(['crypto']);
  });
});
