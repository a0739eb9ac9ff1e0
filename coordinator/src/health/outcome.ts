/**
 * A check's outcome, and how the outcomes of a check run once per host add up: any host Failed
 * fails it, else any Error makes it an Error, else any Inconclusive makes it Inconclusive.
 */
import type { CheckVerdict } from '../../../protocol/src/index.ts';
import type { HealthHost } from '../store/health.ts';

/** What one evaluation of a check says. */
export interface Outcome {
  verdict: CheckVerdict;
  message: string;
  value?: number;
}

const RANK: Readonly<Record<CheckVerdict, number>> = { Failed: 3, Error: 2, Inconclusive: 1, Successful: 0 };

/** The outcomes of one check on several hosts, as one outcome naming the worst hosts. */
export function combineHosts(hosts: readonly HealthHost[], outcomes: readonly Outcome[]): Outcome {
  if (outcomes.length === 0) return { verdict: 'Inconclusive', message: 'no host to check yet' };
  const worst = outcomes.reduce((w, o) => (RANK[o.verdict] > RANK[w] ? o.verdict : w), 'Successful' as CheckVerdict);
  const which = outcomes.map((o, i) => ({ o, host: hosts[i] })).filter((x) => x.o.verdict === worst);
  const shown = which.slice(0, 3).map((x) => `${x.host?.hostname ?? '?'}: ${x.o.message}`).join('; ');
  const more = which.length > 3 ? `; and ${which.length - 3} more` : '';
  const value = which.find((x) => x.o.value !== undefined)?.o.value;
  const head = worst === 'Successful' ? `all ${outcomes.length} host(s) passed` : `${which.length} of ${outcomes.length} host(s) ${worst === 'Error' ? 'could not be checked' : worst}`;
  return { verdict: worst, message: `${head}: ${shown}${more}`, ...(value === undefined ? {} : { value }) };
}

/** Runs `fn` over `items` with at most `limit` at a time, keeping their order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
