/**
 * Traffic control and blue/green on a deployment group: which load balancer takes a host out
 * before it changes and puts it back after (CodeDeploy's BlockTraffic and AllowTraffic), and how
 * a blue/green deployment picks its replacement hosts and moves traffic to them. Shapes follow
 * CodeDeploy's `deploymentStyle` and `blueGreenDeploymentConfiguration`, adapted to load
 * balancers and hosts an operator owns.
 */
import { z } from 'zod';
import { parseServerTemplate } from './server-template.ts';
import { AbsolutePath } from './traffic-wire.ts';

/** The load-balancer adapters a group can name. */
export const TRAFFIC_PROVIDERS = ['haproxy', 'nginx', 'command', 'http'] as const;
export type TrafficProviderName = (typeof TRAFFIC_PROVIDERS)[number];

const TagKey = z.string().min(1).max(128);

/** A host's server name (HAProxy) or address (nginx) from a template; checked when stored. */
const ServerTemplate = z
  .string()
  .min(1)
  .max(256)
  .superRefine((t, ctx) => {
    const parsed = parseServerTemplate(t);
    if (typeof parsed === 'string') ctx.addIssue({ code: 'custom', message: `malformed template "${t}": ${parsed}` });
  });

/** Settings every provider shares: how long to drain, and what AllowTraffic waits for. */
const Common = {
  /** Seconds BlockTraffic waits for the host's open sessions to end before it goes on. @default 30 */
  drainTimeoutSeconds: z.number().int().min(0).max(3600).default(30),
  /** Consecutive health passes AllowTraffic needs once the host is back. @default 3 */
  healthyPasses: z.number().int().min(1).max(100).default(3),
  /** Seconds between two health checks of AllowTraffic. @default 1 */
  healthIntervalSeconds: z.number().min(0.1).max(300).default(1),
  /** Seconds AllowTraffic may take before the host fails (CUSTOMER_APPLICATION_UNHEALTHY). @default 300 */
  allowTimeoutSeconds: z.number().int().min(1).max(3600).default(300),
  /**
   * A host whose deployment failed after BlockTraffic stays out of the balancer (CodeDeploy's
   * behaviour); false puts it back in. @default true
   */
  keepFailedHostsOut: z.boolean().default(true),
};

/** Names the host's server: exactly one of a tag (its value is the name) or a template. */
const Mapping = {
  /** A tag key whose value, on each host, is its server name (HAProxy) or address (nginx). */
  serverTag: TagKey.optional(),
  /** A template such as `web-{hostname}`, `{tag:lb-name}` or `{instanceId}`. */
  serverTemplate: ServerTemplate.optional(),
};

function oneMapping(c: { serverTag?: string | undefined; serverTemplate?: string | undefined }, ctx: z.RefinementCtx): void {
  if ((c.serverTag === undefined) === (c.serverTemplate === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['serverTag'], message: 'name the host-to-server mapping: give serverTag or serverTemplate (one of them)' });
  }
}

/** `/path/to/admin.sock` (a Unix socket) or `tcp://host:port`. */
const HaproxySocket = z
  .string()
  .min(2)
  .max(4096)
  .regex(/^(\/.*|tcp:\/\/[^\s/]+:\d{1,5})$/, 'must be the absolute path of a Unix socket or tcp://host:port');

/** HAProxy through its runtime API (a stats socket at `level admin`). */
export const HaproxyTrafficControl = z
  .strictObject({
    provider: z.literal('haproxy'),
    socket: HaproxySocket,
    /** The backend the hosts are servers of. */
    backend: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be an HAProxy backend name'),
    ...Mapping,
    /** The state BlockTraffic sets: drain (health checks go on) or maint. @default drain */
    blockState: z.enum(['drain', 'maint']).default('drain'),
    ...Common,
  })
  .superRefine(oneMapping);

/** Open-source nginx: an upstream file the adapter rewrites, then a graceful reload. */
export const NginxTrafficControl = z
  .strictObject({
    provider: z.literal('nginx'),
    /** The file holding the upstream's `server` lines (included by nginx.conf). */
    upstreamFile: AbsolutePath,
    /** Who rewrites the file and reloads: the coordinator, or the agent of the host named so (hostname or instance id). @default coordinator */
    runOn: z.string().min(1).max(255).default('coordinator'),
    /** The reload command, as argv. @default ["nginx", "-s", "reload"] */
    reload: z.array(z.string().min(1).max(4096)).min(1).max(32).default(['nginx', '-s', 'reload']),
    /** nginx's pid file: BlockTraffic waits for the old workers to finish their requests. */
    pidFile: z.optional(AbsolutePath),
    /** The path AllowTraffic requests from the host's address (2xx or 3xx passes). @default / */
    healthPath: z.string().regex(/^\/[^\s]*$/, 'must start with /').max(1024).default('/'),
    ...Mapping,
    ...Common,
  })
  .superRefine(oneMapping);

/** Block and allow scripts the agent runs on the host itself, with the hook runner's rules. */
export const CommandTrafficControl = z.strictObject({
  provider: z.literal('command'),
  /** Takes the host out (BlockTraffic). */
  block: AbsolutePath,
  /** Puts it back (AllowTraffic). */
  allow: AbsolutePath,
  /** One health check: exit 0 passes (AllowTraffic runs it until healthyPasses in a row). */
  check: z.optional(AbsolutePath),
  /** Seconds each script may run. @default 300 */
  timeoutSeconds: z.number().int().min(1).max(3600).default(300),
  /** Linux only: the user the scripts run as. */
  runas: z.string().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'must be a user name').optional(),
  ...Common,
});

/** A webhook told `block`, `allow` or `check` for a host; it answers when done. */
export const HttpTrafficControl = z.strictObject({
  provider: z.literal('http'),
  url: z.url({ protocol: /^https?$/ }).max(2048).refine((u) => !/^[a-z]+:\/\/[^/]*@/i.test(u), 'must not carry credentials: use token'),
  /** Sent as `Authorization: Bearer <token>`; never shown, logged or put in an error. */
  token: z.string().min(1).max(4096).optional(),
  /** Seconds one call may take. @default 300 */
  timeoutSeconds: z.number().int().min(1).max(3600).default(300),
  ...Common,
});

/** A group's traffic control: one provider and its settings. */
export const TrafficControl = z.discriminatedUnion('provider', [HaproxyTrafficControl, NginxTrafficControl, CommandTrafficControl, HttpTrafficControl], {
  error: (issue) =>
    issue.code === 'invalid_union' ? `unknown traffic provider ${JSON.stringify((issue.input as { provider?: unknown } | undefined)?.provider)}: use ${TRAFFIC_PROVIDERS.join(', ')}` : undefined,
});
export type TrafficControl = z.output<typeof TrafficControl>;
export type TrafficControlInput = z.input<typeof TrafficControl>;

/** CodeDeploy's deploymentStyle. */
export const DeploymentStyle = z.strictObject({
  deploymentType: z.enum(['IN_PLACE', 'BLUE_GREEN']).default('IN_PLACE'),
  /** @default WITH_TRAFFIC_CONTROL when the group has trafficControl, else WITHOUT_TRAFFIC_CONTROL */
  deploymentOption: z.enum(['WITH_TRAFFIC_CONTROL', 'WITHOUT_TRAFFIC_CONTROL']).optional(),
});
export type DeploymentStyle = z.output<typeof DeploymentStyle>;

const Percent = z.number().int().min(1).max(99);
const IntervalSeconds = z.number().int().min(0).max(7 * 24 * 3600);

/**
 * How traffic moves to the replacement hosts: all at once, or in steps with a health-checked
 * interval between them (CodeDeploy's trafficRoutingConfig, in seconds rather than minutes).
 */
export const TrafficRouting = z
  .strictObject({
    type: z.enum(['AllAtOnce', 'TimeBasedCanary', 'TimeBasedLinear']).default('AllAtOnce'),
    timeBasedCanary: z.strictObject({ canaryPercentage: Percent, canaryIntervalSeconds: IntervalSeconds }).optional(),
    timeBasedLinear: z.strictObject({ linearPercentage: Percent, linearIntervalSeconds: IntervalSeconds }).optional(),
  })
  .superRefine((r, ctx) => {
    if (r.type === 'TimeBasedCanary' && r.timeBasedCanary === undefined) ctx.addIssue({ code: 'custom', path: ['timeBasedCanary'], message: 'Required with type TimeBasedCanary' });
    if (r.type === 'TimeBasedLinear' && r.timeBasedLinear === undefined) ctx.addIssue({ code: 'custom', path: ['timeBasedLinear'], message: 'Required with type TimeBasedLinear' });
  });
export type TrafficRouting = z.output<typeof TrafficRouting>;

/**
 * CodeDeploy's blueGreenDeploymentConfiguration for hosts an operator owns. The replacement
 * (green) hosts are not provisioned: the group's hosts form two fleets by the value of a tag
 * (`greenFleetProvisioningOption: {action: DISCOVER_BY_TAGS, fleetTag}`); the fleet not serving
 * is green, and the two swap roles after each successful deployment.
 */
export const BlueGreenDeploymentConfiguration = z.strictObject({
  greenFleetProvisioningOption: z.strictObject({
    action: z.literal('DISCOVER_BY_TAGS', { error: 'Deckhand discovers the replacement hosts by a tag: use DISCOVER_BY_TAGS' }),
    /** The tag whose two values split the group's hosts into two fleets. */
    fleetTag: TagKey,
  }),
  deploymentReadyOption: z
    .strictObject({
      actionOnTimeout: z.literal('CONTINUE_DEPLOYMENT', { error: 'traffic moves as soon as the replacement hosts are ready: use CONTINUE_DEPLOYMENT' }),
      waitTimeInMinutes: z.literal(0).optional(),
    })
    .optional(),
  trafficRoutingConfig: TrafficRouting.optional(),
  terminateBlueInstancesOnDeploymentSuccess: z
    .strictObject({
      /** KEEP_ALIVE: the blue hosts stay, out of the balancer; RETIRE: they also run their revision's Retire hook. */
      action: z.enum(['KEEP_ALIVE', 'RETIRE'], { error: 'Deckhand never terminates hosts you own: use KEEP_ALIVE or RETIRE (runs the Retire hook)' }),
      /** How long traffic may still move back to blue before blue's BlockTraffic (fractions allowed). @default 0 */
      terminationWaitTimeInMinutes: z.number().min(0).max(2880).default(0),
    })
    .optional(),
});
export type BlueGreenDeploymentConfiguration = z.output<typeof BlueGreenDeploymentConfiguration>;

/** The stored traffic control of a group as shown by the API: the http provider's token is not. */
export function redactTrafficControl(c: TrafficControl): TrafficControl & { tokenSet?: boolean } {
  if (c.provider !== 'http' || c.token === undefined) return c;
  const { token: _token, ...rest } = c;
  return { ...rest, tokenSet: true };
}

/** The effective deployment type and whether traffic is controlled, from a group's settings. */
export function effectiveStyle(style: DeploymentStyle | undefined, traffic: TrafficControl | undefined): { type: 'IN_PLACE' | 'BLUE_GREEN'; withTraffic: boolean } {
  const type = style?.deploymentType ?? 'IN_PLACE';
  const option = style?.deploymentOption ?? (traffic ? 'WITH_TRAFFIC_CONTROL' : 'WITHOUT_TRAFFIC_CONTROL');
  return { type, withTraffic: option === 'WITH_TRAFFIC_CONTROL' && traffic !== undefined };
}

/**
 * Why a group's deployment style, traffic control and blue/green configuration do not fit
 * together (CodeDeploy's MISSING_* error codes say the same), or undefined when they do.
 */
export function styleProblem(
  style: DeploymentStyle | undefined,
  traffic: TrafficControl | undefined,
  blueGreen: BlueGreenDeploymentConfiguration | undefined,
): { code: 'MISSING_ELB_INFORMATION' | 'MISSING_BLUE_GREEN_DEPLOYMENT_CONFIGURATION'; field: string; message: string } | undefined {
  const type = style?.deploymentType ?? 'IN_PLACE';
  if (style?.deploymentOption === 'WITH_TRAFFIC_CONTROL' && traffic === undefined) {
    return { code: 'MISSING_ELB_INFORMATION', field: 'trafficControl', message: 'trafficControl: Required with deploymentOption WITH_TRAFFIC_CONTROL' };
  }
  if (type !== 'BLUE_GREEN') return undefined;
  if (traffic === undefined || style?.deploymentOption === 'WITHOUT_TRAFFIC_CONTROL') {
    return { code: 'MISSING_ELB_INFORMATION', field: 'trafficControl', message: 'trafficControl: a blue/green deployment moves traffic, so it needs a traffic provider' };
  }
  if (traffic.provider === 'command') {
    return {
      code: 'MISSING_ELB_INFORMATION',
      field: 'trafficControl.provider',
      message: 'trafficControl.provider: blue/green needs a balancer the coordinator drives (haproxy, nginx or http); command scripts only run inside a host\'s own lifecycle',
    };
  }
  if (blueGreen === undefined) {
    return { code: 'MISSING_BLUE_GREEN_DEPLOYMENT_CONFIGURATION', field: 'blueGreenDeploymentConfiguration', message: 'blueGreenDeploymentConfiguration: Required with deploymentType BLUE_GREEN' };
  }
  return undefined;
}

/**
 * The cumulative share of the replacement hosts serving after each step of `routing`, in
 * percent (the last is always 100).
 */
export function routingSteps(routing: TrafficRouting | undefined): { percent: number; intervalSeconds: number }[] {
  if (routing?.type === 'TimeBasedCanary' && routing.timeBasedCanary) {
    const c = routing.timeBasedCanary;
    return [{ percent: c.canaryPercentage, intervalSeconds: c.canaryIntervalSeconds }, { percent: 100, intervalSeconds: 0 }];
  }
  if (routing?.type === 'TimeBasedLinear' && routing.timeBasedLinear) {
    const l = routing.timeBasedLinear;
    const steps: { percent: number; intervalSeconds: number }[] = [];
    for (let p = l.linearPercentage; p < 100; p += l.linearPercentage) steps.push({ percent: p, intervalSeconds: l.linearIntervalSeconds });
    steps.push({ percent: 100, intervalSeconds: 0 });
    return steps;
  }
  return [{ percent: 100, intervalSeconds: 0 }];
}
