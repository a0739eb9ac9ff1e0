/**
 * Kayenta's canary judge on one metric (its MannWhitneyClassifier) and score: the canary's
 * values against the baseline's with the Mann-Whitney U test; the metric is High (or Low) when
 * the whole confidence interval of the shift lies above (below) a tolerance of the
 * Hodges-Lehmann estimate, and only a change in the bad `direction` counts. The score is the
 * share of judged metrics that pass; below `marginal` the canary fails, from `pass` it passes,
 * between the two it is inconclusive.
 */
import type { BaselineOptions, CheckVerdict } from '../../../protocol/src/index.ts';
import { mannWhitney } from './mann-whitney.ts';

/** One metric's classification. */
export type Classification = 'Pass' | 'High' | 'Low' | 'NoData';

/** A classification and why. */
export interface Judged {
  classification: Classification;
  message: string;
  /** Mean of the canary over mean of the baseline, when both have data. */
  ratio?: number;
}

const mean = (v: readonly number[]): number => v.reduce((a, b) => a + b, 0) / v.length;

/** Classifies the canary's values against the baseline's. */
export function classify(canaryIn: readonly number[], baselineIn: readonly number[], o: Pick<BaselineOptions, 'direction' | 'confidenceLevel' | 'tolerance'>): Judged {
  const canary = canaryIn.filter(Number.isFinite);
  const baseline = baselineIn.filter(Number.isFinite);
  if (canary.length === 0 || baseline.length === 0) {
    return { classification: 'NoData', message: `no data for the ${canary.length === 0 ? 'canary' : 'baseline'}` };
  }
  const ratio = mean(canary) / mean(baseline);
  const sorted = (v: number[]): string => [...v].sort((a, b) => a - b).join(',');
  if (sorted(canary) === sorted(baseline) || new Set([...canary, ...baseline]).size === 1) {
    return { classification: 'Pass', message: 'canary and baseline values are the same', ratio };
  }
  const mw = mannWhitney(canary, baseline, 'two.sided', o.confidenceLevel);
  const bound = o.tolerance * Math.abs(mw.estimate);
  const [low, high] = mw.confidenceInterval;
  const stats = `shift ${mw.estimate.toPrecision(4)} in [${low.toPrecision(4)}, ${high.toPrecision(4)}] at ${o.confidenceLevel * 100} %, p ${mw.pValue.toPrecision(3)}, canary/baseline mean ratio ${ratio.toPrecision(4)}`;
  if ((o.direction === 'increase' || o.direction === 'either') && low > bound) return { classification: 'High', message: `canary higher than baseline (${stats})`, ratio };
  if ((o.direction === 'decrease' || o.direction === 'either') && high < -bound) return { classification: 'Low', message: `canary lower than baseline (${stats})`, ratio };
  return { classification: 'Pass', message: `no significant change in the bad direction (${stats})`, ratio };
}

/** The score (per cent of metrics with data that pass), or undefined when none has data. */
export function score(classifications: readonly Classification[]): number | undefined {
  const judged = classifications.filter((c) => c !== 'NoData');
  if (judged.length === 0) return undefined;
  return (100 * judged.filter((c) => c === 'Pass').length) / judged.length;
}

/** A score as a verdict: below marginal Failed, from pass Successful, Inconclusive between (or without data). */
export function verdictOfScore(s: number | undefined, o: Pick<BaselineOptions, 'marginal' | 'pass'>): CheckVerdict {
  if (s === undefined) return 'Inconclusive';
  if (s >= o.pass) return 'Successful';
  return s < o.marginal ? 'Failed' : 'Inconclusive';
}
