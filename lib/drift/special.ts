/**
 * Special functions the drift tests need, implemented here so every p-value is reproducible
 * without a numerical library: log-gamma, the regularised upper incomplete gamma (chi-square
 * survival), erfc / the normal survival function, and the one-sample Kolmogorov-Smirnov
 * distribution (used by the large-sample two-sample KS test exactly as scipy uses it).
 *
 * Accuracy targets are ~1e-13 relative in the ranges the tests use; every function is checked
 * against scipy in `tests.test.ts`.
 */

const SQRT_PI = Math.sqrt(Math.PI);
const SQRT_2PI = Math.sqrt(2 * Math.PI);
const PI2 = Math.PI * Math.PI;
const PI4 = PI2 * PI2;
const PI6 = PI4 * PI2;

// Lanczos approximation, g = 7, n = 9: ~1e-15 relative for positive arguments.
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/**
 * Natural log of the gamma function for x > 0.
 *
 * @example
 *   logGamma(5); // ln(24) = 3.178...
 */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** ln(n!) exactly summed for small n (no Lanczos error), Lanczos beyond. */
function logFactorial(n: number): number {
  if (n < 2) return 0;
  if (n <= 170) {
    let f = 1;
    for (let i = 2; i <= n; i++) f *= i;
    return Math.log(f);
  }
  return logGamma(n + 1);
}

/**
 * Regularised upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a). The chi-square survival function
 * with k degrees of freedom is Q(k/2, x/2).
 *
 * Uses the power series of P for x < a + 1 (it converges fast there and Q = 1 - P loses nothing
 * because P is small only when Q is near 1) and the Legendre continued fraction for Q otherwise
 * (evaluated by modified Lentz), which keeps full relative precision deep in the tail.
 *
 * @example
 *   gammaQ(1, 2); // exp(-2) = 0.1353...
 */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0) || Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  if (x === Number.POSITIVE_INFINITY) return 0;
  const logPrefix = -x + a * Math.log(x) - logGamma(a);
  if (x < a + 1) {
    let term = 1 / a;
    let sum = term;
    for (let n = 1; n < 100000; n++) {
      term *= x / (a + n);
      sum += term;
      if (Math.abs(term) < Math.abs(sum) * 1e-17) break;
    }
    return 1 - sum * Math.exp(logPrefix);
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 100000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(logPrefix) * h;
}

/**
 * Survival function of the chi-square distribution, P(X >= x) with `df` degrees of freedom.
 *
 * @example
 *   chiSquareSf(3.841458820694124, 1); // 0.05
 */
export function chiSquareSf(x: number, df: number): number {
  return gammaQ(df / 2, x / 2);
}

/**
 * Complementary error function with ~1e-15 relative accuracy for every real x.
 *
 * Small |x|: erf from the everywhere-positive series 2/√π·e^{-x²}·Σ 2ⁿx^{2n+1}/(2n+1)!! (no
 * cancellation). |x| >= 2: the Laplace continued fraction for erfc, which keeps relative precision
 * far into the tail where 1 - erf would round to zero.
 *
 * @example
 *   erfc(1); // 0.15729920705028513
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - ((2 / SQRT_PI) * Math.exp(-x2) * sum);
  }
  if (x > 27) return 0;
  // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))), by modified Lentz.
  const tiny = 1e-300;
  let f = x;
  let c = x;
  let d = 0;
  for (let i = 1; i < 500; i++) {
    const an = i / 2;
    d = x + an * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = x + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / (SQRT_PI * f);
}

/**
 * Standard normal survival function P(Z >= z), accurate in both tails.
 *
 * @example
 *   normalSf(1.959963984540054); // 0.025
 */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}

/**
 * Standard normal CDF P(Z <= z).
 *
 * @example
 *   normalCdf(0); // 0.5
 */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * One-sided one-sample Smirnov survival P(D⁺ₙ >= x) by the exact Birnbaum-Tingey sum, with
 * every term taken in log space so large n neither overflows nor underflows.
 *
 * @example
 *   smirnovSf(10, 0.3); // 0.1236...
 */
export function smirnovSf(n: number, x: number): number {
  if (x <= 0) return 1;
  if (x >= 1) return 0;
  const jmax = Math.floor(n * (1 - x) + 1e-12 * n);
  const logNf = logFactorial(n);
  let maxLog = Number.NEGATIVE_INFINITY;
  const logs = new Float64Array(jmax + 1);
  for (let j = 0; j <= jmax; j++) {
    const a = 1 - x - j / n;
    const b = x + j / n;
    // The j = n(1-x) term has a = 0 and 0^0 = 1 only when n - j = 0.
    const logA = a > 0 ? (n - j) * Math.log(a) : n - j === 0 ? 0 : Number.NEGATIVE_INFINITY;
    const l = logNf - logFactorial(j) - logFactorial(n - j) + logA + (j - 1) * Math.log(b);
    logs[j] = l;
    if (l > maxLog) maxLog = l;
  }
  let sum = 0;
  for (let j = 0; j <= jmax; j++) sum += Math.exp(logs[j] - maxLog);
  return Math.min(1, x * sum * Math.exp(maxLog));
}

/** Multiply two square matrices (row-major, size m). */
function matMul(a: Float64Array<ArrayBufferLike>, b: Float64Array<ArrayBufferLike>, m: number): Float64Array<ArrayBufferLike> {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k];
      if (aik === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j] += aik * b[k * m + j];
    }
  }
  return out;
}

/**
 * Exact CDF P(Dₙ < d) of the two-sided one-sample KS statistic by Durbin's matrix method
 * (Marsaglia-Tsang-Wang), with a separate power-of-two exponent so H^n cannot overflow.
 */
function kolmogorovDurbinCdf(n: number, d: number): number {
  const nd = n * d;
  if (nd <= 0.5) return 0;
  if (d >= 1) return 1;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const H = new Float64Array(m * m);
  const invFact = new Float64Array(m + 1);
  invFact[0] = 1;
  for (let i = 1; i <= m; i++) invFact[i] = invFact[i - 1] / i;
  for (let i = 0; i < m; i++) for (let j = 0; j <= Math.min(i + 1, m - 1); j++) H[i * m + j] = invFact[i - j + 1];
  for (let i = 0; i < m; i++) {
    H[i * m] = (1 - h ** (i + 1)) * invFact[i + 1];
    H[(m - 1) * m + i] = (1 - h ** (m - i)) * invFact[m - i];
  }
  H[(m - 1) * m] = (1 - 2 * h ** m + Math.max(0, 2 * h - 1) ** m) * invFact[m];
  // Square-and-multiply; rescale by 2^±k whenever the centre element grows, tracking the exponent.
  let result: Float64Array<ArrayBufferLike> | null = null;
  let resultExp = 0;
  let base: Float64Array<ArrayBufferLike> = H;
  let baseExp = 0;
  let e = n;
  while (e > 0) {
    if (e & 1) {
      if (result === null) {
        result = base.slice();
        resultExp = baseExp;
      } else {
        result = matMul(result, base, m);
        resultExp += baseExp;
      }
      const c = result[(k - 1) * m + (k - 1)];
      if (c > 1e140 || (c > 0 && c < 1e-140)) {
        const s = Math.floor(Math.log2(c));
        const f = 2 ** -s;
        for (let i = 0; i < m * m; i++) result[i] *= f;
        resultExp += s;
      }
    }
    e = Math.floor(e / 2);
    if (e > 0) {
      base = matMul(base, base, m);
      baseExp *= 2;
      let mx = 0;
      for (let i = 0; i < m * m; i++) if (base[i] > mx) mx = base[i];
      if (mx > 1e140) {
        const s = Math.floor(Math.log2(mx));
        const f = 2 ** -s;
        for (let i = 0; i < m * m; i++) base[i] *= f;
        baseExp += s;
      }
    }
  }
  const centre = (result as Float64Array)[(k - 1) * m + (k - 1)];
  const logP = Math.log(centre) + resultExp * Math.LN2 + logFactorial(n) - n * Math.log(n);
  return Math.exp(logP);
}

/**
 * Pelz-Good (1976) asymptotic expansion of P(Dₙ <= x) to order n^{-3/2}, written with theta-function
 * series that converge quickly for small z = x√n.
 */
function kolmogorovPelzGoodCdf(n: number, x: number): number {
  const z = Math.sqrt(n) * x;
  const z2 = z * z;
  const z3 = z2 * z;
  const z4 = z2 * z2;
  const z6 = z4 * z2;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 0;
  const q = Math.exp(qlog);
  const maxk = Math.ceil((16 * z) / Math.PI);
  // Sums over odd m = 2k-1 of q^{m²}·(polynomial in m), accumulated Horner-style in q^{8k}.
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3a = -30 * z6 - 90 * z4 * z4;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let k = maxk; k >= 1; k--) {
    const m = 2 * k - 1;
    const m2 = m * m;
    const qp = q ** (8 * k);
    s0 = s0 * qp + 1;
    s1 = s1 * qp + (k1a + k1b * m2);
    s2 = s2 * qp + (k2a + k2b * m2 + k2c * m2 * m2);
    s3 = s3 * qp + (k3a + k3b * m2 + k3c * m2 * m2 + k3d * m2 * m2 * m2);
  }
  const f = q * SQRT_2PI;
  let K0 = (s0 * f) / z;
  let K1 = (s1 * f) / (6 * z4);
  let K2 = (s2 * f) / (72 * z6 * z);
  let K3 = (s3 * f) / (6480 * z6 * z4);
  // Second family of terms over all integers k: q2^{k²} with q2 = exp(-π²/(2z²)).
  const q2 = Math.exp(-PI2 / 2 / z2);
  let e2 = 0;
  let e3 = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k >= 1; k--) {
    const k2 = k * k;
    const qk = q2 ** k2;
    e2 += k2 * qk;
    const kpi = Math.PI * k;
    e3 += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qk;
  }
  K2 += (e2 * PI2 * SQRT_2PI) / (-36 * z3);
  K3 += (e3 * PI2 * SQRT_2PI) / (216 * z6);
  const sn = Math.sqrt(n);
  return K0 + K1 / sn + K2 / n + K3 / (n * sn);
}

/**
 * Survival function P(Dₙ >= x) of the two-sided one-sample Kolmogorov-Smirnov statistic for
 * sample size n (scipy's `kstwo.sf(x, n)`), choosing the method by region as Simard & L'Ecuyer
 * (2011) recommend: closed forms at the extremes, the exact doubled Smirnov tail where it is
 * accurate (n·x² >= 2.2 for n > 140), Durbin's exact matrix for small n or tiny x, and the
 * Pelz-Good expansion elsewhere.
 *
 * @example
 *   kolmogorovSf(1000, 0.05); // ≈ 0.0126
 */
export function kolmogorovSf(n: number, x: number): number {
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    return 1 - Math.exp(logFactorial(n) - n * Math.log(n) + n * Math.log(2 * t - 1));
  }
  if (t >= n - 1) return 2 * (1 - x) ** n;
  if (x >= 0.5) return clip01(2 * smirnovSf(n, x));
  const nx2 = t * x;
  if (n <= 140) {
    if (nx2 <= 4) return clip01(1 - kolmogorovDurbinCdf(n, x));
    return clip01(2 * smirnovSf(n, x));
  }
  if (nx2 >= 370) return 0;
  if (nx2 >= 2.2) return clip01(2 * smirnovSf(n, x));
  let cdf: number;
  if (nx2 >= 18) cdf = 1;
  else if (n <= 100000 && n * x ** 1.5 <= 1.4) cdf = kolmogorovDurbinCdf(n, x);
  else cdf = kolmogorovPelzGoodCdf(n, x);
  return clip01(1 - cdf);
}

function clip01(p: number): number {
  return p < 0 ? 0 : p > 1 ? 1 : p;
}
