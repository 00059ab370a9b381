/**
 * expf as glibc (2.27 and later, x86-64 and arm64) computes it, so sigmoid and softmax outputs
 * match XGBoost on Linux bit for bit. glibc's expf is not correctly rounded (up to 0.502 ULP):
 * rounding Math.exp to float32 differs from it on about one value in ten thousand.
 *
 * The method (documented in glibc's sysdeps/ieee754/flt-32/e_expf.c): with N = 32,
 * x·N/ln2 = k + r (k integer, |r| ≤ 1/2); exp(x) = 2^(k/N) · 2^(r/N), the first factor from a table
 * of 2^(j/N), the second from a cubic polynomial; everything in double, rounded to float once.
 */

const N = 32;

/** The double with the given IEEE-754 bit pattern. */
function fromBits(bits: bigint): number {
  const view = new DataView(new ArrayBuffer(8));
  view.setBigUint64(0, bits);
  return view.getFloat64(0);
}

const INV_LN2_N = fromBits(0x3ff71547652b82fen) * N; // 1/ln2, as glibc rounds it, times N
const SHIFT = 1.5 * 2 ** 52; // adding it rounds a double to an integer, ties to even
const C0 = fromBits(0x3fac6af84b912394n) / (N * N * N);
const C1 = fromBits(0x3fcebfce50fac4f3n) / (N * N);
const C2 = fromBits(0x3fe62e42ff0c52d6n) / N;
const OVERFLOW = 88.72283935546875; // largest float x with expf(x) finite
const UNDERFLOW = -103.97207641601562; // below it expf(x) rounds to 0

/** 2^(j/32) for j = 0..31, each the double nearest to the exact value. */
const TABLE = Float64Array.from({ length: N }, (_, j) => nearestPow2Fraction(j));

/** Exact powers of two 2^q for the exponents expf can reach (q from -160 to 130). */
const POW2_MIN = -160;
const POW2 = Float64Array.from({ length: 291 }, (_, i) => 2 ** (i + POW2_MIN));

/**
 * The double nearest to 2^(j/32), from an integer 32nd root in BigInt: floor(2^(j/32) · 2^(52+g))
 * with g guard bits, then rounded to 53 bits (2^(j/32) is irrational for 0 < j < 32, so never a tie).
 */
function nearestPow2Fraction(j: number): number {
  const guard = 24n;
  const target = 1n << (BigInt(j) + 32n * (52n + guard));
  let lo = 1n << (52n + guard);
  let hi = lo << 1n;
  while (hi - lo > 1n) {
    const mid = (lo + hi) >> 1n;
    if (mid ** 32n <= target) lo = mid;
    else hi = mid;
  }
  let mantissa = lo >> guard;
  if ((lo & ((1n << guard) - 1n)) >= 1n << (guard - 1n)) mantissa += 1n;
  return Number(mantissa) / 2 ** 52;
}

/** glibc's expf of a float32 value, as a float32 value. */
export function expf(x: number): number {
  if (!(Math.abs(x) < 88)) {
    if (x !== x) return x;
    if (x > OVERFLOW) return Number.POSITIVE_INFINITY;
    if (x < UNDERFLOW) return 0;
  }
  const z = INV_LN2_N * x;
  const kd = z + SHIFT - SHIFT;
  const r = z - kd;
  const k = kd | 0;
  const s = TABLE[k & (N - 1)] * POW2[(k >> 5) - POW2_MIN];
  const p = C0 * r + C1;
  const y = p * (r * r) + (C2 * r + 1);
  return Math.fround(y * s);
}
