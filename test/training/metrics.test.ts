import { describe, expect, it } from 'vitest';
import { InvalidParameterError } from '../../src/errors/index.js';
import { accuracy, createRng, logLoss, r2, rmse, rocAuc } from '../../src/training/index.js';

/** AUC by counting every positive–negative pair (a tie counts one half). */
function pairwiseAuc(y: number[], s: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < y.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < y.length; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      wins += s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

describe('rocAuc', () => {
  it('matches a hand-computed example with ties', () => {
    // Positives 0.35, 0.8, 0.4 against negatives 0.1, 0.4, 0.4:
    // 0.35 beats 1 of 3, 0.8 beats 3, 0.4 beats 1 and ties 2 (2 × ½) → 6 of 9 pairs.
    const y = [0, 0, 1, 1, 0, 1];
    const s = [0.1, 0.4, 0.35, 0.8, 0.4, 0.4];
    expect(rocAuc(y, s)).toBeCloseTo(6 / 9, 15);
  });

  it('is 1 for a perfect ranking, 0 for a reversed one and ½ when every score ties', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4])).toBe(1);
    expect(rocAuc([1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4])).toBe(0);
    expect(rocAuc([1, 0, 1, 0, 0], [0.5, 0.5, 0.5, 0.5, 0.5])).toBe(0.5);
  });

  it('agrees with pair counting on random scores with many ties', () => {
    const rng = createRng(42);
    for (let trial = 0; trial < 20; trial++) {
      const n = 5 + Math.floor(rng() * 60);
      const y = Array.from({ length: n }, (_, i) => (i < 2 ? i : rng() < 0.4 ? 1 : 0));
      const s = Array.from({ length: n }, () => Math.floor(rng() * 6) / 5);
      expect(rocAuc(y, s)).toBeCloseTo(pairwiseAuc(y, s), 12);
    }
  });

  it('refuses a single class, NaN scores and mismatched lengths', () => {
    expect(() => rocAuc([1, 1], [0.2, 0.3])).toThrow(InvalidParameterError);
    expect(() => rocAuc([0, 1], [0.2, Number.NaN])).toThrow(/NaN/);
    expect(() => rocAuc([0, 1, 1], [0.2, 0.3])).toThrow(/3 labels but 2/);
  });
});

describe('classification and regression metrics', () => {
  it('log loss: mean cross-entropy, clipped', () => {
    expect(logLoss([1, 0], [0.8, 0.3])).toBeCloseTo(-(Math.log(0.8) + Math.log(0.7)) / 2, 15);
    expect(Number.isFinite(logLoss([1, 0], [0, 1]))).toBe(true);
    // 1 - (1 - 1e-15) is not exactly 1e-15 in float64, hence the loose comparison.
    expect(logLoss([1, 0], [0, 1])).toBeCloseTo(-Math.log(1e-15), 2);
  });

  it('accuracy thresholds probabilities at 0.5 (strictly above → class 1)', () => {
    // 0.9 → 1 right, 0.2 → 0 right, 0.4 → 0 wrong, 0.5 → 0 (not above) right.
    expect(accuracy([1, 0, 1, 0], [0.9, 0.2, 0.4, 0.5])).toBe(0.75);
    expect(accuracy([1, 0], [0.6, 0.6], 0.7)).toBe(0.5);
  });

  it('RMSE and R²', () => {
    expect(rmse([1, 2, 3], [1, 2, 5])).toBeCloseTo(Math.sqrt(4 / 3), 15);
    // SST = 2, SSE = 4 → R² = -1.
    expect(r2([1, 2, 3], [1, 2, 5])).toBeCloseTo(-1, 15);
    expect(r2([1, 2, 3], [1, 2, 3])).toBe(1);
    expect(r2([2, 2], [2, 2])).toBe(1);
  });
});
