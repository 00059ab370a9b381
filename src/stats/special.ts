/**
 * Special functions behind the distributions: log-gamma, log-beta, the regularized incomplete
 * gamma and beta functions. Everything works in log space where a direct product would
 * overflow or underflow, so tail probabilities keep their relative accuracy down to ~1e-300.
 */

const LN_SQRT_2PI = 0.9189385332046727; // ln(sqrt(2*pi))
const EPS = 2.220446049250313e-16;
const TINY = 1e-300;

/**
 * Remainder of Stirling's series: lnΓ(x) − [(x − ½) ln x − x + ln √(2π)], for x ≥ 10.
 * Terms B_2k / (2k(2k−1) x^(2k−1)); eight terms reach double precision from x = 10 on.
 */
function stirlingRemainder(x: number): number {
  const r = 1 / x;
  const r2 = r * r;
  return (
    r *
    (1 / 12 +
      r2 *
        (-1 / 360 +
          r2 *
            (1 / 1260 +
              r2 * (-1 / 1680 + r2 * (1 / 1188 + r2 * (-691 / 360360 + r2 * (1 / 156 + r2 * (-3617 / 122400))))))))
  );
}

/** ln(n! / nⁿ) for n ≥ 1, without forming n ln n (which would cost ~n·eps of absolute accuracy). */
export function logFactorialOverPower(n: number): number {
  if (n < 10) return logGamma(n + 1) - n * Math.log(n);
  return 0.5 * Math.log(n) - n + LN_SQRT_2PI + stirlingRemainder(n);
}

/** ln Γ(x) for x > 0 (NaN otherwise). */
export function logGamma(x: number): number {
  if (!(x > 0)) return Number.NaN;
  if (x === Number.POSITIVE_INFINITY) return Number.POSITIVE_INFINITY;
  if (x >= 10) return (x - 0.5) * Math.log(x) - x + LN_SQRT_2PI + stirlingRemainder(x);
  // Shift up to 10 with Γ(x) = Γ(x + k) / (x (x+1) … (x+k−1)); the product stays far from overflow.
  let product = 1;
  let y = x;
  while (y < 10) {
    product *= y;
    y += 1;
  }
  return (y - 0.5) * Math.log(y) - y + LN_SQRT_2PI + stirlingRemainder(y) - Math.log(product);
}

/** ln Γ(a) − ln Γ(a + b) for a ≥ 10, without subtracting two large numbers. */
function logGammaRatio(a: number, b: number): number {
  return -b * Math.log(a) - (a + b - 0.5) * Math.log1p(b / a) + b + stirlingRemainder(a) - stirlingRemainder(a + b);
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b), accurate also when one argument is huge. */
export function logBeta(a: number, b: number): number {
  if (!(a > 0) || !(b > 0)) return Number.NaN;
  const lo = Math.min(a, b);
  const hi = Math.max(a, b);
  if (hi < 10) return logGamma(a) + logGamma(b) - logGamma(a + b);
  return logGamma(lo) + logGammaRatio(hi, lo);
}

/** Series for P(a, x), valid and fast for x < a + 1. */
function gammaPSeries(a: number, x: number, logPrefactor: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < 100_000; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return Math.exp(logPrefactor + Math.log(sum));
}

/** Continued fraction for Q(a, x) (modified Lentz), valid for x ≥ a + 1. */
function gammaQFraction(a: number, x: number, logPrefactor: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100_000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(logPrefactor + Math.log(h));
}

/** Regularized lower incomplete gamma P(a, x) = γ(a, x) / Γ(a). */
export function gammaP(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 0;
  if (x === Number.POSITIVE_INFINITY) return 1;
  const logPrefactor = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) return gammaPSeries(a, x, logPrefactor);
  return 1 - gammaQFraction(a, x, logPrefactor);
}

/** Regularized upper incomplete gamma Q(a, x) = 1 − P(a, x), computed directly in the upper tail. */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  const logPrefactor = a * Math.log(x) - x - logGamma(a);
  if (x < a + 1) return 1 - gammaPSeries(a, x, logPrefactor);
  return gammaQFraction(a, x, logPrefactor);
}

/** Continued fraction of the incomplete beta function (DLMF 8.17.22), evaluated by modified Lentz. */
function betaFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < TINY) d = TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m < 100_000; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return h;
}

/** ln(x^a y^b / B(a, b)); the log of whichever of x, y is near 1 comes from log1p of the other. */
function betaLogPrefactor(a: number, b: number, x: number, y: number): number {
  const logX = x < 0.5 ? Math.log(x) : Math.log1p(-y);
  const logY = y < 0.5 ? Math.log(y) : Math.log1p(-x);
  return a * logX + b * logY - logBeta(a, b);
}

/**
 * Regularized incomplete beta I_x(a, b). `y` may pass 1 − x when the caller knows it more
 * precisely than the subtraction would give (t distribution tails do).
 */
export function betaInc(a: number, b: number, x: number, y: number = 1 - x): number {
  if (!(a > 0) || !(b > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const logPrefactor = betaLogPrefactor(a, b, x, y);
  // The fraction converges fast for x < (a+1)/(a+b+2); otherwise use I_x(a,b) = 1 − I_{1−x}(b,a).
  if (x < (a + 1) / (a + b + 2)) return Math.exp(logPrefactor + Math.log(betaFraction(a, b, x) / a));
  return 1 - Math.exp(logPrefactor + Math.log(betaFraction(b, a, y) / b));
}

/** 1 − I_x(a, b), computed without cancellation when it is small. */
export function betaIncComplement(a: number, b: number, x: number, y: number = 1 - x): number {
  if (!(a > 0) || !(b > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  if (x >= 1) return 0;
  const logPrefactor = betaLogPrefactor(a, b, x, y);
  if (x < (a + 1) / (a + b + 2)) return 1 - Math.exp(logPrefactor + Math.log(betaFraction(a, b, x) / a));
  return Math.exp(logPrefactor + Math.log(betaFraction(b, a, y) / b));
}
