import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'stats');

/** Values computed by SciPy 1.10.1 (test/fixtures/stats/make/make_stats_expected.py). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const expected: any = JSON.parse(readFileSync(join(FIXTURES, 'stats_expected.json'), 'utf8'));

/** |actual − expected| ≤ max(rel·|expected|, abs). */
export function close(actual: number, want: number, rel: number, abs = 0, label = ''): void {
  if (Number.isNaN(want)) {
    expect(actual, label).toBeNaN();
    return;
  }
  if (!Number.isFinite(want)) {
    expect(actual, label).toBe(want);
    return;
  }
  const tol = Math.max(rel * Math.abs(want), abs);
  if (!(Math.abs(actual - want) <= tol)) {
    expect.fail(`${label}: got ${actual}, expected ${want} (|diff| ${Math.abs(actual - want)} > ${tol})`);
  }
}

/** Small seeded generator (mulberry32) with a Box–Muller normal, for simulations in tests. */
export function rng(seed: number): { uniform(): number; normal(): number } {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare: number | null = null;
  const normal = () => {
    if (spare !== null) {
      const v = spare;
      spare = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    const th = 2 * Math.PI * uniform();
    spare = r * Math.sin(th);
    return r * Math.cos(th);
  };
  return { uniform, normal };
}
