/**
 * The Mann-Whitney U test (Wilcoxon rank-sum) with the confidence interval of the location
 * shift and its Hodges-Lehmann estimate, computed as R's `wilcox.test(x, y, conf.int = TRUE)`
 * does: the exact distribution when both samples have fewer than 50 values and there are no
 * ties, else the normal approximation with the tie and continuity corrections. Kayenta's judge
 * (its MannWhitney class) is a port of the same R code. No npm package offered the interval
 * and the estimate (simple-statistics gives the rank sum only); the tests check the published
 * values of R's documentation and of Hollander & Wolfe.
 */

/** Which difference the p-value tests for. */
export type Alternative = 'two.sided' | 'greater' | 'less';

/** What the test gives. */
export interface MannWhitneyResult {
  /** U of x (R's W): pairs (xi, yj) with xi > yj, ties counting a half. */
  u: number;
  pValue: number;
  /** The location shift x − y: the confidence interval's bounds. */
  confidenceInterval: [number, number];
  /** The location shift's estimate: the median of the differences (exact), else R's root. */
  estimate: number;
  exact: boolean;
}

/** Ranks from 1, ties sharing their average rank. */
export function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const out = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]?.v === order[start]?.v) end++;
    const rank = (start + end) / 2 + 1;
    for (let k = start; k <= end; k++) out[(order[k] as { i: number }).i] = rank;
    start = end + 1;
  }
  return out;
}

function hasTies(values: readonly number[]): boolean {
  return new Set(values).size !== values.length;
}

/** U of x against y, shifted by `mu`. */
function statistic(x: readonly number[], y: readonly number[], mu: number): { u: number; tieTerm: number } {
  const r = ranks([...x.map((v) => v - mu), ...y]);
  let sum = 0;
  for (let i = 0; i < x.length; i++) sum += r[i] as number;
  const counts = new Map<number, number>();
  for (const v of r) counts.set(v, (counts.get(v) ?? 0) + 1);
  let tieTerm = 0;
  for (const t of counts.values()) tieTerm += t ** 3 - t;
  return { u: sum - (x.length * (x.length + 1)) / 2, tieTerm };
}

/**
 * The exact distribution of U for samples of m and n values: counts of each U from 0 to m·n,
 * by the recursion c(u; m, n) = c(u − n; m − 1, n) + c(u; m, n − 1) (R's cwilcox).
 */
function exactCounts(m: number, n: number): number[] {
  // table[j] holds the counts for (i, j) as i grows.
  let table: number[][] = Array.from({ length: n + 1 }, () => [1]);
  for (let i = 1; i <= m; i++) {
    const next: number[][] = [[1]];
    for (let j = 1; j <= n; j++) {
      const size = i * j + 1;
      const row = new Array<number>(size).fill(0);
      const left = table[j] as number[];
      const down = next[j - 1] as number[];
      for (let u = 0; u < size; u++) row[u] = (u - j >= 0 ? (left[u - j] ?? 0) : 0) + (down[u] ?? 0);
      next.push(row);
    }
    table = next;
  }
  return table[n] as number[];
}

/** P(U ≤ q) for each q, from the counts. */
function cumulative(counts: readonly number[]): number[] {
  const total = counts.reduce((a, b) => a + b, 0);
  let running = 0;
  return counts.map((c) => (running += c) / total);
}

/** The standard normal distribution function. */
export function pnorm(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/**
 * The complementary error function to about 1e-15: the Maclaurin series of erf below 2.5, the
 * continued fraction of erfc (evaluated from its tail) above.
 */
export function erfc(x: number): number {
  if (x < 0) return 2 - erfc(-x);
  if (x < 2.5) {
    const x2 = x * x;
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= -x2 / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return 1 - (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = x;
  for (let k = 400; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** The normal quantile (Acklam's algorithm refined by one Newton step on pnorm). */
export function qnorm(p: number): number {
  if (p <= 0) return -Infinity;
  if (p >= 1) return Infinity;
  const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
  const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
  const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
  const poly = (k: number[], t: number): number => k.reduce((acc, v) => acc * t + v, 0);
  let x: number;
  if (p < 0.02425) {
    const q = Math.sqrt(-2 * Math.log(p));
    x = poly(c, q) / (poly(d, q) * q + 1);
  } else if (p > 1 - 0.02425) {
    const q = Math.sqrt(-2 * Math.log(1 - p));
    x = -poly(c, q) / (poly(d, q) * q + 1);
  } else {
    const q = p - 0.5;
    const r = q * q;
    x = (poly(a, r) * q) / (poly(b, r) * r + 1);
  }
  const e = pnorm(x) - p;
  const u = e * Math.sqrt(2 * Math.PI) * Math.exp((x * x) / 2);
  return x - u / (1 + (x * u) / 2);
}

/** R's wdiff: the continuity-corrected z of a shift `d`, minus `zq` (decreasing in d). */
function zOfShift(x: readonly number[], y: readonly number[], d: number, zq: number, alternative: Alternative): number {
  const m = x.length;
  const n = y.length;
  const { u, tieTerm } = statistic(x, y, d);
  const dz = u - (m * n) / 2;
  const correction = alternative === 'two.sided' ? Math.sign(dz) * 0.5 : alternative === 'greater' ? 0.5 : -0.5;
  const sigma = Math.sqrt(((m * n) / 12) * (m + n + 1 - tieTerm / ((m + n) * (m + n - 1))));
  if (sigma === 0) throw new Error('cannot compute a confidence interval when all observations are tied');
  return (dz - correction) / sigma - zq;
}

/** The root of a decreasing step function on [lo, hi], to 1e-4 as R's uniroot is asked for. */
function root(f: (d: number) => number, lo: number, hi: number): number {
  const fLo = f(lo);
  const fHi = f(hi);
  if (fLo <= 0) return lo;
  if (fHi >= 0) return hi;
  let a = lo;
  let b = hi;
  for (let i = 0; i < 200 && b - a > 1e-4 * 1e-3; i++) {
    const mid = (a + b) / 2;
    if (f(mid) > 0) a = mid;
    else b = mid;
  }
  return (a + b) / 2;
}

function median(sorted: readonly number[]): number {
  const mid = sorted.length / 2;
  return sorted.length % 2 === 1 ? (sorted[Math.floor(mid)] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

function exactTest(x: readonly number[], y: readonly number[], u: number, alternative: Alternative, confidenceLevel: number): Omit<MannWhitneyResult, 'u' | 'exact'> {
  const m = x.length;
  const n = y.length;
  const cdf = cumulative(exactCounts(m, n));
  const below = (q: number): number => (q < 0 ? 0 : q >= cdf.length ? 1 : (cdf[q] as number));
  const lower = below(u);
  const upper = 1 - below(u - 1);
  const pValue = alternative === 'less' ? lower : alternative === 'greater' ? upper : Math.min(1, 2 * (u > (m * n) / 2 ? upper : lower));
  const diffs = x.flatMap((a) => y.map((b) => a - b)).sort((a, b) => a - b);
  const alpha = 1 - confidenceLevel;
  // qwilcox(p): the smallest q with P(U <= q) >= p.
  const qwilcox = (p: number): number => cdf.findIndex((c) => c >= p - 1e-12);
  let qu = qwilcox(alternative === 'two.sided' ? alpha / 2 : alpha);
  if (qu === 0) qu = 1;
  const ql = m * n - qu;
  const interval: [number, number] =
    alternative === 'two.sided'
      ? [diffs[qu - 1] as number, diffs[ql] as number]
      : alternative === 'greater'
        ? [diffs[qu - 1] as number, Infinity]
        : [-Infinity, diffs[ql] as number];
  return { pValue, confidenceInterval: interval, estimate: median(diffs) };
}

function normalTest(x: readonly number[], y: readonly number[], alternative: Alternative, confidenceLevel: number): Omit<MannWhitneyResult, 'u' | 'exact'> {
  const z = zOfShift(x, y, 0, 0, alternative);
  const pValue = alternative === 'less' ? pnorm(z) : alternative === 'greater' ? 1 - pnorm(z) : 2 * Math.min(pnorm(z), 1 - pnorm(z));
  const lo = Math.min(...x) - Math.max(...y);
  const hi = Math.max(...x) - Math.min(...y);
  const alpha = 1 - confidenceLevel;
  const at = (zq: number): number => root((d) => zOfShift(x, y, d, zq, alternative), lo, hi);
  const interval: [number, number] =
    alternative === 'two.sided'
      ? [at(qnorm(1 - alpha / 2)), at(qnorm(alpha / 2))]
      : alternative === 'greater'
        ? [at(qnorm(1 - alpha)), Infinity]
        : [-Infinity, at(qnorm(alpha))];
  return { pValue: Math.min(1, pValue), confidenceInterval: interval, estimate: root((d) => zOfShift(x, y, d, 0, alternative), lo, hi) };
}

/**
 * The Mann-Whitney U test of x against y (each at least one finite value; NaN are dropped).
 * @param confidenceLevel of the interval. @default 0.95
 */
export function mannWhitney(xIn: readonly number[], yIn: readonly number[], alternative: Alternative = 'two.sided', confidenceLevel = 0.95): MannWhitneyResult {
  const x = xIn.filter(Number.isFinite);
  const y = yIn.filter(Number.isFinite);
  if (x.length === 0 || y.length === 0) throw new Error('each sample needs at least one finite value');
  const u = statistic(x, y, 0).u;
  const exact = x.length < 50 && y.length < 50 && !hasTies([...x, ...y]);
  const rest = exact ? exactTest(x, y, u, alternative, confidenceLevel) : normalTest(x, y, alternative, confidenceLevel);
  return { u, exact, ...rest };
}
