/**
 * The traffic-control values the agent parses at run time (wire frames and deploy commands),
 * written with zod/mini like every wire schema: who performs BlockTraffic and AllowTraffic, the
 * two events' names, a host's fleet label and where it stands on its balancer. The group
 * settings these come from (traffic.ts) are API schemas, which the agent never loads.
 */
import * as z from './zod.ts';

/** An absolute path on a host (a script, an upstream file). */
export const AbsolutePath = z.string().check(z.minLength(2), z.maxLength(4096), z.regex(/^\//, 'must be an absolute path'));

/** What BlockTraffic and AllowTraffic do on the agent, in its deploy command. */
export const TrafficSpec = z.discriminatedUnion('runBy', [
  /** The coordinator drives the balancer: the agent asks it (agent.traffic.request) and waits. */
  z.strictObject({ runBy: z.literal('coordinator') }),
  /** The agent runs the group's scripts itself (provider `command`). */
  z.strictObject({
    runBy: z.literal('agent'),
    block: AbsolutePath,
    allow: AbsolutePath,
    check: z.optional(AbsolutePath),
    timeoutSeconds: z.number().check(z.int(), z.minimum(1), z.maximum(3600)),
    runas: z.optional(z.string().check(z.maxLength(32))),
    healthyPasses: z.number().check(z.int(), z.minimum(1), z.maximum(100)),
    healthIntervalSeconds: z.number().check(z.minimum(0.1), z.maximum(300)),
    allowTimeoutSeconds: z.number().check(z.int(), z.minimum(1), z.maximum(3600)),
  }),
]);
export type TrafficSpec = z.infer<typeof TrafficSpec>;

/** The traffic events the balancer's driver performs, the only ones agent.traffic.request names. */
export const TrafficEventName = z.enum(['BlockTraffic', 'AllowTraffic']);
export type TrafficEventName = z.infer<typeof TrafficEventName>;

/** Which fleet a host of a blue/green deployment is in (CodeDeploy's instanceType / ServerInstanceLabel). */
export const InstanceLabel = z.enum(['Blue', 'Green']);
export type InstanceLabel = z.infer<typeof InstanceLabel>;

/** Where a host stands on its load balancer, as the coordinator last set or read it. */
export const BALANCER_STATES = ['serving', 'draining', 'out', 'unknown'] as const;
export const BalancerStateSchema = z.enum(BALANCER_STATES);
export type BalancerState = z.infer<typeof BalancerStateSchema>;
