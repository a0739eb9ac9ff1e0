/**
 * Evaluating a health check for a deployment: http (once, or once per host when its URL names
 * one), prometheus (an instant query and a condition, or the canary against the baseline),
 * webhook (Spinnaker's deployment monitor contract) and command (the agents run a script of the
 * revision; commands.ts). An evaluation never throws: what cannot be measured is an Error.
 */
import type { BaselineOptions, HealthCheckSpec } from '../../../protocol/src/index.ts';
import type { HealthHost } from '../store/health.ts';
import { classify, type Judged } from './baseline.ts';
import { checkJson, describeNumberCondition, holds, parseJsonCondition, parseNumberCondition } from './condition.ts';
import { combineHosts, mapLimit, type Outcome } from './outcome.ts';
import { instantQuery, labelText, rangeQuery, type PromTarget } from './prometheus.ts';
import { jsonOf, MeasureError, send } from './request.ts';
import { isPerHost, namesHosts, render, type TemplateValues } from './template.ts';
import { webhookOutcome } from './webhook.ts';

export type { Outcome } from './outcome.ts';

/** What a check is evaluated for. */
export interface CheckContext {
  deploymentId: string;
  groupName: string;
  applicationName: string;
  /** The step whose analysis this is; undefined for an alarm. */
  step?: number;
  now: Date;
  /** The hosts judged: the analysed step's, or for an alarm every host taken so far. */
  canary(): Promise<HealthHost[]>;
  /** As many not-yet-updated hosts as there are canary hosts. */
  baseline(): Promise<HealthHost[]>;
  signal?: AbortSignal;
}

/** Runs a command check on hosts (the hub: agents run the script). */
export interface CommandRunner {
  runCommandCheck(spec: Extract<HealthCheckSpec, { type: 'command' }>, hosts: readonly HealthHost[], ctx: CheckContext): Promise<Outcome[]>;
}

/** How many hosts a per-host check asks at once. */
const HOST_CONCURRENCY = 32;

function values(ctx: CheckContext): TemplateValues {
  return { deploymentId: ctx.deploymentId, groupName: ctx.groupName, applicationName: ctx.applicationName, ...(ctx.step === undefined ? {} : { step: ctx.step }) };
}

async function httpOnce(spec: Extract<HealthCheckSpec, { type: 'http' }>, v: TemplateValues, ctx: CheckContext): Promise<Outcome> {
  const headers = Object.fromEntries(Object.entries(spec.headers).map(([k, h]) => [k, render(h, v)]));
  const answer = await send({
    url: render(spec.url, v, true),
    method: spec.method,
    headers,
    timeoutMs: spec.timeoutSeconds * 1000,
    ...(spec.body === undefined ? {} : { body: render(spec.body, v) }),
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  const ok = spec.expectedStatus ? spec.expectedStatus.includes(answer.status) : answer.status >= 200 && answer.status < 300;
  if (!ok) return { verdict: 'Failed', message: `status ${answer.status}, expected ${spec.expectedStatus ? spec.expectedStatus.join(' or ') : '2xx'}`, value: answer.status };
  if (spec.condition === undefined) return { verdict: 'Successful', message: `status ${answer.status}`, value: answer.status };
  const condition = parseJsonCondition(spec.condition);
  if (!condition.ok) throw new MeasureError(`condition: ${condition.error}`);
  const judged = checkJson(jsonOf(answer, 'the service'), condition.condition);
  const verdict = judged.result === 'met' ? 'Successful' : judged.result === 'unmet' ? 'Failed' : 'Inconclusive';
  return { verdict, message: `status ${answer.status}, ${judged.message}` };
}

async function httpCheck(spec: Extract<HealthCheckSpec, { type: 'http' }>, ctx: CheckContext): Promise<Outcome> {
  const perHost = isPerHost(spec.url) || Object.values(spec.headers).some(isPerHost) || (spec.body !== undefined && isPerHost(spec.body));
  if (!perHost) return guard(() => httpOnce(spec, values(ctx), ctx));
  const hosts = await ctx.canary();
  const outcomes = await mapLimit(hosts, HOST_CONCURRENCY, (host) => guard(() => httpOnce(spec, { ...values(ctx), host }, ctx)));
  return combineHosts(hosts, outcomes);
}

function target(spec: Extract<HealthCheckSpec, { type: 'prometheus' }>, ctx: CheckContext): PromTarget {
  return { address: spec.address, headers: spec.headers, timeoutMs: spec.timeoutSeconds * 1000, ...(ctx.signal ? { signal: ctx.signal } : {}) };
}

async function prometheusCheck(spec: Extract<HealthCheckSpec, { type: 'prometheus' }>, ctx: CheckContext): Promise<Outcome> {
  const canary = namesHosts(spec.query, 'canary') ? await ctx.canary() : [];
  if (namesHosts(spec.query, 'canary') && canary.length === 0) return { verdict: 'Inconclusive', message: 'no canary host to query yet' };
  const baseline = namesHosts(spec.query, 'baseline') ? await ctx.baseline() : [];
  const query = render(spec.query, { ...values(ctx), canary, baseline, hostLabel: spec.hostLabel });
  const condition = parseNumberCondition(spec.condition);
  if (!condition.ok) throw new MeasureError(`condition: ${condition.error}`);
  const c = condition.condition;
  const samples = await instantQuery(target(spec, ctx), query, ctx.now);
  if (samples.length === 0) return { verdict: 'Inconclusive', message: 'the query returned no series' };
  const nan = samples.find((s) => Number.isNaN(s.value));
  if (nan) return { verdict: 'Inconclusive', message: `the query returned NaN${labelText(nan.labels)}` };
  const failing = samples.filter((s) => !holds(s.value, c));
  const first = failing[0];
  if (first) {
    const more = failing.length > 1 ? ` (${failing.length} of ${samples.length} series)` : '';
    return { verdict: 'Failed', message: `result ${first.value}${labelText(first.labels)} is not ${describeNumberCondition(c)}${more}`, value: first.value };
  }
  const s0 = samples[0] as { value: number };
  return { verdict: 'Successful', message: `result ${s0.value} ${describeNumberCondition(c)}${samples.length > 1 ? ` (all ${samples.length} series)` : ''}`, value: s0.value };
}

async function webhookCheck(spec: Extract<HealthCheckSpec, { type: 'webhook' }>, ctx: CheckContext): Promise<Outcome> {
  const hosts = await ctx.canary();
  const body = {
    deploymentId: ctx.deploymentId,
    applicationName: ctx.applicationName,
    deploymentGroupName: ctx.groupName,
    step: ctx.step ?? null,
    purpose: ctx.step === undefined ? 'alarm' : 'analysis',
    hosts: hosts.map((h) => ({ instanceId: h.instanceId, hostname: h.hostname })),
  };
  const answer = await send({
    url: render(spec.url, values(ctx), true),
    method: 'POST',
    headers: { 'content-type': 'application/json', ...spec.headers },
    body: JSON.stringify(body),
    timeoutMs: spec.timeoutSeconds * 1000,
    ...(ctx.signal ? { signal: ctx.signal } : {}),
  });
  if (answer.status < 200 || answer.status > 299) throw new MeasureError(`the deployment monitor answered ${answer.status}`);
  return webhookOutcome(jsonOf(answer, 'the deployment monitor'));
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Runs an evaluation; a MeasureError (or anything else thrown) becomes an Error outcome. */
async function guard(fn: () => Promise<Outcome>): Promise<Outcome> {
  try {
    return await fn();
  } catch (err) {
    return { verdict: 'Error', message: err instanceof MeasureError ? err.message : `the check could not run: ${errorText(err)}` };
  }
}

/** Evaluates checks; `commands` runs command checks on the agents. */
export class CheckEvaluator {
  constructor(private readonly commands?: CommandRunner) {}

  /** The check's outcome for `ctx`; never throws. */
  evaluate(spec: HealthCheckSpec, ctx: CheckContext): Promise<Outcome> {
    switch (spec.type) {
      case 'http':
        return httpCheck(spec, ctx);
      case 'prometheus':
        return guard(() => prometheusCheck(spec, ctx));
      case 'webhook':
        return guard(() => webhookCheck(spec, ctx));
      case 'command':
        return guard(async () => {
          if (!this.commands) throw new MeasureError('command checks need the agents: this coordinator runs none');
          const hosts = await ctx.canary();
          return combineHosts(hosts, await this.commands.runCommandCheck(spec, hosts, ctx));
        });
    }
  }

  /**
   * The canary against the baseline over [from, now] (Kayenta's judge): the check's query is
   * run over a range for the canary hosts, and again with the baseline hosts in their place.
   */
  async compare(spec: Extract<HealthCheckSpec, { type: 'prometheus' }>, ctx: CheckContext, from: Date, options: BaselineOptions): Promise<Judged | Outcome> {
    try {
      const canary = await ctx.canary();
      const baseline = await ctx.baseline();
      if (canary.length === 0 || baseline.length === 0) return { classification: 'NoData', message: `no ${canary.length === 0 ? 'canary' : 'baseline'} hosts to compare` };
      const seconds = Math.max(1, (ctx.now.getTime() - from.getTime()) / 1000);
      const step = Math.max(1, Math.ceil(seconds / 60));
      const t = target(spec, ctx);
      const run = async (hosts: readonly HealthHost[], others: readonly HealthHost[]): Promise<number[]> => {
        const query = render(spec.query, { ...values(ctx), canary: hosts, baseline: others, hostLabel: spec.hostLabel });
        return (await rangeQuery(t, query, from, ctx.now, step)).flatMap((s) => s.values);
      };
      return classify(await run(canary, baseline), await run(baseline, canary), options);
    } catch (err) {
      return { verdict: 'Error', message: err instanceof MeasureError ? err.message : `the comparison could not run: ${errorText(err)}` };
    }
  }
}
