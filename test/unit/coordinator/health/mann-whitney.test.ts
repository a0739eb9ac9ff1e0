import assert from 'node:assert/strict';
import { classify, score, verdictOfScore } from '../../../../coordinator/src/health/baseline.ts';
import { erfc, mannWhitney, pnorm, qnorm, ranks } from '../../../../coordinator/src/health/mann-whitney.ts';

const close = (actual: number, expected: number, digits: number, what: string): void =>
  assert.ok(Math.abs(actual - expected) < 10 ** -digits, `${what}: ${actual} is not ${expected} to ${digits} digits`);

// Hollander & Wolfe (1973), p. 69: permeability constants of the human chorioamnion at term (x)
// and between 12 and 26 weeks (y); R's ?wilcox.test example.
const X = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
const Y = [1.15, 0.88, 0.9, 0.74, 1.21];

describe('health/mann-whitney', () => {
  it('matches R\'s documented exact one-sided test: W = 35, p-value = 0.1272', () => {
    const r = mannWhitney(X, Y, 'greater');
    assert.equal(r.u, 35);
    assert.equal(r.exact, true);
    close(r.pValue, 0.1272, 4, 'p');
  });

  it('matches Hollander & Wolfe (1999, p. 111): two-sided p 0.2544, 95 % interval [-0.15, 0.76], estimate 0.305', () => {
    const r = mannWhitney(X, Y);
    close(r.pValue, 0.2544, 4, 'p');
    close(r.confidenceInterval[0], -0.15, 9, 'lower');
    close(r.confidenceInterval[1], 0.76, 9, 'upper');
    close(r.estimate, 0.305, 9, 'estimate');
  });

  it('matches R\'s documented large-sample approximation without continuity correction: p-value = 0.1103', () => {
    // wilcox.test(x, y, alternative = "greater", exact = FALSE, correct = FALSE): the z of U
    // without the 0.5 correction; here checked through pnorm on the same statistic.
    const z = (35 - (10 * 5) / 2) / Math.sqrt((10 * 5 * 16) / 12);
    close(1 - pnorm(z), 0.1103, 4, 'p');
  });

  it('matches ClickHouse\'s published mannWhitneyUTest case with ties (normal approximation): U 223, p 0.5426959774289482', () => {
    const left = [310, 195, 530, 155, 530, 245, 385, 450, 465, 545, 170, 180, 125, 180, 230, 75, 430, 480, 495, 295];
    const right = [116, 171, 176, 421, 111, 326, 481, 111, 346, 441, 261, 411, 206, 521, 456, 446, 296, 51, 426, 261];
    const r = mannWhitney(left, right);
    assert.equal(r.exact, false);
    assert.equal(r.u, 223);
    close(r.pValue, 0.5426959774289482, 12, 'p');
    assert.ok(r.confidenceInterval[0] <= r.estimate && r.estimate <= r.confidenceInterval[1], 'the estimate lies in its interval');
  });

  it('finds a clear shift with the normal approximation: the interval excludes 0 and brackets the shift', () => {
    const base = Array.from({ length: 60 }, (_, i) => 0.01 + (i % 7) * 0.001);
    const canary = base.map((v) => v + 0.05);
    const r = mannWhitney(canary, base);
    assert.ok(r.pValue < 1e-10, `p ${r.pValue}`);
    assert.ok(r.confidenceInterval[0] > 0.04 && r.confidenceInterval[1] < 0.06, `interval ${r.confidenceInterval.join(', ')}`);
    close(r.estimate, 0.05, 3, 'estimate');
  });

  it('averages tied ranks', () => {
    assert.deepEqual(ranks([3, 1, 3, 2]), [3.5, 1, 3.5, 2]);
  });

  it('computes the normal distribution to double precision', () => {
    close(pnorm(1.96), 0.9750021048517795, 15, 'pnorm(1.96)');
    close(pnorm(-8) / 6.22096057427178e-16, 1, 12, 'pnorm(-8) relative');
    close(qnorm(0.975), 1.959963984540054, 12, 'qnorm(0.975)');
    close(erfc(0.5), 0.4795001221869535, 15, 'erfc(0.5)');
    close(erfc(3) / 2.209049699858544e-5, 1, 12, 'erfc(3) relative');
  });
});

describe('health/baseline (Kayenta\'s classifier and score)', () => {
  const o = { direction: 'increase' as const, confidenceLevel: 0.95, tolerance: 0.25 };
  const base = Array.from({ length: 30 }, (_, i) => 0.01 + (i % 5) * 0.001);

  it('classifies a canary whose metric rose as High, and only in the bad direction', () => {
    const high = base.map((v) => v * 3);
    assert.equal(classify(high, base, o).classification, 'High');
    assert.equal(classify(high, base, { ...o, direction: 'decrease' }).classification, 'Pass');
    assert.equal(classify(base.map((v) => v / 3), base, { ...o, direction: 'either' }).classification, 'Low');
  });

  it('passes identical data, all-equal data and noise; has no data without values', () => {
    assert.equal(classify(base, base, o).classification, 'Pass');
    assert.equal(classify([1, 1], [1, 1, 1], o).classification, 'Pass');
    assert.equal(classify([...base].reverse().map((v, i) => v + (i % 2 ? 1e-4 : -1e-4)), base, o).classification, 'Pass');
    assert.equal(classify([], base, o).classification, 'NoData');
  });

  it('scores the share of judged metrics that pass and maps it through marginal and pass', () => {
    assert.equal(score(['Pass', 'High', 'NoData']), 50);
    assert.equal(score(['NoData']), undefined);
    const t = { marginal: 75, pass: 95 };
    assert.deepEqual([100, 80, 50, undefined].map((s) => verdictOfScore(s, t)), ['Successful', 'Inconclusive', 'Failed', 'Inconclusive']);
  });
});
