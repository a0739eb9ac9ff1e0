/**
 * What the HTTP API needs from the rest of the coordinator. The scheduler and hub are reached
 * through these narrow interfaces so the API can be tested over the real store on its own.
 */
import type { TokenHasher } from '../auth/token-hash.ts';
import type { IncomingMessage } from 'node:http';
import type { ServerOptions as HttpServerOptions } from 'node:http';
import type { ServerOptions } from 'node:https';
import type { Socket } from 'node:net';
import type { CoordinatorKeyView } from '../../../protocol/src/index.ts';
import type { Clock } from '../../../common/src/clock.ts';
import type { Logger } from '../../../common/src/logger.ts';
import type {
  ChangeRolloutRequest,
  DeploymentPlan,
  DeploymentStatus,
  DeploymentSummary,
  DeploymentView,
  PreflightResponse,
  RolloutActionResponse,
} from '../../../protocol/src/index.ts';
import type { ArtifactStore } from '../artifacts/store.ts';
import type { NonceCache } from '../auth/agent-auth.ts';
import type { NewDeployment, PlanQuery, RetryOptions, RollbackOptions, StopResult } from '../scheduler/index.ts';
import type { PreflightQuery } from '../scheduler/preflight.ts';
import type { LogFeed } from '../logs/feed.ts';
import type { CoordinatorMetrics } from '../notify/metrics.ts';
import type { Store } from '../store/store.ts';
import type { GridWatchOptions } from '../dashboard/grid-watch.ts';
import type { TrafficCheckProblem, TrafficSettings } from '../traffic/check.ts';
import type { HostBalancerState, TrafficHost } from '../traffic/provider.ts';
import type { TrafficControl } from '../../../protocol/src/index.ts';

export type { NewDeployment, PlanQuery, PreflightQuery, StopResult };

/** The hook output retention the coordinator was started with (defaults in logs/retention.ts, hub/log-intake.ts). */
export interface LogSettings {
  maxBytesPerDeployment: number;
  days: number;
}

/** Filter of {@link DeploymentService.listDeploymentSummaries}. */
export interface DeploymentFilter {
  applicationName?: string;
  deploymentGroupName?: string;
  status?: DeploymentStatus;
  /** At most this many. @default all */
  limit?: number;
  /** Only deployments listed after this one (newest first). */
  before?: { createdAt: string; deploymentId: string };
}

/** The scheduler as the API sees it. */
export interface DeploymentService {
  /** Stores and starts a deployment; returns its id. */
  createDeployment(input: NewDeployment): Promise<string>;
  getDeploymentView(deploymentId: string): Promise<DeploymentView | undefined>;
  /** The deployment without its per-host targets (what creating or rolling back answers). */
  getDeploymentSummary(deploymentId: string): Promise<DeploymentSummary | undefined>;
  /** Deployments matching `filter`, newest first, without their per-host targets. */
  listDeploymentSummaries(filter: DeploymentFilter): Promise<DeploymentSummary[]>;
  /** Stops a queued or running deployment; NOT_FOUND / CONFLICT otherwise. */
  stopDeployment(deploymentId: string, autoRollbackEnabled?: boolean): Promise<StopResult>;
  /** Deploys the group's last successful revision again; returns the new deployment's id. */
  rollbackGroup(deploymentGroupId: string, opts: RollbackOptions): Promise<string>;
  /** Deploys an ended deployment's revision again to its failed and skipped hosts; returns the new id. */
  retryFailed(deploymentId: string, opts: RetryOptions): Promise<string>;
  /** Ends the bake and analysis of a running deployment now; CONFLICT when it is not between steps. */
  promoteDeployment(deploymentId: string, who: string): Promise<RolloutActionResponse>;
  /** Changes the batch size or bake of a running deployment. */
  changeRollout(deploymentId: string, change: ChangeRolloutRequest, who: string): Promise<RolloutActionResponse>;
  /** What a deployment would do, without starting it. */
  planDeployment(query: PlanQuery): Promise<DeploymentPlan>;
  /** Asks every target agent to check the revision; creates nothing, takes no host out of service. */
  preflightDeployment(query: PreflightQuery): Promise<PreflightResponse>;
  /** Pauses a running deployment; NOT_FOUND / CONFLICT otherwise. */
  pauseDeployment(deploymentId: string, who: string): Promise<RolloutActionResponse>;
  /** Resumes a paused deployment; NOT_FOUND / CONFLICT otherwise. */
  resumeDeployment(deploymentId: string, who: string): Promise<RolloutActionResponse>;
  /** Approves a deployment waiting after its first batch; CONFLICT when it is not waiting. */
  approveDeployment(deploymentId: string, who: string): Promise<RolloutActionResponse>;
  /** The instance registered or its tags changed; returns the deployments this created. */
  instanceChanged(instanceId: string): Promise<string[]>;
}

/** The hub as the API sees it. */
export interface AgentPresence {
  isConnected(instanceId: string): boolean;
  /** Closes every connection of the instance, greeted or not (deregistration); returns how many. */
  closeInstance?(instanceId: string): number;
  /** How many agents are connected now (metrics). @default 0 */
  connectedCount?(): number;
  /** True while the host is asked to preflight the revision (it may then download it). */
  isPreflighting?(instanceId: string, revisionId: string): boolean;
}

/** The traffic service as the API sees it. */
export interface TrafficApi {
  /** The first problem of a group's traffic settings for its current hosts, or undefined. */
  check(settings: TrafficSettings, hosts: readonly TrafficHost[]): Promise<TrafficCheckProblem | undefined>;
  /** What the balancer says of each host now, or why it cannot tell. */
  liveStates(control: TrafficControl, hosts: readonly TrafficHost[]): Promise<{ states: Map<string, HostBalancerState>; problem?: string }>;
}

/** What /readyz answers. */
export interface Readiness {
  ready: boolean;
  /** `store`: writable or not; `migrations`: done or pending; `detail`: what is wrong, if anything. */
  checks: { store: string; migrations: string; detail?: string };
  /** Among several coordinators: this one's part. */
  node?: { nodeId: string; storeOk: boolean; leases: string[]; agents: number; lastError?: string };
}

/** Dependencies of {@link buildApi}. */
export interface ApiDeps {
  store: Store;
  /** What /readyz reports. @default the store's readiness alone (readiness.ts) */
  readiness?: () => Promise<Readiness>;
  clock: Clock;
  logger: Logger;
  artifacts: ArtifactStore;
  scheduler: DeploymentService;
  hub: AgentPresence;
  nonces: NonceCache;
  /** Wakes log followers when hook output is stored (the hub's). @default a feed nothing publishes to: followers poll */
  logFeed?: LogFeed;
  /** The hook output retention in force, as the logs API reports it. @default the defaults */
  logSettings?: LogSettings;
  /** Tells the webhook notifier there is work (a test message). @default nothing: it polls */
  wakeWebhooks?: () => void;
  /** The coordinator's metrics. @default metrics of this API alone */
  metrics?: CoordinatorMetrics;
  /** A token that may read /metrics besides the admin token (--metrics-token). */
  metricsToken?: string;
  /** The keys the coordinator signs agent commands with, given to every host at registration. */
  coordinatorKeys?: () => CoordinatorKeyView[];
  /** HTTPS options (certificate, key, client CA); absent: plain HTTP. */
  https?: ServerOptions;
  /** Options of the plain HTTP server (timeouts, edge/server-limits.ts), when not serving HTTPS. */
  http?: HttpServerOptions;
  /** Told of each request that authenticated (a token or an agent signature), with its connection (edge/connection-guard.ts). */
  onAuthenticated?: (socket: Socket) => void;
  /** Hashes token secrets (auth/token-hash.ts). */
  tokenHasher: TokenHasher;
  /** The automatic CA (--tls auto), served to installers with its fingerprint. */
  autoCa?: { pem: string; sha256: string };
  /** With --client-ca: the check an agent-signed request's TLS client certificate must pass. */
  agentClientCertificate?: (req: IncomingMessage) => string | undefined;
  /** The coordinator looks alarms up in an Alertmanager too (--alertmanager). */
  alertmanager?: boolean;
  /** The built dashboard (index.html, app.js, app.css). @default dist/web under the working directory */
  dashboardDir?: string;
  /** How often live grids are read. @default see GridWatchOptions */
  gridWatch?: GridWatchOptions;
  /** Checks and shows groups' load balancers; absent: groups cannot be given traffic control. */
  traffic?: TrafficApi;
}
