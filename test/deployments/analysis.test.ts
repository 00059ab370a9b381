import { describe, expect, it } from 'vitest';
import { histogramJsDistance, latencyQuantile } from '../../src/deployments/index.js';

describe('canary analysis helpers', () => {
  it('computes the Jensen–Shannon distance (natural log) of sparse histograms', () => {
    // scipy.spatial.distance.jensenshannon([1, 0], [0, 1]) = sqrt(ln 2) = 0.8325546111576977
    expect(histogramJsDistance({ a: 5 }, { b: 7 })).toBeCloseTo(0.8325546111576977, 12);
    // scipy.spatial.distance.jensenshannon([1, 2, 3], [3, 2, 1]) = 0.2953100471720493 (natural log)
    expect(histogramJsDistance({ x: 1, y: 2, z: 3 }, { x: 3, y: 2, z: 1 })).toBeCloseTo(0.2953100471720493, 12);
    expect(histogramJsDistance({ x: 2, y: 2 }, { y: 5, x: 5 })).toBe(0);
    expect(histogramJsDistance({}, { x: 1 })).toBeNull();
  });

  it('reads latency quantiles from log buckets to within their 10% width', () => {
    const buckets: Record<string, number> = {};
    const add = (ms: number) => {
      const i = Math.ceil(Math.log(ms / 0.01) / Math.log(1.1));
      buckets[i] = (buckets[i] ?? 0) + 1;
    };
    for (let i = 1; i <= 1000; i++) add(i / 10); // 0.1 … 100 ms, uniform
    const p99 = latencyQuantile(buckets, 0.99)!;
    expect(p99).toBeGreaterThanOrEqual(99);
    expect(p99).toBeLessThan(99 * 1.1);
    expect(latencyQuantile({}, 0.99)).toBeNull();
  });
});
