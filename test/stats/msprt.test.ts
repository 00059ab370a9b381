import { describe, expect, it } from 'vitest';
import {
  abVerdict,
  msprtMeans,
  msprtProportions,
  msprtUpdate,
  twoProportionZTest,
  type MsprtResult,
  type SampleSummary,
} from '../../src/stats/index.js';
import { close, rng } from './expected.js';

/** Running sums for one arm of a simulated experiment. */
class Arm {
  n = 0;
  sum = 0;
  m2 = 0;
  mean = 0;
  add(x: number): void {
    this.n++;
    this.sum += x;
    const d = x - this.mean;
    this.mean += d / this.n;
    this.m2 += d * (x - this.mean);
  }
  summary(): SampleSummary {
    return { n: this.n, mean: this.mean, variance: this.m2 / (this.n - 1) };
  }
  proportion() {
    return { successes: this.sum, trials: this.n };
  }
}

type Outcome = 'binary' | 'continuous';

/**
 * Runs `experiments` A/B tests of up to `maxPerArm` observations per arm, looking after every
 * `batch` observations per arm, and reports the share in which the mSPRT (and, for contrast, a
 * fixed-horizon z-test looked at just as often) ever rejected H0 at α = 0.05.
 */
function simulate(kind: Outcome, effect: number, experiments: number, maxPerArm: number, batch: number, seed: number) {
  const r = rng(seed);
  const draw = (arm: 'A' | 'B') =>
    kind === 'binary' ? (r.uniform() < 0.1 + (arm === 'B' ? effect : 0) ? 1 : 0) : r.normal() + (arm === 'B' ? effect : 0);
  let msprtRejections = 0;
  let naiveRejections = 0;
  const stopAt: number[] = [];
  for (let e = 0; e < experiments; e++) {
    const a = new Arm();
    const b = new Arm();
    let state: MsprtResult | null = null;
    let naive = false;
    while (a.n < maxPerArm) {
      for (let i = 0; i < batch; i++) {
        a.add(draw('A'));
        b.add(draw('B'));
      }
      state = kind === 'binary' ? msprtProportions(state, a.proportion(), b.proportion()) : msprtMeans(state, a.summary(), b.summary());
      if (kind === 'binary' && !naive) naive = twoProportionZTest(a.proportion(), b.proportion()).pValue <= 0.05;
      if (state.rejected) {
        stopAt.push(a.n);
        break;
      }
    }
    if (state!.rejected) msprtRejections++;
    if (naive) naiveRejections++;
  }
  return { msprt: msprtRejections / experiments, naive: naiveRejections / experiments, stopAt };
}

describe('mSPRT (Johari et al., "Always Valid Inference")', () => {
  it('reduces to the paper\'s two-sample statistic √(2σ²/(2σ²+nτ²))·exp(n²τ²Δ²/(4σ²(2σ²+nτ²))) for equal arms', () => {
    const sigma2 = 2.5;
    const tau = 0.3;
    for (const [n, delta] of [
      [10, 0.2],
      [400, 0.05],
      [5000, -0.12],
    ] as const) {
      const paper =
        0.5 * Math.log((2 * sigma2) / (2 * sigma2 + n * tau * tau)) + (n * n * tau * tau * delta * delta) / (4 * sigma2 * (2 * sigma2 + n * tau * tau));
      const r = msprtUpdate(null, { difference: delta, variance: (2 * sigma2) / n, nA: n, nB: n, tau });
      close(r.logLikelihoodRatio, paper, 1e-12, 1e-15, `n=${n}`);
      close(r.pValue, Math.min(1, Math.exp(-paper)), 1e-12, 0, `p n=${n}`);
    }
  });

  it('keeps the false-positive rate at or below α under continuous peeking (binary outcome)', () => {
    const sim = simulate('binary', 0, 400, 4000, 40, 11);
    expect(sim.msprt).toBeLessThanOrEqual(0.05 + 0.01);
    // The same looks with a fixed-horizon test reject far more often: the simulation can tell.
    expect(sim.naive).toBeGreaterThan(0.15);
  });

  it('keeps the false-positive rate at or below α under continuous peeking (continuous outcome)', () => {
    const sim = simulate('continuous', 0, 400, 4000, 40, 12);
    expect(sim.msprt).toBeLessThanOrEqual(0.05 + 0.01);
  });

  it('detects a real effect (binary 10% → 13%, continuous +0.1σ)', () => {
    const bin = simulate('binary', 0.03, 100, 8000, 100, 13);
    expect(bin.msprt).toBeGreaterThanOrEqual(0.9);
    const cont = simulate('continuous', 0.1, 100, 6000, 100, 14);
    expect(cont.msprt).toBeGreaterThanOrEqual(0.9);
    // Stops early on average rather than at the horizon.
    expect(cont.stopAt.reduce((s, x) => s + x, 0) / cont.stopAt.length).toBeLessThan(4000);
  });

  it('the p-value never increases and the interval never widens across looks', () => {
    const r = rng(5);
    const a = new Arm();
    const b = new Arm();
    let state: MsprtResult | null = null;
    for (let look = 0; look < 50; look++) {
      for (let i = 0; i < 30; i++) {
        a.add(r.normal());
        b.add(r.normal() + 0.05);
      }
      const next = msprtMeans(state, a.summary(), b.summary(), { tau: 0.2 });
      if (state) {
        expect(next.pValue).toBeLessThanOrEqual(state.pValue);
        expect(next.confidenceInterval[0]).toBeGreaterThanOrEqual(state.confidenceInterval[0]);
        expect(next.confidenceInterval[1]).toBeLessThanOrEqual(state.confidenceInterval[1]);
      }
      state = next;
    }
  });

  it('the always-valid interval excludes θ0 exactly when Λ(θ0) ≥ 1/α', () => {
    for (const diff of [0.01, 0.05, 0.08, 0.2]) {
      const s = msprtUpdate(null, { difference: diff, variance: 0.001, nA: 1000, nB: 1000, tau: 0.1 });
      const excludes = s.confidenceInterval[0] > 0 || s.confidenceInterval[1] < 0;
      expect(excludes).toBe(s.pValue <= 0.05);
    }
  });

  it('drives the verdict: a sequential winner is declared as soon as the always-valid p-value allows', () => {
    const r = rng(21);
    const a = new Arm();
    const b = new Arm();
    let state: MsprtResult | null = null;
    let verdict = abVerdict({ pValue: 1, difference: 0, confidenceInterval: [-1, 1], nA: 0, nB: 0 });
    while (a.n < 20000 && verdict.verdict !== 'winner') {
      for (let i = 0; i < 200; i++) {
        a.add(r.uniform() < 0.2 ? 1 : 0);
        b.add(r.uniform() < 0.17 ? 1 : 0);
      }
      state = msprtProportions(state, a.proportion(), b.proportion());
      verdict = abVerdict({ ...state, plannedPerArm: 20000 });
    }
    expect(verdict).toMatchObject({ verdict: 'winner', winner: 'A' });
  });
});

describe('verdict', () => {
  const base = { difference: 0.02, confidenceInterval: [0.01, 0.03] as [number, number], nA: 5000, nB: 5000 };
  it('winner follows the sign of the difference and the direction of "better"', () => {
    expect(abVerdict({ ...base, pValue: 0.001 })).toMatchObject({ verdict: 'winner', winner: 'B' });
    expect(abVerdict({ ...base, pValue: 0.001, higherIsBetter: false })).toMatchObject({ verdict: 'winner', winner: 'A' });
    expect(abVerdict({ ...base, difference: -0.02, pValue: 0.001 })).toMatchObject({ verdict: 'winner', winner: 'A' });
  });
  it('too few observations is insufficient data, whatever the p-value', () => {
    expect(abVerdict({ ...base, pValue: 0.0001, nA: 12 }).verdict).toBe('insufficient_data');
  });
  it('not significant: no difference once the plan is reached or the interval rules out effects that matter', () => {
    const ns = { ...base, pValue: 0.4, confidenceInterval: [-0.004, 0.006] as [number, number] };
    expect(abVerdict({ ...ns, plannedPerArm: 8000 }).verdict).toBe('insufficient_data');
    expect(abVerdict({ ...ns, plannedPerArm: 4000 }).verdict).toBe('no_difference');
    expect(abVerdict({ ...ns, minimumEffect: 0.01 }).verdict).toBe('no_difference');
    expect(abVerdict({ ...ns, minimumEffect: 0.005 }).verdict).toBe('insufficient_data');
    expect(abVerdict(ns).verdict).toBe('insufficient_data');
  });
});
