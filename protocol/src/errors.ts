/**
 * Error vocabulary shared by agent, coordinator and CLI. Where CodeDeploy has a name we use it
 * (users port scripts and dashboards); the rest follow the same style.
 */

/** Per-event error codes, CodeDeploy's LifecycleErrorCode plus the agent's own. */
export const LIFECYCLE_ERROR_CODES = [
  'Success',
  'ScriptMissing',
  'ScriptNotExecutable',
  'ScriptTimedOut',
  'ScriptFailed',
  'UnknownError',
  'OutputsLeftOpen',
  'FailedAfterRestart',
  // A hook whose location resolves outside the revision (ours): neither made executable nor run.
  'ScriptOutsideRevision',
  // Signed revisions (ours): the agent trusts operator keys and refuses, at DownloadBundle and
  // before unpacking anything, a revision without a valid signature or older than it installed.
  'SignatureMissing',
  'SignatureInvalid',
  'RevisionDowngrade',
] as const;
export type LifecycleErrorCode = (typeof LIFECYCLE_ERROR_CODES)[number];

/** Deployment-level error codes (CodeDeploy's ErrorCode subset for EC2/on-prem, plus ours). */
export const DEPLOYMENT_ERROR_CODES = [
  'AGENT_ISSUE',
  'AGENT_OFFLINE',
  // An alarm of the deployment's alarm configuration was in alarm (or unreadable): Stopped.
  'ALARM_ACTIVE',
  // Ours: a step's analysis judged the canary bad (health checks, baseline comparison): Failed.
  'ANALYSIS_FAILED',
  'APPLICATION_MISSING',
  'DEPLOYMENT_GROUP_MISSING',
  'HEALTH_CONSTRAINTS',
  'HEALTH_CONSTRAINTS_INVALID',
  'INTERNAL_ERROR',
  'INVALID_REVISION',
  'MANUAL_STOP',
  'NO_INSTANCES',
  'REVISION_MISSING',
  'TIMEOUT',
  // Traffic control (CodeDeploy's names for its load balancers, used for ours): the balancer is
  // unreachable or misconfigured, a host is not one of its servers, the group names none, a
  // blue/green group lacks its configuration, a host never became healthy behind it.
  'ELASTIC_LOAD_BALANCING_INVALID',
  'ELB_INVALID_INSTANCE',
  'MISSING_ELB_INFORMATION',
  'MISSING_BLUE_GREEN_DEPLOYMENT_CONFIGURATION',
  'CUSTOMER_APPLICATION_UNHEALTHY',
] as const;
export type DeploymentErrorCode = (typeof DEPLOYMENT_ERROR_CODES)[number];

/** Codes for failures of the agent's own work and of the wire. */
export const AGENT_ERROR_CODES = [
  'APPSPEC_MISSING',
  'APPSPEC_INVALID',
  'BUNDLE_DOWNLOAD_FAILED',
  'BUNDLE_CHECKSUM_MISMATCH',
  'BUNDLE_UNSAFE_PATH',
  'BUNDLE_TOO_LARGE',
  'BUNDLE_EXTRACT_FAILED',
  'INSTALL_CONFLICT',
  'INSTALL_FAILED',
  'PROTOCOL_UNKNOWN_TYPE',
  'PROTOCOL_VERSION_MISMATCH',
  'PROTOCOL_INVALID_FRAME',
  'PROTOCOL_FRAME_TOO_LARGE',
  'AUTH_FAILED',
  // Authenticated, but the token's role or scope does not allow the action (HTTP 403).
  'FORBIDDEN',
  'NOT_FOUND',
  'CONFLICT',
  'VALIDATION_FAILED',
  'INTERNAL',
  'JOURNAL_CORRUPT',
  'JOURNAL_LOST',
  'DISK_FULL',
  'AGENT_ROOT_LOCKED',
  // A coordinator frame that must be signed was not, or not validly (command-signing.ts).
  'COMMAND_SIGNATURE_INVALID',
] as const;
export type AgentErrorCode = (typeof AGENT_ERROR_CODES)[number];

/** The closed union of every code Deckhand uses. */
export type ErrorCode = LifecycleErrorCode | DeploymentErrorCode | AgentErrorCode;

const ALL_CODES: ReadonlySet<string> = new Set<string>([
  ...LIFECYCLE_ERROR_CODES,
  ...DEPLOYMENT_ERROR_CODES,
  ...AGENT_ERROR_CODES,
]);

const LIFECYCLE_CODES: ReadonlySet<string> = new Set<string>(LIFECYCLE_ERROR_CODES);

/** True when `code` is a per-event error code (an event's diagnostics can carry it as is). */
export function isLifecycleErrorCode(code: unknown): code is LifecycleErrorCode {
  return typeof code === 'string' && LIFECYCLE_CODES.has(code);
}

/** True when `code` is one of Deckhand's error codes. */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && ALL_CODES.has(code);
}

/** JSON-safe value carried in error details. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The only shape of an error that crosses a process boundary. Stack traces stay local. */
export interface WireError {
  code: ErrorCode;
  message: string;
  retryable: boolean;
  details?: Json;
}

/** Options of a {@link DeckhandError}. */
export interface DeckhandErrorOptions {
  /** @default false */
  retryable?: boolean;
  details?: Json;
  cause?: unknown;
}

/** An error with a Deckhand code. Subclass only to carry extra typed data. */
export class DeckhandError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Json | undefined;

  constructor(code: ErrorCode, message: string, opts: DeckhandErrorOptions = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'DeckhandError';
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.details = opts.details;
  }
}

/** True when `err` is a DeckhandError with the given code. */
export function hasErrorCode(err: unknown, code: ErrorCode): boolean {
  return err instanceof DeckhandError && err.code === code;
}

/** Converts any thrown value to its wire form; unknown errors become INTERNAL. */
export function toWire(err: unknown): WireError {
  if (err instanceof DeckhandError) {
    const wire: WireError = { code: err.code, message: err.message, retryable: err.retryable };
    if (err.details !== undefined) wire.details = err.details;
    return wire;
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message, retryable: false };
}

/** Rebuilds a DeckhandError from its wire form. */
export function fromWire(wire: WireError): DeckhandError {
  const opts: DeckhandErrorOptions = { retryable: wire.retryable };
  if (wire.details !== undefined) opts.details = wire.details;
  return new DeckhandError(wire.code, wire.message, opts);
}
