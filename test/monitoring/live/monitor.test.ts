import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { DIALECTS } from '../../helpers/test-app.js';
import type { PuenteDb } from '../../../src/db/index.js';
import { EventBus, type PuenteEvent } from '../../../src/events/index.js';
import type { ServedPrediction } from '../../../src/deployments/index.js';
import type { BundleManifest } from '../../../src/bundles/index.js';
import { buildModelReference, LiveMonitor, MonitoringRepo } from '../../../src/monitoring/index.js';

/*
 * The live monitor on its own, with a clock the test moves: windows aligned to multiples of their
 * length, closed on time without traffic, written in batches, reported as gauges and events; a
 * full queue drops (and counts) instead of growing; a window's sketch stays bounded whatever the
 * number of distinct values.
 */

const manifest = {
  format_version: 1, format: 'xgboost', task: 'regression', model_file: 'm.json', preprocessing: null, files: {},
  signature: { inputs: [{ name: 'x', type: 'double' }, { name: 'colour', type: 'string' }], outputs: [{ name: 'predictions', dtype: 'float32', shape: [null] }] },
} as unknown as BundleManifest;

const served = (at: number, inputs: Record<string, unknown>[], predictions: number[]): ServedPrediction => ({
  prediction_id: `p${at}`, deployment: 'd', model: 'm', version: 1, role: 'stable', at, latency_ms: 1, inputs, predictions, manifest,
});

describe.each(DIALECTS)('live monitor on $name', (dialect) => {
  let db: PuenteDb;
  let cleanup: () => Promise<void>;
  let clock = 0;
  const events: PuenteEvent[] = [];

  beforeAll(async () => {
    ({ db, cleanup } = await dialect.open());
  });
  afterAll(async () => cleanup?.());

  const make = async (extra: { maxQueued?: number } = {}) => {
    const repo = new MonitoringRepo(db);
    const bus = new EventBus();
    bus.subscribe('monitoring.*', (e) => void events.push(e));
    const records = Array.from({ length: 2000 }, (_, i) => ({ x: (i % 100) / 10, colour: ['red', 'green', 'blue'][i % 3] }));
    const reference = await buildModelReference({
      model: 'm', version: 1, signature: manifest.signature, task: 'regression', records, source: 'test', predict: async (rows) => rows.map((r) => Number(r.x) * 2),
    });
    const metrics = new Registry();
    const monitor = new LiveMonitor({ repo, events: bus, metrics, windowMs: 60_000, now: () => clock, reference: async () => reference, settings: async () => ({}), ...extra });
    return { repo, monitor, metrics };
  };

  it('aligns windows, closes them on time without traffic, and writes, exports and announces them', async () => {
    const { repo, monitor, metrics } = await make();
    clock = 10 * 60_000 + 5_000;
    for (let i = 0; i < 300; i++) monitor.observe(served(clock + i, [{ x: (i % 100) / 10, colour: i % 10 === 0 ? 'purple' : 'red' }], [i / 50]));
    await monitor.tick();
    expect(await repo.listWindows({ deployment: 'd' })).toHaveLength(0);
    const [open] = await monitor.openWindows('d');
    expect(open).toMatchObject({ window_start: 10 * 60_000, window_end: 11 * 60_000, rows: 300, open: true });

    clock = 11 * 60_000;
    await monitor.tick();
    const [stored] = await repo.listWindows({ deployment: 'd' });
    expect(stored).toMatchObject({ window_start: 10 * 60_000, rows: 300, open: false, reference: 'test' });
    const colour = stored!.quality.columns.find((c) => c.column === 'colour')!;
    expect(colour).toMatchObject({ unseen_categories: 30, unseen_values: ['purple'], issues: ['unseen_category'] });
    // colour is mostly 'red' but not constant; the window's colour distribution drifted from thirds.
    expect(stored!.drift!.columns.find((c) => c.column === 'colour')).toMatchObject({ test: 'jensenshannon', drifted: true });
    expect(stored!.prediction_drift).toMatchObject({ column: '__prediction__', test: 'wasserstein' });
    expect(await monitor.openWindows('d')).toEqual([]);
    const text = await metrics.metrics();
    expect(text).toContain('puente_data_quality_issues{deployment="d",model="m",version="1",feature="colour",kind="unseen_category"} 30');
    expect(text).toMatch(/puente_feature_drifted\{deployment="d",model="m",version="1",feature="colour",test="jensenshannon"\} 1/);
    expect(text).toContain('puente_monitoring_window_rows{deployment="d",model="m",version="1"} 300');
    await new Promise((r) => setTimeout(r, 10));
    expect(events.filter((e) => e.type === 'monitoring.window_closed').map((e) => e.data.window_start)).toEqual([10 * 60_000]);
    expect(events.some((e) => e.type === 'monitoring.drift_detected')).toBe(true);

    // A constant input is an issue; so is a missing share well above the reference's.
    clock = 12 * 60_000 + 1;
    for (let i = 0; i < 50; i++) monitor.observe(served(clock, [{ x: 3, colour: i % 2 ? null : 'red' }], [6]));
    await monitor.flush();
    const [latest] = await repo.listWindows({ deployment: 'd', limit: 1 });
    expect(latest!.quality.columns.find((c) => c.column === 'x')).toMatchObject({ constant: true, issues: ['constant'] });
    expect(latest!.quality.columns.find((c) => c.column === 'colour')).toMatchObject({ missing: 25, missing_share: 0.5, issues: ['missing', 'constant'] });
    await monitor.stop();
  });

  it('drops and counts predictions when the queue is full, and keeps a window bounded however many distinct values arrive', async () => {
    const { monitor } = await make({ maxQueued: 10 });
    clock = 20 * 60_000;
    for (let i = 0; i < 25; i++) monitor.observe(served(clock, [{ x: 1, colour: 'red' }], [1]));
    expect(monitor.dropped).toBe(15);
    await monitor.tick();
    const big = await make();
    for (let i = 0; i < 50_000; i++) {
      big.monitor.observe(served(clock, [{ x: i, colour: `c${i}` }], [i]));
      if (i % 5000 === 0) await big.monitor.tick();
    }
    const [w] = await big.monitor.openWindows('d');
    expect(w!.rows).toBe(50_000);
    const colour = w!.quality.columns.find((c) => c.column === 'colour')!;
    expect(colour.unseen_categories).toBe(50_000);
    expect(colour.unseen_values.length).toBeLessThanOrEqual(20);
    // Categories beyond the cap are pooled: the histogram stays small.
    expect(w!.histograms.find((h) => h.column === 'colour')!.categories!.length).toBeLessThanOrEqual(3 + 1001);
    expect(w!.quality.columns.find((c) => c.column === 'x')!.out_of_range).toBe(50_000 - 10);
    await big.monitor.stop();
    await monitor.stop();
  });
});
