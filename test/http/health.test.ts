import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, makeTestApp, type TestApp } from '../helpers/test-app.js';

for (const dialect of DIALECTS) {
  describe(`${dialect.name}: health and metrics`, () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await makeTestApp(dialect);
    });
    afterAll(async () => t.close());

    it('is live and ready when the store and artifacts work', async () => {
      expect((await t.app.inject('/health/live')).statusCode).toBe(200);
      const ready = await t.app.inject('/health/ready');
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toMatchObject({ status: 'ready', checks: { store: { ok: true }, artifacts: { ok: true } } });
    });

    it('is not ready when the store is gone', async () => {
      const other = await makeTestApp(dialect);
      await other.services.db.close();
      const ready = await other.app.inject('/health/ready');
      expect(ready.statusCode).toBe(503);
      expect(ready.json().checks.store.ok).toBe(false);
      await other.app.close();
    });

    it('exposes request counters and latency histograms by route pattern', async () => {
      await t.app.inject('/health/live');
      const text = (await t.app.inject('/metrics')).body;
      expect(text).toMatch(/puente_http_requests_total\{method="GET",route="\/health\/live",status="200"\} \d+/);
      expect(text).toContain('puente_http_request_duration_seconds_bucket');
      expect(text).toContain('puente_process_resident_memory_bytes');
    });

    it('answers unknown paths with 404 ENDPOINT_NOT_FOUND', async () => {
      const res = await t.app.inject('/api/2.0/mlflow/nothing');
      expect(res.statusCode).toBe(404);
      expect(res.json().error_code).toBe('ENDPOINT_NOT_FOUND');
    });
  });
}
