import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';
import { creditMatrix } from '../runtimes/onnx/fixtures.js';
import { creditRow, registerCreditOnnx } from './onnx-bundle.js';

describe('moving an alias under continuous load', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp(DIALECTS[0]!);
    await registerCreditOnnx(t.services, 'credit');
    await registerCreditOnnx(t.services, 'credit');
    await t.services.registry.setAlias('credit', 'champion', 1);
  });
  afterAll(async () => t.close());

  it('switches to the new version with no failed request', async () => {
    const body = { dataframe_split: { columns: creditMatrix().header, data: [creditRow(0)] } };
    const statuses: number[] = [];
    const versions = new Set<string>();
    let stop = false;
    const client = async () => {
      while (!stop) {
        const res = await t.app.inject({ method: 'POST', url: '/serve/credit/champion/invocations', payload: body });
        statuses.push(res.statusCode);
        versions.add(String(res.headers['x-puente-model-version']));
      }
    };
    const clients = Array.from({ length: 4 }, client);
    await new Promise((r) => setTimeout(r, 200));
    await t.services.registry.setAlias('credit', 'champion', 2);
    // Alias moves reach the server within its 1 s resolution cache.
    await new Promise((r) => setTimeout(r, 1_500));
    stop = true;
    await Promise.all(clients);
    expect(statuses.length).toBeGreaterThan(50);
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect([...versions].sort()).toEqual(['1', '2']);
  });
});
